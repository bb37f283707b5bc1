"""The newsroom's "Webhook" screen (admins): endpoints that receive the team's events, each with
its secret shown once, "Gửi sự kiện thử", turning it off and on, and its delivery log."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kiemchung.accounts.models import Workspace
from kiemchung.core.crypto import decrypt, encrypt
from kiemchung.core.models import DeliveryStatus
from kiemchung.webhooks import selectors, services
from kiemchung.webhooks.forms import EndpointForm
from kiemchung.webhooks.selectors import EndpointRow

# Where a secret made by a save waits, encrypted, for the one page that shows it.
ONCE_KEY = "webhook_secret_once"

View = Callable[..., HttpResponseBase]


def staff(view: View) -> View:
    """Login and a workspace required; the selectors and services check the role."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if getattr(request, "workspace", None) is None:
            raise PermissionDenied(_("Tài khoản của bạn chưa thuộc nhóm nào."))
        return view(request, *args, **kwargs)

    return login_required(wrapped)


def _workspace(request: HttpRequest) -> Workspace:
    return request.workspace  # type: ignore[attr-defined]


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # login_required lets only signed-in people through
    return user


def _row(request: HttpRequest, pk: int) -> EndpointRow:
    return selectors.endpoint_row(workspace=_workspace(request), user=_user(request), pk=pk)


