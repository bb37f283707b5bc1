"""Reads of the staff inbox. Staff see senders by pseudonym only; every read of a tip's content
leaves an audit event ("tip.view")."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db.models import Count, Q, QuerySet

from kiemchung.accounts.models import Member, Workspace
from kiemchung.accounts.permissions import Action, require
from kiemchung.audit.services import audit_record
from kiemchung.claims import selectors as claims_selectors
from kiemchung.claims.models import Claim, ClaimState
from kiemchung.text.normalize import fold
from kiemchung.tipline.models import (
    AuthorityUnit,
    LegalAnswer,
    Message,
    ReplyTemplate,
    Tip,
    TipCategory,
    TipMedia,
    TipState,
)

OPEN_STATES = (TipState.NEW, TipState.IN_PROGRESS)
SHOWS: dict[str, tuple[str, ...] | None] = {
    "open": OPEN_STATES,
    "answered": (TipState.ANSWERED,),
    "forwarded": (TipState.FORWARDED,),
    "closed": (TipState.CLOSED,),
    "all": None,
    # Every tip the tipline answered by itself (or wants to), whatever its state.
    "auto": None,
}
# Search decrypts in memory; past this many tips it looks at the newest only.
SEARCH_MAX_TIPS = 5000
# How much of each tip's text the inbox shows, about.
PREVIEW_CHARS = 160
# How many claims the picker lists for a search.
CLAIM_CHOICES = 10
_CLAIM_NUMBER = re.compile(r"^\s*#?\s*(\d{1,12})\s*$")


def _member(workspace: Workspace, user: User) -> Member | None:
    return Member.objects.filter(workspace=workspace, user_id=user.pk).first()


def _listed(workspace: Workspace) -> QuerySet[Tip]:
    return Tip.objects.filter(workspace=workspace).select_related(
        "conversation__sender", "conversation__channel", "claim", "forwarded_to"
    )


def _words(text: str) -> list[str]:
    return fold(text).lower().split()


@dataclass(frozen=True)
class InboxPage:
    tips: Sequence[Tip] | QuerySet[Tip]
    searched: bool
    search_limited: bool


def inbox_tips(
    *,
    workspace: Workspace,
    user: User,
    category: str = "",
    show: str = "open",
    query: str = "",
) -> InboxPage:
    """The workspace's tips for the inbox, newest first, by category and state.

    A search (every word, accents optional, or a tracking code) decrypts the texts of the
    tips being filtered in memory; nothing searchable is stored in clear.
    """
    require(_member(workspace, user), Action.HANDLE_TIPS)
    tips = _listed(workspace)
    if category in TipCategory.values:
        tips = tips.filter(category=category)
    states = SHOWS.get(show, OPEN_STATES)
    if states is not None:
        tips = tips.filter(state__in=states)
    if show == "auto":
        tips = tips.exclude(auto_state="").select_related(
            "auto_factcheck__rating", "auto_factcheck__claim"
        )
    words = _words(query)
    if not words:
        return InboxPage(tips=tips, searched=False, search_limited=False)
    code = query.strip().upper()
    candidates = list(tips[: SEARCH_MAX_TIPS + 1])
    limited = len(candidates) > SEARCH_MAX_TIPS
    found = [
        tip
        for tip in candidates[:SEARCH_MAX_TIPS]
        if tip.tracking_code == code or all(w in fold(tip.text).lower() for w in words)
    ]
    return InboxPage(tips=found, searched=True, search_limited=limited)


def tip_preview(text: str, *, limit: int = PREVIEW_CHARS) -> str:
    """The start of a tip's text on one line, cut at a word near `limit` characters."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat.rfind(" ", 0, limit + 1)
    if cut < limit // 2:
        # One long word (a link): cut inside it rather than show nothing.
        cut = limit
    return flat[:cut].rstrip(" ,.;:-") + "…"


@dataclass(frozen=True)
class InboxRow:
    tip: Tip
    preview: str


def inbox_rows(tips: Iterable[Tip]) -> list[InboxRow]:
    """A page of the inbox, each tip with the start of its text (decrypted here, for the page
    only: nothing is stored or logged)."""
    return [InboxRow(tip=tip, preview=tip_preview(tip.text)) for tip in tips]


def open_counts(*, workspace: Workspace) -> dict[str, int]:
    """How many open tips each category has (for the inbox tabs)."""
    rows = (
        Tip.objects.filter(workspace=workspace, state__in=OPEN_STATES)
        .values("category")
        .annotate(n=Count("pk"))
    )
    counts = {category: 0 for category in TipCategory.values}
    for row in rows:
        counts[row["category"]] = row["n"]
    return counts


