"""Who may do what: the one permission matrix, checked by every service."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kiemchung.accounts.models import Role

if TYPE_CHECKING:
    from kiemchung.accounts.models import Member


class Action(StrEnum):
    CREATE_CLAIM = "create_claim"
    ASSIGN = "assign"
    EDIT = "edit"
    COMMENT = "comment"
    ADD_EVIDENCE = "add_evidence"
    WRITE_VERDICT = "write_verdict"
    REVIEW = "review"
    PUBLISH = "publish"
    CORRECT = "correct"
    DELETE = "delete"
    MANAGE_MEMBERS = "manage_members"
    MANAGE_WORKSPACE = "manage_workspace"
    VIEW_AUDIT = "view_audit"
    HANDLE_TIPS = "handle_tips"


ACTION_LABELS: dict[Action, str | Promise] = {
    Action.CREATE_CLAIM: _("Tạo nhận định"),
    Action.ASSIGN: _("Phân công"),
    Action.EDIT: _("Sửa nhận định"),
    Action.COMMENT: _("Bình luận"),
    Action.ADD_EVIDENCE: _("Thêm bằng chứng"),
    Action.WRITE_VERDICT: _("Viết kết luận"),
    Action.REVIEW: _("Duyệt"),
    Action.PUBLISH: _("Công bố"),
    Action.CORRECT: _("Đính chính"),
    Action.DELETE: _("Xóa"),
    Action.MANAGE_MEMBERS: _("Quản lý thành viên"),
    Action.MANAGE_WORKSPACE: _("Cài đặt nhóm"),
    Action.VIEW_AUDIT: _("Xem nhật ký"),
    Action.HANDLE_TIPS: _("Xử lý tin báo"),
}

_CHECKER = {
    Action.CREATE_CLAIM,
    Action.EDIT,
    Action.COMMENT,
    Action.ADD_EVIDENCE,
    Action.WRITE_VERDICT,
    Action.HANDLE_TIPS,
}
_EDITOR = _CHECKER | {
    Action.ASSIGN,
    Action.REVIEW,
    Action.PUBLISH,
    Action.CORRECT,
    Action.DELETE,
}
_ADMIN = set(Action)

MATRIX: dict[str, frozenset[Action]] = {
    Role.ADMIN: frozenset(_ADMIN),
    Role.EDITOR: frozenset(_EDITOR),
    Role.CHECKER: frozenset(_CHECKER),
    Role.VIEWER: frozenset(),
}


def can(member: Member | None, action: Action) -> bool:
    """Whether this active member's role allows the action."""
    if member is None or not member.is_active:
        return False
    return action in MATRIX.get(member.role, frozenset())


def require(member: Member | None, action: Action) -> None:
    """Raise PermissionDenied, in the user's language, unless the member may do the action."""
    if not can(member, action):
        raise PermissionDenied(
            _("Vai trò của bạn không được phép: %(action)s") % {"action": ACTION_LABELS[action]}
        )
