"""Reshared pictures: two items of a workspace that carry the same picture are one item.

A rumour travels as a picture with a different caption at each reshare, so the captions'
near-copy test (nearcopy.py) keeps them apart. Their images are compared instead: when an image
of an item is the same picture (`images.fingerprint`, at most 30 bits apart, as in the tipline)
as an image of another item of the workspace, and the two were seen within FOLD_WINDOW of each
other, the item stored later is folded into the one stored first.

Why after storing, not at ingestion: the picture is only known once it is downloaded and
fingerprinted, which takes a task per image (seconds each); ingestion stores 200 posts in one
short transaction and downloads nothing. So the fold happens when a fingerprint arrives, in
whichever order the two images are read: the later of the two readings finds the earlier one.

Why the later item is removed rather than kept and marked: every reader of items (the queue,
the figures, the learner, the API) counts items, and a hidden row would have to be left out by
each of them. Its sightings, engagement, copies and images move to the first item, which is
ranked again; its caption is left behind (a later post with that caption is a new item again,
and folds again once its picture is read). An item already decided (promoted, attached,
dismissed) is never removed: a decision, a claim or an appearance never moves.

Two workers: a reading is stored and folded under the workspace's item lock (nearcopy.py), the
lock every store of new items takes, so readings, folds and stores of one workspace take turns.
The search runs after the lock is taken and sees every image stored before, so of two readings
of the same picture at the same moment the second finds the first, and a store that planned to
add copies to an item merged meanwhile sees it gone and plans again (`ingest.FoldTargetGone`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta

from django.db.models import F

from kiemchung.images.fingerprint import BITS, MAX_DISTANCE, HashIndex
from kiemchung.monitoring.ingest import item_rank
from kiemchung.monitoring.models import (
    Item,
    ItemImage,
    ItemState,
    Sighting,
    Source,
    SourceKind,
)

__all__ = ["FOLD_WINDOW", "MIN_SIDE", "item_merge", "picture_fold"]

logger = logging.getLogger(__name__)

# Two posts of the same picture this far apart are two stories: an old photo given a new
# caption months later is a new claim to check, not a reshare of the first one.
FOLD_WINDOW = timedelta(days=7)
# Icons, avatars and tracking pixels look alike to a perceptual hash: smaller pictures (in
# pixels, on their shorter side) are fingerprinted but fold nothing.
MIN_SIDE = 100
# The images compared with a new one, the newest first; a week of a workspace has far fewer.
COMPARED_MAX = 50_000
HITS = 10
FINGERPRINT_HEX = BITS // 4


def picture_fold(*, image: ItemImage, probes: Sequence[bytes]) -> int | None:
    """Fold the item of IMAGE and an item carrying the same picture into one; the id of the
    item kept, or None when nothing was folded.

    Called under the workspace's item lock, in the caller's transaction.
    """
    if not image.fingerprints or not probes or min(image.width, image.height) < MIN_SIDE:
        return None
    item = Item.objects.filter(pk=image.item_id).first()
    if item is None:
        return None
    rows = (
        ItemImage.objects.filter(
            workspace_id=image.workspace_id,
            width__gte=MIN_SIDE,
            height__gte=MIN_SIDE,
            item__last_seen_at__gte=item.first_seen_at - FOLD_WINDOW,
            item__first_seen_at__lte=item.last_seen_at + FOLD_WINDOW,
        )
        .exclude(item_id=item.pk)
        .exclude(fingerprint_hex="")
        .order_by("-pk")
        .values_list("pk", "item_id", "url", "fingerprint_hex", "item__source_id",
                     "item__source__kind")[:COMPARED_MAX]
    )
    about: dict[int, tuple[int, str, int, str]] = {}
    keys: list[int] = []
    packed: list[str] = []
    for pk, item_id, url, fingerprint_hex, source_id, kind in rows:
        views = fingerprint_hex.split()
        if any(len(view) != FINGERPRINT_HEX for view in views):
            continue
        about[pk] = (item_id, url, source_id, kind)
        keys += [pk] * len(views)
        packed += views
    index: HashIndex[int] = HashIndex()
    index.extend_packed(keys, bytes.fromhex("".join(packed)))
    for pk, _distance in index.search_any(list(probes), max_distance=MAX_DISTANCE, limit=HITS):
        other_id, url, source_id, kind = about[pk]
        if kind == SourceKind.FEED and source_id == item.source_id and url == image.url:
            # One feed's picture on two different entries is its default picture (a logo).
            continue
        first, later = sorted((item.pk, other_id))
        if item_merge(into_id=first, from_id=later):
            return first
    return None


def item_merge(*, into_id: int, from_id: int) -> bool:
    """Fold the waiting item FROM_ID into INTO_ID: its sightings, images, copies and
    engagement move, and it is removed. False when either is gone or FROM_ID was decided.

    Called under the workspace's item lock, in the caller's transaction.
    """
    found = {
        item.pk: item
        for item in Item.objects.select_for_update().filter(pk__in=[into_id, from_id])
        .order_by("pk")
    }
    into, gone = found.get(into_id), found.get(from_id)
    if into is None or gone is None or into.workspace_id != gone.workspace_id:
        return False
    if gone.state != ItemState.NEW or gone.claim_id is not None:
        return False
    Sighting.objects.filter(item_id=gone.pk).update(item_id=into.pk)
    ItemImage.objects.filter(item_id=gone.pk).update(item_id=into.pk)
    into.copies += gone.copies
    into.reactions += gone.reactions
    into.comments += gone.comments
    into.shares += gone.shares
    into.views += gone.views
    into.first_seen_at = min(into.first_seen_at, gone.first_seen_at)
    into.last_seen_at = max(into.last_seen_at, gone.last_seen_at)
    # Each side is one post with the picture, or the posts it already gathered by it.
    into.image_copies = max(into.image_copies, 1) + max(gone.image_copies, 1)
    item_rank(into)
    into.save(update_fields=[
        "copies", "reactions", "comments", "shares", "views", "first_seen_at", "last_seen_at",
        "image_copies", "velocity", "priority", "reasons", "updated_at",
    ])
    Source.objects.filter(pk=gone.source_id, items_total__gt=0).update(
        items_total=F("items_total") - 1
    )
    gone.delete()
    logger.info("item %s folded into item %s: the same picture", from_id, into_id)
    return True