def auto_answer_counts(*, workspace: Workspace) -> dict[str, int]:
    """Automatic answers by where they stand, and how many the tipsters said did not help."""
    tips = Tip.objects.filter(workspace=workspace).exclude(auto_state="")
    counts = {row["auto_state"]: row["n"] for row in
              tips.values("auto_state").annotate(n=Count("pk"))}
    counts["not_helped"] = tips.filter(auto_feedback="no").count()
    counts["helped"] = tips.filter(auto_feedback="yes").count()
    return counts


def new_count(*, workspace: Workspace) -> int:
    """How many tips nobody has handled yet: all that staff notifications say."""
    return Tip.objects.filter(workspace=workspace, state=TipState.NEW).count()


def tip_for_staff(*, workspace: Workspace, user: User, tip_id: int) -> Tip | None:
    """A tip for a member who handles tips, audited as "tip.view"; None if not theirs."""
    tip = tip_to_act_on(workspace=workspace, user=user, tip_id=tip_id)
    if tip is not None:
        audit_record(workspace=workspace, actor=user, action="tip.view", obj=tip)
    return tip


def tip_to_act_on(*, workspace: Workspace, user: User, tip_id: int) -> Tip | None:
    """A tip for a member who handles tips, to act on without showing it (the action is
    audited by its service); None if not theirs."""
    require(_member(workspace, user), Action.HANDLE_TIPS)
    return (
        _listed(workspace)
        .select_related("conversation__taken_over_by", "assignee", "forwarded_by")
        .filter(pk=tip_id)
        .first()
    )


def tip_media_for_staff(
    *, workspace: Workspace, user: User, tip_id: int, media_id: int
) -> TipMedia | None:
    """An image of a tip, for a member who handles tips; audited like the tip."""
    require(_member(workspace, user), Action.HANDLE_TIPS)
    media = (
        TipMedia.objects.select_related("tip")
        .filter(pk=media_id, tip_id=tip_id, tip__workspace=workspace)
        .first()
    )
    if media is not None:
        audit_record(
            workspace=workspace,
            actor=user,
            action="tip.media.view",
            obj=media.tip,
            after={"media": media.pk},
        )
    return media


def tip_lines(*, tip: Tip) -> QuerySet[Message]:
    """The messages of a tip, in and out, oldest first, each outgoing one with its Delivery."""
    return Message.objects.filter(tip=tip).select_related("delivery", "author")


def reply_templates(*, workspace: Workspace, category: str = "") -> QuerySet[ReplyTemplate]:
    """The workspace's active templates for a category of tip (and those for any category)."""
    templates = ReplyTemplate.objects.filter(workspace=workspace, is_active=True)
    if category:
        templates = templates.filter(Q(category=category) | Q(category=""))
    return templates


def all_reply_templates(*, workspace: Workspace) -> QuerySet[ReplyTemplate]:
    return ReplyTemplate.objects.filter(workspace=workspace)


def legal_answers(*, workspace: Workspace) -> QuerySet[LegalAnswer]:
    return LegalAnswer.objects.filter(workspace=workspace).select_related("created_by")


def claims_to_attach(
    *, workspace: Workspace, query: str, leave_out: Collection[int] = (), limit: int = CLAIM_CHOICES
) -> list[Claim]:
    """Claims of the workspace a tip may be attached to whose text has every word of `query`
    (accents optional), newest activity first; a number (42, #42) finds that claim.

    Dismissed claims and claims merged into another are not offered; nor are `leave_out`.
    """
    if not query.strip():
        return []

    def attachable(claims: QuerySet[Claim]) -> QuerySet[Claim]:
        claims = claims.filter(merged_into__isnull=True).exclude(state=ClaimState.DISMISSED)
        return claims.exclude(pk__in=list(leave_out))

    found: list[Claim] = []
    number = _CLAIM_NUMBER.match(query)
    if number:
        found = list(attachable(Claim.objects.filter(workspace=workspace, pk=int(number.group(1)))))
    by_words = attachable(claims_selectors.claim_list(workspace=workspace, q=query))
    found += [claim for claim in by_words[:limit] if claim not in found]
    return found[:limit]


def claim_of_workspace(*, workspace: Workspace, pk: int) -> Claim | None:
    """A claim of the workspace a tip may be attached to, by its number."""
    return Claim.objects.filter(workspace=workspace, pk=pk).select_related("merged_into").first()


def authority_units(*, workspace: Workspace, active_only: bool = False) -> QuerySet[AuthorityUnit]:
    units = AuthorityUnit.objects.filter(workspace=workspace)
    return units.filter(is_active=True) if active_only else units
