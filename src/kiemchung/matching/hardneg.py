"""Hard negatives and restatements made from a sentence, to fit and test the same-claim model.

A claim that changes one fact of a sentence (another number, year, place, or the negation
added or taken away) is on the same subject but is not the same claim; the same sentence typed
without diacritics, in teencode or with a social-media tail still is.
"""

from __future__ import annotations

import random
import re

from kiemchung.matching.noise import make_noisy

__all__ = ["SWAPS", "fact_swap", "restatement"]

_NUMBER = re.compile(r"(?<![\w.,])(\d{1,3}(?:[.,]\d{3})+|\d+)(?:[.,](\d+))?(?![\w])")
_YEAR = re.compile(r"(?<!\d)(19[5-9]\d|20[0-4]\d)(?!\d)")
_NEGATABLE = re.compile(r"\b(đã|sẽ|được|có thể|là|có|phải|bị)\s", re.IGNORECASE)
_NEGATION = re.compile(r"\b(không|chưa|chẳng)\s+", re.IGNORECASE)
# Places a claim may be moved to; any province or city will do.
_PLACES = (
    "Hà Nội", "TP.HCM", "Đà Nẵng", "Hải Phòng", "Cần Thơ", "Nghệ An", "Thanh Hóa", "Quảng Ninh",
    "Bình Dương", "Đồng Nai", "Khánh Hòa", "Lâm Đồng", "Đắk Lắk", "Bắc Ninh", "Huế", "An Giang",
)
_PLACE_RE = re.compile("|".join(re.escape(p) for p in sorted(_PLACES, key=len, reverse=True)))


def _swap_number(text: str, rng: random.Random) -> str | None:
    spans = [m for m in _NUMBER.finditer(text) if not _YEAR.fullmatch(m.group(0))]
    if not spans:
        return None
    m = rng.choice(spans)
    digits = m.group(0)
    first = next(i for i, ch in enumerate(digits) if ch.isdigit())
    old = int(digits[first])
    new = rng.choice([d for d in range(1, 10) if d != old])
    changed = digits[:first] + str(new) + digits[first + 1 :]
    return text[: m.start()] + changed + text[m.end() :]


def _swap_year(text: str, rng: random.Random) -> str | None:
    spans = list(_YEAR.finditer(text))
    if not spans:
        return None
    m = rng.choice(spans)
    year = int(m.group(0)) + rng.choice([-3, -2, -1, 1, 2, 3])
    return text[: m.start()] + str(year) + text[m.end() :]


def _swap_place(text: str, rng: random.Random) -> str | None:
    spans = list(_PLACE_RE.finditer(text))
    if not spans:
        return None
    m = rng.choice(spans)
    other = rng.choice([p for p in _PLACES if p != m.group(0)])
    return text[: m.start()] + other + text[m.end() :]


def _negate(text: str, rng: random.Random) -> str | None:
    negated = list(_NEGATION.finditer(text))
    if negated:
        m = rng.choice(negated)
        return text[: m.start()] + text[m.end() :]
    spots = list(_NEGATABLE.finditer(text))
    if not spots:
        return None
    m = rng.choice(spots)
    return text[: m.start()] + "không " + text[m.start() :]


SWAPS = {"number": _swap_number, "year": _swap_year, "place": _swap_place, "negation": _negate}


def fact_swap(text: str, kind: str, rng: random.Random) -> str | None:
    """``text`` with one fact of ``kind`` changed, or None when it states none."""
    return SWAPS[kind](text, rng)


# How people pass a rumour on when they ask about it.
_ASKING = (
    ("Nghe nói ", ", có đúng không?"), ("Có phải ", " không?"), ("Mọi người ơi, ", ""),
    ("Cho mình hỏi: ", ". Thật không ạ?"), ("", ", đúng không các bạn?"),
    ("Tin này có thật không: ", ""),
)


def _ask(text: str, rng: random.Random) -> str:
    before, after = rng.choice(_ASKING)
    body = text.rstrip(" .!?…")
    if before:
        body = body[:1].lower() + body[1:]
    return f"{before}{body}{after}"


def _reorder(text: str, rng: random.Random) -> str:
    """The clauses of a sentence in another order ("A, B." -> "B, A.")."""
    parts = [p.strip() for p in re.split(r",\s+", text.rstrip(" .!?…")) if p.strip()]
    if len(parts) < 2:
        return _ask(text, rng)
    cut = rng.randrange(1, len(parts))
    moved = parts[cut:] + parts[:cut]
    joined = ", ".join(moved)
    return joined[:1].upper() + joined[1:] + "."


def restatement(text: str, rng: random.Random) -> str:
    """``text`` as people pass it on: asked about, its clauses reordered, without diacritics,
    in teencode, with a share tail."""
    kind = rng.choice(("ask", "reorder", "unaccent", "abbrev", "social", "nopunct", "mixed"))
    if kind == "ask":
        changed = _ask(text, rng)
        return make_noisy(changed, "unaccent", rng) if rng.random() < 0.3 else changed
    if kind == "reorder":
        return _reorder(text, rng)
    return make_noisy(text, kind, rng)
