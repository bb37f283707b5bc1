"""Key facts of a Vietnamese claim: amounts, dates, places, negation... (their comparison is
in `keyfacts_compare`).

Two texts on one topic are not the same claim when they state the same kind of fact with
different values: "phạt 2 triệu đồng" and "bi phat 3 trieu dong". Patterns run on folded text
(no diacritics, lowercase), so accented, unaccented and teencode writing read alike; each fact
keeps the words as written for display.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cached_property, lru_cache

from kiemchung.text import keyfacts_data as data
from kiemchung.text.normalize import (
    VIETNAMESE_LETTERS,
    fold,
    fold_aligned,
    has_diacritics,
    normalize,
    normalize_tone_placement,
)

__all__ = ["KINDS", "KeyFact", "KeyFacts", "key_facts"]

KINDS = ("money", "percent", "quantity", "number", "date", "year", "place", "organisation",
         "negation", "modality")
_MAX_CHARS = 5000


@dataclass(frozen=True)
class KeyFact:
    """One fact of a text: its kind, a comparable value and the words as written."""

    kind: str
    value: str
    text: str


@dataclass(frozen=True)
class KeyFacts:
    """The key facts of one text, in reading order."""

    facts: tuple[KeyFact, ...]

    def of(self, kind: str) -> tuple[KeyFact, ...]:
        """The facts of one kind."""
        return tuple(f for f in self.facts if f.kind == kind)

    @property
    def empty(self) -> bool:
        """True when the text states no key fact at all."""
        return not self.facts


_SQUASH_RE = re.compile(r"[\s.\-&,]+")
_TOKEN_RE = re.compile(r"\w+")
_NEXT_RE = re.compile(r"\s+(\w+)")
_PREV_RE = re.compile(r"(\w+)\s+$")


def _squash(text: str) -> str:
    return _SQUASH_RE.sub("", text)


def _is_title(text: str) -> bool:
    words = [w for w in _TOKEN_RE.findall(text) if not w.isdigit()]
    return bool(words) and all(w[:1].isupper() for w in words)


@dataclass(frozen=True)
class _Form:
    value: str  # "" for a phrase that is read only to be skipped ("hàng không")
    written: str
    exact: str
    flags: str


def _atoms(folded: str) -> list[str]:
    seps = {" ": r"[\s\-]+", "?": r"\s*\?"}
    return [
        seps.get(ch) or (rf"\s*{re.escape(ch)}?\s*" if ch in "-.&," else re.escape(ch))
        for ch in folded
    ]


_Node = dict[str, "_Node"]


def _trie_pattern(words: Iterable[str]) -> str:
    """One regex alternation for many words, factored by common prefix (longest match first)."""
    root: _Node = {}
    for word in words:
        node = root
        for atom in _atoms(word):
            node = node.setdefault(atom, {})
        node[""] = {}

    def emit(node: _Node) -> str:
        alts = [atom + emit(child) for atom, child in node.items() if atom]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        return f"(?:{body})?" if "" in node else body

    return emit(root)


class _Table:
    """A word table: its forms by folded key, and one regex for them (anchored with match())."""

    def __init__(self, table: dict[str, tuple[str, ...]], skip: tuple[str, ...] = ()) -> None:
        self.forms: dict[str, list[_Form]] = {}
        folded_forms = []
        for value, forms in (*table.items(), ("", skip)):
            for raw in forms:
                flags = raw[: len(raw) - len(raw.lstrip("=^!~?+"))]
                text = normalize(raw[len(flags) :])
                folded_forms.append(fold(text))
                form = _Form(value, _squash(text.lower()), _squash(text), flags)
                self.forms.setdefault(_squash(fold(text)), []).append(form)
        self.folded_forms = sorted(set(folded_forms))
        self.suffix = re.compile(rf"\s*(?:{_trie_pattern(self.folded_forms)})(?!\w)")


_PLACES = _Table(data.PLACES, data.EXCLUDED["place"])
_ORGANISATIONS = _Table(data.ORGANISATIONS)
_NEGATIONS = _Table({"neg": data.NEGATIONS}, data.EXCLUDED["negation"])
_MODALITY = _Table(data.MODALITY, data.EXCLUDED["modality"])
_WORD_TABLES = (
    ("place", _PLACES, True),
    ("organisation", _ORGANISATIONS, True),
    ("negation", _NEGATIONS, False),
    ("modality", _MODALITY, False),
)
# One scan finds every word of the four tables; each table then reads its own longest match.
_WORDS_RE = re.compile(
    r"(?<!\w)(?:"
    + _trie_pattern(sorted({f for _, t, _ in _WORD_TABLES for f in t.folded_forms}))
    + r")(?!\w)"
)
_UNITS = _Table(data.UNITS)
_CURRENCIES = _Table(data.CURRENCIES)
_SCALES = _Table(data.SCALES)
_PERCENT = _Table({"%": ("%", "phần trăm")})
_HALF = _Table({"0.5": ("rưỡi",)})
_WORD_VALUES = {fold(k): v for k, v in data.NUMBER_WORDS.items()}
_WORD_WRITTEN = frozenset(data.NUMBER_WORDS)
_WORDS_BEFORE_RE = re.compile(
    r"(?<!\w)((?:(?:" + "|".join(sorted(_WORD_VALUES, key=len, reverse=True)) + r")\s+){1,6})$"
)
_WORD_SCALE_RE = re.compile(r"(?<=\s)(?:nghin|ngan|trieu|ty|ti|phan tram)(?!\w)")
_SCALE_MORE_RE = re.compile(r"\s*(\d{1,3})(?![\d.,])")

_NUM = r"\d{1,24}(?:[.,]\d{1,24})*"
_NUMBER_RE = re.compile(rf"(?P<n1>{_NUM})(?:(?:\s*[-–]\s*|\s+(?:den|toi)\s+)(?P<n2>{_NUM}))?")
_DATE_CTX = r"ngay|mung|mong|hom nay|hom|sang|chieu|toi|dem|trua|tu|den|truoc|sau"
_CTX_RE = re.compile(rf"\b({_DATE_CTX})\s+$")
_DAY_BEFORE_RE = re.compile(r"\d\s+$")
_END = r"(?![\w/]|[.,\-]\d)"
# Dates read from "tháng": "tháng 1/2027", "tháng 1 năm 2027", "tháng 3".
_MONTH_RE = re.compile(
    rf"thang\s+(?P<m>\d{{1,2}})(?:(?:\s*[/.-]\s*|\s*,?\s*nam\s+)(?P<y>\d{{4}}))?{_END}"
)
# Dates and times read from a day: "1 tháng 1 năm 2027", "25/3/2023", "1/2027", "29.3", "14h30".
_DAY_RE = re.compile(
    r"(?P<d>\d{1,2})(?:\s+thang\s+(?P<dm>\d{1,2})(?:\s*,?\s*nam\s+(?P<dy>\d{4}))?"
    r"|(?P<sep>[/.-])(?P<m>\d{1,2})(?:(?P=sep)(?P<y>\d{4}))?|/(?P<ey>\d{4})"
    rf"|(?P<time>\s*(?:h|:|gio)\s*\d{{2}}(?!\d))){_END}"
)
_KEEP_CTX = ("ngay", "mung", "mong")
_ALPHA_RE = re.compile(r"[a-z]+")
_DIGIT_RE = re.compile(r"\d")

_VI_RE = re.compile("[" + VIETNAMESE_LETTERS + VIETNAMESE_LETTERS.upper() + "]")
_LOOKALIKE_RE = re.compile("[\u0370-\u03ff\u0400-\u052f]")
_CONTROL_RE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# Complete up to U+1FFF: str.translate is slow on characters missing from its table.
_FOLD_TABLE = {
    cp: folded if len(folded := fold_aligned(chr(cp))) == 1 else chr(cp) for cp in range(0x2000)
}


def _prepare(text: str) -> str:
    """Composed text, control characters blanked; the full normalize() for anything odder."""
    text = text if text.isprintable() else _CONTROL_RE.sub(" ", text)
    if text.isascii():
        return text
    if _LOOKALIKE_RE.search(text) or not text.isprintable():
        return normalize(text)  # look-alike letters, invisible characters, lone surrogates
    return unicodedata.normalize("NFKC", text)


def _fold(text: str) -> str:
    """fold_aligned() by table: same offsets as ``text``."""
    out = text.translate(_FOLD_TABLE).lower()
    return out if len(out) == len(text) else fold_aligned(text)


class _Reader:
    """One extraction: the text, its folded copy, and that copy with used spans blanked."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.folded = _fold(text)
        self.masked = self.folded
        self.found: list[tuple[int, KeyFact]] = []
        self.start = 0  # where the amount being read begins

    @cached_property
    def accented(self) -> bool:
        """Writers who use diacritics use them nearly everywhere: then "chua" is not "chưa"."""
        return len(_VI_RE.findall(self.text)) >= 0.25 * len(self.text.split())

    def add(self, kind: str, value: str, start: int, end: int) -> None:
        self.found.append((start, KeyFact(kind, value, self.text[start:end])))

    def add_all(self, kind: str, values: list[str], end: int) -> int:
        """Add facts that share the words from self.start to ``end`` ("2-3 triệu")."""
        for value in values:
            self.add(kind, value, self.start, end)
        return end

    def mask(self, start: int, end: int) -> None:
        self.masked = self.masked[:start] + "\x00" * (end - start) + self.masked[end:]

    def pick(self, table: _Table, start: int, end: int, proper: bool = False) -> _Form | None:
        """The entry of ``table`` that the words at start:end really are, if any."""
        for form in table.forms.get(_squash(self.folded[start:end]), ()):
            if self._accepts(form, start, end, proper):
                return form
        return None

    def _accepts(self, form: _Form, start: int, end: int, proper: bool) -> bool:
        orig = self.text[start:end]
        flags = form.flags
        if "=" in flags:
            return _squash(orig) == form.exact
        lenient = _squash(orig).lower() != form.written and (
            orig.isascii() or _squash(normalize_tone_placement(orig)).lower() != form.written
        )
        if lenient and (
            not orig.isascii()
            or "~" in flags
            or (self.accented and not (proper and _is_title(orig)))
        ):
            return False
        if ("^" in flags or "!" in flags) and not _is_title(orig):
            return False
        if "!" in flags and not self._solo_name(start, end, form.value):
            return False
        if "+" in flags or ("?" in flags and lenient):
            nxt = _NEXT_RE.match(self.folded, end)
            return nxt is not None and nxt.group(1) in data.FOLLOW
        return True

    def _solo_name(self, start: int, end: int, value: str) -> bool:
        """A one-syllable name that is a place, not a person ("anh Đức") or a common word."""
        prev = _PREV_RE.search(self.text, max(0, start - 40), start)
        if prev is not None:
            word = prev.group(1)
            before = self.text[max(0, prev.start() - 3) : prev.start()].rstrip()
            if fold(word) in data.PERSON_TITLES:
                return False
            if word[:1].isupper() and before and before[-1] not in ".!?:\n\"“":
                return False
        elif value == "anh":
            before = self.text[:start].rstrip()
            if not before or before[-1] in ".!?:\n\"“-":
                return False  # "Anh ấy..." opens sentences
        nxt = _NEXT_RE.match(self.text, end)
        if nxt is not None:
            word = nxt.group(1)
            if fold(word) in data.NEXT_BLOCK or (word[:1].isupper() and has_diacritics(word)):
                return False
        return True


