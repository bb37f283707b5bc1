"""The words in a tip's images and the tips that carried the same picture (docs/IMAGES.md).

When an image is stored on a tip, a task reads its words on this machine and fingerprints it;
both are kept encrypted and go with the image. The words are added to the tip's text for
matching, so an image gets the same decision and the same automatic answer as typed text.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from kiemchung.accounts.models import Workspace
from kiemchung.audit.services import audit_record
from kiemchung.claims.evidence_images import PictureSeen, claims_with_picture
from kiemchung.core.tasks import enqueue_on_commit
from kiemchung.images.examine import ENGINE_OFF, image_examine
from kiemchung.images.fingerprint import (
    MAX_DISTANCE,
    HashIndex,
    hash_from_hex,
    query_fingerprints,
)
from kiemchung.images.ocr import ENGINE_FAILED, NO_TEXT, READ, default_engine
from kiemchung.tipline.models import (
    ImageReadingState,
    Tip,
    TipCategory,
    TipImageText,
    TipMedia,
    TipState,
)

logger = logging.getLogger(__name__)

# A "check this" tip waits this long at most for the words of its images before its first look.
READ_WAIT = timedelta(minutes=10)
MAX_CORRECTION_CHARS = 5000
INSTALL_COMMAND = "apt-get install tesseract-ocr tesseract-ocr-vie"

_OUTCOME_STATES = {
    READ: ImageReadingState.READ,
    NO_TEXT: ImageReadingState.NO_TEXT,
    ENGINE_FAILED: ImageReadingState.FAILED,
    ENGINE_OFF: ImageReadingState.OFF,
}


def image_reading_enabled() -> bool:
    """True when this machine can read the words in images (Tesseract with Vietnamese)."""
    return default_engine() is not None


def tip_image_reading_request(*, media: TipMedia) -> None:
    """Queue the reading of an image just stored on a tip; the task carries its id only."""
    from kiemchung.tipline.tasks_images import tip_image_read

    TipImageText.objects.get_or_create(media=media)
    enqueue_on_commit(tip_image_read, media.pk)


def _media_bytes(media: TipMedia) -> bytes:
    with media.file.open("rb") as handle:
        return bytes(handle.read())


@dataclass(frozen=True)
class Reading:
    state: str
    text: str = ""
    fingerprints: tuple[str, ...] = ()


def image_reading_make(*, media: TipMedia) -> Reading:
    """Read the image's words and fingerprint it; every failure is a state, never raised.

    Runs outside any transaction: the engine may take seconds.
    """
    try:
        data = _media_bytes(media)
    except OSError:
        return Reading(state=ImageReadingState.UNREADABLE)
    try:
        examined = image_examine(data, default_engine())
    except Exception as exc:  # a bug or a resource limit must not leave the reading queued
        logger.warning("tip image %s: reading failed (%s)", media.pk, type(exc).__name__)
        return Reading(state=ImageReadingState.FAILED)
    state = _OUTCOME_STATES.get(examined.outcome, ImageReadingState.UNREADABLE)
    return Reading(
        state=state,
        text=examined.text,
        fingerprints=tuple(f.hex() for f in examined.fingerprints),
    )


def image_reading_store(*, media_id: int, reading: Reading) -> int | None:
    """Keep the reading; the tip's id, or None when the image or its reading is gone or done.

    The caller owns the transaction.
    """
    row = (
        TipImageText.objects.select_for_update()
        .select_related("media")
        .filter(media_id=media_id)
        .first()
    )
    if row is None or row.state != ImageReadingState.QUEUED:
        return None
    row.state = reading.state
    row.text = reading.text
    row.fingerprints = list(reading.fingerprints)
    row.save(update_fields=["state", "text_enc", "fingerprint_enc", "updated_at"])
    return row.media.tip_id


def tip_images_pending(*, tip: Tip) -> bool:
    """True while one of the tip's images is being read (for at most READ_WAIT)."""
    return TipImageText.objects.filter(
        media__tip=tip,
        state=ImageReadingState.QUEUED,
        created_at__gte=timezone.now() - READ_WAIT,
    ).exists()


def tip_match_text(*, tip: Tip) -> str:
    """The tip's typed text and the words read from its images, as matching reads them."""
    words = [
        row.text
        for row in TipImageText.objects.filter(media__tip=tip).order_by("media_id")
        if row.text_enc
    ]
    return "\n".join(part for part in (tip.text, *words) if part.strip())


