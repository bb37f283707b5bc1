"""API v1 for the verdict on a claim and its review: draft, submit, request changes, approve,
publish, correct, and the review of a proposed correction. Each step calls the same service as
the claim page, so the permission matrix, the checklist and the two-person rule are the pages'
own.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from kiemchung.accounts.auth import ApiTokenAuth
from kiemchung.accounts.models import ApiScope
from kiemchung.claims import services
from kiemchung.claims.api_v1 import FactCheckOut, claim_of, factcheck_out, member_of, username
from kiemchung.claims.models import (
    Claim,
    Correction,
    CorrectionProposal,
    FactCheck,
    ProposalState,
    Rating,
    ReviewDecision,
)
from kiemchung.core.api import Id, StrictIn, Text, check_query, errors, write

router = Router(auth=ApiTokenAuth(scope=ApiScope.READ), tags=["verdicts"])
WRITE = ApiTokenAuth(scope=ApiScope.WRITE)
PUBLISH = ApiTokenAuth(scope=ApiScope.PUBLISH)


class VerdictIn(StrictIn):
    rating_id: Id | None = Field(None, description="A rating of the workspace's scale")
    title: Text = ""
    summary: Text = ""
    body: Text = Field("", description="Markdown")


class ReviewIn(StrictIn):
    comment: Text = Field("", description="Required when requesting changes")


class CorrectionIn(StrictIn):
    note: Text = Field(description="What was corrected, for readers")
    rating_id: Id | None = None
    title: Text | None = None
    summary: Text | None = None
    body: Text | None = None


class ReviewOut(Schema):
    id: int
    factcheck_id: int
    reviewer: str | None
    decision: ReviewDecision
    comment: str
    version: int
    created_at: datetime


class CorrectionOut(Schema):
    id: int
    factcheck_id: int
    note: str
    author: str | None = Field(description="Who wrote it (who proposed it, when proposed)")
    from_version: int
    to_version: int
    created_at: datetime


class ProposalOut(Schema):
    id: int
    factcheck_id: int
    state: ProposalState
    note: str
    rating_id: int | None = Field(description="The proposed rating; null keeps it")
    title: str | None = Field(description="The proposed title; null keeps it")
    summary: str | None
    body: str | None
    proposed_by: str | None
    decided_by: str | None
    comment: str = Field(description="The second person's reason when refused")
    correction: CorrectionOut | None = Field(description="The correction it became, approved")
    created_at: datetime


class CorrectionOutcome(Schema):
    published: bool = Field(
        description="true: the correction is public (`correction`); false: it changes the "
        "rating or the summary and waits for a second person (`proposal`)"
    )
    correction: CorrectionOut | None = None
    proposal: ProposalOut | None = None


def _factcheck(claim: Claim) -> FactCheck:
    try:
        return FactCheck.objects.select_related("rating", "author", "reviewer", "claim").get(
            claim=claim
        )
    except FactCheck.DoesNotExist:
        raise Http404 from None


def _rating(claim: Claim, rating_id: int | None) -> Rating | None:
    if rating_id is None:
        return None
    rating = Rating.objects.filter(workspace=claim.workspace, pk=rating_id).first()
    if rating is None:
        raise ValidationError({"rating_id": _("Không có mức kết luận này trong thang của nhóm.")})
    return rating


def _step(request: HttpRequest, claim_id: Id, service: Any) -> dict[str, Any]:
    claim = claim_of(request, claim_id)
    factcheck = _factcheck(claim)
    write(lambda: service(factcheck=factcheck, actor=member_of(request).user), steps=True)
    return factcheck_out(_factcheck(claim))


@router.get(
    "/claims/{claim_id}/verdict",
    response={200: FactCheckOut, **errors(404)},
    summary="The verdict on a claim, in whatever state it is",
)
def verdict_get(request: HttpRequest, claim_id: Id) -> dict[str, Any]:
    check_query(request, ())
    return factcheck_out(_factcheck(claim_of(request, claim_id)))


@router.put(
    "/claims/{claim_id}/verdict",
    auth=WRITE,
    response={200: FactCheckOut, **errors(403, 404, 409, 422)},
    summary="Write or rewrite the draft verdict",
)
def verdict_save(request: HttpRequest, claim_id: Id, payload: VerdictIn) -> dict[str, Any]:
    check_query(request, ())
    claim = claim_of(request, claim_id)
    write(
        lambda: services.factcheck_save(
            claim=claim,
            actor=member_of(request).user,
            rating=_rating(claim, payload.rating_id),
            title=payload.title,
            summary=payload.summary,
            body=payload.body,
        ),
        steps=True,
    )
    return factcheck_out(_factcheck(claim))


@router.post(
    "/claims/{claim_id}/verdict/submit",
    auth=WRITE,
    response={200: FactCheckOut, **errors(403, 404, 409)},
    summary="Send the verdict to review (the checklist's required items done)",
)
def verdict_submit(request: HttpRequest, claim_id: Id) -> dict[str, Any]:
    check_query(request, ())
    return _step(request, claim_id, services.factcheck_submit)


def _review(request: HttpRequest, claim_id: Id, decision: str, comment: str) -> dict[str, Any]:
    claim = claim_of(request, claim_id)
    factcheck = _factcheck(claim)
    review = write(
        lambda: services.review_submit(
            factcheck=factcheck,
            actor=member_of(request).user,
            decision=decision,
            comment=comment,
        ),
        steps=True,
    )
    return {
        "id": review.pk,
        "factcheck_id": review.factcheck_id,
        "reviewer": username(review.reviewer),
        "decision": review.decision,
        "comment": review.comment,
        "version": review.version,
        "created_at": review.created_at,
    }


@router.post(
    "/claims/{claim_id}/verdict/approve",
    auth=WRITE,
    response={201: ReviewOut, **errors(403, 404, 409, 422)},
    summary="Approve the verdict in review (not one's own: two-person rule)",
)
def verdict_approve(
    request: HttpRequest, claim_id: Id, payload: ReviewIn
) -> Status[dict[str, Any]]:
    check_query(request, ())
    return Status(201, _review(request, claim_id, ReviewDecision.APPROVE, payload.comment))


@router.post(
    "/claims/{claim_id}/verdict/request-changes",
    auth=WRITE,
    response={201: ReviewOut, **errors(403, 404, 409, 422)},
    summary="Send the verdict in review back with what to change",
)
def verdict_request_changes(
    request: HttpRequest, claim_id: Id, payload: ReviewIn
) -> Status[dict[str, Any]]:
    check_query(request, ())
    return Status(201, _review(request, claim_id, ReviewDecision.REQUEST_CHANGES, payload.comment))


@router.post(
    "/claims/{claim_id}/verdict/publish",
    auth=PUBLISH,
    response={200: FactCheckOut, **errors(403, 404, 409)},
    summary="Publish the approved verdict",
)
def verdict_publish(request: HttpRequest, claim_id: Id) -> dict[str, Any]:
    check_query(request, ())
    return _step(request, claim_id, services.factcheck_publish)


def _correction_out(correction: Correction) -> dict[str, Any]:
    return {
        "id": correction.pk,
        "factcheck_id": correction.factcheck_id,
        "note": correction.note,
        "author": username(correction.author),
        "from_version": correction.from_version,
        "to_version": correction.to_version,
        "created_at": correction.created_at,
    }


def _proposal_out(proposal: CorrectionProposal) -> dict[str, Any]:
    return {
        "id": proposal.pk,
        "factcheck_id": proposal.factcheck_id,
        "state": proposal.state,
        "note": proposal.note,
        "rating_id": proposal.rating_id,
        "title": proposal.title,
        "summary": proposal.summary,
        "body": proposal.body,
        "proposed_by": username(proposal.proposed_by),
        "decided_by": username(proposal.decided_by),
        "comment": proposal.comment,
        "correction": _correction_out(proposal.correction) if proposal.correction else None,
        "created_at": proposal.created_at,
    }


@router.post(
    "/claims/{claim_id}/verdict/corrections",
    auth=PUBLISH,
    response={201: CorrectionOutcome, 202: CorrectionOutcome, **errors(403, 404, 409, 422)},
    summary="Correct the published verdict in the open: the title or the body at once (201); "
    "a new rating or summary waits for a second person as a proposal (202)",
)
def verdict_correct(
    request: HttpRequest, claim_id: Id, payload: CorrectionIn
) -> Status[dict[str, Any]]:
    check_query(request, ())
    claim = claim_of(request, claim_id)
    factcheck = _factcheck(claim)
    outcome = write(
        lambda: services.correction_propose(
            factcheck=factcheck,
            actor=member_of(request).user,
            note=payload.note,
            rating=_rating(claim, payload.rating_id),
            title=payload.title,
            summary=payload.summary,
            body=payload.body,
        ),
        steps=True,
    )
    if isinstance(outcome, Correction):
        return Status(201, {"published": True, "correction": _correction_out(outcome)})
    return Status(202, {"published": False, "proposal": _proposal_out(outcome)})


@router.get(
    "/claims/{claim_id}/verdict/correction-proposals",
    response={200: list[ProposalOut], **errors(404)},
    summary="Corrections proposed for the verdict, newest first",
)
def proposals_list(request: HttpRequest, claim_id: Id) -> list[dict[str, Any]]:
    check_query(request, ())
    factcheck = _factcheck(claim_of(request, claim_id))
    proposals = factcheck.correction_proposals.select_related(
        "proposed_by", "decided_by", "correction__author"
    ).order_by("-created_at", "-pk")
    return [_proposal_out(p) for p in proposals]


def _proposal_review(
    request: HttpRequest, claim_id: Id, proposal_id: Id, decision: str, comment: str
) -> dict[str, Any]:
    factcheck = _factcheck(claim_of(request, claim_id))
    proposal = get_object_or_404(CorrectionProposal, pk=proposal_id, factcheck=factcheck)
    reviewed = write(
        lambda: services.correction_review(
            proposal=proposal, actor=member_of(request).user, decision=decision, comment=comment
        ),
        steps=True,
    )
    return _proposal_out(reviewed)


@router.post(
    "/claims/{claim_id}/verdict/correction-proposals/{proposal_id}/approve",
    auth=PUBLISH,
    response={200: ProposalOut, **errors(403, 404, 409, 422)},
    summary="Approve a proposed correction (not one's own): it goes public",
)
def proposal_approve(
    request: HttpRequest, claim_id: Id, proposal_id: Id, payload: ReviewIn
) -> dict[str, Any]:
    check_query(request, ())
    return _proposal_review(request, claim_id, proposal_id, ReviewDecision.APPROVE, payload.comment)


@router.post(
    "/claims/{claim_id}/verdict/correction-proposals/{proposal_id}/reject",
    auth=PUBLISH,
    response={200: ProposalOut, **errors(403, 404, 409, 422)},
    summary="Refuse a proposed correction, saying why",
)
def proposal_reject(
    request: HttpRequest, claim_id: Id, proposal_id: Id, payload: ReviewIn
) -> dict[str, Any]:
    check_query(request, ())
    return _proposal_review(
        request, claim_id, proposal_id, ReviewDecision.REQUEST_CHANGES, payload.comment
    )