def _parse_number(raw: str) -> Decimal | None:
    """Vietnamese digits: "." groups thousands, "," marks decimals; "1.5" and "1,5" are 1.5."""
    groups = re.split(r"[.,]", raw)
    seps = [c for c in raw if c in ".,"]
    try:
        if not seps:
            return Decimal(raw)
        if len(set(seps)) == 2:
            last = max(raw.rfind("."), raw.rfind(","))
            return Decimal(re.sub(r"[.,]", "", raw[:last]) + "." + raw[last + 1 :])
        if len(seps) == 1:
            if len(groups[1]) == 3 and groups[0] != "0":
                return Decimal(groups[0] + groups[1])
            return Decimal(groups[0] + "." + groups[1])
        if 1 <= len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:]):
            return Decimal("".join(groups))
    except InvalidOperation:
        return None
    return None


def _plain(number: Decimal) -> str:
    whole = int(number)
    return str(whole) if whole == number else format(number.normalize(), "f")


def _is_year(raw: str) -> bool:
    return raw.isdigit() and len(raw) == 4 and 1900 <= int(raw) <= 2100


def _date_words_ok(r: _Reader, start: int, end: int) -> bool:
    return not r.accented or all(
        r.text[w.start() : w.end()].lower() in data.DATE_WORDS.get(w.group(), ())
        for w in _ALPHA_RE.finditer(r.folded, start, end)
    )


