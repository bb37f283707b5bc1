"""The verdict on the claim page: write, preview, send to review, review, publish, correct."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kiemchung.claims import forms, services
from kiemchung.claims.claim_page import factcheck_of, render_claim_page
from kiemchung.claims.models import Claim, FactCheck, ReviewDecision
from kiemchung.claims.view_helpers import (
    flash_errors,
    form_errors_from,
    get_claim,
    newsroom,
    wants_fragment,
)
from kiemchung.publishing.markup import render_markdown


def _to_verdict(claim: Claim) -> HttpResponse:
    return redirect(reverse("claims:detail", kwargs={"pk": claim.pk}) + "#verdict")


def _factcheck(claim: Claim) -> FactCheck:
    factcheck = factcheck_of(claim)
    if factcheck is None:
        raise Http404
    return factcheck


@require_POST
@newsroom
def verdict_save(request: HttpRequest, pk: int) -> HttpResponse:
    """Save the draft; with `preview`, show the body as it will be published, unsaved."""
    claim = get_claim(request, pk)
    form = forms.VerdictForm(request.POST, workspace=claim.workspace)
    if "preview" in request.POST:
        preview = render_markdown(request.POST.get("body", ""))
        if wants_fragment(request):
            return render(request, "claims/_verdict_preview.html", {"preview": preview})
        return render_claim_page(
            request, claim, bound={"verdict_form": form}, extra={"preview": preview}
        )
    if form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                services.factcheck_save(
                    claim=claim,
                    actor=request.user,
                    rating=data["rating"],
                    title=data["title"],
                    summary=data["summary"],
                    body=data["body"],
                )
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("Đã lưu bản nháp kết luận."))
            return _to_verdict(claim)
    claim = get_claim(request, pk)
    return render_claim_page(request, claim, status=400, bound={"verdict_form": form})


@require_POST
@newsroom
def verdict_submit(request: HttpRequest, pk: int) -> HttpResponse:
    claim = get_claim(request, pk)
    factcheck = _factcheck(claim)
    try:
        with transaction.atomic():
            services.factcheck_submit(factcheck=factcheck, actor=request.user)
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("Đã gửi kết luận đi duyệt."))
    return _to_verdict(claim)


@require_POST
@newsroom
def verdict_review(request: HttpRequest, pk: int) -> HttpResponse:
    """Approve or request changes; the service refuses the author (two-person rule)."""
    claim = get_claim(request, pk)
    factcheck = _factcheck(claim)
    form = forms.ReviewForm(request.POST)
    if form.is_valid():
        decision = form.cleaned_data["decision"]
        try:
            with transaction.atomic():
                services.review_submit(
                    factcheck=factcheck,
                    actor=request.user,
                    decision=decision,
                    comment=form.cleaned_data["comment"],
                )
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            if decision == ReviewDecision.APPROVE:
                messages.success(request, _("Đã duyệt kết luận."))
            else:
                messages.success(request, _("Đã yêu cầu sửa kết luận."))
            return _to_verdict(claim)
    claim = get_claim(request, pk)
    return render_claim_page(request, claim, status=400, bound={"review_form": form})


@require_POST
@newsroom
def verdict_publish(request: HttpRequest, pk: int) -> HttpResponse:
    claim = get_claim(request, pk)
    factcheck = _factcheck(claim)
    try:
        with transaction.atomic():
            services.factcheck_publish(factcheck=factcheck, actor=request.user)
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("Đã công bố bài kiểm chứng."))
    return _to_verdict(claim)


@require_POST
@newsroom
def verdict_correct(request: HttpRequest, pk: int) -> HttpResponse:
    """A public correction: the note, and whatever changed; earlier versions stay visible."""
    claim = get_claim(request, pk)
    factcheck = _factcheck(claim)
    form = forms.CorrectionForm(request.POST, workspace=claim.workspace)
    if form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                services.factcheck_correct(
                    factcheck=factcheck,
                    actor=request.user,
                    note=data["note"],
                    rating=data["rating"],
                    title=data["title"],
                    summary=data["summary"],
                    body=data["body"],
                )
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("Đã đăng đính chính."))
            return _to_verdict(claim)
    claim = get_claim(request, pk)
    return render_claim_page(request, claim, status=400, bound={"correction_form": form})
