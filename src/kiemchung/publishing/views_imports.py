"""Newsroom pages for other teams' ClaimReview: subscribe, upload, see what was imported."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kiemchung.accounts.permissions import Action, require
from kiemchung.publishing import imports, selectors_outlets
from kiemchung.publishing.forms_outlets import ClaimReviewSourceForm, ClaimReviewUploadForm
from kiemchung.publishing.models import ClaimReviewSource
from kiemchung.publishing.views_outlets import attach_errors, current_member, flash_errors, newsroom

PAGE_SIZE = 50


def _page(
    request: HttpRequest,
    *,
    source_form: ClaimReviewSourceForm | None = None,
    upload_form: ClaimReviewUploadForm | None = None,
    report: imports.ImportReport | None = None,
    status: int = 200,
) -> HttpResponse:
    member = current_member(request)
    return render(
        request,
        "publishing/imports/list.html",
        {
            "sources": selectors_outlets.claimreview_sources(workspace=member.workspace),
            "source_form": source_form or ClaimReviewSourceForm(prefix="src"),
            "upload_form": upload_form or ClaimReviewUploadForm(prefix="up"),
            "report": report,
        },
        status=status,
    )


@newsroom
@require_GET
def source_list(request: HttpRequest) -> HttpResponse:
    require(current_member(request), Action.MANAGE_WORKSPACE)
    return _page(request)


@newsroom
@require_POST
def source_add(request: HttpRequest) -> HttpResponse:
    member = current_member(request)
    require(member, Action.MANAGE_WORKSPACE)
    form = ClaimReviewSourceForm(request.POST, prefix="src")
    if form.is_valid():
        try:
            with transaction.atomic():
                source = imports.claimreview_source_add(
                    workspace=member.workspace,
                    actor=request.user,
                    name=form.cleaned_data["name"],
                    kind=form.cleaned_data["kind"],
                    url=form.cleaned_data["url"],
                )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(
                request,
                _("Đã theo dõi “%(name)s”; lần nhập đầu tiên đang chạy.") % {"name": source.name},
            )
            return redirect("outlets:claimreview_source", pk=source.pk)
    return _page(request, source_form=form, status=400)


@newsroom
@require_POST
def source_upload(request: HttpRequest) -> HttpResponse:
    member = current_member(request)
    require(member, Action.MANAGE_WORKSPACE)
    form = ClaimReviewUploadForm(request.POST, request.FILES, prefix="up")
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            with transaction.atomic():
                source, report = imports.claimreview_file_upload(
                    workspace=member.workspace,
                    actor=request.user,
                    name=form.cleaned_data["name"],
                    content=upload.read(),
                )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(
                request,
                _("Đã nhập tệp: %(created)d mới, %(updated)d cập nhật, %(skipped)d bị bỏ qua.")
                % report.summary(),
            )
            return redirect("outlets:claimreview_source", pk=source.pk)
    return _page(request, upload_form=form, status=400)


def _source(request: HttpRequest, pk: int) -> ClaimReviewSource:
    return get_object_or_404(ClaimReviewSource, pk=pk, workspace=current_member(request).workspace)


@newsroom
@require_GET
def source_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One source: its last import's report and the fact-checks taken from it."""
    member = current_member(request)
    require(member, Action.MANAGE_WORKSPACE)
    source = _source(request, pk)
    found = selectors_outlets.external_factchecks(workspace=member.workspace, source=source)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "publishing/imports/detail.html",
        {"source": source, "page": page, "report": source.last_report or None},
    )


@newsroom
@require_POST
def source_refresh(request: HttpRequest, pk: int) -> HttpResponse:
    source = _source(request, pk)
    try:
        with transaction.atomic():
            imports.claimreview_source_refresh(source=source, actor=request.user)
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("Đang nhập lại “%(name)s”.") % {"name": source.name})
    return redirect("outlets:claimreview_source", pk=source.pk)


@newsroom
@require_POST
def source_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    source = _source(request, pk)
    imports.claimreview_source_set_active(
        source=source, actor=request.user, active=not source.is_active
    )
    return redirect("outlets:claimreview_source", pk=source.pk)


@newsroom
@require_POST
def source_delete(request: HttpRequest, pk: int) -> HttpResponse:
    source = _source(request, pk)
    with transaction.atomic():
        imports.claimreview_source_delete(source=source, actor=request.user)
    messages.success(request, _("Đã bỏ theo dõi “%(name)s”.") % {"name": source.name})
    return redirect("outlets:claimreview_sources")
