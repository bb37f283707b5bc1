"""Text preparation, the per-pair signals, and the calibrated combiner that turns them into a score."""

from __future__ import annotations

import math
import re
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
    "FEATURE_NAMES",
    "Combiner",
    "PreparedText",
    "pair_features",
    "prepare",
]

UNACCENTED_BELOW = 0.35
_WORD_RE = re.compile(r"\w+")
_MAX_CHARS = 100_000


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
        return [*w, *(f"{a}_{b}" for a, b in zip(w, w[1:], strict=False))]


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
    return PreparedText(clean, dense, tuple(_WORD_RE.findall(fold(clean))), restored)


FEATURE_NAMES = ("cosine", "coverage", "pair_coverage", "record_coverage", "cosine_x_coverage")


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


def _weighted_share(items: set[str], other: set[str], stats: TermStats) -> float:
    total = sum(stats.idf(t) for t in items)
    if total <= 0:
        return 0.0
    return sum(stats.idf(t) for t in items if t in other) / total


def pair_features(
    query: PreparedText, record: PreparedText, cosine: float, stats: TermStats | None = None
) -> list[float]:
    """Signals for "does ``record`` address the claim in ``query``", each in [0, 1].

    cosine: dense similarity; coverage: idf-weighted share of the query's syllables found in the
    record; pair_coverage: the same for syllable pairs (word order); record_coverage: share of the
    record's syllables found in the query (low when the record is about much more).
    """
    stats = stats or UniformTermStats()
    qw, rw = set(query.words), set(record.words)
    qp = {f"{a}_{b}" for a, b in zip(query.words, query.words[1:], strict=False)}
    rp = {f"{a}_{b}" for a, b in zip(record.words, record.words[1:], strict=False)}
    cos = max(0.0, min(1.0, float(cosine)))
    cov = _weighted_share(qw, rw, stats)
    return [cos, cov, _weighted_share(qp, rp, stats), _weighted_share(rw, qw, stats), cos * cov]


@dataclass(frozen=True)
class Combiner:
    """Logistic regression over :data:`FEATURE_NAMES`: a probability that two texts are one claim."""

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
COMBINER = Combiner(weights=(1.0, 1.0, 1.0, 0.0, 1.0), bias=-2.0)