def tip_image_words_arrived(*, tip_id: int) -> str:
    """After an image of the tip was read: its first look, or a second one with the words.

    A tip still waiting for its first look gets it once none of its images is being read. A
    tip already looked at (a chat image downloaded later) is answered only when the words find
    a fact-check or an open claim; the tipster already heard that it is in the queue.
    """
    from kiemchung.tipline import tasks

    tip = Tip.objects.filter(pk=tip_id).first()
    if tip is None or tip.category != TipCategory.CHECK or tip.state != TipState.NEW:
        return "nothing to do"
    if tip.match_checked_at is None:
        if tip_images_pending(tip=tip):
            return "other images still being read"
        # The first look goes the way every tip's does, through its task.
        enqueue_on_commit(tasks.tip_match, tip_id)
        return "first look queued"
    if tip.auto_state:
        return "already answered"
    try:
        # Found the way the tip_match task finds it: a deployment may leave matching out.
        answers: Any = tasks.import_module(tasks.ANSWERS_MODULE)
    except ModuleNotFoundError:
        return "no matcher"
    matches = answers.tip_matches(tip=tip)
    with transaction.atomic():
        tip = (
            Tip.objects.select_for_update()
            .select_related("workspace", "conversation__channel", "conversation__workspace")
            .filter(pk=tip_id, state=TipState.NEW, auto_state="")
            .first()
        )
        if tip is None:
            return "already handled"
        done = answers.tip_auto_answer(
            tip=tip, matches=matches, reviewed=tip.workspace.tipline_answers_reviewed
        )
        if done is not None:
            return done
        if matches.open_claim is not None and tip.claim_id is None:
            tip.claim = matches.open_claim.claim
            tip.save(update_fields=["claim", "updated_at"])
            return "attached to an open claim"
    return "nothing new"


def tip_image_text_correct(
    *, workspace: Workspace, actor: AbstractBaseUser, media_id: int, text: str
) -> None:
    """A member's correction of the words read from an image; audited without the words.

    The caller owns the transaction and has checked that the member handles tips.
    """
    row = (
        TipImageText.objects.select_for_update()
        .select_related("media__tip")
        .filter(media_id=media_id, media__tip__workspace=workspace)
        .first()
    )
    if row is None:
        raise TipImageText.DoesNotExist
    row.text = text.strip()[:MAX_CORRECTION_CHARS]
    if row.text_enc and row.state != ImageReadingState.READ:
        row.state = ImageReadingState.READ
    row.corrected_by_id = getattr(actor, "pk", None)
    row.corrected_at = timezone.now()
    row.save(update_fields=["text_enc", "state", "corrected_by", "corrected_at", "updated_at"])
    audit_record(
        workspace=workspace,
        actor=actor,
        action="tip.image_text.correct",
        obj=row.media.tip,
        after={"media": media_id},
    )


@dataclass(frozen=True)
class SeenBefore:
    media_id: int
    tip_id: int
    tracking_code: str
    claim_id: int | None
    distance: int


def tip_image_seen_before(*, media: TipMedia, limit: int = 5) -> list[SeenBefore]:
    """Earlier tips of the workspace that carried the same picture, nearest first.

    The fingerprints are decrypted and compared in memory (docs/IMAGES.md, "Privacy").
    """
    own = TipImageText.objects.filter(media=media).first()
    if own is None or not own.fingerprint_enc:
        return []
    rows = (
        TipImageText.objects.filter(media__tip__workspace_id=media.tip.workspace_id)
        .exclude(media__tip_id=media.tip_id)
        .exclude(fingerprint_enc="")
        .select_related("media__tip")
        .order_by("-media_id")[:20_000]
    )
    index: HashIndex[int] = HashIndex()
    found: dict[int, TipImageText] = {}
    for row in rows:
        found[row.media_id] = row
        index.extend((row.media_id, hash_from_hex(h)) for h in row.fingerprints)
    if not len(index):
        return []
    # The image's own kept views stand for it as a query: whole, and a view without a band.
    probes = [hash_from_hex(h) for h in own.fingerprints]
    hits = index.search_any(probes, max_distance=MAX_DISTANCE, limit=limit)
    return [
        SeenBefore(
            media_id=media_id,
            tip_id=found[media_id].media.tip_id,
            tracking_code=found[media_id].media.tip.tracking_code,
            claim_id=found[media_id].media.tip.claim_id,
            distance=distance,
        )
        for media_id, distance in hits
    ]


def tip_images_in_claims(*, media: list[TipMedia]) -> dict[int, list[PictureSeen]]:
    """For each of a tip's images (by id), the claims whose evidence is the same picture.

    The tip's fingerprints are decrypted here and handed to the claims app in memory only.
    """
    if not media:
        return {}
    rows = TipImageText.objects.filter(media__in=media).exclude(fingerprint_enc="")
    pictures = {row.media_id: row.fingerprints for row in rows}
    return claims_with_picture(workspace=media[0].tip.workspace, pictures=pictures)


__all__ = [
    "INSTALL_COMMAND",
    "SeenBefore",
    "image_reading_enabled",
    "query_fingerprints",
    "tip_image_reading_request",
    "tip_image_seen_before",
    "tip_image_text_correct",
    "tip_image_words_arrived",
    "tip_images_in_claims",
    "tip_images_pending",
    "tip_match_text",
]
