"""Newsroom pages for outlets: configure them (admins), announce a fact-check, resend."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kiemchung.accounts.models import Member
from kiemchung.accounts.permissions import Action, require
from kiemchung.claims.models import FactCheck
from kiemchung.core.models import Delivery
from kiemchung.publishing import announce, selectors_outlets
from kiemchung.publishing.forms_outlets import OutletForm
from kiemchung.publishing.models import Outlet, OutletKind

View = Callable[..., HttpResponseBase]


def newsroom(view: View) -> View:
    """Login required and a workspace chosen (403 with the reason otherwise)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if getattr(request, "member", None) is None:
            raise PermissionDenied(_("Tài khoản của bạn chưa thuộc nhóm nào."))
        return view(request, *args, **kwargs)

    return login_required(wrapped)


def current_member(request: HttpRequest) -> Member:
    return request.member  # type: ignore[attr-defined]


def flash_errors(request: HttpRequest, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


def attach_errors(form: Any, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            for message in errors:
                form.add_error(name if name in form.fields else None, message)
    else:
        for message in exc.messages:
            form.add_error(None, message)


@newsroom
@require_GET
def outlet_list(request: HttpRequest) -> HttpResponse:
    """The team's outlets and a way to add one (admins)."""
    member = current_member(request)
    require(member, Action.MANAGE_WORKSPACE)
    outlets = [
        (outlet, selectors_outlets.outlet_target(outlet))
        for outlet in selectors_outlets.workspace_outlets(workspace=member.workspace)
    ]
    return render(
        request,
        "publishing/outlets/list.html",
        {"outlets": outlets, "kinds": OutletKind.choices},
    )


def _outlet_form_page(
    request: HttpRequest, *, kind: str, outlet: Outlet | None
) -> HttpResponse:
    member = current_member(request)
    require(member, Action.MANAGE_WORKSPACE)
    form = OutletForm(request.POST or None, kind=kind, outlet=outlet)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                saved = announce.outlet_save(
                    workspace=member.workspace,
                    actor=request.user,
                    kind=kind,
                    name=form.cleaned_data["name"],
                    values=form.setting_values(),
                    is_active=form.cleaned_data["is_active"],
                    announce_on_publish=form.cleaned_data["announce_on_publish"],
                    outlet=outlet,
                )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Đã lưu kênh “%(name)s”.") % {"name": saved.name})
            return redirect("outlets:list")
    return render(
        request,
        "publishing/outlets/form.html",
        {"form": form, "outlet": outlet, "kind_label": OutletKind(kind).label},
        status=400 if form.errors else 200,
    )


@newsroom
def outlet_create(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in OutletKind.values:
        raise Http404
    return _outlet_form_page(request, kind=kind, outlet=None)


@newsroom
def outlet_edit(request: HttpRequest, pk: int) -> HttpResponse:
    outlet = get_object_or_404(Outlet, pk=pk, workspace=current_member(request).workspace)
    return _outlet_form_page(request, kind=outlet.kind, outlet=outlet)


@newsroom
@require_POST
def outlet_delete(request: HttpRequest, pk: int) -> HttpResponse:
    outlet = get_object_or_404(Outlet, pk=pk, workspace=current_member(request).workspace)
    with transaction.atomic():
        announce.outlet_delete(outlet=outlet, actor=request.user)
    messages.success(request, _("Đã xóa kênh “%(name)s”.") % {"name": outlet.name})
    return redirect("outlets:list")


def _factcheck(request: HttpRequest, pk: int) -> FactCheck:
    return get_object_or_404(
        FactCheck.objects.select_related("claim", "claim__workspace", "rating"),
        pk=pk,
        claim__workspace=current_member(request).workspace,
    )


def _back_to_claim(factcheck: FactCheck) -> HttpResponse:
    return redirect(f"{reverse('claims:detail', kwargs={'pk': factcheck.claim_id})}#outlets")


@newsroom
@require_GET
def factcheck_outlets(request: HttpRequest, pk: int) -> HttpResponse:
    """The outlet panel of a fact-check alone (htmx polls it while sends are under way)."""
    factcheck = _factcheck(request, pk)
    return render(
        request,
        "publishing/outlets/_panel.html",
        selectors_outlets.outlet_panel(factcheck=factcheck, member=current_member(request)),
    )


@newsroom
@require_POST
def factcheck_announce(request: HttpRequest, pk: int) -> HttpResponse:
    """Announce the fact-check on the outlets ticked; with none ticked, nothing is posted."""
    factcheck = _factcheck(request, pk)
    ids = [int(v) for v in request.POST.getlist("outlet") if v.isdigit()]
    workspace = current_member(request).workspace
    chosen = list(Outlet.objects.filter(workspace=workspace, pk__in=ids))
    if not chosen:
        # Nothing ticked means nothing chosen, never "every outlet".
        messages.error(request, _("Hãy đánh dấu ít nhất một kênh để đăng bài lên."))
        return _back_to_claim(factcheck)
    try:
        with transaction.atomic():
            done = announce.factcheck_announce(factcheck=factcheck, actor=request.user,
                                               outlets=chosen)
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(
            request,
            _("Đang đăng lên: %(names)s") % {"names": ", ".join(a.outlet.name for a in done)},
        )
    return _back_to_claim(factcheck)


@newsroom
@require_POST
def delivery_resend(request: HttpRequest, pk: int) -> HttpResponse:
    """Send a failed announcement again."""
    delivery = get_object_or_404(
        Delivery.objects.select_related("announcement__factcheck"),
        pk=pk,
        workspace=current_member(request).workspace,
        announcement__isnull=False,
    )
    factcheck = delivery.announcement.factcheck
    try:
        announce.delivery_resend(delivery=delivery, actor=request.user)
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("Đang gửi lại lên “%(name)s”.") % {"name": delivery.target})
    return _back_to_claim(factcheck)
