"""Word segmentation (underthesea) and the folded tokens used for lexical matching."""

from __future__ import annotations

import itertools
import re
from functools import lru_cache

from kiemchung.text.normalize import fold, normalize

__all__ = ["folded_terms", "stopwords", "tokenize"]

_TOKEN_RE = re.compile(r"\w+")
_MAX_CHARS = 200_000


def tokenize(text: str) -> list[str]:
    """Vietnamese words of ``text``, lowercased: "Hà Nội mưa to" -> ["hà nội", "mưa", "to"].

    Segmentation by underthesea; punctuation is dropped. Works on unaccented text too, with
    weaker segmentation.
    """
    from underthesea import word_tokenize

    text = normalize(text)[:_MAX_CHARS]
    if not text:
        return []
    words = word_tokenize(text)
    out = []
    for word in words:
        parts = _TOKEN_RE.findall(word.lower())
        if parts:
            out.append(" ".join(parts))
    return out


def folded_terms(text: str, bigrams: bool = True) -> list[str]:
    """Folded syllables of ``text`` plus adjacent-syllable pairs ("ha_noi") for lexical search.

    Pairs stand in for multi-syllable words; unlike a segmenter's output they come out the same
    for accented and unaccented spellings of the same sentence.
    """
    words = _TOKEN_RE.findall(fold(text[:_MAX_CHARS]))
    if not bigrams:
        return words
    return words + [f"{a}_{b}" for a, b in itertools.pairwise(words)]


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """Folded Vietnamese stopwords from underthesea's list."""
    from importlib import resources

    try:
        ref = resources.files("underthesea") / "datasets" / "stopwords" / "stopwords.txt"
        words = ref.read_text(encoding="utf-8").splitlines()
    except (FileNotFoundError, ModuleNotFoundError, OSError):
        words = []
    return frozenset(fold(w.strip()) for w in words if w.strip())
