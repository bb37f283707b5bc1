"""Vietnamese text handling for matching: pure Python, no Django.

Normalisation, diacritic folding and restoration, word segmentation, abbreviations, social
media clean-up and near-duplicate hashing.
"""

from kiemchung.text.abbreviations import ABBREVIATIONS, expand_abbreviations
from kiemchung.text.keyfacts import KINDS, KeyFact, KeyFacts, key_facts
from kiemchung.text.keyfacts_compare import Conflict, conflicts, shared
from kiemchung.text.neardup import (
    key_distance,
    minhash,
    near_duplicate_key,
    near_duplicate_similarity,
    simhash,
)
from kiemchung.text.normalize import (
    accent_ratio,
    content_hash,
    fold,
    has_diacritics,
    normalize,
    normalize_tone_placement,
    syllables,
)
from kiemchung.text.restore import Restorer, builtin_restorer, restore_diacritics
from kiemchung.text.social import CleanPost, clean_post, split_hashtag
from kiemchung.text.tokenize import folded_terms, stopwords, tokenize

__all__ = [
    "ABBREVIATIONS",
    "KINDS",
    "CleanPost",
    "Conflict",
    "KeyFact",
    "KeyFacts",
    "Restorer",
    "accent_ratio",
    "builtin_restorer",
    "clean_post",
    "conflicts",
    "content_hash",
    "expand_abbreviations",
    "fold",
    "folded_terms",
    "has_diacritics",
    "key_distance",
    "key_facts",
    "minhash",
    "near_duplicate_key",
    "near_duplicate_similarity",
    "normalize",
    "normalize_tone_placement",
    "restore_diacritics",
    "shared",
    "simhash",
    "split_hashtag",
    "stopwords",
    "syllables",
    "tokenize",
]
