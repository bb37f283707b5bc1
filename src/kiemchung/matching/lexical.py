"""An incremental BM25 index over folded syllables and syllable pairs.

bm25s is excellent for a corpus indexed once, but every new fact-check or claim would mean
re-indexing the whole workspace; this index keeps posting lists that grow in place, so add and
remove cost microseconds, and scores a query with one ``numpy.bincount`` over its postings.
"""

from __future__ import annotations

import math
import sys
from abc import ABC, abstractmethod
from array import array
from collections import Counter
from collections.abc import Iterable

import numpy as np

from kiemchung.text.tokenize import stopwords

__all__ = ["LexicalIndex", "MemoTermStats", "TermStats", "UniformTermStats"]


class TermStats(ABC):
    """Inverse document frequencies of folded terms."""

    @abstractmethod
    def idf(self, term: str) -> float:
        """The inverse document frequency of one folded term."""


class UniformTermStats(TermStats):
    """Used without a corpus: every term weighs 1, stopwords 0.2."""

    def idf(self, term: str) -> float:
        parts = term.split("_")
        return 0.2 if all(p in stopwords() for p in parts) else 1.0


class MemoTermStats(TermStats):
    """Another ``TermStats`` with each term's idf computed once: one search scores a hundred
    candidates that share most of their terms with the query and with each other."""

    def __init__(self, inner: TermStats) -> None:
        self.inner = inner
        self._idf: dict[str, float] = {}

    def idf(self, term: str) -> float:
        value = self._idf.get(term)
        if value is None:
            value = self._idf[term] = self.inner.idf(term)
        return value


class LexicalIndex(TermStats):
    """BM25 (k1=1.2, b=0.75) with posting lists that support add and remove.

    Memory is what limits a workspace's size, so each term is stored once (interned, with an
    integer id) and its postings live in typed arrays: 4 bytes a row and 2 a term frequency,
    instead of a Python int object each.
    """

    def __init__(self, k1: float = 1.2, b: float = 0.75) -> None:
        self.k1 = k1
        self.b = b
        self._term_id: dict[str, int] = {}
        self._rows: list[array[int]] = []
        self._tfs: list[array[int]] = []
        self._df = array("i")
        self._arrays: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self.doc_len = np.zeros(0, dtype=np.float32)
        self.alive = np.zeros(0, dtype=bool)
        self.n_alive = 0
        self.total_len = 0.0
        self._doc_terms: dict[int, array[int]] = {}

    def _grow(self, row: int) -> None:
        if row >= self.doc_len.shape[0]:
            size = max(1024, row + 1, self.doc_len.shape[0] * 2)
            self.doc_len = np.resize(self.doc_len, size)
            self.doc_len[row:] = 0
            alive = np.zeros(size, dtype=bool)
            alive[: self.alive.shape[0]] = self.alive
            self.alive = alive

    def __len__(self) -> int:
        """Number of distinct terms ever indexed."""
        return len(self._term_id)

    def add(self, row: int, terms: Iterable[str]) -> None:
        """Index ``terms`` (with repetitions) as document ``row``; ``row`` must be new."""
        if row < 0 or row >= 2**32 - 1:
            raise ValueError("row must be in [0, 2**32 - 1)")
        counts = Counter(terms)
        self._grow(row)
        ids = array("i")
        for term, tf in counts.items():
            tid = self._term_id.get(term)
            if tid is None:
                tid = len(self._rows)
                self._term_id[sys.intern(term)] = tid
                self._rows.append(array("I"))
                self._tfs.append(array("H"))
                self._df.append(0)
            self._rows[tid].append(row)
            self._tfs[tid].append(min(tf, 65535))
            self._arrays.pop(tid, None)
            self._df[tid] += 1
            ids.append(tid)
        length = float(sum(counts.values()))
        self.doc_len[row] = length
        self.alive[row] = True
        self.n_alive += 1
        self.total_len += length
        self._doc_terms[row] = ids

    def remove(self, row: int) -> None:
        """Forget document ``row`` (its postings are skipped from now on)."""
        if row >= self.alive.shape[0] or not self.alive[row]:
            return
        self.alive[row] = False
        self.n_alive -= 1
        self.total_len -= float(self.doc_len[row])
        for tid in self._doc_terms.pop(row, array("i")):
            self._df[tid] -= 1

    def df(self, term: str) -> int:
        """How many live documents contain ``term``."""
        tid = self._term_id.get(term)
        return 0 if tid is None else self._df[tid]

    def idf(self, term: str) -> float:
        """BM25 idf, never negative; unseen terms get the highest value."""
        n = max(self.n_alive, 1)
        df = self.df(term)
        return math.log(1.0 + (n - df + 0.5) / (df + 0.5))

    def _postings(self, term: str) -> tuple[np.ndarray, np.ndarray] | None:
        tid = self._term_id.get(term)
        if tid is None:
            return None
        arrays = self._arrays.get(tid)
        if arrays is None:
            rows = np.frombuffer(self._rows[tid], dtype=np.uint32).astype(np.int64)
            tfs = np.frombuffer(self._tfs[tid], dtype=np.uint16).astype(np.float32)
            arrays = (rows, tfs)
            self._arrays[tid] = arrays
        return arrays

    def scores(self, terms: Iterable[str], size: int) -> tuple[np.ndarray, float]:
        """BM25 of every row for the unique ``terms``, and the query's maximum possible score."""
        out = np.zeros(size, dtype=np.float32)
        if self.n_alive == 0:
            return out, 0.0
        avgdl = self.total_len / self.n_alive
        upper = 0.0
        all_rows: list[np.ndarray] = []
        all_weights: list[np.ndarray] = []
        for term in set(terms):
            idf = self.idf(term)
            upper += idf * (self.k1 + 1)
            postings = self._postings(term)
            if postings is None:
                continue
            rows, tf = postings
            norm = self.k1 * (1 - self.b + self.b * self.doc_len[rows] / avgdl)
            all_rows.append(rows)
            all_weights.append(idf * tf * (self.k1 + 1) / (tf + norm))
        if all_rows:
            rows = np.concatenate(all_rows)
            summed = np.bincount(rows, weights=np.concatenate(all_weights), minlength=size)
            out[: summed.shape[0]] = summed[:size]
            out[~self.alive[:size]] = 0
        return out, upper
