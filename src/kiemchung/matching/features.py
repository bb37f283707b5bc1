"""Text preparation, the per-pair signals, and the calibrated combiner that scores them."""

from __future__ import annotations

import itertools
import math
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources

import numpy as np

from kiemchung.matching.embedders import Embedder
from kiemchung.matching.lexical import TermStats, UniformTermStats
from kiemchung.text.abbreviations import expand_abbreviations
from kiemchung.text.normalize import accent_ratio, fold
from kiemchung.text.restore import Restorer, builtin_restorer
from kiemchung.text.social import clean_post

__all__ = [
    "COMBINER",
    "EMBED_MAX_CHARS",
    "FEATURE_NAMES",
    "Combiner",
    "PreparedText",
    "pair_features",
    "prepare",
]

# Accented prose has 55-95% of its syllables marked; below half, the text was typed without
# diacritics (or with only some of them): the unmarked syllables are restored.
UNACCENTED_BELOW = 0.5
_WORD_RE = re.compile(r"\w+")
_MAX_CHARS = 100_000
# e5 reads 512 tokens at a time and averages longer texts window by window; a post longer than
# this (about two windows) is not one claim any more, and embedding all of it would take seconds.
EMBED_MAX_CHARS = 2_000


@dataclass(frozen=True)
class PreparedText:
    """One text made ready for matching."""

    clean: str  # normalised, URLs/emoji/tails removed, abbreviations expanded
    dense: str  # what is embedded: ``clean``, with diacritics restored when it had none
    words: tuple[str, ...]  # folded syllables of ``clean``
    restored: bool

    @property
    def terms(self) -> list[str]:
        """Folded syllables and adjacent pairs, the lexical index's terms."""
        w = self.words
        return [*w, *(f"{a}_{b}" for a, b in itertools.pairwise(w))]


def prepare(
    text: str,
    restorer: Restorer | None = None,
    abbreviations: Mapping[str, str] | None = None,
) -> PreparedText:
    """Clean, expand abbreviations, and restore diacritics when ``text`` is typed without them."""
    clean = expand_abbreviations(clean_post(text[:_MAX_CHARS]).text, abbreviations)
    dense = clean
    restored = False
    if clean and accent_ratio(clean) < UNACCENTED_BELOW:
        dense = (restorer or builtin_restorer()).restore(clean)
        restored = dense != clean
    words = tuple(map(sys.intern, _WORD_RE.findall(fold(clean))))  # shared by every record
    return PreparedText(clean, dense, words, restored)


FEATURE_NAMES = ("cosine_z", "coverage", "pair_coverage", "record_coverage", "bm25")


def _weighted_share(items: set[str], other: set[str], stats: TermStats) -> float:
    total = sum(stats.idf(t) for t in items)
    if total <= 0:
        return 0.0
    return sum(stats.idf(t) for t in items if t in other) / total


def pair_features(
    query: PreparedText,
    record: PreparedText,
    cosine: float,
    background: tuple[float, float],
    stats: TermStats | None = None,
    bm25: float | None = None,
) -> list[float]:
    """Signals for "does ``record`` address the claim in ``query``".

    cosine_z: how many background standard deviations the dense cosine stands above the query's
    cosine to unrelated sentences (divided by 10); coverage: idf-weighted share of the query's
    folded syllables found in the record; pair_coverage: the same for adjacent syllable pairs
    (word order); record_coverage: share of the record's syllables found in the query; bm25:
    BM25 over the query's maximum possible BM25 (computed here when not given).
    """
    stats = stats or UniformTermStats()
    qw, rw = set(query.words), set(record.words)
    qp = {f"{a}_{b}" for a, b in zip(query.words, query.words[1:], strict=False)}
    rp = {f"{a}_{b}" for a, b in zip(record.words, record.words[1:], strict=False)}
    mean, std = background
    z = (float(cosine) - mean) / max(std, 1e-3) / 10.0
    if bm25 is None:
        bm25 = bm25_ratio(query.terms, record.terms, stats)
    return [
        z,
        _weighted_share(qw, rw, stats),
        _weighted_share(qp, rp, stats),
        _weighted_share(rw, qw, stats),
        float(bm25),
    ]


def bm25_ratio(
    query_terms: Sequence[str], record_terms: Sequence[str], stats: TermStats,
    k1: float = 1.2, b: float = 0.75, avgdl: float | None = None,
) -> float:
    """BM25 of one record for the query, over the query's maximum possible score, in [0, 1]."""
    counts: dict[str, int] = {}
    for term in record_terms:
        counts[term] = counts.get(term, 0) + 1
    length = float(len(record_terms)) or 1.0
    norm = k1 * (1 - b + b * length / (avgdl or length))
    score = upper = 0.0
    for term in set(query_terms):
        idf = stats.idf(term)
        upper += idf * (k1 + 1)
        tf = counts.get(term, 0)
        if tf:
            score += idf * tf * (k1 + 1) / (tf + norm)
    return score / upper if upper > 0 else 0.0


class Background:
    """How similar a query is to unrelated text: e5 cosines are high for everything (0.7-0.8),
    so a cosine counts by how far it stands above the query's cosines to a fixed set of
    sentences (the project's own seed text), the same for an index and for a lone pair."""

    def __init__(self, embedder: Embedder) -> None:
        seed = resources.files("kiemchung.text") / "data" / "seed_vi.txt"
        lines = [ln for ln in seed.read_text(encoding="utf-8").splitlines() if ln[:1] != "#"]
        self.vectors = embedder.embed_passages(lines)

    def stats(self, query_vector: np.ndarray) -> tuple[float, float]:
        """Mean and standard deviation of the query's cosine to the background sentences."""
        sims = self.vectors @ query_vector
        return float(sims.mean()), float(max(sims.std(), 1e-3))


@dataclass(frozen=True)
class Combiner:
    """Logistic model over :data:`FEATURE_NAMES`: the probability that two texts are one claim."""

    weights: tuple[float, ...]
    bias: float

    def score(self, features: Sequence[float]) -> float:
        """Calibrated probability in [0, 1]."""
        z = self.bias + sum(w * f for w, f in zip(self.weights, features, strict=True))
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))

    def score_many(self, features: np.ndarray) -> np.ndarray:
        """Vectorised :meth:`score` over rows of ``features``."""
        if features.size == 0:
            return np.zeros(0, dtype=np.float64)
        z = features @ np.asarray(self.weights) + self.bias
        return np.asarray(1.0 / (1.0 + np.exp(-np.clip(z, -50, 50))), dtype=np.float64)


# Fit by ``python -m kiemchung.matching.calibrate`` (see docs/MATCHING.md); refit after changing
# the features or the text preparation.
COMBINER = Combiner(weights=(11.739, 5.7853, 5.2414, 5.8175, 3.886), bias=-6.6667)
