"""What every newsroom view shares: login, the workspace, the 403 page, service errors."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import quote

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render, resolve_url
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from kiemchung.claims import selectors
from kiemchung.claims.models import Claim

View = Callable[..., HttpResponseBase]


def forbidden(request: HttpRequest, exc: PermissionDenied | None = None) -> HttpResponse:
    """The 403 page, inside the newsroom layout, with the reason the service gave."""
    reason = str(exc) if exc is not None and str(exc) else _("Bạn không có quyền làm việc này.")
    return render(request, "claims/forbidden.html", {"reason": reason}, status=403)


def newsroom(view: View) -> View:
    """Login required and a workspace chosen; PermissionDenied becomes the 403 page."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if getattr(request, "workspace", None) is None or getattr(request, "member", None) is None:
            return forbidden(request, PermissionDenied(_("Tài khoản của bạn chưa thuộc nhóm nào.")))
        try:
            return view(request, *args, **kwargs)
        except PermissionDenied as exc:
            return forbidden(request, exc)

    logged_in = login_required(wrapped)

    @wraps(view)
    def entry(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        # A part of a page polled by htmx after the session ended: send the whole tab to the
        # login page instead of drawing the login form inside the part.
        if getattr(request, "htmx", False) and not request.user.is_authenticated:
            login = resolve_url(settings.LOGIN_URL)
            return HttpResponseClientRedirect(f"{login}?next={quote(request.get_full_path())}")
        return logged_in(request, *args, **kwargs)

    return entry


def wants_fragment(request: HttpRequest) -> bool:
    """An htmx request for part of a page (not a history restore, which needs the whole page)."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request  # type: ignore[union-attr]


def get_claim(request: HttpRequest, pk: int) -> Claim:
    """The claim with this id in the current workspace, or 404 (never another team's)."""
    return selectors.claim_detail(workspace=request.workspace, pk=pk)  # type: ignore[attr-defined]


def error_messages(exc: ValidationError) -> list[str]:
    return [str(message) for message in exc.messages]


def form_errors_from(form: forms.BaseForm, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form it came from, by field where it has one."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            target = field if field in form.fields else None
            for message in errors:
                form.add_error(target, message)
        return
    for message in error_messages(exc):
        form.add_error(None, message)


def field_errors_from(form: forms.BaseForm, exc: ValidationError) -> bool:
    """Put a service's errors on the form's fields; False, and nothing put, if one has no field.

    An error about the claim's state belongs to no field, and the form it came from may not
    even be shown in that state: such errors go to the page's messages instead.
    """
    if not hasattr(exc, "error_dict") or any(name not in form.fields for name in exc.error_dict):
        return False
    for field, errors in exc.message_dict.items():
        for message in errors:
            form.add_error(field, message)
    return True


def flash_errors(request: HttpRequest, exc: ValidationError) -> None:
    """Show a service's ValidationError as a message on the next page."""
    for message in error_messages(exc):
        messages.error(request, message)
