"""Unicode normalisation and diacritic folding for Vietnamese text."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache

__all__ = [
    "VIETNAMESE_LETTERS",
    "accent_ratio",
    "content_hash",
    "fold",
    "fold_aligned",
    "has_diacritics",
    "normalize",
    "normalize_tone_placement",
    "syllables",
]

_TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")
_QUALITY_VOWELS = frozenset("ăâêôơư")
_VOWELS = frozenset("aăâeêioôơuưy")

VIETNAMESE_LETTERS = (
    "àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ"
)
_VI_SET = frozenset(VIETNAMESE_LETTERS + VIETNAMESE_LETTERS.upper())

# Characters that never carry meaning in a post but break matching when left in.
_INVISIBLE = dict.fromkeys(
    map(ord, "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b\u200c\u200d\u200e\u200f"
        "\u202a\u202b\u202c\u202d\u202e\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068"
        "\u2069\u206a\u206b\u206c\u206d\u206e\u206f\u3164\ufe0e\ufe0f\ufeff\uffa0"),
    None,
)

# Cyrillic and Greek letters that look like Latin ones; used inside otherwise Latin words
# to dodge filters ("Vіệt" with a Cyrillic i).
_CONFUSABLES = str.maketrans(
    {
        "а": "a", "в": "B", "е": "e", "к": "k", "м": "M", "н": "H", "о": "o", "р": "p",
        "с": "c", "т": "T", "у": "y", "х": "x", "і": "i", "ј": "j", "ѕ": "s", "ԁ": "d",
        "ԛ": "q", "ԝ": "w", "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H",
        "О": "O", "Р": "P", "С": "C", "Т": "T", "У": "Y", "Х": "X", "І": "I", "Ј": "J",
        "Ѕ": "S", "α": "a", "ο": "o", "ν": "v", "ι": "i", "κ": "k", "ρ": "p", "τ": "t",
        "υ": "u", "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K",
        "Μ": "M", "Ν": "N", "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
    }
)
_CONFUSABLE_CHARS = frozenset(
    "авекмнорстухіјѕԁԛԝАВЕКМНОРСТУХІЈЅαονικρτυΑΒΕΖΗΙΚΜΝΟΡΤΥΧ"
)
_WORD_RE = re.compile(r"\w+")
_SPACE_RE = re.compile(r"\s+")
_SYLLABLE_RE = re.compile(r"[^\W\d_]+")


def _strip_controls(text: str) -> str:
    if text.isprintable():
        return text
    out = []
    for ch in text:
        cat = unicodedata.category(ch)
        if cat == "Cc" or cat == "Zl" or cat == "Zp":
            out.append(" ")
        elif cat in ("Cs", "Co", "Cn"):
            continue
        else:
            out.append(ch)
    return "".join(out)


def _is_latin_letter(ch: str) -> bool:
    return (ch.isascii() and ch.isalpha()) or ch in _VI_SET or "LATIN" in unicodedata.name(ch, "")


def _fix_confusables(word: str) -> str:
    if not any(ch in _CONFUSABLE_CHARS for ch in word):
        return word
    if any(_is_latin_letter(ch) for ch in word if ch not in _CONFUSABLE_CHARS):
        return word.translate(_CONFUSABLES)
    return word


def _onset_length(lower: str) -> int:
    """Length of the initial consonant cluster, treating 'qu' and 'gi' as consonants."""
    if lower.startswith("qu") and len(lower) > 2 and lower[2] in _VOWELS:
        return 2
    if lower.startswith("gi") and len(lower) > 2 and lower[2] in _VOWELS:
        return 2
    i = 0
    while i < len(lower) and lower[i] not in _VOWELS:
        i += 1
    return i


@lru_cache(maxsize=65536)
def _place_tone(word: str) -> str:
    decomposed = unicodedata.normalize("NFD", word)
    tones = [ch for ch in decomposed if ch in _TONE_MARKS]
    if len(tones) != 1:
        return word
    base = unicodedata.normalize("NFC", "".join(ch for ch in decomposed if ch not in _TONE_MARKS))
    lower = base.lower()
    start = _onset_length(lower)
    end = start
    while end < len(lower) and lower[end] in _VOWELS:
        end += 1
    nucleus = lower[start:end]
    if not nucleus or len(nucleus) > 3:
        return word
    marked = [i for i, ch in enumerate(nucleus) if ch in _QUALITY_VOWELS]
    if marked:
        pos = marked[-1]
    elif len(nucleus) == 1:
        pos = 0
    elif end < len(lower):
        pos = len(nucleus) - 1
    elif len(nucleus) == 3:
        pos = 1
    else:
        pos = 0
    idx = start + pos
    out = base[:idx] + unicodedata.normalize("NFC", base[idx] + tones[0]) + base[idx + 1 :]
    return unicodedata.normalize("NFC", out)


def normalize_tone_placement(text: str) -> str:
    """Put tone marks where the modern convention puts them ("hoà" -> "hòa", "thuỷ" -> "thủy")."""
    return _WORD_RE.sub(
        lambda m: _place_tone(m.group()) if not m.group().isascii() else m.group(), text
    )


def normalize(text: str) -> str:
    """Return one canonical single-line form of ``text`` for matching.

    NFKC/NFC composition, invisible and control characters removed, look-alike Cyrillic or Greek
    letters inside Latin words replaced, one tone-mark convention, whitespace collapsed. Case and
    punctuation are kept. Invalid code points (lone surrogates) are dropped.
    """
    if not isinstance(text, str):
        raise TypeError(f"normalize() expects str, got {type(text).__name__}")
    if not text:
        return ""
    text = text.encode("utf-8", "ignore").decode("utf-8") if not text.isascii() else text
    text = unicodedata.normalize("NFKC", text)
    text = text.translate(_INVISIBLE)
    text = _strip_controls(text)
    if not text.isascii():
        text = _WORD_RE.sub(lambda m: _fix_confusables(m.group()), text)
        text = normalize_tone_placement(text)
        text = unicodedata.normalize("NFC", text)
    return _SPACE_RE.sub(" ", text).strip()


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    if ch in "đĐ":
        return "d"
    base = "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c))
    low = base.lower()
    return low[0] if len(low) >= 1 else ch


def fold_aligned(text: str) -> str:
    """Fold character by character so that offsets in the result match offsets in ``text``."""
    if text.isascii():
        return text.lower()
    return "".join(_fold_char(ch) for ch in text)


def fold(text: str) -> str:
    """Strip diacritics, map đ to d and lowercase: "Đà Nẵng" -> "da nang"."""
    return fold_aligned(unicodedata.normalize("NFC", text))


def has_diacritics(word: str) -> bool:
    """True when ``word`` contains a Vietnamese letter with a diacritic (or đ)."""
    return not word.isascii() and any(ch in _VI_SET for ch in word)


def syllables(text: str) -> list[str]:
    """Alphabetic runs of ``text`` (Vietnamese syllables and foreign words), digits excluded."""
    return _SYLLABLE_RE.findall(text)


def accent_ratio(text: str) -> float:
    """Share of syllables that carry a Vietnamese diacritic; about 0.6-0.9 for accented prose."""
    words = syllables(text)
    if not words:
        return 0.0
    return sum(1 for w in words if has_diacritics(w)) / len(words)


def content_hash(text: str) -> str:
    """SHA-256 hex digest of ``normalize(text)``: equal for texts that differ only in encoding."""
    return hashlib.sha256(normalize(text).encode("utf-8")).hexdigest()
