"""The verdict on the claim page: write, preview, send to review, review, publish, correct."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kiemchung.claims import forms, services
from kiemchung.claims.claim_page import (
    claim_button_response,
    claim_form_response,
    factcheck_of,
    render_claim_page,
)
from kiemchung.claims.models import (
    Claim,
    Correction,
    CorrectionProposal,
    FactCheck,
    ReviewDecision,
)
from kiemchung.claims.view_helpers import (
    get_claim,
    newsroom,
    wants_fragment,
)
from kiemchung.publishing.markup import render_markdown


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

    def act(data: dict[str, Any]) -> None:
        services.factcheck_save(
            claim=claim,
            actor=request.user,
            rating=data["rating"],
            title=data["title"],
            summary=data["summary"],
            body=data["body"],
        )

    return claim_form_response(
        request,
        claim,
        name="verdict_form",
        form=form,
        act=act,
        done=_("Đã lưu bản nháp kết luận."),
        anchor="verdict",
    )


def _verdict_move(request: HttpRequest, pk: int, service: Any, done: str) -> HttpResponse:
    """A button that moves the verdict on (send to review, publish)."""
    claim = get_claim(request, pk)
    factcheck = _factcheck(claim)
    return claim_button_response(
        request,
        claim,
        act=lambda: service(factcheck=factcheck, actor=request.user),
        done=done,
        anchor="verdict",
    )


@require_POST
@newsroom
def verdict_submit(request: HttpRequest, pk: int) -> HttpResponse:
    return _verdict_move(request, pk, services.factcheck_submit, _("Đã gửi kết luận đi duyệt."))


@require_POST
@newsroom
def verdict_publish(request: HttpRequest, pk: int) -> HttpResponse:
    return _verdict_move(request, pk, services.factcheck_publish, _("Đã công bố bài kiểm chứng."))


@require_POST
@newsroom
def verdict_review(request: HttpRequest, pk: int) -> HttpResponse:
    """Approve or request changes; the service refuses the author (two-person rule)."""
    claim = get_claim(request, pk)
    factcheck = _factcheck(claim)
    decision = request.POST.get("decision")

    def act(data: dict[str, Any]) -> None:
        services.review_submit(
            factcheck=factcheck,
            actor=request.user,
            decision=data["decision"],
            comment=data["comment"],
        )

    done = (
        _("Đã duyệt kết luận.")
        if decision == ReviewDecision.APPROVE
        else _("Đã yêu cầu sửa kết luận.")
    )
    return claim_form_response(
        request,
        claim,
        name="review_form",
        form=forms.ReviewForm(request.POST),
        act=act,
        done=done,
        anchor="verdict",
    )


@require_POST
@newsroom
def verdict_correct(request: HttpRequest, pk: int) -> HttpResponse:
    """A public correction: the note, and whatever changed; earlier versions stay visible."""
    claim = get_claim(request, pk)
    factcheck = _factcheck(claim)

    outcome: list[Correction | CorrectionProposal] = []

    def act(data: dict[str, Any]) -> None:
        outcome.append(
            services.correction_propose(
                factcheck=factcheck,
                actor=request.user,
                note=data["note"],
                rating=data["rating"],
                title=data["title"],
                summary=data["summary"],
                body=data["body"],
            )
        )

    response = claim_form_response(
        request,
        claim,
        name="correction_form",
        form=forms.CorrectionForm(request.POST, workspace=claim.workspace),
        act=act,
        done="",
        anchor="verdict",
    )
    if outcome:
        messages.success(
            request,
            _("Đã đăng đính chính.")
            if isinstance(outcome[0], Correction)
            else _(
                "Đính chính đổi mức kết luận hoặc tóm tắt nên đang chờ một biên tập viên "
                "khác duyệt trước khi công khai."
            ),
        )
    return response


@require_POST
@newsroom
def correction_review(request: HttpRequest, pk: int, proposal_pk: int) -> HttpResponse:
    """A second editor approves a proposed correction (it goes public) or refuses it."""
    claim = get_claim(request, pk)
    factcheck = _factcheck(claim)
    proposal = get_object_or_404(CorrectionProposal, pk=proposal_pk, factcheck=factcheck)
    decision = request.POST.get("decision")

    def act(data: dict[str, Any]) -> None:
        services.correction_review(
            proposal=proposal,
            actor=request.user,
            decision=data["decision"],
            comment=data["comment"],
        )

    done = (
        _("Đã duyệt; đính chính đã được công khai.")
        if decision == ReviewDecision.APPROVE
        else _("Đã từ chối đề nghị đính chính.")
    )
    return claim_form_response(
        request,
        claim,
        name="correction_review_form",
        form=forms.CorrectionReviewForm(request.POST),
        act=act,
        done=done,
        anchor="verdict",
    )
