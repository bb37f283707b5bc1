"""API v1 for claims: claims, appearances, evidence, fact-checks, the rating scale and
"already checked?". Thin: selectors read, services decide (the same ones as the pages).

The verdict and its review steps are in `api_v1_verdicts.py`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from kiemchung.accounts.auth import ApiTokenAuth
from kiemchung.accounts.models import ApiScope, Member
from kiemchung.claims import matching, selectors, services
from kiemchung.claims.models import (
    Appearance,
    Claim,
    ClaimState,
    Evidence,
    FactCheck,
    FactCheckState,
    Rating,
)
from kiemchung.core.api import (
    PAGE_PARAMS,
    ApiError,
    Id,
    IsoDateTime,
    PageQuery,
    StrictIn,
    Text,
    check_query,
    errors,
    paginate,
    query_fields,
    write,
)

router = Router(auth=ApiTokenAuth(scope=ApiScope.READ), tags=["claims"])
WRITE = ApiTokenAuth(scope=ApiScope.WRITE)


class ClaimOut(Schema):
    id: int
    text: str
    topic: str
    tags: list[str]
    state: ClaimState
    assignee: str | None = Field(description="Username of the member working on it")
    dismiss_reason: str
    created_at: datetime
    updated_at: datetime


class ClaimPage(Schema):
    results: list[ClaimOut]
    next: str | None = Field(description="Cursor of the next page; null on the last one")


class AppearanceOut(Schema):
    id: int
    claim_id: int
    url: str
    platform: str
    seen_at: datetime | None
    text: str
    wording: bool = Field(description="The text is the claim as worded there (matching uses it)")
    created_at: datetime


class AppearancePage(Schema):
    results: list[AppearanceOut]
    next: str | None


class EvidenceOut(Schema):
    id: int
    claim_id: int
    kind: str = Field(description="`url`, `document` or `note`")
    url: str
    title: str
    note: str
    archive_status: str
    created_at: datetime


class EvidencePage(Schema):
    results: list[EvidenceOut]
    next: str | None


class RatingOut(Schema):
    id: int
    label: str
    position: int
    description: str
    is_active: bool


class FactCheckOut(Schema):
    id: int
    claim_id: int
    state: FactCheckState
    rating_id: int | None
    rating: str | None = Field(description="The rating's label on the team's scale")
    title: str
    summary: str
    body: str = Field(description="Markdown")
    author: str | None
    reviewer: str | None
    version: int
    slug: str
    published_at: datetime | None
    last_corrected_at: datetime | None
    created_at: datetime
    updated_at: datetime


class FactCheckPage(Schema):
    results: list[FactCheckOut]
    next: str | None


class ClaimFilters(PageQuery):
    state: ClaimState | None = None
    topic: Text | None = None
    q: Text | None = Field(None, description="Words of the wording; case and accents ignored")
    assignee: Text | None = Field(None, description="Username of the assignee")
    created_after: IsoDateTime | None = None
    created_before: IsoDateTime | None = None


class FactCheckFilters(PageQuery):
    state: FactCheckState | None = None
    published_after: IsoDateTime | None = None


class ClaimIn(StrictIn):
    text: Text
    topic: Text = ""
    tags: list[Text] = Field(default_factory=list)
    assignee: Text | None = Field(None, description="Username of a member who may write verdicts")
    appearance_url: Text = ""
    platform: Text = ""


class AppearanceIn(StrictIn):
    url: Text = ""
    platform: Text = ""
    seen_at: IsoDateTime | None = None
    text: Text = Field("", description="The claim as worded there")
    wording: bool = Field(True, description="False when `text` is a note, not a wording")


class EvidenceIn(StrictIn):
    kind: Literal["url", "note"] = Field(
        description="`url`: a web page, archived in the background; `note`: a written note. "
        "Documents are uploaded in the newsroom."
    )
    url: Text = ""
    title: Text = ""
    note: Text = ""


class MatchQuery(Schema):
    q: Text = Field(
        min_length=1,
        max_length=matching.QUERY_MAX_CHARS,
        description="A post, a headline, a sentence; with or without diacritics",
    )
    k: int = Field(5, ge=1, le=matching.K_MAX, description="How many results at most")


class ThresholdsOut(Schema):
    related: float = Field(description="Lowest score listed as related")
    same: float = Field(description="Lowest same-claim score called the same claim")


class KeyFactOut(Schema):
    kind: str = Field(description="money, percent, quantity, number, date, year, place, ...")
    value: str = Field(description="Comparable value")
    text: str = Field(description="As written")


class ConflictOut(Schema):
    kind: str
    text_value: str = Field(description="What the searched text says")
    record_value: str = Field(description="What the record says")
    words: str = Field(description='The difference in words ("Khác năm: 2030 ≠ 2027")')


class MatchOut(Schema):
    id: str = Field(description="`claim:<id>`, `factcheck:<id>` or `external:<id>`")
    kind: Literal["claim", "factcheck", "external"]
    claim_id: int | None
    score: float = Field(description="Calibrated: how likely the record addresses the text")
    decision: Literal["same", "related"] = Field(
        description="`same`: the record states this very claim, so its verdict applies; "
        "`related`: same subject, its verdict does not apply"
    )
    conflicts: list[ConflictOut] = Field(description="Key facts that differ; any rules out same")
    shared: list[KeyFactOut] = Field(description="Key facts both state")
    text: str
    title: str
    state: str | None
    rating: str | None
    date: datetime | date | None
    url: str
    publisher: str | None
    matched_wording: str | None


class MatchesOut(Schema):
    query: str
    decision: Literal["same", "related", "none"] = Field(
        description="Already checked? `same` when the best result is the same claim"
    )
    thresholds: ThresholdsOut
    results: list[MatchOut]


def member_of(request: HttpRequest) -> Member:
    return request.auth  # type: ignore[attr-defined]


def claim_of(request: HttpRequest, claim_id: Id) -> Claim:
    return selectors.claim_detail(workspace=member_of(request).workspace, pk=claim_id)


def username(user: Any) -> str | None:
    return user.get_username() if user is not None else None


def claim_out(claim: Claim) -> dict[str, Any]:
    return {
        "id": claim.pk,
        "text": claim.text,
        "topic": claim.topic,
        "tags": [str(tag) for tag in claim.tags or []],
        "state": claim.state,
        "assignee": username(claim.assignee),
        "dismiss_reason": claim.dismiss_reason,
        "created_at": claim.created_at,
        "updated_at": claim.updated_at,
    }


def appearance_out(appearance: Appearance) -> dict[str, Any]:
    return {
        "id": appearance.pk,
        "claim_id": appearance.claim_id,
        "url": appearance.url,
        "platform": appearance.platform,
        "seen_at": appearance.seen_at,
        "text": appearance.text,
        "wording": appearance.wording,
        "created_at": appearance.created_at,
    }


def evidence_out(evidence: Evidence) -> dict[str, Any]:
    return {
        "id": evidence.pk,
        "claim_id": evidence.claim_id,
        "kind": evidence.kind,
        "url": evidence.url,
        "title": evidence.title,
        "note": evidence.note,
        "archive_status": evidence.archive_status,
        "created_at": evidence.created_at,
    }


def factcheck_out(factcheck: FactCheck) -> dict[str, Any]:
    return {
        "id": factcheck.pk,
        "claim_id": factcheck.claim_id,
        "state": factcheck.state,
        "rating_id": factcheck.rating_id,
        "rating": factcheck.rating.label if factcheck.rating else None,
        "title": factcheck.title,
        "summary": factcheck.summary,
        "body": factcheck.body,
        "author": username(factcheck.author),
        "reviewer": username(factcheck.reviewer),
        "version": factcheck.version,
        "slug": factcheck.slug,
        "published_at": factcheck.published_at,
        "last_corrected_at": factcheck.last_corrected_at,
        "created_at": factcheck.created_at,
        "updated_at": factcheck.updated_at,
    }


def factchecks_of(member: Member) -> QuerySet[FactCheck]:
    return FactCheck.objects.filter(claim__workspace=member.workspace).select_related(
        "rating", "author", "reviewer"
    )


@router.get(
    "/claims/",
    response={200: ClaimPage, **errors()},
    summary="Claims of the token's workspace, newest first",
)
def claims_list(request: HttpRequest, filters: Query[ClaimFilters]) -> dict[str, Any]:
    check_query(request, query_fields(ClaimFilters))
    workspace = member_of(request).workspace
    assignee = None
    if filters.assignee:
        assignee = (
            get_user_model()
            .objects.filter(username=filters.assignee, memberships__workspace=workspace)
            .first()
        )
        if assignee is None:
            return {"results": [], "next": None}
    claims = selectors.claim_list(
        workspace=workspace,
        state=filters.state,
        topic=filters.topic,
        q=filters.q,
        assignee=assignee,
    ).select_related("assignee")
    if filters.created_after:
        claims = claims.filter(created_at__gt=filters.created_after)
    if filters.created_before:
        claims = claims.filter(created_at__lt=filters.created_before)
    return paginate(claims, filters, claim_out)


@router.post(
    "/claims/",
    auth=WRITE,
    response={201: ClaimOut, **errors(403, 422)},
    summary="Record a new claim",
)
def claims_create(request: HttpRequest, payload: ClaimIn) -> Status[dict[str, Any]]:
    check_query(request, ())
    member = member_of(request)

    def work() -> Claim:
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
        return services.claim_create(
            workspace=member.workspace,
            actor=member.user,
            text=payload.text,
            topic=payload.topic,
            tags=payload.tags,
            assignee=assignee,
            appearance_url=payload.appearance_url,
            platform=payload.platform,
        )

    return Status(201, claim_out(write(work)))


@router.get(
    "/claims/{claim_id}",
    response={200: ClaimOut, **errors(404)},
    summary="One claim",
)
def claims_get(request: HttpRequest, claim_id: Id) -> dict[str, Any]:
    check_query(request, ())
    return claim_out(claim_of(request, claim_id))


@router.get(
    "/claims/{claim_id}/appearances",
    response={200: AppearancePage, **errors(404)},
    summary="Where the claim was seen, newest first",
)
def appearances_list(request: HttpRequest, claim_id: Id, page: Query[PageQuery]) -> dict[str, Any]:
    check_query(request, PAGE_PARAMS)
    claim = claim_of(request, claim_id)
    return paginate(Appearance.objects.filter(claim=claim), page, appearance_out)


@router.post(
    "/claims/{claim_id}/appearances",
    auth=WRITE,
    response={201: AppearanceOut, **errors(403, 404, 422)},
    summary="Record one more place where the claim was seen",
)
def appearances_add(
    request: HttpRequest, claim_id: Id, payload: AppearanceIn
) -> Status[dict[str, Any]]:
    check_query(request, ())
    claim = claim_of(request, claim_id)
    appearance = write(
        lambda: services.appearance_add(
            claim=claim,
            actor=member_of(request).user,
            url=payload.url,
            platform=payload.platform,
            seen_at=payload.seen_at,
            text=payload.text,
            wording=payload.wording,
        )
    )
    return Status(201, appearance_out(appearance))


@router.get(
    "/claims/{claim_id}/evidence",
    response={200: EvidencePage, **errors(404)},
    summary="The claim's sources, newest first",
)
def evidence_list(request: HttpRequest, claim_id: Id, page: Query[PageQuery]) -> dict[str, Any]:
    check_query(request, PAGE_PARAMS)
    claim = claim_of(request, claim_id)
    return paginate(Evidence.objects.filter(claim=claim), page, evidence_out)


@router.post(
    "/claims/{claim_id}/evidence",
    auth=WRITE,
    response={201: EvidenceOut, **errors(403, 404, 409, 422)},
    summary="Add a source to a claim",
)
def evidence_add(request: HttpRequest, claim_id: Id, payload: EvidenceIn) -> Status[dict[str, Any]]:
    check_query(request, ())
    claim = claim_of(request, claim_id)
    evidence = write(
        lambda: services.evidence_add(
            claim=claim,
            actor=member_of(request).user,
            kind=payload.kind,
            url=payload.url,
            title=payload.title,
            note=payload.note,
        )
    )
    return Status(201, evidence_out(evidence))


@router.get(
    "/factchecks/",
    response={200: FactCheckPage, **errors()},
    summary="Verdicts of the workspace in every state, newest first",
)
def factchecks_list(request: HttpRequest, filters: Query[FactCheckFilters]) -> dict[str, Any]:
    check_query(request, query_fields(FactCheckFilters))
    factchecks = factchecks_of(member_of(request))
    if filters.state:
        factchecks = factchecks.filter(state=filters.state)
    if filters.published_after:
        factchecks = factchecks.filter(published_at__gt=filters.published_after)
    return paginate(factchecks, filters, factcheck_out)


@router.get(
    "/factchecks/{factcheck_id}",
    response={200: FactCheckOut, **errors(404)},
    summary="One verdict",
)
def factchecks_get(request: HttpRequest, factcheck_id: Id) -> dict[str, Any]:
    check_query(request, ())
    return factcheck_out(get_object_or_404(factchecks_of(member_of(request)), pk=factcheck_id))


@router.get(
    "/ratings/",
    response={200: list[RatingOut], **errors()},
    summary="The workspace's rating scale, in order",
)
def ratings_list(request: HttpRequest) -> list[dict[str, Any]]:
    check_query(request, ())
    ratings = Rating.objects.filter(workspace=member_of(request).workspace).order_by(
        "position", "pk"
    )
    return [
        {
            "id": r.pk,
            "label": r.label,
            "position": r.position,
            "description": r.description,
            "is_active": r.is_active,
        }
        for r in ratings
    ]


def _match_out(record: matching.Similar) -> dict[str, Any]:
    conflicts = [
        {
            "kind": c.kind,
            "text_value": c.right,
            "record_value": c.left,
            "words": words,
        }
        for c, words in zip(record.conflicts, record.differences, strict=True)
    ]
    out: dict[str, Any] = {
        "id": record.record_id,
        "kind": record.kind,
        "score": record.score,
        "decision": record.decision,
        "conflicts": conflicts,
        "shared": [{"kind": f.kind, "value": f.value, "text": f.text} for f in record.shared],
        "text": record.text,
        "title": record.title,
        "rating": record.rating,
        "date": record.date,
        "url": record.url,
    }
    if isinstance(record, matching.ExternalMatch):
        return {
            **out,
            "claim_id": None,
            "state": None,
            "publisher": record.publisher,
            "matched_wording": None,
        }
    return {
        **out,
        "claim_id": record.claim.pk,
        "state": record.claim.state,
        "publisher": None,
        "matched_wording": record.wording or None,
    }


@router.get(
    "/matches",
    response={200: MatchesOut, **errors()},
    summary="Already checked? The claims and fact-checks that say what a text says, with the "
    "same-claim decision and its key facts",
)
def matches(request: HttpRequest, query: Query[MatchQuery]) -> dict[str, Any]:
    check_query(request, query_fields(MatchQuery))
    workspace = member_of(request).workspace
    try:
        found = matching.similar_records(
            workspace=workspace, text=query.q, k=query.k, external=True
        )
    except ValidationError as exc:
        # The query string's own words: a 400 naming the parameter, not a body error.
        message = " ".join(str(m) for m in exc.messages)
        field = next(iter(exc.error_dict)) if hasattr(exc, "error_dict") else "q"
        raise ApiError(400, message, field=field) from None
    thresholds = workspace.match_thresholds
    results = [_match_out(record) for record in found]
    decision = results[0]["decision"] if results else "none"
    if any(r["decision"] == "same" for r in results):
        decision = "same"
    return {
        "query": query.q.strip(),
        "decision": decision,
        "thresholds": {"related": thresholds.suggest, "same": thresholds.auto},
        "results": results,
    }
