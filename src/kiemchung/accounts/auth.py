"""Authentication of JSON API requests by a member's API token."""

from __future__ import annotations

from django.http import HttpRequest
from ninja.security import HttpBearer

from kiemchung.accounts import services
from kiemchung.accounts.models import Member


class ApiTokenAuth(HttpBearer):
    """`Authorization: Bearer kc_<prefix>_<secret>`: the token's member becomes the caller.

    Sets request.member, request.workspace and request.user, as the web middleware does.
    """

    def authenticate(self, request: HttpRequest, token: str) -> Member | None:
        api_token = services.api_token_use(raw=token)
        if api_token is None:
            return None
        member = api_token.member
        request.member = member  # type: ignore[attr-defined]
        request.workspace = member.workspace  # type: ignore[attr-defined]
        request.user = member.user
        return member
