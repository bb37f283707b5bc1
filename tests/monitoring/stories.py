"""Sources and posts for monitoring tests, written for these tests."""

from __future__ import annotations

from typing import Any

from kiemchung.monitoring import services
from kiemchung.monitoring.models import Source, SourceKind

RUMOUR = (
    "Bộ Y tế vừa xác nhận uống nước chanh ấm mỗi sáng giúp chữa khỏi ung thư giai đoạn 3 "
    "chỉ sau 2 tuần, bệnh viện K đã áp dụng cho 500 bệnh nhân tại Hà Nội"
)
RUMOUR_RESHARED = (
    "Bộ Y tế vừa xác nhận uống nước chanh ấm mỗi sáng giúp chữa khỏi ung thư giai đoạn 3 "
    "chỉ sau 2 tuần, bệnh viện K đã áp dụng cho 500 bệnh nhân tại Hà Nội!!! share gấp cho mọi "
    "người cùng biết 🙏🙏 https://bit.ly/abc"
)
FLOOD = (
    "Lũ quét ở Lào Cai tối qua làm 12 người mất tích, chính quyền huyện Bát Xát đang sơ tán "
    "hơn 300 hộ dân khỏi vùng sạt lở"
)
GREETING = "Chúc mừng sinh nhật em yêu, chúc em luôn xinh đẹp và hạnh phúc nhé"
ADVERT = "Giảm giá 50% toàn bộ sản phẩm hôm nay, inbox shop ngay để được freeship nha"


def source(team: Any, name: str = "Nhóm Facebook công khai", kind: str = SourceKind.IMPORT,
           **extra: Any) -> Source:
    return services.source_create(
        workspace=team.workspace, actor=team.admin, name=name, kind=kind,
        platform=extra.pop("platform", "facebook"), **extra
    )


def post(text: str, **extra: Any) -> services.Post:
    return services.Post(text=text, **extra)
