"""The pictures monitored posts carry: downloaded, their words read and fingerprinted.

A new item's post may carry images (a feed's enclosure or media:content, an export's image
column). Once the item is stored, a task per image (`tasks.item_image_read`, its id only)
downloads it through the one HTTP wrapper, then reads its words on this machine and
fingerprints it the way the tipline does (`images.examine`, docs/IMAGES.md). The words join
the item's text for matching and triage (`Item.match_text`): the item gets its lexical look
and its score again, then waits for the full search like any new item. The fingerprint finds
an item of the workspace carrying the same picture, and the newer of the two is folded into
the older (imagefold.py).

Monitored posts are public: the words and fingerprints are stored plain, unlike a tip's.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from django.db import transaction
from django.utils import timezone

from kiemchung.core.http import FetchError, fetch
from kiemchung.core.tasks import enqueue_on_commit
from kiemchung.images.examine import ENGINE_OFF, image_examine
from kiemchung.images.fingerprint import hash_from_hex, query_fingerprints
from kiemchung.images.load import TOO_LARGE, image_load
from kiemchung.images.ocr import NO_TEXT, READ, default_engine
from kiemchung.monitoring.imagefold import picture_fold
from kiemchung.monitoring.ingest import (
    ANSWERING_KINDS,
    IMAGES_MAX,
    LEXICAL_STRONG,
    URL_MAX,
    enqueue_match,
    item_rank,
    match_summary,
)
from kiemchung.monitoring.learner import meta_of, scorer_for
from kiemchung.monitoring.matchers import lexical_matcher
from kiemchung.monitoring.models import ImageState, Item, ItemImage, ItemState
from kiemchung.monitoring.nearcopy import items_lock
from kiemchung.monitoring.triage import cue_list

__all__ = [
    "FETCH_ATTEMPTS",
    "IMAGE_MAX_BYTES",
    "Reading",
    "Stored",
    "image_reading_make",
    "image_reading_of",
    "image_reading_store",
    "image_urls",
    "item_image_words_apply",
    "item_images_request",
]

logger = logging.getLogger(__name__)

# A larger file is refused before it is read whole: a post's picture is a few hundred KB.
IMAGE_MAX_BYTES = 10 * 1024 * 1024
# Tries of a download that may work later (a timeout, a 503), the first one included.
FETCH_ATTEMPTS = 3
# The words of an item's images kept for matching, in characters.
IMAGE_WORDS_MAX = 5000
NOTE_MAX = 300

_URL_RE = re.compile(r"https?://[^\s,;|\"'<>]+", re.IGNORECASE)
_OUTCOME_STATES = {
    READ: ImageState.READ, NO_TEXT: ImageState.NO_TEXT, ENGINE_OFF: ImageState.OFF,
}
# States a reading of the same address can be copied from instead of downloading it again.
_FINAL_STATES = (ImageState.READ, ImageState.NO_TEXT, ImageState.NOT_IMAGE, ImageState.TOO_LARGE)


def image_urls(values: Iterable[Any]) -> tuple[str, ...]:
    """The distinct public image addresses in VALUES (strings holding one or several, or
    objects with a `url`/`src`), at most IMAGES_MAX."""
    found: list[str] = []
    for value in values:
        if isinstance(value, dict):
            value = value.get("url") or value.get("src") or value.get("uri") or ""
        if not isinstance(value, str):
            continue
        for url in _URL_RE.findall(value):
            if len(url) <= URL_MAX and url not in found:
                found.append(url)
            if len(found) == IMAGES_MAX:
                return tuple(found)
    return tuple(found)


def item_images_request(*, items: Sequence[tuple[Item, Sequence[str]]]) -> list[ItemImage]:
    """Keep the images of items just stored (none for most) and queue their reading, after
    commit."""
    from kiemchung.monitoring.tasks import item_image_read

    rows = ItemImage.objects.bulk_create(
        ItemImage(workspace_id=item.workspace_id, item=item, url=url, position=position)
        for item, urls in items
        for position, url in enumerate(list(urls)[:IMAGES_MAX])
    )
    for row in rows:
        enqueue_on_commit(item_image_read, row.pk)
    return rows


@dataclass(frozen=True)
class Reading:
    """What looking at one image gave: its state, words and fingerprints, or why not."""

    state: str
    text: str = ""
    fingerprints: tuple[str, ...] = ()
    # The views the image is looked up with (whole, without a caption's band); not stored.
    probes: tuple[bytes, ...] = ()
    width: int = 0
    height: int = 0
    note: str = ""
    retryable: bool = False


def image_reading_of(data: bytes) -> Reading:
    """Read the words of the image file DATA and fingerprint it; every failure is a state."""
    try:
        # One look, as the tipline and a claim's evidence take it.
        examined = image_examine(data, default_engine())
        if not examined.fingerprints:
            return Reading(state=ImageState.TOO_LARGE if examined.outcome == TOO_LARGE
                           else ImageState.NOT_IMAGE)
        # Decoded again for the views a picture is looked up with (without a caption's band
        # at the bottom or top): a fraction of the engine's time.
        image = image_load(data)
        probes = (*query_fingerprints(image), *examined.fingerprints[1:])
    except Exception as exc:  # a bug or a resource limit must not leave the image queued
        logger.warning("monitored image: reading failed (%s)", type(exc).__name__)
        return Reading(state=ImageState.FAILED)
    return Reading(
        # The engine crashed or timed out: the picture is still fingerprinted, and folds.
        state=_OUTCOME_STATES.get(examined.outcome, ImageState.FAILED),
        text=examined.text,
        fingerprints=tuple(f.hex() for f in examined.fingerprints),
        probes=probes,
        width=image.width,
        height=image.height,
    )


def _reading_reused(row: ItemImage) -> Reading | None:
    """The reading of the same address in the workspace, when one is over: a reshare's link to
    the same file, a feed's picture seen in two entries, is not downloaded again."""
    states = list(_FINAL_STATES)
    if default_engine() is None:
        # Read without the engine: the same is all this machine can do again.
        states.append(ImageState.OFF)
    earlier = (
        ItemImage.objects.filter(workspace_id=row.workspace_id, url=row.url, state__in=states)
        .exclude(pk=row.pk)
        .order_by("pk")
        .first()
    )
    if earlier is None:
        return None
    return Reading(
        state=earlier.state,
        text=earlier.text,
        fingerprints=tuple(earlier.fingerprints),
        probes=tuple(hash_from_hex(h) for h in earlier.fingerprints),
        width=earlier.width,
        height=earlier.height,
        note=earlier.note,
    )


