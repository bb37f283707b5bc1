"""API v1 for monitoring: the items that came in, the triage decision on one, and the sources
they came from."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from kiemchung.accounts.auth import ApiTokenAuth
from kiemchung.accounts.models import ApiScope, Member
from kiemchung.claims import selectors as claim_selectors
from kiemchung.core.api import (
    Id,
    PageQuery,
    StrictIn,
    Text,
    check_query,
    errors,
    paginate,
    query_fields,
    write,
)
from kiemchung.monitoring import selectors, services
from kiemchung.monitoring.models import Item, ItemState, Source, SourceKind

router = Router(auth=ApiTokenAuth(scope=ApiScope.READ), tags=["monitoring"])


class EngagementOut(Schema):
    reactions: int
    comments: int
    shares: int
    views: int


class ItemOut(Schema):
    id: int
    source_id: int
    state: ItemState
    claim_id: int | None = Field(description="The claim it was promoted to or attached to")
    title: str
    text: str
    url: str
    platform: str
    language: str
    topic: str
    published_at: datetime | None
    first_seen_at: datetime
    last_seen_at: datetime
    copies: int = Field(description="Near copies folded into this item")
    engagement: EngagementOut
    priority: float
    answered: bool = Field(description="A published fact-check already answers it")
    created_at: datetime


class ItemPage(Schema):
    results: list[ItemOut]
    next: str | None


class ItemFilters(PageQuery):
    state: ItemState | None = None
    source_id: Id | None = None
    topic: Text | None = None
    language: Text | None = None
    answered: bool | None = None


class DecisionIn(StrictIn):
    decision: Literal["promote", "attach", "dismiss"] = Field(
        description="`promote`: a new claim from the item; `attach`: to the claim `claim_id`; "
        "`dismiss`: not worth checking"
    )
    claim_id: Id | None = Field(None, description="For `attach`: a claim of the workspace")
    text: Text = Field("", description="For `promote`: the claim's wording (else the item's)")
    topic: Text = Field("", description="For `promote`: the claim's topic")


class SourceOut(Schema):
    id: int
    name: str
    kind: SourceKind
    url: str
    platform: str
    is_active: bool
    interval_minutes: int
    last_fetch_at: datetime | None
    last_success_at: datetime | None
    error_count: int = Field(description="Failed fetches in a row")
    items_total: int
    created_at: datetime


class SourcePage(Schema):
    results: list[SourceOut]
    next: str | None


class SourceFilters(PageQuery):
    kind: SourceKind | None = None
    is_active: bool | None = None


def _workspace(request: HttpRequest) -> Any:
    member: Member = request.auth  # type: ignore[attr-defined]
    return member.workspace


def _item_out(item: Item) -> dict[str, Any]:
    return {
        "id": item.pk,
        "source_id": item.source_id,
        "state": item.state,
        "claim_id": item.claim_id,
        "title": item.title,
        "text": item.text,
        "url": item.url,
        "platform": item.platform,
        "language": item.language,
        "topic": item.topic,
        "published_at": item.published_at,
        "first_seen_at": item.first_seen_at,
        "last_seen_at": item.last_seen_at,
        "copies": item.copies,
        "engagement": {
            "reactions": item.reactions,
            "comments": item.comments,
            "shares": item.shares,
            "views": item.views,
        },
        "priority": item.priority,
        "answered": item.answered,
        "created_at": item.created_at,
    }


def _source_out(source: Source) -> dict[str, Any]:
    return {
        "id": source.pk,
        "name": source.name,
        "kind": source.kind,
        "url": source.url,
        "platform": source.platform,
        "is_active": source.is_active,
        "interval_minutes": source.interval_minutes,
        "last_fetch_at": source.last_fetch_at,
        "last_success_at": source.last_success_at,
        "error_count": source.error_count,
        "items_total": source.items_total,
        "created_at": source.created_at,
    }


@router.get(
    "/items/", response={200: ItemPage, **errors()}, summary="Items that came in, newest first"
)
def items_list(request: HttpRequest, filters: Query[ItemFilters]) -> dict[str, Any]:
    check_query(request, query_fields(ItemFilters))
    items = selectors.triage_queue(
        workspace=_workspace(request),
        state=filters.state or "",
        source=filters.source_id,
        topic=filters.topic,
        language=filters.language,
    )
    if filters.answered is not None:
        items = items.filter(answered=filters.answered)
    return paginate(items, filters, _item_out)


@router.get("/items/{item_id}", response={200: ItemOut, **errors(404)}, summary="One item")
def items_get(request: HttpRequest, item_id: Id) -> dict[str, Any]:
    check_query(request, ())
    found = selectors.items_by_ids(workspace=_workspace(request), ids=[item_id])
    if not found:
        raise Http404
    return _item_out(found[0])


@router.post(
    "/items/{item_id}/decision",
    auth=ApiTokenAuth(scope=ApiScope.WRITE),
    response={200: ItemOut, **errors(403, 404, 409, 422)},
    summary="Decide on an item as the triage queue does: promote, attach or dismiss",
)
def items_decide(request: HttpRequest, item_id: Id, payload: DecisionIn) -> dict[str, Any]:
    check_query(request, ())
    member: Member = request.auth  # type: ignore[attr-defined]
    found = selectors.items_by_ids(workspace=member.workspace, ids=[item_id])
    if not found:
        raise Http404

    def work() -> None:
        claim = None
        if payload.decision == "attach":
            claim = (
                claim_selectors.claim_list(workspace=member.workspace)
                .filter(pk=payload.claim_id or 0)
                .first()
            )
            if claim is None:
                raise ValidationError(
                    {"claim_id": _("Hãy chọn một nhận định của nhóm để gắn vào.")}
                )
        services.items_decide(
            workspace=member.workspace,
            actor=member.user,
            items=found,
            decision=payload.decision,
            claim=claim,
            text=payload.text,
            topic=payload.topic,
        )

    write(work, steps=True)
    return _item_out(selectors.items_by_ids(workspace=member.workspace, ids=[item_id])[0])


@router.get(
    "/sources/", response={200: SourcePage, **errors()}, summary="Watched sources, newest first"
)
def sources_list(request: HttpRequest, filters: Query[SourceFilters]) -> dict[str, Any]:
    check_query(request, query_fields(SourceFilters))
    sources = selectors.source_health(workspace=_workspace(request))
    if filters.kind:
        sources = sources.filter(kind=filters.kind)
    if filters.is_active is not None:
        sources = sources.filter(is_active=filters.is_active)
    return paginate(sources, filters, _source_out)


@router.get("/sources/{source_id}", response={200: SourceOut, **errors(404)}, summary="One source")
def sources_get(request: HttpRequest, source_id: Id) -> dict[str, Any]:
    check_query(request, ())
    return _source_out(selectors.source_detail(workspace=_workspace(request), pk=source_id))
