"""The claim page: what it shows depends on the claim's state and on who is looking.

Every view that answers on the claim page (a form with errors, a preview, the evidence list
polled by htmx) renders it through `render_claim_page`, so the page looks the same whichever
form was sent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers

from kiemchung.accounts.models import Member
from kiemchung.accounts.permissions import Action, can
from kiemchung.claims import forms, matching, selectors
from kiemchung.claims.evidence_images import (
    MAX_CORRECTION_CHARS,
    evidence_images_still_reading,
    evidence_same_picture,
)
from kiemchung.claims.models import (
    ArchiveStatus,
    Claim,
    ClaimState,
    FactCheck,
    FactCheckState,
    ProposalState,
)
from kiemchung.claims.view_helpers import (
    field_errors_from,
    flash_errors,
    get_claim,
    wants_fragment,
)
from kiemchung.claims.workflow import factcheck_writers

# Parts of the page an htmx request may ask for by name (?part=...).
FRAGMENTS = {
    "evidence": "claims/_evidence_list.html",
    "verdict-preview": "claims/_verdict_preview.html",
    "similar": "claims/_similar.html",
}
# How many similar claims and fact-checks the claim page lists at most.
SIMILAR_SHOWN = 5

_VERDICT_EDITABLE = (
    FactCheckState.DRAFT,
    FactCheckState.CHANGES_REQUESTED,
    FactCheckState.APPROVED,
)


@dataclass(frozen=True)
class ClaimAbilities:
    """What the person looking may do on this claim now; the services enforce the same rules."""

    edit: bool
    assign: bool
    start: bool
    dismiss: bool
    merge: bool
    reopen: bool
    delete: bool
    add_appearance: bool
    add_evidence: bool
    retry_archive: bool
    correct_image_words: bool
    comment: bool
    write_verdict: bool
    submit: bool
    review: bool
    is_author: bool
    publish: bool
    correct: bool


def factcheck_of(claim: Claim) -> FactCheck | None:
    try:
        return claim.factcheck
    except FactCheck.DoesNotExist:
        return None


def abilities(*, member: Member, claim: Claim, factcheck: FactCheck | None) -> ClaimAbilities:
    state = claim.state
    working = state in (ClaimState.OPEN, ClaimState.IN_PROGRESS, ClaimState.IN_REVIEW)
    fc_state = factcheck.state if factcheck is not None else None
    # Whoever wrote any part of the verdict or sent it to review may neither approve nor
    # publish it; only asked before publication, when that rule applies.
    writers = (
        factcheck_writers(factcheck)
        if factcheck is not None and fc_state != FactCheckState.PUBLISHED
        else set()
    )
    is_author = member.user_id in writers
    return ClaimAbilities(
        edit=can(member, Action.EDIT) and working,
        assign=can(member, Action.ASSIGN) and working,
        start=can(member, Action.WRITE_VERDICT) and state == ClaimState.OPEN,
        dismiss=can(member, Action.EDIT) and state in (ClaimState.OPEN, ClaimState.IN_PROGRESS),
        merge=can(member, Action.EDIT) and state in (ClaimState.OPEN, ClaimState.IN_PROGRESS),
        reopen=can(member, Action.EDIT) and state == ClaimState.DISMISSED,
        delete=can(member, Action.DELETE) and state != ClaimState.PUBLISHED,
        add_appearance=can(member, Action.EDIT) and state != ClaimState.DISMISSED,
        # Once published, the sources readers see change only through a correction.
        add_evidence=can(member, Action.ADD_EVIDENCE) and working,
        # A failed archive can always be retried: there is no stored copy to replace.
        retry_archive=can(member, Action.ADD_EVIDENCE),
        # The words read from an image are the newsroom's notes, never shown to readers: they
        # can be put right in any state of the claim.
        correct_image_words=can(member, Action.ADD_EVIDENCE),
        comment=can(member, Action.COMMENT),
        write_verdict=can(member, Action.WRITE_VERDICT)
        and working
        and (fc_state is None or fc_state in _VERDICT_EDITABLE),
        submit=can(member, Action.WRITE_VERDICT)
        and fc_state in (FactCheckState.DRAFT, FactCheckState.CHANGES_REQUESTED),
        review=can(member, Action.REVIEW)
        and fc_state == FactCheckState.IN_REVIEW
        and not is_author,
        is_author=is_author,
        publish=can(member, Action.PUBLISH)
        and fc_state == FactCheckState.APPROVED
        and factcheck is not None
        and factcheck.reviewer_id is not None
        and factcheck.reviewer_id not in writers
        and not is_author,
        correct=can(member, Action.CORRECT) and fc_state == FactCheckState.PUBLISHED,
    )


def _verdict_initial(factcheck: FactCheck | None) -> dict[str, Any]:
    if factcheck is None:
        return {}
    return {
        "rating": factcheck.rating_id,
        "title": factcheck.title,
        "summary": factcheck.summary,
        "body": factcheck.body,
    }


def claim_page_context(
    request: HttpRequest, claim: Claim, bound: dict[str, django_forms.BaseForm]
) -> dict[str, Any]:
    """Everything the claim page shows; `bound` replaces the blank form of the same name."""
    member: Member = request.member  # type: ignore[attr-defined]
    workspace = claim.workspace
    factcheck = factcheck_of(claim)
    may = abilities(member=member, claim=claim, factcheck=factcheck)
    evidence = list(claim.evidence.all())
    reviews = list(factcheck.reviews.all()) if factcheck is not None else []
    page_forms: dict[str, django_forms.BaseForm] = {
        "edit_form": forms.ClaimForm(
            initial={"text": claim.text, "topic": claim.topic, "tags": claim.tags}
        ),
        "assign_form": forms.AssignForm(
            workspace=workspace, initial={"assignee": claim.assignee_id}
        ),
        "dismiss_form": forms.DismissForm(),
        "appearance_form": forms.AppearanceForm(),
        "evidence_form": forms.EvidenceForm(),
        "comment_form": forms.CommentForm(),
        "verdict_form": forms.VerdictForm(workspace=workspace, initial=_verdict_initial(factcheck)),
        "review_form": forms.ReviewForm(),
        "correction_form": forms.CorrectionForm(
            workspace=workspace, initial=_verdict_initial(factcheck)
        ),
        "correction_review_form": forms.CorrectionReviewForm(),
    }
    page_forms.update(bound)
    pending = (
        factcheck.correction_proposals.filter(state=ProposalState.PENDING)
        .select_related("rating", "proposed_by")
        .first()
        if factcheck is not None and may.correct
        else None
    )
    context: dict[str, Any] = {
        "claim": claim,
        "factcheck": factcheck,
        "may": may,
        "appearances": list(claim.appearances.all()),
        "merged_from": list(claim.merged_from.order_by("pk").only("pk", "text")),
        "evidence": evidence,
        "archiving": any(e.archive_status == ArchiveStatus.PENDING for e in evidence),
        "reading_images": evidence_images_still_reading(evidence),
        "same_picture": evidence_same_picture(claim=claim, evidence=evidence),
        "image_words_max": MAX_CORRECTION_CHARS,
        "comments": list(claim.comments.all()),
        "checklist": selectors.factcheck_checklist(factcheck=factcheck) if factcheck else [],
        "history": (
            selectors.factcheck_history(factcheck=factcheck, include_review_versions=True)
            if factcheck
            else []
        ),
        "reviews": reviews,
        "last_review": reviews[-1] if reviews else None,
        "preview": None,
        "correction_pending": pending,
        # A proposed correction is approved by someone other than whoever proposed it.
        "may_decide_correction": pending is not None
        and pending.proposed_by_id != member.user_id,
        **page_forms,
    }
    return context


def similar_context(claim: Claim) -> dict[str, Any]:
    """Claims and fact-checks of the workspace, and fact-checks it imported from other teams,
    that may say the same, at or above the workspace's suggest threshold, best first; never
    the claim itself or its own verdict."""
    found = matching.similar_records(
        workspace=claim.workspace,
        text=claim.text,
        k=SIMILAR_SHOWN,
        exclude_claim=claim,
        external=True,
    )
    return {
        "similar_loaded": True,
        "similar": [record for record in found if record.decision != "none"],
        "thresholds": claim.workspace.match_thresholds,
    }


def render_claim_page(
    request: HttpRequest,
    claim: Claim,
    *,
    status: int = 200,
    bound: dict[str, django_forms.BaseForm] | None = None,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    """The whole claim page, or only the part an htmx request names in ?part=."""
    context = claim_page_context(request, claim, bound or {})
    context.update(extra or {})
    part = request.GET.get("part", "")
    # Searching takes a moment, so the page asks for this part once it is shown (htmx);
    # without script, a link asks for the page again with it (?similar=1).
    if part == "similar" or request.GET.get("similar") == "1":
        context.update(similar_context(claim))
    template = "claims/detail.html"
    if wants_fragment(request) and part in FRAGMENTS:
        template = FRAGMENTS[part]
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ("HX-Request",))
    return response


def claim_form_response(
    request: HttpRequest,
    claim: Claim,
    *,
    name: str,
    form: django_forms.BaseForm,
    act: Callable[[dict[str, Any]], object],
    done: str,
    anchor: str,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    """Handle one form of the claim page: check it, `act` in a transaction, redirect or re-show.

    Field errors (from the form or the service) show the page again with the form filled in;
    an error about the claim's state becomes a message on the page, like a refused button.
    """
    if form.is_valid():
        try:
            with transaction.atomic():
                act(form.cleaned_data)
        except ValidationError as exc:
            if not field_errors_from(form, exc):
                flash_errors(request, exc)
                return redirect_to_claim(claim, anchor)
        else:
            if done:
                messages.success(request, done)
            return redirect_to_claim(claim, anchor)
    fresh = get_claim(request, claim.pk)
    return render_claim_page(request, fresh, status=400, bound={name: form}, extra=extra)


def claim_button_response(
    request: HttpRequest, claim: Claim, *, act: Callable[[], object], done: str, anchor: str = ""
) -> HttpResponse:
    """Handle one button of the claim page (no form): `act` in a transaction, then back to the
    claim, where a refusal from the service shows as a message."""
    try:
        with transaction.atomic():
            act()
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, done)
    return redirect_to_claim(claim, anchor)


def redirect_to_claim(claim: Claim, anchor: str = "") -> HttpResponse:
    url = reverse("claims:detail", kwargs={"pk": claim.pk})
    return redirect(f"{url}#{anchor}" if anchor else url)
