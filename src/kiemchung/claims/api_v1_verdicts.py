"""API v1 for the verdict on a claim and its review: draft, submit, request changes, approve,
publish, correct. Each step calls the same service as the claim page, so the permission
matrix, the checklist and the two-person rule are the pages' own.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from kiemchung.accounts.auth import ApiTokenAuth
from kiemchung.accounts.models import ApiScope
from kiemchung.claims import services
from kiemchung.claims.api_v1 import FactCheckOut, claim_of, factcheck_out, member_of, username
from kiemchung.claims.models import Claim, FactCheck, Rating, ReviewDecision
from kiemchung.core.api import StrictIn, Text, check_query, errors, write

router = Router(auth=ApiTokenAuth(scope=ApiScope.READ), tags=["verdicts"])
WRITE = ApiTokenAuth(scope=ApiScope.WRITE)
PUBLISH = ApiTokenAuth(scope=ApiScope.PUBLISH)


class VerdictIn(StrictIn):
    rating_id: int | None = Field(None, description="A rating of the workspace's scale")
    title: Text = ""
    summary: Text = ""
    body: Text = Field("", description="Markdown")


class ReviewIn(StrictIn):
    comment: Text = Field("", description="Required when requesting changes")


class CorrectionIn(StrictIn):
    note: Text = Field(description="What was corrected, for readers")
    rating_id: int | None = None
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
    author: str | None
    from_version: int
    to_version: int
    created_at: datetime


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


def _step(request: HttpRequest, claim_id: int, service: Any) -> dict[str, Any]:
    claim = claim_of(request, claim_id)
    factcheck = _factcheck(claim)
    write(lambda: service(factcheck=factcheck, actor=member_of(request).user), steps=True)
    return factcheck_out(_factcheck(claim))


@router.get(
    "/claims/{claim_id}/verdict",
    response={200: FactCheckOut, **errors(404)},
    summary="The verdict on a claim, in whatever state it is",
)
def verdict_get(request: HttpRequest, claim_id: int) -> dict[str, Any]:
    check_query(request, ())
    return factcheck_out(_factcheck(claim_of(request, claim_id)))


@router.put(
    "/claims/{claim_id}/verdict",
    auth=WRITE,
    response={200: FactCheckOut, **errors(403, 404, 409, 422)},
    summary="Write or rewrite the draft verdict",
)
def verdict_save(request: HttpRequest, claim_id: int, payload: VerdictIn) -> dict[str, Any]:
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
def verdict_submit(request: HttpRequest, claim_id: int) -> dict[str, Any]:
    check_query(request, ())
    return _step(request, claim_id, services.factcheck_submit)


def _review(request: HttpRequest, claim_id: int, decision: str, comment: str) -> dict[str, Any]:
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
    request: HttpRequest, claim_id: int, payload: ReviewIn
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
    request: HttpRequest, claim_id: int, payload: ReviewIn
) -> Status[dict[str, Any]]:
    check_query(request, ())
    return Status(201, _review(request, claim_id, ReviewDecision.REQUEST_CHANGES, payload.comment))


@router.post(
    "/claims/{claim_id}/verdict/publish",
    auth=PUBLISH,
    response={200: FactCheckOut, **errors(403, 404, 409)},
    summary="Publish the approved verdict",
)
def verdict_publish(request: HttpRequest, claim_id: int) -> dict[str, Any]:
    check_query(request, ())
    return _step(request, claim_id, services.factcheck_publish)


@router.post(
    "/claims/{claim_id}/verdict/corrections",
    auth=PUBLISH,
    response={201: CorrectionOut, **errors(403, 404, 409, 422)},
    summary="Correct the published verdict in the open; earlier versions are kept",
)
def verdict_correct(
    request: HttpRequest, claim_id: int, payload: CorrectionIn
) -> Status[dict[str, Any]]:
    check_query(request, ())
    claim = claim_of(request, claim_id)
    factcheck = _factcheck(claim)
    correction = write(
        lambda: services.factcheck_correct(
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
    return Status(
        201,
        {
            "id": correction.pk,
            "factcheck_id": correction.factcheck_id,
            "note": correction.note,
            "author": username(correction.author),
            "from_version": correction.from_version,
            "to_version": correction.to_version,
            "created_at": correction.created_at,
        },
    )
