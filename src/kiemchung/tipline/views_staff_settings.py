"""The tipline's staff pages for reply templates, the legal knowledge base and authority
units: a list and its form on one page each."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kiemchung.accounts.permissions import Action, require
from kiemchung.tipline import inbox_selectors as selectors
from kiemchung.tipline import services_staff
from kiemchung.tipline.forms_staff import AuthorityUnitForm, LegalAnswerForm, ReplyTemplateForm
from kiemchung.tipline.views_staff import errors_to, staff, user_of, workspace_of


def _settings_page(
    request: HttpRequest,
    *,
    pk: int | None,
    items: Any,
    fields: tuple[str, ...],
    template: str,
    form_class: type[forms.Form],
    save: Callable[[dict[str, Any], Any], Any],
    saved_message: str,
    back: str,
) -> HttpResponse:
    """The list with its form: a new entry, or entry `pk` to change (404 when not the
    workspace's); a saved form goes back to the list."""
    if request.method != "POST":
        # Reading the list is handling tips; a change is checked by its service, which may ask
        # for more (the knowledge base: review; authority units: workspace settings).
        require(getattr(request, "member", None), Action.HANDLE_TIPS)
    item = items.filter(pk=pk).first() if pk is not None else None
    if pk is not None and item is None:
        raise Http404
    # A new entry starts from the form's own initial values.
    initial = {name: getattr(item, name) for name in fields} if item is not None else {}
    form = form_class(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                with transaction.atomic():
                    save(form.cleaned_data, item)
            except ValidationError as exc:
                errors_to(form, exc)
            else:
                messages.success(request, saved_message)
                return redirect(back)
        status = 400
    return render(request, template, {"form": form, "items": items, "item": item}, status=status)


def _settings_delete(
    request: HttpRequest,
    *,
    pk: int,
    items: Any,
    delete: Callable[[Any], Any],
    message: str,
    back: str,
) -> HttpResponse:
    item = items.filter(pk=pk).first()
    if item is None:
        raise Http404
    with transaction.atomic():
        delete(item)
    messages.success(request, message)
    return redirect(back)


@staff
@require_http_methods(["GET", "POST"])
def reply_templates(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    workspace = workspace_of(request)

    def save(data: dict[str, Any], current: Any) -> None:
        services_staff.reply_template_save(
            workspace=workspace, actor=user_of(request), template=current, **data
        )

    return _settings_page(
        request,
        pk=pk,
        items=selectors.all_reply_templates(workspace=workspace),
        fields=("title", "category", "kind", "text", "is_active"),
        template="tipline/staff/templates.html",
        form_class=ReplyTemplateForm,
        save=save,
        saved_message=_("Đã lưu mẫu trả lời."),
        back="tipline_staff:templates",
    )


@staff
@require_POST
def reply_template_delete(request: HttpRequest, pk: int) -> HttpResponse:
    return _settings_delete(
        request,
        pk=pk,
        items=selectors.all_reply_templates(workspace=workspace_of(request)),
        delete=lambda item: services_staff.reply_template_delete(
            template=item, actor=user_of(request)
        ),
        message=_("Đã xóa mẫu trả lời."),
        back="tipline_staff:templates",
    )


@staff
@require_http_methods(["GET", "POST"])
def legal_answers(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    workspace = workspace_of(request)

    def save(data: dict[str, Any], current: Any) -> None:
        services_staff.legal_answer_save(
            workspace=workspace, actor=user_of(request), entry=current, **data
        )

    return _settings_page(
        request,
        pk=pk,
        items=selectors.legal_answers(workspace=workspace),
        fields=("question", "answer", "source", "source_url", "is_published"),
        template="tipline/staff/legal.html",
        form_class=LegalAnswerForm,
        save=save,
        saved_message=_("Đã lưu câu trả lời pháp luật."),
        back="tipline_staff:legal",
    )


@staff
@require_POST
def legal_answer_delete(request: HttpRequest, pk: int) -> HttpResponse:
    return _settings_delete(
        request,
        pk=pk,
        items=selectors.legal_answers(workspace=workspace_of(request)),
        delete=lambda item: services_staff.legal_answer_delete(entry=item, actor=user_of(request)),
        message=_("Đã xóa câu trả lời pháp luật."),
        back="tipline_staff:legal",
    )


@staff
@require_http_methods(["GET", "POST"])
def authority_units(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    workspace = workspace_of(request)

    def save(data: dict[str, Any], current: Any) -> None:
        services_staff.authority_unit_save(
            workspace=workspace, actor=user_of(request), unit=current, **data
        )

    return _settings_page(
        request,
        pk=pk,
        items=selectors.authority_units(workspace=workspace),
        fields=("name", "email", "categories", "note", "is_active"),
        template="tipline/staff/authorities.html",
        form_class=AuthorityUnitForm,
        save=save,
        saved_message=_("Đã lưu cơ quan chức năng."),
        back="tipline_staff:authorities",
    )
