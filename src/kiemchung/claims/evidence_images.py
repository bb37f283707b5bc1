"""The words in a claim's evidence images and the claims whose evidence is the same picture
(docs/IMAGES.md).

When an image document (a screenshot, a photo) is attached as evidence, a task reads its words
and fingerprints it the way the tipline does for tips' images (`images.examine`). The words
are searched with the claim's own text; the fingerprints find the claims whose evidence, or a
tip's image handed in by the tipline, is the same picture.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, TypeVar

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kiemchung.accounts.models import Workspace
from kiemchung.accounts.permissions import Action
from kiemchung.audit.services import audit_record
from kiemchung.claims.documents import GIF, JPEG, PNG, WEBP, DocumentType
from kiemchung.claims.models import Claim, Evidence, EvidenceImageState, EvidenceImageText
from kiemchung.claims.workflow import acting_user, limited
from kiemchung.core.tasks import enqueue_on_commit
from kiemchung.images.examine import ENGINE_OFF, image_examine
from kiemchung.images.fingerprint import MAX_DISTANCE, HashIndex, hash_from_hex
from kiemchung.images.ocr import ENGINE_FAILED, NO_TEXT, READ, default_engine

if TYPE_CHECKING:
    from kiemchung.claims.workflow import Actor

logger = logging.getLogger(__name__)

# The kinds of evidence document that are read and fingerprinted.
IMAGE_TYPES: frozenset[DocumentType] = frozenset({PNG, JPEG, GIF, WEBP})
MAX_CORRECTION_CHARS = 5000
# The claim page asks again for the evidence list while an image is read, for this long at most
# (a worker that is down must not keep every open page polling).
READ_POLL = timedelta(minutes=10)
# The evidence images searched for a picture, the newest first; a workspace has far fewer.
MAX_INDEXED = 20_000

_OUTCOME_STATES = {
    READ: EvidenceImageState.READ,
    NO_TEXT: EvidenceImageState.NO_TEXT,
    ENGINE_FAILED: EvidenceImageState.FAILED,
    ENGINE_OFF: EvidenceImageState.OFF,
}

Key = TypeVar("Key")


def evidence_image_reading_request(*, evidence: Evidence) -> EvidenceImageText:
    """Queue the reading of an evidence image just stored; the task carries its id only."""
    from kiemchung.claims.tasks import evidence_image_read

    row, _created = EvidenceImageText.objects.get_or_create(evidence=evidence)
    enqueue_on_commit(evidence_image_read, evidence.pk)
    return row


@dataclass(frozen=True)
class Reading:
    state: str
    text: str = ""
    fingerprints: tuple[str, ...] = ()


def evidence_image_reading_make(*, evidence: Evidence) -> Reading:
    """Read the image's words and fingerprint it; every failure is a state, never raised.

    Runs outside any transaction: the engine may take seconds.
    """
    try:
        with evidence.document.open("rb") as handle:
            data = bytes(handle.read())
    except (OSError, ValueError):
        return Reading(state=EvidenceImageState.UNREADABLE)
    try:
        examined = image_examine(data, default_engine())
    except Exception as exc:  # a bug or a resource limit must not leave the reading queued
        logger.warning("evidence image %s: reading failed (%s)", evidence.pk, type(exc).__name__)
        return Reading(state=EvidenceImageState.FAILED)
    return Reading(
        state=_OUTCOME_STATES.get(examined.outcome, EvidenceImageState.UNREADABLE),
        text=examined.text,
        fingerprints=tuple(f.hex() for f in examined.fingerprints),
    )


def evidence_image_reading_store(*, evidence_id: int, reading: Reading) -> bool:
    """Keep the reading; False when the evidence or its reading is gone or already done.

    The caller owns the transaction.
    """
    row = (
        EvidenceImageText.objects.select_for_update().filter(evidence_id=evidence_id).first()
    )
    if row is None or row.state != EvidenceImageState.QUEUED:
        return False
    row.state = reading.state
    row.text = reading.text
    row.fingerprint_hex = " ".join(reading.fingerprints)
    row.save(update_fields=["state", "text", "fingerprint_hex", "updated_at"])
    return True


def evidence_image_text_correct(
    *, evidence: Evidence, actor: Actor, text: str
) -> EvidenceImageText:
    """A member's correction of the words read from an evidence image; audited without the
    words (the audit log is no copy of the material), like a tip image's."""
    claim = evidence.claim
    user = acting_user(actor=actor, workspace=claim.workspace, action=Action.ADD_EVIDENCE)
    clean = limited(text, field="text", limit=MAX_CORRECTION_CHARS)
    row = EvidenceImageText.objects.select_for_update().filter(evidence=evidence).first()
    if row is None or row.state == EvidenceImageState.QUEUED:
        raise ValidationError(_("Ảnh này chưa được đọc xong; hãy chờ rồi sửa."))
    row.text = clean
    if clean and row.state != EvidenceImageState.READ:
        row.state = EvidenceImageState.READ
    row.corrected_by = user
    row.corrected_at = timezone.now()
    row.save(update_fields=["text", "state", "corrected_by", "corrected_at", "updated_at"])
    audit_record(
        workspace=claim.workspace,
        actor=user,
        action="evidence.image_text.correct",
        obj=evidence,
        after={"claim": claim.pk, "evidence": evidence.pk},
    )
    return row