def _errors_to(form: EndpointForm, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            for message in errors:
                form.add_error(name if name in form.fields else None, message)
    else:
        for message in exc.messages:
            form.add_error(None, message)


def _keep_once(request: HttpRequest, pk: int, secret: str) -> None:
    request.session[ONCE_KEY] = {"endpoint": pk, "secret": encrypt(secret)}


def _shown_once(request: HttpRequest, pk: int) -> str:
    """The secret the last save made for this endpoint, taken out of the session as it is read."""
    waiting = request.session.pop(ONCE_KEY, None)
    if not isinstance(waiting, dict) or waiting.get("endpoint") != pk:
        return ""
    return decrypt(str(waiting.get("secret", "")))


@staff
@never_cache
@require_GET
def endpoints(request: HttpRequest) -> HttpResponse:
    rows = selectors.endpoint_rows(workspace=_workspace(request), user=_user(request))
    return render(request, "webhooks/index.html", {"rows": rows})


@staff
@never_cache
@require_http_methods(["GET", "POST"])
def endpoint_new(request: HttpRequest) -> HttpResponse:
    # Reading the list first checks that the user is an admin of the workspace.
    selectors.endpoint_rows(workspace=_workspace(request), user=_user(request))
    form = EndpointForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                endpoint, secret = services.endpoint_create(
                    workspace=_workspace(request),
                    actor=_user(request),
                    url=form.cleaned_data["url"],
                    kinds=form.cleaned_data["kinds"],
                    description=form.cleaned_data["description"],
                )
        except ValidationError as exc:
            _errors_to(form, exc)
        else:
            _keep_once(request, endpoint.pk, secret)
            messages.success(request, _("Đã thêm địa chỉ nhận sự kiện."))
            return redirect("webhooks:endpoint", pk=endpoint.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "webhooks/new.html", {"form": form}, status=status)


def _page(
    request: HttpRequest,
    row: EndpointRow,
    *,
    form: EndpointForm | None = None,
    secret: str = "",
    status: int = 200,
) -> HttpResponse:
    endpoint = row.endpoint
    context = {
        **_log_context(row),
        "form": form
        or EndpointForm(
            initial={"url": endpoint.url, "description": endpoint.description,
                     "kinds": endpoint.kinds}
        ),
        "secret": secret,
    }
    return render(request, "webhooks/endpoint.html", context, status=status)


@staff
@never_cache
@require_http_methods(["GET", "POST"])
def endpoint(request: HttpRequest, pk: int) -> HttpResponse:
    """An endpoint's page: GET shows it (and, once, a secret just made); POST saves changes."""
    row = _row(request, pk)
    if request.method != "POST":
        return _page(request, row, secret=_shown_once(request, pk))
    form = EndpointForm(request.POST)
    if form.is_valid():
        try:
            with transaction.atomic():
                services.endpoint_update(
                    endpoint=row.endpoint,
                    actor=_user(request),
                    url=form.cleaned_data["url"],
                    kinds=form.cleaned_data["kinds"],
                    description=form.cleaned_data["description"],
                )
        except ValidationError as exc:
            _errors_to(form, exc)
        else:
            messages.success(request, _("Đã lưu."))
            return redirect("webhooks:endpoint", pk=pk)
    row = _row(request, pk)  # the instance above may hold the refused values
    return _page(request, row, form=form, status=400)


@staff
@never_cache
@require_GET
def endpoint_log(request: HttpRequest, pk: int) -> HttpResponse:
    """The delivery log alone (htmx polls it while deliveries are waiting)."""
    row = _row(request, pk)
    return render(request, "webhooks/_log.html", _log_context(row))


@staff
@require_POST
def endpoint_test(request: HttpRequest, pk: int) -> HttpResponse:
    row = _row(request, pk)
    with transaction.atomic():
        services.endpoint_test_send(endpoint=row.endpoint, actor=_user(request))
    messages.success(request, _("Đã xếp hàng một sự kiện thử; kết quả hiện trong nhật ký."))
    return redirect("webhooks:endpoint", pk=pk)


@staff
@require_POST
def endpoint_rotate(request: HttpRequest, pk: int) -> HttpResponse:
    row = _row(request, pk)
    with transaction.atomic():
        secret = services.endpoint_secret_rotate(endpoint=row.endpoint, actor=_user(request))
    _keep_once(request, pk, secret)
    messages.success(
        request,
        _("Đã tạo mã bí mật mới. Trong 24 giờ tới mỗi sự kiện được ký bằng cả mã cũ và mã mới, "
          "để công cụ nhận kịp đổi sang mã mới."),
    )
    return redirect("webhooks:endpoint", pk=pk)


@staff
@require_POST
def endpoint_switch(request: HttpRequest, pk: int) -> HttpResponse:
    row = _row(request, pk)
    active = request.POST.get("active") == "1"
    with transaction.atomic():
        services.endpoint_switch(endpoint=row.endpoint, actor=_user(request), active=active)
    messages.success(
        request,
        _("Đã bật địa chỉ; các sự kiện đang chờ sẽ được gửi.")
        if active
        else _("Đã tắt địa chỉ: không gửi thêm gì; các sự kiện đang chờ được giữ đến khi bật lại."),
    )
    return redirect("webhooks:endpoint", pk=pk)


@staff
@require_POST
def endpoint_resend(request: HttpRequest, pk: int) -> HttpResponse:
    row = _row(request, pk)
    with transaction.atomic():
        count = services.deliveries_resend(endpoint=row.endpoint, actor=_user(request))
    messages.success(request, _("Đã xếp hàng gửi lại %(count)d sự kiện.") % {"count": count})
    return redirect("webhooks:endpoint", pk=pk)


@staff
@require_POST
def endpoint_delete(request: HttpRequest, pk: int) -> HttpResponse:
    row = _row(request, pk)
    if request.POST.get("confirm") != "1":
        messages.error(request, _("Hãy đánh dấu ô xác nhận để xoá địa chỉ và nhật ký của nó."))
        return redirect("webhooks:endpoint", pk=pk)
    with transaction.atomic():
        services.endpoint_delete(endpoint=row.endpoint, actor=_user(request))
    messages.success(request, _("Đã xoá địa chỉ nhận sự kiện."))
    return redirect("webhooks:endpoints")


def _log_context(row: EndpointRow) -> dict[str, Any]:
    log = selectors.delivery_log(endpoint=row.endpoint)
    waiting = any(d.status in (DeliveryStatus.PENDING, DeliveryStatus.RETRYING) for d in log)
    return {"row": row, "endpoint": row.endpoint, "log": log, "waiting": waiting}
