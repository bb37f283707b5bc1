"""Authentication of JSON API requests by a member's API token, its scopes and its rate."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.errors import AuthorizationError, HttpError
from ninja.security import HttpBearer

from kiemchung.accounts import ratelimit, services
from kiemchung.accounts.models import Member


class RateLimited(HttpError):
    """The token made more requests this minute than KIEMCHUNG_API_RATE_LIMIT allows."""

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(
            429,
            _("Quá nhiều yêu cầu với mã truy cập này; hãy thử lại sau %(seconds)d giây.")
            % {"seconds": retry_after},
        )


class ScopeMissing(AuthorizationError):
    """The token is valid but was not given the scope this operation needs."""

    def __init__(self, scope: str) -> None:
        self.scope = scope
        super().__init__(
            403,
            _("Mã truy cập này không có phạm vi “%(scope)s” mà thao tác này cần.")
            % {"scope": scope},
        )


class ApiTokenAuth(HttpBearer):
    """`Authorization: Bearer kc_<prefix>_<secret>`: the token's member becomes the caller.

    With `scope`, a token without that scope is refused (403); every request counts against
    the token's rate limit (429). Sets request.member, request.workspace, request.user and
    request.api_token, as the web middleware does for a session.
    """

    def __init__(self, scope: str | None = None) -> None:
        super().__init__()
        self.scope = scope

    def authenticate(self, request: HttpRequest, token: str) -> Member | None:
        api_token = services.api_token_use(raw=token)
        if api_token is None:
            return None
        wait = ratelimit.api_request_allowed(api_token.pk)
        if wait is not None:
            raise RateLimited(wait)
        if self.scope is not None and not api_token.has_scope(self.scope):
            raise ScopeMissing(self.scope)
        member = api_token.member
        request.api_token = api_token  # type: ignore[attr-defined]
        request.member = member  # type: ignore[attr-defined]
        request.workspace = member.workspace  # type: ignore[attr-defined]
        request.user = member.user
        return member
