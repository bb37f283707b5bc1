"""The JSON API: v1 under /api/v1/, and the first API under /api/, deprecated.

Each app adds its router. v1 answers every refusal in one error format (core/api.py), pages
with cursors, checks token scopes and rate limits; docs/API.md describes it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import Resolver404, URLPattern, URLResolver, resolve
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Swagger

from kiemchung.accounts.auth import RateLimited
from kiemchung.core.api import install_errors

# Swagger UI from ninja's own static files ("ninja" is an installed app): no CDN, no inline
# script, and no call to the public validator.
_DOCS = Swagger(settings={"validatorUrl": None})

# When /api/ was deprecated (RFC 9745: a structured date, seconds since the epoch) and when it
# stops answering (RFC 8594), sent with each of its answers.
LEGACY_DEPRECATED = "@1796601600"  # 2026-12-07
LEGACY_SUNSET = "Thu, 31 Dec 2027 00:00:00 GMT"
LEGACY_NOTE = (
    "Deprecated: use /api/v1/ (see its documentation at /api/v1/docs). This first API keeps "
    "working for one more release."
)


class LegacyNinjaAPI(NinjaAPI):
    """The first API: every operation marked deprecated in its OpenAPI document."""

    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(*args, **kwargs)
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                if isinstance(operation, dict):
                    operation["deprecated"] = True
        return schema


api = LegacyNinjaAPI(
    title="kiemchung API (deprecated)",
    version="1",
    description=LEGACY_NOTE,
    urls_namespace="api",
    docs=_DOCS,
)
api.add_router("/claims/", "kiemchung.claims.api.router")


@api.exception_handler(RateLimited)
def _legacy_rate_limited(request: HttpRequest, exc: RateLimited) -> HttpResponse:
    response = api.create_response(request, {"detail": exc.message}, status=429)
    response["Retry-After"] = str(exc.retry_after)
    return response


api.add_router("/accounts/", "kiemchung.accounts.api.router")

api_v1 = NinjaAPI(
    title="kiemchung API",
    version="1.0",
    description="The newsroom's API: claims, evidence, verdicts and their review, fact-checks, "
    'items, sources, tips for staff and "already checked?". Bearer token, scopes, cursor '
    'pages; every error is `{"error": {"code", "message", "field"}}`.',
    urls_namespace="api-v1",
    docs=_DOCS,
)
install_errors(api_v1)
api_v1.add_router("/", "kiemchung.claims.api_v1.router")
api_v1.add_router("/", "kiemchung.claims.api_v1_verdicts.router")
api_v1.add_router("/", "kiemchung.monitoring.api.router")
api_v1.add_router("/", "kiemchung.tipline.api.router")
api_v1.add_router("/", "kiemchung.accounts.api.router_v1")


def v1_not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    """An address under /api/v1/ that no operation has: a 404 in the API's error format (naming
    the address with its final slash when that one exists)."""
    message = _("API v1 không có địa chỉ này; xem danh sách ở /api/v1/docs.")
    if not request.path.endswith("/"):
        try:
            match = resolve(request.path + "/")
        except Resolver404:
            match = None
        if match is not None and match.func is not v1_not_found:
            message = _("Địa chỉ đúng có dấu “/” ở cuối: %(path)s") % {"path": request.path + "/"}
    return JsonResponse({"error": {"code": "not_found", "message": message}}, status=404)


def _deprecated(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response["Deprecation"] = LEGACY_DEPRECATED
        response["Sunset"] = LEGACY_SUNSET
        response["Link"] = '</api/v1/docs>; rel="successor-version"'
        return response

    return wrapped


def legacy_urls() -> tuple[list[URLPattern | URLResolver], str, str]:
    """The first API's URLs, each answer carrying `Deprecation`, `Sunset` and a link to v1."""
    patterns, app_name, namespace = api.urls
    for pattern in patterns:
        if isinstance(pattern, URLPattern):
            pattern.callback = _deprecated(pattern.callback)
    return patterns, app_name, namespace
