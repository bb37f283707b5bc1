"""What every router of API v1 shares: one error format, strict query strings, cursor pages,
text that refuses NUL and lone surrogates.

Errors always read `{"error": {"code", "message", "field"?}}`:
400 a query parameter (unknown filter, malformed cursor, bad value), 401 no valid token,
403 the role or the token's scope does not allow it, 404 not in the token's workspace,
409 the object's state does not allow it now, 422 a body field, 429 too many requests.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Annotated, Any, TypeVar

from django.core import signing
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Model, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from ninja import Field, NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from pydantic import AfterValidator, BeforeValidator

ModelT = TypeVar("ModelT", bound=Model)
T = TypeVar("T")

CURSOR_SALT = "kiemchung.api.cursor"
PAGE_DEFAULT = 50
PAGE_MAX = 200
# Parameters every list takes besides its filters.
PAGE_PARAMS = ("cursor", "limit")

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    409: "conflict",
    422: "invalid",
    429: "rate_limited",
}


class ErrorBody(Schema):
    code: str = Field(description="One of " + ", ".join(f"`{c}`" for c in CODES.values()))
    message: str = Field(description="What went wrong, in the user's language")
    field: str | None = Field(
        None, description="The query parameter or body field at fault, when one is"
    )


class ErrorOut(Schema):
    error: ErrorBody


def errors(*codes: int) -> dict[int, type[ErrorOut]]:
    """The error answers an operation documents (every operation has 400, 401 and 429)."""
    return {code: ErrorOut for code in sorted({400, 401, 429, *codes})}


class ApiError(HttpError):
    """An error answer with its code and, when one is at fault, the field."""

    def __init__(self, status: int, message: str, *, field: str | None = None) -> None:
        super().__init__(status, message)
        self.field = field


def _no_control(value: str) -> str:
    if "\x00" in value:
        raise ValueError(_("Không được chứa ký tự NUL."))
    if any("\ud800" <= char <= "\udfff" for char in value):
        raise ValueError(_("Không được chứa ký tự UTF-16 lẻ (surrogate)."))
    return value


# Text as people write it: NUL and lone surrogates are refused (no database stores them).
Text = Annotated[str, AfterValidator(_no_control)]


def _iso_datetime(value: Any) -> Any:
    if isinstance(value, datetime):
        return value
    when = parse_datetime(value) if isinstance(value, str) else None
    if when is None:
        raise ValueError(_("Hãy dùng ngày giờ ISO 8601, ví dụ 2026-12-01T08:00:00+07:00."))
    return timezone.make_aware(when) if timezone.is_naive(when) else when


# A date and time written as ISO 8601 only (not a number of seconds); without an offset, the
# site's time zone.
IsoDateTime = Annotated[datetime, BeforeValidator(_iso_datetime)]


# A row's id as databases store it (a signed 64-bit integer): a larger number is refused by
# name instead of overflowing the database driver.
ID_MAX = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=ID_MAX)]


class StrictIn(Schema):
    """A request body: unknown fields are refused instead of ignored."""

    model_config = {"extra": "forbid"}


def check_query(request: HttpRequest, allowed: Iterable[str]) -> None:
    """400 naming the first query parameter this operation does not know."""
    known = set(allowed)
    for name in request.GET:
        if name not in known:
            raise ApiError(
                400,
                _("Tham số “%(name)s” không được hỗ trợ ở đây; dùng được: %(known)s.")
                % {"name": name, "known": ", ".join(sorted(known)) or "–"},
                field=name,
            )


def query_fields(schema: type[Schema]) -> tuple[str, ...]:
    """The names a query schema accepts (its aliases where it has them)."""
    return tuple(field.alias or name for name, field in schema.model_fields.items())


def cursor_encode(created_at: datetime, pk: int) -> str:
    """An opaque, signed position after (created_at, pk)."""
    return signing.dumps([created_at.isoformat(), pk], salt=CURSOR_SALT, compress=False)


def cursor_decode(cursor: str) -> tuple[datetime, int]:
    try:
        created, pk = signing.loads(cursor, salt=CURSOR_SALT)
        when = parse_datetime(created)
        if when is None or not isinstance(pk, int):
            raise ValueError(cursor)
    except (signing.BadSignature, ValueError, TypeError):
        raise ApiError(
            400,
            _("Con trỏ trang không hợp lệ; hãy dùng đúng giá trị “next” của trang trước."),
            field="cursor",
        ) from None
    return when, pk


class PageQuery(Schema):
    cursor: str | None = Field(None, description="`next` of the previous page; none for the first")
    limit: int = Field(PAGE_DEFAULT, ge=1, le=PAGE_MAX, description="How many at most")


def paginate(
    queryset: QuerySet[ModelT],
    page: PageQuery,
    out: Callable[[ModelT], Any],
) -> dict[str, Any]:
    """Newest first by (created_at, id); `next` is the cursor of the following page or null."""
    ordered = queryset.order_by("-created_at", "-pk")
    if page.cursor:
        created, pk = cursor_decode(page.cursor)
        ordered = ordered.filter(Q(created_at__lt=created) | Q(created_at=created, pk__lt=pk))
    rows: Sequence[ModelT] = list(ordered[: page.limit + 1])
    more = len(rows) > page.limit
    rows = rows[: page.limit]
    last = rows[-1] if rows else None
    return {
        "results": [out(row) for row in rows],
        "next": cursor_encode(last.created_at, last.pk) if more and last else None,  # type: ignore[attr-defined]
    }


def write(work: Callable[[], T], *, steps: bool = False) -> T:
    """Run a service in one transaction; its refusals become error answers.

    With `steps` (a move of the review workflow), a refusal that names no field is the
    object's state refusing the move now: 409 instead of 422.
    """
    try:
        with transaction.atomic():
            return work()
    except DjangoValidationError as exc:
        message, field = _django_validation(exc)
        if steps and field is None:
            raise ApiError(409, message) from None
        raise


def _response(
    api: NinjaAPI, request: HttpRequest, status: int, message: str, field: str | None = None
) -> HttpResponse:
    body: dict[str, Any] = {"code": CODES.get(status, "error"), "message": message}
    if field:
        body["field"] = field
    return api.create_response(request, {"error": body}, status=status)


def _validation_message(error: dict[str, Any]) -> str:
    detail = error.get("msg", "")
    if detail.startswith("Value error, "):
        detail = detail[len("Value error, ") :]
    return detail or _("Giá trị không hợp lệ.")


def _django_validation(exc: DjangoValidationError) -> tuple[str, str | None]:
    if hasattr(exc, "error_dict"):
        name, problems = next(iter(exc.error_dict.items()))
        message = " ".join(str(m) for error in problems for m in error.messages)
        return message, (None if name == "__all__" else name)
    return " ".join(str(m) for m in exc.messages), None


def install_errors(api: NinjaAPI) -> None:
    """Give the API the one error format for every refusal."""

    @api.exception_handler(ApiError)
    def api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
        return _response(api, request, exc.status_code, exc.message, exc.field)

    @api.exception_handler(NinjaValidationError)
    def invalid(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        error = exc.errors[0] if exc.errors else {}
        loc = [str(part) for part in error.get("loc", ())]
        where = loc[0] if loc else "body"
        if where == "body":
            # ("body", "payload", "text", ...): the field as the client wrote it.
            field = ".".join(loc[2:]) or None
            return _response(api, request, 422, _validation_message(error), field)
        field = loc[1] if len(loc) > 1 else None
        return _response(api, request, 400, _validation_message(error), field)

    @api.exception_handler(AuthenticationError)
    def unauthorized(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        response = _response(
            api,
            request,
            401,
            _("Thiếu mã truy cập hoặc mã không hợp lệ (tiêu đề Authorization: Bearer …)."),
        )
        response["WWW-Authenticate"] = "Bearer"
        return response

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        response = _response(api, request, exc.status_code, exc.message)
        retry_after = getattr(exc, "retry_after", None)
        if retry_after is not None:
            response["Retry-After"] = str(retry_after)
        return response

    @api.exception_handler(PermissionDenied)
    def forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return _response(api, request, 403, str(exc) or _("Bạn không có quyền làm việc này."))

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return _response(api, request, 404, _("Không tìm thấy trong nhóm của mã truy cập này."))

    @api.exception_handler(DjangoValidationError)
    def refused(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        message, field = _django_validation(exc)
        return _response(api, request, 422, message, field)