def image_reading_make(*, image_id: int) -> Reading | None:
    """Download one image and read it; None when it is gone or already read.

    Runs outside any transaction: the download and the engine may take seconds.
    """
    row = ItemImage.objects.filter(pk=image_id, state=ImageState.QUEUED).first()
    if row is None:
        return None
    reused = _reading_reused(row)
    if reused is not None:
        return reused
    try:
        answer = fetch(row.url, max_bytes=IMAGE_MAX_BYTES)
    except FetchError as exc:
        if exc.reason == "too_large":
            return Reading(state=ImageState.TOO_LARGE, note=exc.message)
        return Reading(state=ImageState.FETCH_FAILED, note=exc.message, retryable=exc.retryable)
    except Exception as exc:  # the wrapper's own bug must not leave the image queued
        logger.warning("monitored image %s: download failed (%s)", image_id, type(exc).__name__)
        return Reading(state=ImageState.FETCH_FAILED, note=type(exc).__name__)
    return image_reading_of(answer.content)


@dataclass(frozen=True)
class Stored:
    """What storing a reading did: the image's state, whether the download is tried again,
    and the item whose image words changed (to be looked at again)."""

    state: str
    retry: bool = False
    changed_item: int | None = None
    folded_into: int | None = None


def _words_of(item_id: int) -> str:
    texts: list[str] = []
    for text in ItemImage.objects.filter(item_id=item_id).exclude(text="").order_by(
        "pk"
    ).values_list("text", flat=True):
        if text not in texts:
            texts.append(text)
    return "\n".join(texts)[:IMAGE_WORDS_MAX]