def _read_dates(r: _Reader) -> None:
    for rx in (_MONTH_RE, _DAY_RE):
        for m in rx.finditer(r.masked):
            s = m.start()
            if s and (r.masked[s - 1].isalnum() or (rx is _DAY_RE and r.masked[s - 1] in ".,/-")):
                continue
            if not _date_words_ok(r, s, m.end()) or (
                rx is _MONTH_RE and _DAY_BEFORE_RE.search(r.masked, max(0, s - 4), s)
            ):
                continue  # "ngày 1 tháng 1" is read from its day
            g = m.groupdict()
            if g.get("time"):
                r.mask(s, m.end())
                continue
            c = _CTX_RE.search(r.masked, max(0, s - 9), s) if rx is _DAY_RE else None
            ctx = c.group(1) if c and _date_words_ok(r, c.start(1), c.end(1)) else ""
            day, month = g.get("d"), g.get("dm") or g["m"] or (g.get("ey") and g["d"])
            year = g.get("dy") or g["y"] or g.get("ey")
            if g.get("ey"):
                day = None
            elif g.get("dm") and ctx not in _KEEP_CTX and not year:
                continue  # "3 tháng 5 ngày" is no date without "ngày" before it
            elif g.get("sep") and g["sep"] != "/" and not year and (
                not ctx or _before_unit(r, m.end())
            ):
                continue  # "29.3" needs "ngày"; "từ 2-3 triệu" is an amount
            if (day and not 1 <= int(day) <= 31) or not 1 <= int(month or "0") <= 12:
                continue
            if year and not _is_year(year):
                continue
            start = c.start(1) if c and ctx in _KEEP_CTX else s
            date = f"{int(day) if day else '?'}-{int(month or 0)}-{year or '?'}"
            r.add("date", date, start, m.end())
            if year:
                r.add("year", year, m.end() - 4, m.end())
            r.mask(s, m.end())


