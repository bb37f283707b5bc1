"""Claims and fact-checks written for the matching tests, reached through the real services."""

from __future__ import annotations

from typing import Any

from claim_stories import rating
from kiemchung.claims import matching, services
from kiemchung.claims.models import Claim, EvidenceKind, FactCheck

LEMON = "Uống nước chanh ấm mỗi sáng giúp chữa khỏi ung thư"
VACCINE = "Tiêm vắc xin COVID-19 gây vô sinh ở phụ nữ trẻ"
MOTORBIKE = "Từ tháng sau, xe máy chạy xăng bị cấm vào nội thành Hà Nội"
GARLIC = "Ăn tỏi sống mỗi ngày giúp phòng được bệnh cúm"
BANKNOTES = "Ngân hàng Nhà nước sắp đổi tiền, tiền cũ hết giá trị từ năm sau"
# The same claim as MOTORBIKE, in other words, and as a phone would type it.
MOTORBIKE_AGAIN = "Thủ đô sắp không cho xe gắn máy dùng xăng đi vào các quận trung tâm nữa"
MOTORBIKE_AGAIN_TYPED = "thu do sap khong cho xe gan may dung xang di vao cac quan trung tam nua"
# A post that said VACCINE in its own words.
VACCINE_POST = (
    "Chị em đừng đi chích ngừa corona nha, bác sĩ quen mình nói mũi đó làm hỏng khả năng có con"
)
VACCINE_POST_RESHARED = (
    "chi em dung di chich ngua corona nha bac si quen minh noi mui do lam hong kha nang co con "
    "😱😱 share gấp cho mọi người"
)


def opened(team: Any, text: str, *, by: Any = None, workspace: Any = None) -> Claim:
    return services.claim_create(
        workspace=workspace or team.workspace, actor=by or team.editor, text=text
    )


def publish(team: Any, claim: Claim, *, title: str, summary: str, label: str = "Sai") -> FactCheck:
    """Check the claim as checker2, have the editor review it and publish it."""
    services.evidence_add(
        claim=claim,
        actor=team.checker2,
        kind=EvidenceKind.NOTE,
        title="Nguồn chính thức",
        note="Đã đối chiếu với thông cáo của cơ quan chức năng.",
    )
    factcheck = services.factcheck_save(
        claim=claim,
        actor=team.checker2,
        rating=rating(team, label),
        title=title,
        summary=summary,
        body="Chúng tôi đã đối chiếu với các nguồn chính thức.",
    )
    services.factcheck_submit(factcheck=factcheck, actor=team.checker2)
    services.review_submit(factcheck=factcheck, actor=team.editor, decision="approve")
    factcheck.refresh_from_db()
    return services.factcheck_publish(factcheck=factcheck, actor=team.editor)


def published(
    team: Any, text: str, *, title: str, summary: str, label: str = "Sai"
) -> FactCheck:
    """A new claim of the team, checked, reviewed and published."""
    claim = opened(team, text, by=team.checker2)
    return publish(team, claim, title=title, summary=summary, label=label)


def lemon_published(team: Any) -> FactCheck:
    return published(
        team,
        LEMON,
        title="Nước chanh ấm không chữa được ung thư",
        summary="Sai: chưa có nghiên cứu nào cho thấy nước chanh chữa được ung thư; Bộ Y tế "
        "khuyến cáo người bệnh không bỏ điều trị.",
    )


def search(workspace: Any, text: str, **options: Any) -> list[Any]:
    return matching.similar_records(workspace=workspace, text=text, **options)


def held(workspace: Any) -> set[str]:
    """The records this process's copy of the index holds (searches also re-check the
    database, so what the index itself holds is asserted separately)."""
    with matching.workspace_index(workspace) as index:
        return set(index.ids())