def _words_refresh(item_id: int) -> bool:
    """Set the item's image words from its images; whether they changed."""
    words = _words_of(item_id)
    return bool(
        Item.objects.filter(pk=item_id).exclude(image_text=words).update(
            image_text=words, updated_at=timezone.now()
        )
    )


def image_reading_store(*, image_id: int, reading: Reading, last_attempt: bool) -> Stored:
    """Keep the reading, then fold the item into an item with the same picture (or that item
    into this one). The caller owns the transaction.
    """
    workspace_id = (
        ItemImage.objects.filter(pk=image_id).values_list("workspace_id", flat=True).first()
    )
    if workspace_id is None:
        return Stored(state="gone")
    # Readings, folds and stores of new items of one workspace take turns (imagefold.py).
    items_lock(workspace_id)
    row = ItemImage.objects.select_for_update().filter(pk=image_id).first()
    if row is None or row.state != ImageState.QUEUED:
        return Stored(state="done")
    row.attempts += 1
    row.note = reading.note[:NOTE_MAX]
    if reading.retryable and not last_attempt:
        row.save(update_fields=["attempts", "note", "updated_at"])
        return Stored(state=str(row.state), retry=True)
    row.state = reading.state
    row.text = reading.text
    row.fingerprint_hex = " ".join(reading.fingerprints)
    row.width, row.height = reading.width, reading.height
    row.save()
    survivor = picture_fold(image=row, probes=reading.probes)
    item_id = survivor or row.item_id
    changed = _words_refresh(item_id)
    return Stored(state=str(row.state), changed_item=item_id if changed else None,
                  folded_into=survivor)


def item_image_words_apply(*, item_id: int) -> str:
    """Look at a waiting item again now that its image words changed: the lexical look and
    the score on its text and words, then the full search in its turn (tasks.items_match)."""
    item = Item.objects.select_related("workspace").filter(pk=item_id).first()
    if item is None:
        return "gone"
    if item.state != ItemState.NEW:
        return "already decided"
    text = item.match_text
    matches = match_summary(lexical_matcher(item.workspace).search(text))
    judged = scorer_for(item.workspace_id).judge(
        text, replace(meta_of(item), similarity="related" if matches else "none")
    )
    item.checkworthiness = round(judged.builtin, 4)
    item.learned_score = None if judged.learned is None else round(judged.learned, 4)
    item.topic = judged.topic
    item.reasons = {**(item.reasons or {}), "cues": cue_list(judged.cues),
                    "model": judged.model, "signals": judged.signals}
    item.matches = matches
    item.answered = any(
        m["kind"] in ANSWERING_KINDS and m["score"] >= LEXICAL_STRONG for m in matches
    )
    item.known_claim = any(m["kind"] == "claim" and m["score"] >= LEXICAL_STRONG for m in matches)
    item_rank(item)
    with transaction.atomic():
        # Only while the words are those just read: a later reading looks again itself.
        looked = Item.objects.filter(
            pk=item.pk, state=ItemState.NEW, image_text=item.image_text
        ).update(
            checkworthiness=item.checkworthiness, learned_score=item.learned_score,
            topic=item.topic, reasons=item.reasons, matches=item.matches,
            answered=item.answered, known_claim=item.known_claim, match_stage="lexical",
            priority=item.priority, velocity=item.velocity, updated_at=timezone.now(),
        )
        if looked:
            enqueue_match(item.workspace_id)
    return "looked again" if looked else "changed meanwhile"