def _before_unit(r: _Reader, pos: int) -> bool:
    """True when a unit, scale, currency or "%" follows: "2-3 triệu" is no date."""
    return any(t.suffix.match(r.folded, pos) for t in (_PERCENT, _UNITS, _SCALES, _CURRENCIES))


def _suffix(r: _Reader, table: _Table, pos: int) -> tuple[_Form, int] | None:
    m = table.suffix.match(r.masked, pos)
    if m is None:
        return None
    start = m.start() + len(m.group()) - len(m.group().lstrip())
    form = r.pick(table, start, m.end())
    return (form, m.end()) if form is not None else None


def _read_amount(r: _Reader, numbers: list[Decimal], pos: int, usd: bool) -> int | None:
    """Read what follows numbers from r.start: add their facts and return where they end."""
    pct = None if usd else _suffix(r, _PERCENT, pos)
    if pct is not None:
        return r.add_all("percent", [_plain(n) for n in numbers], pct[1])
    unit = None if usd else _suffix(r, _UNITS, pos)
    if unit is not None:
        return r.add_all("quantity", [f"{_plain(n)} {unit[0].value}" for n in numbers], unit[1])
    scale = _suffix(r, _SCALES, pos)
    mult, end = (Decimal(scale[0].value), scale[1]) if scale else (Decimal(1), pos)
    if scale is not None:
        half = _suffix(r, _HALF, end)
        if half is not None and len(numbers) == 1:
            numbers, end = [numbers[0] + Decimal("0.5")], half[1]
        unit = None if usd else _suffix(r, _UNITS, end)
        if unit is not None:
            values = [f"{_plain(n * mult)} {unit[0].value}" for n in numbers]
            return r.add_all("quantity", values, unit[1])
        more = _SCALE_MORE_RE.match(r.masked, end)  # "1 tỷ 200 triệu"
        extra = _suffix(r, _SCALES, more.end(1)) if more and len(numbers) == 1 else None
        if more is not None and extra is not None and Decimal(extra[0].value) < mult:
            numbers = [numbers[0] + Decimal(more.group(1)) * Decimal(extra[0].value) / mult]
            end = extra[1]
    currency = "usd" if usd else "vnd"
    cur = _suffix(r, _CURRENCIES, end)
    if cur is not None and _squash(r.text[end : cur[1]]) in ("d", "D"):
        # A bare unaccented "d" is "đ" only after a real amount, not in "3D".
        cur = cur if scale is not None or max(numbers) >= 1000 else None
    if cur is not None:
        currency, end = cur[0].value, cur[1]
    elif scale is None and not usd:
        return None
    return r.add_all("money", [f"{_plain(n * mult)} {currency}" for n in numbers], end)


