"""Attach the current workspace and the user's membership in it to every request."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from kiemchung.accounts import selectors

SESSION_KEY = "kiemchung_workspace_id"


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
        return self.get_response(request)
