"""API v1 for the tipline, for staff who handle tips: what was asked, where it stands.

Never the tipster: no contact, reply address, pseudonym, tracking code or channel address. The
text of one tip is given to the roles that read it in the inbox, and reading it is audited as
on the tip's page. Needs the `tipline` scope.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema

from kiemchung.accounts.auth import ApiTokenAuth
from kiemchung.accounts.models import ApiScope, Member
from kiemchung.core.api import Id, PageQuery, check_query, errors, paginate, query_fields
from kiemchung.tipline import inbox_selectors
from kiemchung.tipline.models import ChannelKind, Tip, TipCategory, TipState

router = Router(auth=ApiTokenAuth(scope=ApiScope.TIPLINE), tags=["tipline"])


class TipOut(Schema):
    id: int
    category: TipCategory
    state: TipState
    channel: ChannelKind = Field(description="The kind of channel it came through")
    claim_id: int | None = Field(description="The claim it was attached to")
    answered_at: datetime | None
    forwarded_at: datetime | None = Field(description="When it went to an authority unit")
    closed_at: datetime | None
    auto_answer: str = Field(description="Where the instant answer stands; empty if none")
    auto_feedback: str = Field(description='The tipster\'s "did it help?": `yes`, `no` or empty')
    created_at: datetime


class TipDetailOut(TipOut):
    text: str = Field(description="What the tipster wrote (reading it is audited)")
    images: int = Field(description="How many images came with it")


class TipPage(Schema):
    results: list[TipOut]
    next: str | None


class TipFilters(PageQuery):
    category: TipCategory | None = None
    state: TipState | None = None


def _member(request: HttpRequest) -> Member:
    return request.auth  # type: ignore[attr-defined]


def _tip_out(tip: Tip) -> dict[str, Any]:
    return {
        "id": tip.pk,
        "category": tip.category,
        "state": tip.state,
        "channel": tip.conversation.channel.kind,
        "claim_id": tip.claim_id,
        "answered_at": tip.answered_at,
        "forwarded_at": tip.forwarded_at,
        "closed_at": tip.closed_at,
        "auto_answer": tip.auto_state,
        "auto_feedback": tip.auto_feedback,
        "created_at": tip.created_at,
    }


@router.get(
    "/tips/",
    response={200: TipPage, **errors(403)},
    summary="Tips of the workspace, newest first (no tipster data, no text)",
)
def tips_list(request: HttpRequest, filters: Query[TipFilters]) -> dict[str, Any]:
    check_query(request, query_fields(TipFilters))
    member = _member(request)
    page = inbox_selectors.inbox_tips(
        workspace=member.workspace, user=member.user, category=filters.category or "", show="all"
    )
    tips = page.tips
    assert isinstance(tips, QuerySet)  # no search words: the queryset itself
    if filters.state:
        tips = tips.filter(state=filters.state)
    return paginate(tips, filters, _tip_out)


@router.get(
    "/tips/{tip_id}",
    response={200: TipDetailOut, **errors(403, 404)},
    summary="One tip with its text, as the inbox shows it (audited)",
)
def tips_get(request: HttpRequest, tip_id: Id) -> dict[str, Any]:
    check_query(request, ())
    member = _member(request)
    tip = inbox_selectors.tip_for_staff(workspace=member.workspace, user=member.user, tip_id=tip_id)
    if tip is None:
        raise Http404
    return {**_tip_out(tip), "text": tip.text, "images": tip.media.count()}
