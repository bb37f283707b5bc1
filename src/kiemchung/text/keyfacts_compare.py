"""Two texts' key facts side by side: the kinds of fact they state with different values
("phạt 2 triệu đồng" against "bi phat 3 trieu dong") and the facts they share."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from kiemchung.text import keyfacts_data as data
from kiemchung.text.keyfacts import KINDS, KeyFact, KeyFacts

__all__ = ["Conflict", "conflicts", "shared"]


@dataclass(frozen=True)
class Conflict:
    """A kind of fact both texts state with different values (``left`` from the first)."""

    kind: str
    left: str
    right: str


def _amount(fact: KeyFact) -> Decimal | None:
    try:
        return Decimal(fact.value.split(" ", 1)[0])
    except InvalidOperation:
        return None


def _same(kind: str, x: KeyFact, y: KeyFact) -> bool:
    if kind == "money":
        a, b = _amount(x), _amount(y)
        if a is None or b is None or x.value.split(" ")[-1] != y.value.split(" ")[-1]:
            return x.value == y.value
        return abs(a - b) <= max(abs(a), abs(b)) / 100
    if kind == "date":
        parts = zip(x.value.split("-"), y.value.split("-"), strict=False)
        return all(p == q or "?" in (p, q) for p, q in parts)
    return x.value == y.value


def _distance(x: KeyFact, y: KeyFact) -> Decimal:
    a, b = _amount(x), _amount(y)
    if a is None or b is None:
        return Decimal(0)
    return abs(a - b) / (abs(a) + abs(b) + 1)


def _set_conflict(kind: str, left: Sequence[KeyFact], right: Sequence[KeyFact]) -> Conflict | None:
    """Each side states a value of ``kind`` the other lacks: the closest such pair."""
    only_left = [x for x in left if not any(_same(kind, x, y) for y in right)]
    only_right = [y for y in right if not any(_same(kind, x, y) for x in left)]
    if not only_left or not only_right:
        return None
    y = only_right[0]
    x = min(only_left, key=lambda f: _distance(f, y))
    return Conflict(kind, x.text, y.text)


def _quantity_conflict(a: KeyFacts, b: KeyFacts) -> Conflict | None:
    """The set rule, unit by unit: "10 năm" conflicts with "15 năm", not with "10 km"."""
    qa, qb = a.of("quantity"), b.of("quantity")
    for unit in dict.fromkeys(f.value.split(" ", 1)[1] for f in qa):
        same_unit = [[f for f in q if f.value.split(" ", 1)[1] == unit] for q in (qa, qb)]
        found = _set_conflict("quantity", *same_unit)
        if found is not None:
            return found
    return None


def _modality_conflict(a: KeyFacts, b: KeyFacts) -> Conflict | None:
    """Forbidden against allowed, or planned against done, when neither text says both."""
    ma, mb = a.of("modality"), b.of("modality")
    tags_a, tags_b = {f.value for f in ma}, {f.value for f in mb}
    for left, right in data.MODALITY_CONFLICTS:
        if tags_a & left and tags_b & right and not tags_a & right and not tags_b & left:
            x = next(f for f in ma if f.value in left)
            y = next(f for f in mb if f.value in right)
            return Conflict("modality", x.text, y.text)
    return None


def conflicts(a: KeyFacts, b: KeyFacts) -> list[Conflict]:
    """The kinds of fact that ``a`` and ``b`` both state with different values, in KINDS order.

    At most one conflict per kind; ``left`` is written as in ``a``, ``right`` as in ``b``.
    """
    out: list[Conflict | None] = []
    for kind in KINDS:
        fa, fb = a.of(kind), b.of(kind)
        if kind == "quantity":
            out.append(_quantity_conflict(a, b))
        elif kind == "place" and fa and fb and not {f.value for f in fa} & {f.value for f in fb}:
            out.append(Conflict(kind, fa[0].text, fb[0].text))
        elif kind == "negation" and bool(fa) != bool(fb):
            out.append(Conflict(kind, fa[0].text if fa else "", fb[0].text if fb else ""))
        elif kind == "modality":
            out.append(_modality_conflict(a, b))
        elif kind in ("money", "percent", "number", "date", "year"):
            out.append(_set_conflict(kind, fa, fb))
    return [c for c in out if c is not None]


def shared(a: KeyFacts, b: KeyFacts) -> list[KeyFact]:
    """The facts of ``a`` whose kind and value ``b`` also states."""
    keys = {(f.kind, f.value) for f in b.facts}
    return [f for f in a.facts if (f.kind, f.value) in keys]