def _read_numbers(r: _Reader) -> None:
    pos = 0
    while m := _NUMBER_RE.search(r.masked, pos):
        pos = m.end()
        start = m.start()
        if start and (r.masked[start - 1].isalnum() or r.masked[start - 1] in ".,"):
            continue  # "A321", "U.23"
        raws = [raw for raw in m.group("n1", "n2") if raw]
        numbers = [n for n in map(_parse_number, raws) if n is not None]
        if len(numbers) < len(raws):
            continue
        if _is_year(raws[0]) and r.folded[max(0, start - 4) : start] == "nam ":
            r.add("year", raws[0], start - 4, m.end("n1"))  # "năm 2023 người dân..."
            pos = m.end("n1")
            continue
        usd = r.masked[max(0, start - 2) : start].strip().endswith("$")
        r.start = start - 1 if usd and r.masked[start - 1] == "$" else start
        end = _read_amount(r, numbers, m.end(), usd)
        if end is not None:
            r.mask(start, end)
            pos = end
            continue
        if m.end() < len(r.masked) and r.masked[m.end()].isalnum():
            continue  # "5G", "3D", "14h", or a run of digits too long to be a number
        for name, raw, n in zip(("n1", "n2"), raws, numbers, strict=False):
            s, e = m.span(name)
            if _is_year(raw):
                s = s - 4 if r.folded[max(0, s - 4) : s] == "nam " else s
                r.add("year", raw, s, e)
            else:
                keep = raw.isdigit() and raw[0] == "0" and len(raw) > 4  # a phone number
                r.add("number", raw if keep else _plain(n), s, e)


def _words_value(values: list[int]) -> int | None:
    """ "hai mươi lăm" -> 25, "một trăm linh năm" -> 105; None for "hai ba"."""
    total = cur = 0
    prev = ""
    for v in values:
        if v == 100:
            if not 0 < cur < 10:
                return None
            total, cur, prev = total + cur * 100, 0, "h"
        elif v == 10:
            if prev == "t" or cur >= 10:
                return None
            cur, prev = (cur * 10 if cur else 10), "t"
        elif v == 0:
            if prev != "h":
                return None
            prev = "z"
        else:
            if prev == "d":
                return None
            cur, prev = cur + v, "d"
    return (total + cur) or None


def _read_number_words(r: _Reader) -> None:
    """Amounts in words before a scale word: "hai triệu", "ba mươi phần trăm"."""
    for s in _WORD_SCALE_RE.finditer(r.masked):
        m = _WORDS_BEFORE_RE.search(r.masked, max(0, s.start() - 48), s.start())
        if m is None:
            continue
        tokens = list(_TOKEN_RE.finditer(r.masked, m.start(1), m.end(1)))
        for i in range(len(tokens)):
            if r.accented and any(
                r.text[t.start() : t.end()].lower() not in _WORD_WRITTEN for t in tokens[i:]
            ):
                continue
            n = _words_value([_WORD_VALUES[t.group()] for t in tokens[i:]])
            if n is not None:
                r.start = tokens[i].start()
                end = _read_amount(r, [Decimal(n)], tokens[-1].end(), False)
                if end is not None:
                    r.mask(r.start, end)
                break


# A "không" or "chưa" that ends a sentence, with nothing after it but particles, asks a
# question ("Ăn tỏi có phòng được cúm không ạ?", "co dung khong"): it negates nothing.
_QUESTION_TAG_WORDS = frozenset({"khong", "ko", "k", "hok", "khum", "hong", "chua"})
_QUESTION_TAG_END = re.compile(
    r"(?:\s+(?:a|vay|nhi|nhe|ta|ha|ho|the|z|v|ak|ah))*\s*(?:[?.!…;]|$)"
)


def _question_tag(r: _Reader, start: int, end: int) -> bool:
    before = r.folded[:start].rstrip()
    return (
        bool(before)
        and before[-1] not in ".?!…:;"  # a "Không." standing alone answers; it is no tag
        and r.folded[start:end].strip() in _QUESTION_TAG_WORDS
        and _QUESTION_TAG_END.match(r.folded, end) is not None
    )


def _read_words(r: _Reader) -> None:
    for m in _WORDS_RE.finditer(r.masked):
        for kind, table, proper in _WORD_TABLES:
            own = table.suffix.match(r.masked, m.start())
            form = r.pick(table, m.start(), own.end(), proper) if own else None
            if form is not None and form.value:
                if kind == "negation" and own and _question_tag(r, m.start(), own.end()):
                    continue
                r.add(kind, form.value, m.start(), own.end() if own else 0)


@lru_cache(maxsize=2048)
def key_facts(text: str) -> KeyFacts:
    """The key facts of ``text`` (its first 5,000 characters), in reading order."""
    if not isinstance(text, str):
        return KeyFacts(())
    r = _Reader(_prepare(text[:_MAX_CHARS]))
    if _DIGIT_RE.search(r.folded):
        _read_dates(r)
        _read_numbers(r)
    _read_number_words(r)
    _read_words(r)
    seen: set[KeyFact] = set()
    facts = []
    for _, fact in sorted(r.found, key=lambda item: item[0]):
        if fact.kind == "negation" or fact not in seen:
            seen.add(fact)
            facts.append(fact)
    return KeyFacts(tuple(facts))
