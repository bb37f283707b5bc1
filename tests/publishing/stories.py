"""Published fact-checks for the public-site tests, reached through the real services."""

from __future__ import annotations

from typing import Any

from kiemchung.claims import services
from kiemchung.claims.models import EvidenceKind, FactCheck, Rating

LEMON = "Uống nước chanh ấm mỗi sáng giúp chữa khỏi ung thư"
GARLIC = "Ăn tỏi sống mỗi ngày giúp phòng được bệnh cúm"
BANKNOTES = "Ngân hàng Nhà nước sắp đổi tiền, tiền cũ hết giá trị từ năm sau"


def publish(
    team: Any,
    text: str,
    *,
    title: str,
    summary: str = "",
    topic: str = "",
    label: str = "Sai",
    workspace: Any = None,
    checker: Any = None,
    editor: Any = None,
) -> FactCheck:
    """A claim checked by checker2, reviewed and published by the editor (of `team` unless the
    other team's people are given)."""
    checker = checker or team.checker2
    editor = editor or team.editor
    claim = services.claim_create(
        workspace=workspace or team.workspace, actor=checker, text=text, topic=topic
    )
    services.evidence_add(
        claim=claim, actor=checker, kind=EvidenceKind.NOTE, title="Nguồn", note="Đã đối chiếu."
    )
    factcheck = services.factcheck_save(
        claim=claim,
        actor=checker,
        rating=rating_of(claim.workspace, label),
        title=title,
        summary=summary or f"Nhận định “{text}” là sai.",
        body="Chúng tôi đã đối chiếu với các nguồn chính thức.",
    )
    services.factcheck_submit(factcheck=factcheck, actor=checker)
    services.review_submit(factcheck=factcheck, actor=editor, decision="approve")
    factcheck.refresh_from_db()
    return services.factcheck_publish(factcheck=factcheck, actor=editor)


def rating_of(workspace: Any, label: str) -> Rating:
    return Rating.objects.get(workspace=workspace, label=label)


def lemon(team: Any) -> FactCheck:
    return publish(
        team,
        LEMON,
        title="Nước chanh ấm không chữa được ung thư",
        summary="Chưa có nghiên cứu nào cho thấy nước chanh chữa được ung thư.",
        topic="Sức khỏe",
    )


def garlic(team: Any) -> FactCheck:
    return publish(
        team,
        GARLIC,
        title="Tỏi sống không phòng được cúm",
        summary="Không có bằng chứng tỏi sống phòng được cúm.",
        topic="sức khỏe",
    )


def banknotes(team: Any) -> FactCheck:
    return publish(
        team,
        BANKNOTES,
        title="Không có chuyện đổi tiền năm sau",
        summary="Ngân hàng Nhà nước chưa có văn bản nào về việc đổi tiền.",
        topic="Kinh tế",
    )


def correct(team: Any, factcheck: FactCheck, note: str = "Sửa một con số trong bài.") -> Any:
    from claim_stories import correction_approved

    factcheck.refresh_from_db()
    return correction_approved(team, factcheck, note=note, summary=factcheck.summary + " (sửa)")
