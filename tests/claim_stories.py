"""Moments in a claim's life, reached through the real services, for tests to start from.

By default a verdict is written by checker2 and reviewed by the editor, so that the admin,
the editor and the checker are all free to act on it as someone else.
"""

from __future__ import annotations

from io import BytesIO
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from kiemchung.claims import services
from kiemchung.claims.models import (
    Claim,
    ClaimState,
    Correction,
    CorrectionProposal,
    Evidence,
    EvidenceImageState,
    EvidenceImageText,
    EvidenceKind,
    FactCheck,
    Rating,
)

CLAIM_TEXT = "Uống nước chanh ấm mỗi sáng giúp chữa khỏi ung thư"
TITLE = "Sai sự thật: nước chanh ấm không chữa được ung thư"
SUMMARY = (
    f"Nhận định “{CLAIM_TEXT}” là sai: chưa có nghiên cứu nào cho thấy nước chanh "
    "chữa được ung thư, và Bộ Y tế đã khuyến cáo không bỏ điều trị."
)
BODY = "Chúng tôi đã đối chiếu với khuyến cáo của Bộ Y tế và hai nghiên cứu đã công bố."


def rating(team: Any, label: str = "Sai") -> Rating:
    return Rating.objects.get(workspace=team.workspace, label=label)


def claim_opened(team: Any, *, by: Any = None, text: str = CLAIM_TEXT, **extra: Any) -> Claim:
    return services.claim_create(
        workspace=team.workspace, actor=by or team.editor, text=text, **extra
    )


def claim_with_evidence(team: Any, *, by: Any = None) -> Claim:
    claim = claim_opened(team, by=by or team.checker2)
    services.evidence_add(
        claim=claim,
        actor=by or team.checker2,
        kind=EvidenceKind.NOTE,
        title="Khuyến cáo của Bộ Y tế",
        note="Bộ Y tế khuyến cáo người bệnh không tự ý bỏ điều trị để dùng nước chanh.",
    )
    return claim


def screenshot_evidence_read(team: Any) -> Evidence:
    """A picture attached as evidence to an open claim, its reading done (no words in it)."""
    picture = BytesIO()
    Image.new("RGB", (120, 80), (200, 220, 240)).save(picture, format="PNG")
    evidence = services.evidence_add(
        claim=claim_opened(team),
        actor=team.editor,
        kind=EvidenceKind.DOCUMENT,
        document=SimpleUploadedFile("anh.png", picture.getvalue()),
    )
    EvidenceImageText.objects.filter(evidence=evidence).update(state=EvidenceImageState.NO_TEXT)
    return Evidence.objects.get(pk=evidence.pk)


def verdict_drafted(team: Any, *, author: Any = None, claim: Claim | None = None) -> FactCheck:
    author = author or team.checker2
    claim = claim or claim_with_evidence(team, by=author)
    return services.factcheck_save(
        claim=claim, actor=author, rating=rating(team), title=TITLE, summary=SUMMARY, body=BODY
    )


def verdict_in_review(team: Any, *, author: Any = None) -> FactCheck:
    author = author or team.checker2
    return services.factcheck_submit(factcheck=verdict_drafted(team, author=author), actor=author)


def verdict_approved(team: Any, *, author: Any = None, reviewer: Any = None) -> FactCheck:
    factcheck = verdict_in_review(team, author=author)
    services.review_submit(factcheck=factcheck, actor=reviewer or team.editor, decision="approve")
    factcheck.refresh_from_db()
    return factcheck


def verdict_published(team: Any, *, author: Any = None, publisher: Any = None) -> FactCheck:
    factcheck = verdict_approved(team, author=author)
    return services.factcheck_publish(factcheck=factcheck, actor=publisher or team.editor)


def correction_approved(
    team: Any, factcheck: FactCheck, *, note: str, by: Any = None, approver: Any = None,
    **changes: Any,
) -> Correction:
    """A correction that changes the rating or the summary: proposed by the editor, made
    public by the admin, the second person it needs."""
    proposal = services.correction_propose(
        factcheck=factcheck, actor=by or team.editor, note=note, **changes
    )
    assert isinstance(proposal, CorrectionProposal), "a one-person correction needs no approval"
    services.correction_review(
        proposal=proposal, actor=approver or team.admin, decision="approve"
    )
    factcheck.refresh_from_db()
    proposal.refresh_from_db()
    assert proposal.correction is not None
    return proposal.correction


def claim_in_state(team: Any, state: str) -> Claim:
    """A claim in the given state, reached the way the newsroom reaches it."""
    if state == ClaimState.OPEN:
        claim = claim_opened(team)
    elif state == ClaimState.IN_PROGRESS:
        claim = services.claim_start(claim=claim_opened(team), actor=team.checker2)
    elif state == ClaimState.IN_REVIEW:
        claim = verdict_in_review(team).claim
    elif state == ClaimState.PUBLISHED:
        claim = verdict_published(team).claim
    elif state == ClaimState.DISMISSED:
        claim = services.claim_dismiss(
            claim=claim_opened(team),
            actor=team.editor,
            reason="Ý kiến cá nhân, không kiểm chứng được.",
        )
    else:
        raise ValueError(state)
    claim.refresh_from_db()
    assert claim.state == state
    return claim
