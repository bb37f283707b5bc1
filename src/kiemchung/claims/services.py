"""Writes for claims, evidence, verdicts, reviews and corrections."""

from __future__ import annotations

from django.utils.translation import gettext_noop

from kiemchung.accounts.models import Workspace
from kiemchung.claims.models import Rating

DEFAULT_RATINGS: list[tuple[str, str]] = [
    (gettext_noop("Đúng"), gettext_noop("Nhận định chính xác, không thiếu điều gì quan trọng.")),
    (gettext_noop("Gần đúng"), gettext_noop("Nhận định cơ bản chính xác nhưng cần làm rõ thêm.")),
    (
        gettext_noop("Gây hiểu lầm"),
        gettext_noop("Có phần đúng nhưng bỏ qua bối cảnh quan trọng hoặc dẫn đến kết luận sai."),
    ),
    (gettext_noop("Sai"), gettext_noop("Nhận định không chính xác.")),
    (
        gettext_noop("Chưa đủ căn cứ"),
        gettext_noop("Chưa có đủ bằng chứng đáng tin cậy để kết luận."),
    ),
]


def ratings_ensure_default(*, workspace: Workspace) -> list[Rating]:
    """Give a workspace the default Vietnamese rating scale if it has none yet."""
    existing = list(Rating.objects.filter(workspace=workspace))
    if existing:
        return existing
    return [
        Rating.objects.create(workspace=workspace, label=label, position=i, description=text)
        for i, (label, text) in enumerate(DEFAULT_RATINGS, start=1)
    ]
