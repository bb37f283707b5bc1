"""Attach the current workspace and the user's membership in it to every request, and send
members whose workspace requires two-factor login to set it up before anything else."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import Resolver404, resolve, reverse
from django.utils.translation import gettext as _

from kiemchung.accounts import selectors
from kiemchung.accounts.models import Member, Role

SESSION_KEY = "kiemchung_workspace_id"

ROLES_REQUIRING_2FA = frozenset({Role.ADMIN, Role.EDITOR})
# Pages a member who must set up two-factor login can still reach.
OPEN_BEFORE_2FA = frozenset(
    {"accounts:totp_setup", "accounts:logout", "accounts:switch_workspace", "set_language"}
)


def must_set_up_2fa(member: Member | None) -> bool:
    """Whether the member's workspace requires two-factor login for their role and they have
    no confirmed device yet."""
    return (
        member is not None
        and member.workspace.require_2fa
        and member.role in ROLES_REQUIRING_2FA
        and not selectors.has_confirmed_totp(user=member.user)
    )


class WorkspaceMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.workspace = None  # type: ignore[attr-defined]
        request.member = None  # type: ignore[attr-defined]
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            memberships = selectors.memberships_of(user=user)
            chosen = request.session.get(SESSION_KEY)
            member = memberships.filter(workspace_id=chosen).first() if chosen else None
            member = member or memberships.first()
            if member is not None:
                request.workspace = member.workspace  # type: ignore[attr-defined]
                request.member = member  # type: ignore[attr-defined]
                if must_set_up_2fa(member) and not _open_before_2fa(request):
                    messages.warning(
                        request,
                        _(
                            "Nhóm %(workspace)s yêu cầu xác thực hai bước với vai trò của bạn. "
                            "Hãy bật nó trước khi tiếp tục."
                        )
                        % {"workspace": member.workspace.name},
                    )
                    return HttpResponseRedirect(reverse("accounts:totp_setup"))
        return self.get_response(request)


def _open_before_2fa(request: HttpRequest) -> bool:
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return True
    return match.view_name in OPEN_BEFORE_2FA
