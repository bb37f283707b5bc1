"""JSON API for claims: list, create, read one, add evidence. Thin: the services decide."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any, Literal, TypeVar

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from kiemchung.accounts.auth import ApiTokenAuth
from kiemchung.accounts.models import ApiScope, Member
from kiemchung.claims import matching, selectors, services
from kiemchung.claims.models import Claim, ClaimState, Evidence, FactCheck
from kiemchung.core.api import Text

router = Router(auth=ApiTokenAuth(scope=ApiScope.READ), tags=["claims"])
WRITE = ApiTokenAuth(scope=ApiScope.WRITE)

T = TypeVar("T")


class ErrorOut(Schema):
    detail: str
    errors: dict[str, list[str]] = Field(default_factory=dict)


class AppearanceOut(Schema):
    id: int
    url: str
    platform: str
    seen_at: datetime | None
    text: str


class EvidenceOut(Schema):
    id: int
    kind: str
    url: str
    title: str
    note: str
    archive_status: str
    created_at: datetime


class FactCheckOut(Schema):
    state: str
    rating: str | None
    title: str
    summary: str
    slug: str
    published_at: datetime | None
    last_corrected_at: datetime | None


class ClaimOut(Schema):
    id: int
    text: str
    topic: str
    tags: list[str]
    state: str
    assignee: str | None
    created_at: datetime
    updated_at: datetime


class ClaimDetailOut(ClaimOut):
    dismiss_reason: str
    appearances: list[AppearanceOut]
    evidence: list[EvidenceOut]
    factcheck: FactCheckOut | None


# Every text that comes in is `Text`: NUL and lone surrogates are refused with a 422 naming
# the field, instead of a 500 from the database (PostgreSQL refuses NUL, no database can
# encode a lone surrogate) or a NUL stored on SQLite.
class ClaimIn(Schema):
    text: Text
    topic: Text = ""
    tags: list[Text] = Field(default_factory=list)
    assignee: Text | None = Field(None, description="Username of a member who may write verdicts")
    appearance_url: Text = ""
    platform: Text = ""


class EvidenceIn(Schema):
    kind: Literal["url", "note"] = Field(
        description="`url`: a web page, archived in the background; `note`: a written note. "
        "Documents are uploaded in the newsroom, not through the API."
    )
    url: Text = ""
    title: Text = ""
    note: Text = ""


class ClaimFilters(Schema):
    state: ClaimState | None = None
    topic: Text | None = None
    q: Text | None = Field(None, description="Search in the wording; case and accents ignored")
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0)


class AlreadyCheckedQuery(Schema):
    q: Text = Field(
        max_length=matching.QUERY_MAX_CHARS,
        description="The text to look for: a post, a headline, a sentence; with or without "
        "diacritics",
    )
    k: int = Field(5, ge=1, le=matching.K_MAX, description="How many results at most")


class ThresholdsOut(Schema):
    related: float = Field(description="Lowest match score listed as related")
    same: float = Field(
        description="Lowest same-claim score (a second model over the key facts) called the "
        "same claim, when no key fact conflicts"
    )


# The publication time of a fact-check or the recording time of a claim; the publication date
# an imported fact-check gives, when it gives one.
MatchDate = datetime | date | None


class MatchOut(Schema):
    id: str = Field(description="`claim:<id>`, `factcheck:<id>` or `external:<id>`")
    kind: Literal["claim", "factcheck", "external"] = Field(
        description="The team's open claim, its published fact-check, or a fact-check another "
        "team published (imported as ClaimReview)"
    )
    claim_id: int | None = Field(description="The team's claim; null for an external one")
    score: float = Field(
        description="Calibrated: how likely the record addresses the claim in the text"
    )
    decision: Literal["same", "related"] = Field(
        description="`same`: the record states this very claim, so its verdict applies; "
        "`related`: same event or subject, to read, its verdict does not apply (results below "
        "related are not listed)"
    )
    differences: list[str] = Field(
        default_factory=list,
        description="Key facts that differ between the text and the record, in words "
        "(\"Khác năm: 2030 ≠ 2027\"); any of them rules out `same`",
    )
    text: str = Field(description="The claim's wording (the claim the other team reviewed)")
    title: str
    state: str | None = Field(description="The claim's state; null for an external one")
    rating: str | None
    date: MatchDate = Field(description="Publication time of a fact-check, else when recorded")
    url: str = Field(
        description="The public page of a fact-check (the publisher's own page for an external "
        "one), else the newsroom page"
    )
    publisher: str | None = Field(
        description="Who published an external fact-check; null for the team's own work"
    )
    matched_wording: str | None = Field(
        None,
        description="The known wording of the claim that the text matched (a post it was seen "
        "in, a claim merged into it); null when the text matched the claim or fact-check itself",
    )


class AlreadyCheckedOut(Schema):
    query: str
    thresholds: ThresholdsOut
    results: list[MatchOut]


def _member(request: HttpRequest) -> Member:
    return request.auth  # type: ignore[attr-defined]


def _claim_out(claim: Claim) -> dict[str, Any]:
    return {
        "id": claim.pk,
        "text": claim.text,
        "topic": claim.topic,
        "tags": list(claim.tags or []),
        "state": claim.state,
        "assignee": claim.assignee.get_username() if claim.assignee else None,
        "created_at": claim.created_at,
        "updated_at": claim.updated_at,
    }


def _evidence_out(evidence: Evidence) -> dict[str, Any]:
    return {
        "id": evidence.pk,
        "kind": evidence.kind,
        "url": evidence.url,
        "title": evidence.title,
        "note": evidence.note,
        "archive_status": evidence.archive_status,
        "created_at": evidence.created_at,
    }


def _factcheck_out(claim: Claim) -> dict[str, Any] | None:
    try:
        factcheck = claim.factcheck
    except FactCheck.DoesNotExist:
        return None
    return {
        "state": factcheck.state,
        "rating": factcheck.rating.label if factcheck.rating else None,
        "title": factcheck.title,
        "summary": factcheck.summary,
        "slug": factcheck.slug,
        "published_at": factcheck.published_at,
        "last_corrected_at": factcheck.last_corrected_at,
    }


def _error(exc: Exception) -> dict[str, Any]:
    if isinstance(exc, ValidationError):
        errors = exc.message_dict if hasattr(exc, "error_dict") else {}
        return {"detail": " ".join(str(m) for m in exc.messages), "errors": errors}
    return {"detail": str(exc) or _("Bạn không có quyền làm việc này.")}


def _write(work: Callable[[], T]) -> Status[Any] | T:
    """Run a service in one transaction; its refusals become 403 or 422 answers."""
    try:
        with transaction.atomic():
            return work()
    except PermissionDenied as exc:
        return Status(403, _error(exc))
    except ValidationError as exc:
        return Status(422, _error(exc))


@router.get("/", response=list[ClaimOut], summary="Claims of the token's workspace")
def claims_list(request: HttpRequest, filters: Query[ClaimFilters]) -> list[dict[str, Any]]:
    claims = selectors.claim_list(
        workspace=_member(request).workspace,
        state=filters.state,
        topic=filters.topic,
        q=filters.q,
    )
    page = claims[filters.offset : filters.offset + filters.limit]
    return [_claim_out(claim) for claim in page]


@router.post(
    "/",
    auth=WRITE,
    response={201: ClaimOut, 403: ErrorOut, 422: ErrorOut},
    summary="Record a new claim",
)
def claims_create(request: HttpRequest, payload: ClaimIn) -> Any:
    member = _member(request)

    def work() -> Status[dict[str, Any]]:
        assignee = None
        if payload.assignee:
            assignee = (
                get_user_model()
                .objects.filter(
                    username=payload.assignee,
                    memberships__workspace=member.workspace,
                    memberships__is_active=True,
                )
                .first()
            )
            if assignee is None:
                raise ValidationError({"assignee": _("Không có thành viên nào tên này.")})
        claim = services.claim_create(
            workspace=member.workspace,
            actor=member.user,
            text=payload.text,
            topic=payload.topic,
            tags=payload.tags,
            assignee=assignee,
            appearance_url=payload.appearance_url,
            platform=payload.platform,
        )
        return Status(201, _claim_out(claim))

    return _write(work)


def _match_out(record: matching.Similar) -> dict[str, Any]:
    out = {
        "id": record.record_id,
        "kind": record.kind,
        "score": record.score,
        "decision": record.decision,
        "text": record.text,
        "title": record.title,
        "rating": record.rating,
        "date": record.date,
        "url": record.url,
        "differences": record.differences,
    }
    if isinstance(record, matching.ExternalMatch):
        return {**out, "claim_id": None, "state": None, "publisher": record.publisher}
    return {
        **out,
        "claim_id": record.claim.pk,
        "state": record.claim.state,
        "publisher": None,
        "matched_wording": record.wording or None,
    }


@router.get(
    "/already-checked",
    response={200: AlreadyCheckedOut, 422: ErrorOut},
    summary="Has it been checked already? Claims and fact-checks like a text, with those of "
    "other teams the workspace imported",
)
def claims_already_checked(request: HttpRequest, query: Query[AlreadyCheckedQuery]) -> Any:
    workspace = _member(request).workspace
    try:
        found = matching.similar_records(
            workspace=workspace, text=query.q, k=query.k, external=True
        )
    except ValidationError as exc:
        return Status(422, _error(exc))
    thresholds = workspace.match_thresholds
    return {
        "query": query.q.strip(),
        "thresholds": {"related": thresholds.suggest, "same": thresholds.auto},
        "results": [_match_out(record) for record in found],
    }


@router.get(
    "/{claim_id}",
    response={200: ClaimDetailOut, 404: ErrorOut},
    summary="One claim with its appearances, evidence and verdict",
)
def claims_get(request: HttpRequest, claim_id: int) -> dict[str, Any]:
    claim = selectors.claim_detail(workspace=_member(request).workspace, pk=claim_id)
    return {
        **_claim_out(claim),
        "dismiss_reason": claim.dismiss_reason,
        "appearances": [
            {"id": a.pk, "url": a.url, "platform": a.platform, "seen_at": a.seen_at, "text": a.text}
            for a in claim.appearances.all()
        ],
        "evidence": [_evidence_out(e) for e in claim.evidence.all()],
        "factcheck": _factcheck_out(claim),
    }


@router.post(
    "/{claim_id}/evidence",
    auth=WRITE,
    response={201: EvidenceOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Add a source to a claim",
)
def claims_evidence_add(request: HttpRequest, claim_id: int, payload: EvidenceIn) -> Any:
    member = _member(request)
    claim = selectors.claim_detail(workspace=member.workspace, pk=claim_id)

    def work() -> Status[dict[str, Any]]:
        evidence = services.evidence_add(
            claim=claim,
            actor=member.user,
            kind=payload.kind,
            url=payload.url,
            title=payload.title,
            note=payload.note,
        )
        return Status(201, _evidence_out(evidence))

    return _write(work)