def words_in_evidence_images(word: str) -> Exists:
    """The claims one of whose evidence images has WORD (folded) among the words read."""
    rows = EvidenceImageText.objects.filter(
        evidence__claim=OuterRef("pk"), text_folded__icontains=word
    )
    return Exists(rows)


def claim_text_or_images_has(word: str) -> Q:
    """The claims whose text, or the words read from one of whose evidence images, has WORD
    (already folded), for the claim search."""
    return Q(text_folded__icontains=word) | Q(words_in_evidence_images(word))


def reading_of(evidence: Evidence) -> EvidenceImageText | None:
    """The evidence's image reading, or None for evidence that is no image (or older)."""
    try:
        return evidence.reading
    except EvidenceImageText.DoesNotExist:
        return None


def evidence_images_still_reading(evidence: Sequence[Evidence]) -> bool:
    """True while one of these evidence images is being read (for at most READ_POLL)."""
    since = timezone.now() - READ_POLL
    return any(
        reading.state == EvidenceImageState.QUEUED and reading.created_at >= since
        for reading in map(reading_of, evidence)
        if reading is not None
    )


@dataclass(frozen=True)
class PictureSeen:
    """A claim one of whose evidence images is the same picture, `distance` bits apart."""

    claim: Claim
    distance: int


def claims_with_picture(
    *,
    workspace: Workspace,
    pictures: Mapping[Key, Sequence[str]],
    exclude_claim: int | None = None,
    limit: int = 5,
) -> dict[Key, list[PictureSeen]]:
    """For each picture (its kept fingerprints, hex), the workspace's claims whose evidence
    carries the same picture, nearest first; at most 30 of 512 bits apart (images/fingerprint).

    The fingerprints may come from another app (a tip's image, decrypted in memory by the
    tipline): they are compared here in memory and never stored.
    """
    probes = {key: [hash_from_hex(h) for h in found] for key, found in pictures.items() if found}
    if not probes:
        return {}
    rows = EvidenceImageText.objects.filter(evidence__claim__workspace=workspace).exclude(
        fingerprint_hex=""
    )
    if exclude_claim is not None:
        rows = rows.exclude(evidence__claim_id=exclude_claim)
    keys: list[int] = []
    packed: list[str] = []
    for claim_id, hexes in rows.order_by("-id").values_list(
        "evidence__claim_id", "fingerprint_hex"
    )[:MAX_INDEXED]:
        # Keyed by claim: a claim whose evidence has the picture twice is listed once.
        views = hexes.split()
        keys += [claim_id] * len(views)
        packed += views
    index: HashIndex[int] = HashIndex()
    index.extend_packed(keys, bytes.fromhex("".join(packed)))
    if not len(index):
        return {}
    hits = {
        key: index.search_any(found, max_distance=MAX_DISTANCE, limit=limit)
        for key, found in probes.items()
    }
    claims = Claim.objects.filter(workspace=workspace).in_bulk(
        {claim_id for found in hits.values() for claim_id, _distance in found}
    )
    return {
        key: [
            PictureSeen(claim=claims[claim_id], distance=distance)
            for claim_id, distance in found
            if claim_id in claims
        ]
        for key, found in hits.items()
        if found
    }


def evidence_same_picture(*, claim: Claim, evidence: Sequence[Evidence]) -> dict[int, list[Claim]]:
    """For each of the claim's evidence images (by evidence id), the other claims of the
    workspace whose evidence is the same picture."""
    pictures = {
        item.pk: reading.fingerprints
        for item in evidence
        if (reading := reading_of(item)) is not None and reading.fingerprint_hex
    }
    found = claims_with_picture(
        workspace=claim.workspace, pictures=pictures, exclude_claim=claim.pk
    )
    return {pk: [seen.claim for seen in seen_list] for pk, seen_list in found.items()}
