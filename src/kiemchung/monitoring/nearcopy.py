"""Near copies: when two texts are one, and how a batch meets the texts stored while it was planned.

A batch is planned outside any transaction (the costly part), so two workers may plan near
copies of the same new text at once, each seeing no stored item to fold it into. The store
closes that gap: it takes the workspace's item lock, then looks again at the stored items sharing
a band with its new texts that the plan did not compare them with, and folds each new text into
the first of them it is a near copy of.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from typing import Protocol, TypeVar

from django.db import connection
from django.db.models import Q

from kiemchung.monitoring.models import Item
from kiemchung.monitoring.triage import clean_text
from kiemchung.text.neardup import key_distance, near_duplicate_similarity

__all__ = [
    "NEAR_BITS",
    "NEAR_JACCARD",
    "NEAR_MIN_WORDS",
    "NearText",
    "bands",
    "first_near",
    "is_near",
    "items_lock",
    "items_sharing_band",
    "shares_band",
    "stored_near",
]

# Two cleaned texts whose SimHash keys share a 16-bit band (always so within 3 bits, often up
# to a dozen), differ in at most NEAR_BITS bits and share NEAR_JACCARD of their word 3-shingles
# are one text: a reshare, a copy with a line added, a light edit.
NEAR_BITS = 12
NEAR_JACCARD = 0.5
# Texts shorter than this (in words) are folded only when identical once cleaned.
NEAR_MIN_WORDS = 6
# First key of the PostgreSQL advisory lock on a workspace's items (the second is the
# workspace): an arbitrary constant, so no other lock of the instance takes the same pair.
ITEMS_LOCK_SPACE = 0x6B63_4954

C = TypeVar("C")


class NearText(Protocol):
    """A text prepared for the near-copy test: cleaned, its word count, its SimHash key."""

    clean: str
    words: int
    near_key: str


def bands(key: str) -> tuple[str, str, str, str]:
    """The four 16-bit bands of a SimHash key, as stored on the item."""
    return key[0:4], key[4:8], key[8:12], key[12:16]


def is_near(text: NearText, near_key: str, clean_other: str) -> bool:
    """Whether TEXT is a near copy of the stored text with this key and cleaned text."""
    if text.words < NEAR_MIN_WORDS:
        return text.clean.casefold() == clean_other.casefold()
    if key_distance(text.near_key, near_key) > NEAR_BITS:
        return False
    return near_duplicate_similarity(text.clean, clean_other) >= NEAR_JACCARD


def shares_band(key: str, other: str) -> bool:
    """Whether two SimHash keys have one of their four 16-bit bands in common."""
    return any(a == b for a, b in zip(bands(key), bands(other), strict=True))


def first_near(
    text: NearText,
    candidates: Iterable[C],
    *,
    key: Callable[[C], str],
    clean: Callable[[C], str],
) -> C | None:
    """The first candidate, in order, that TEXT is a near copy of: KEY and CLEAN give a
    candidate's SimHash key and cleaned text (read only for those sharing a band)."""
    for candidate in candidates:
        near_key = key(candidate)
        if shares_band(text.near_key, near_key) and is_near(text, near_key, clean(candidate)):
            return candidate
    return None


def _close_keys(workspace_id: int, texts: Sequence[NearText]) -> list[dict[int, str]]:
    """For each text, the stored items (id -> key) within NEAR_BITS of it, found through a
    shared band, in id order."""
    values: list[set[str]] = [set(), set(), set(), set()]
    for text in texts:
        for i, band in enumerate(bands(text.near_key)):
            values[i].add(band)
    query = Q()
    for i, wanted in enumerate(values):
        query |= Q(**{f"band{i}__in": wanted})
    by_band: dict[tuple[int, str], list[tuple[int, str]]] = {}
    rows = Item.objects.filter(workspace_id=workspace_id).filter(query).order_by("pk")
    for pk, key in rows.values_list("pk", "near_key"):
        for i, band in enumerate(bands(key)):
            by_band.setdefault((i, band), []).append((pk, key))
    close: list[dict[int, str]] = []
    for text in texts:
        found: dict[int, str] = {}
        for i, band in enumerate(bands(text.near_key)):
            for pk, key in by_band.get((i, band), ()):
                if key_distance(text.near_key, key) <= NEAR_BITS:
                    found[pk] = key
        close.append(dict(sorted(found.items())))
    return close


def items_sharing_band(workspace_id: int, texts: Sequence[NearText]) -> list[Item]:
    """Stored items within NEAR_BITS of some of these texts: found through a shared band,
    compared on their keys, and only then read whole."""
    close = {pk for found in _close_keys(workspace_id, texts) for pk in found}
    if not close:
        return []
    return list(Item.objects.filter(pk__in=close).order_by("pk"))


def items_lock(workspace_id: int) -> None:
    """Make the caller's transaction the only one adding items to the workspace until it ends.

    On PostgreSQL a transaction-scoped advisory lock: stores of one workspace queue for a few
    milliseconds each, and a store that got the lock sees every item stored before it. On
    SQLite every transaction begins IMMEDIATE (settings.py), so the caller's transaction holds
    the database's write lock already.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)",
                [ITEMS_LOCK_SPACE, workspace_id % 2**31],
            )


def items_watermark(workspace_id: int) -> int:
    """The highest id among the workspace's items now: what a plan read before it began
    looking at stored items."""
    return (
        Item.objects.filter(workspace_id=workspace_id)
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
        or 0
    )


def stored_near(
    *,
    workspace_id: int,
    after: int,
    compared: Collection[int],
    texts: Sequence[NearText],
) -> list[int | None]:
    """For each text, the first item of the workspace stored past the watermark AFTER that it
    is a near copy of, or None. Items in COMPARED were already tested against these texts.

    Called under `items_lock`. Items of one workspace are only added under that lock, held
    until the store commits, so their ids grow in the order the stores of the workspace commit:
    every item the plan could not see has an id past its watermark, whatever ids other
    workspaces drew from a shared sequence meanwhile. They are the few items other workers
    stored while this batch was planned, so they are read by id range, not through the bands.
    """
    if not texts:
        return []
    rows = [
        (pk, key)
        for pk, key in Item.objects.filter(workspace_id=workspace_id, pk__gt=after)
        .order_by("pk")
        .values_list("pk", "near_key")
        if pk not in compared
    ]
    if not rows:
        return [None] * len(texts)
    close: list[dict[int, str]] = [
        {
            pk: key
            for pk, key in rows
            if shares_band(text.near_key, key) and key_distance(text.near_key, key) <= NEAR_BITS
        }
        for text in texts
    ]
    # Identical cleaned texts have the same key, so the key test keeps the short texts'
    # candidates too (they fold only when identical).
    wanted = {pk for found in close for pk in found}
    if not wanted:
        return [None] * len(texts)
    cleaned = {pk: clean_text(text) for pk, text in
               Item.objects.filter(pk__in=wanted).values_list("pk", "text")}
    return [
        first_near(text, found, key=found.__getitem__, clean=cleaned.__getitem__)
        for text, found in zip(texts, close, strict=True)
    ]
