"""Which language an item is written in: Vietnamese (accented or not) or another one.

Script first (Han, Hangul, Thai, Khmer, Cyrillic ...), then Vietnamese letters, then, for
Latin text without diacritics, how many words are common unaccented Vietnamese words
against common English ones. Short, dependency-free and fast enough for every item.
"""

from __future__ import annotations

import re
import unicodedata

from kiemchung.text.abbreviations import expand_abbreviations
from kiemchung.text.normalize import VIETNAMESE_LETTERS, fold

__all__ = ["UNDETERMINED", "detect_language"]

UNDETERMINED = "und"

_WORD_RE = re.compile(r"[^\W\d_]+")
_VI_LETTERS = frozenset(VIETNAMESE_LETTERS + VIETNAMESE_LETTERS.upper())
# Letters that French, Spanish or Portuguese also use; they alone do not make a text Vietnamese.
_SHARED_LATIN = frozenset("àáâãèéêìíòóôõùúýÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝ")

# Frequent Vietnamese words as they look without diacritics. A few are also English words
# ("an", "to", "me"); they are left out.
_VI_WORDS = frozenset(
    """
    khong duoc nguoi nay cua cho va la co mot nhung da se trong voi cac nhieu thi ma ve roi di
    len ra toi minh ban chung nhu vay the nao tai sao vi khi nam ngay thang gio nay day kia
    nha nuoc tien viet tinh thanh pho huyen xa benh vien bac si cong an chinh phu dan moi biet
    noi lam con cung van dang bi bang theo sau truoc tren duoi giua nhieu it hon nhat rat qua
    lai nua chi dung sai that gia tin tuc hom qua sang chieu toi dem tre em anh chi ong ba ho
    chua phai neu hay nen can muon thay nghe xem doc viet gui share
    """.split()  # noqa: SIM905 - a word list reads better as words
)
_EN_WORDS = frozenset(
    """
    the and is are was were of to in that for with this on it be by as at from or not but have
    has had you we they he she his her their our will would can could should about which who
    what when where there been more most than then them into only also just
    """.split()  # noqa: SIM905 - a word list reads better as words
)

_SCRIPTS = (
    ("zh", ("CJK UNIFIED",)),
    ("ja", ("HIRAGANA", "KATAKANA")),
    ("ko", ("HANGUL",)),
    ("th", ("THAI",)),
    ("km", ("KHMER",)),
    ("lo", ("LAO",)),
    ("ru", ("CYRILLIC",)),
    ("ar", ("ARABIC",)),
    ("hi", ("DEVANAGARI",)),
)


def _script_counts(text: str) -> tuple[dict[str, int], int]:
    counts: dict[str, int] = {}
    latin = 0
    for ch in text:
        if not ch.isalpha():
            continue
        if ch.isascii() or ch in _VI_LETTERS:
            latin += 1
            continue
        name = unicodedata.name(ch, "")
        if "LATIN" in name:
            latin += 1
            continue
        for code, prefixes in _SCRIPTS:
            if any(name.startswith(p) or f" {p}" in name for p in prefixes):
                counts[code] = counts.get(code, 0) + 1
                break
    return counts, latin


def detect_language(text: str) -> str:
    """An ISO 639-1 code ("vi", "en", "zh" ...) or "und" when the text says too little."""
    counts, latin = _script_counts(text[:5000])
    if counts:
        # Japanese text mixes Han characters with kana: any kana makes it Japanese.
        if counts.get("ja"):
            return "ja"
        code, n = max(counts.items(), key=lambda kv: kv[1])
        if n >= latin:
            return code
    words = _WORD_RE.findall(text[:5000])
    if not words:
        return UNDETERMINED
    vi_marked = sum(1 for w in words if any(ch in _VI_LETTERS and ch not in _SHARED_LATIN
                                            for ch in w))
    if vi_marked >= max(1, len(words) // 10):
        return "vi"
    folded = _WORD_RE.findall(fold(expand_abbreviations(" ".join(words))))
    vi = sum(1 for w in folded if w in _VI_WORDS)
    en = sum(1 for w in (w.lower() for w in words) if w in _EN_WORDS)
    if vi == 0 and en == 0:
        return UNDETERMINED if len(words) < 4 else "other"
    if vi > en:
        return "vi"
    if en > vi:
        return "en"
    return UNDETERMINED
