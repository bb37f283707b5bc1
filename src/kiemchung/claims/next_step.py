"""The one thing to do next on a claim, for the person looking at it: shown at the top of the
claim page so that the next action is obvious on a long page (a phone shows it before anything
else). It reads what the page already knows may be done; the services enforce the rules."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kiemchung.claims.models import ClaimState, FactCheckState


@dataclass(frozen=True)
class NextStep:
    text: Promise
    anchor: str = ""
    link: Promise | None = None


def next_step(*, claim: Any, factcheck: Any, may: Any, evidence_count: int) -> NextStep | None:
    """What this person would do next here, or None when nothing waits on them."""
    if claim.state in (ClaimState.DISMISSED, ClaimState.PUBLISHED) or claim.merged_into_id:
        return None
    fc_state = factcheck.state if factcheck is not None else None
    if may.review:
        return NextStep(_("Kết luận đang chờ bạn duyệt."), "review-panel", _("Đến phần duyệt"))
    if fc_state == FactCheckState.IN_REVIEW:
        return NextStep(_("Kết luận đang chờ một người khác duyệt."))
    if may.publish:
        return NextStep(
            _("Kết luận đã được duyệt và có thể công bố."), "verdict", _("Đến phần công bố")
        )
    if fc_state == FactCheckState.APPROVED:
        return NextStep(_("Kết luận đã được duyệt và chờ một biên tập viên công bố."))
    if fc_state == FactCheckState.CHANGES_REQUESTED and may.write_verdict:
        return NextStep(_("Người duyệt yêu cầu sửa kết luận."), "verdict", _("Xem góp ý và sửa"))
    if may.start:
        return NextStep(
            _("Nhận định này chưa có ai kiểm chứng: bấm “Bắt đầu kiểm chứng” để nhận việc.")
        )
    if may.add_evidence and evidence_count == 0:
        return NextStep(_("Tiếp theo: thêm bằng chứng."), "evidence", _("Thêm bằng chứng"))
    if may.write_verdict and factcheck is None:
        return NextStep(_("Tiếp theo: viết kết luận."), "verdict", _("Viết kết luận"))
    if may.submit:
        return NextStep(
            _("Kết luận đã lưu: gửi duyệt khi xong."), "verdict", _("Đến phần kết luận")
        )
    return None
