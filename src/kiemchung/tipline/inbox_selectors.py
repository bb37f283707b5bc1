"""Reads of the staff inbox. Staff see senders by pseudonym only; every read of a tip's content
leaves an audit event ("tip.view")."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db.models import Count, Q, QuerySet

from kiemchung.accounts.models import Member, Workspace
from kiemchung.accounts.permissions import Action, require
from kiemchung.audit.services import audit_record
from kiemchung.claims.models import Claim
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


def claim_of_workspace(*, workspace: Workspace, pk: int) -> Claim | None:
    """A claim of the workspace a tip may be attached to, by its number."""
    return Claim.objects.filter(workspace=workspace, pk=pk).select_related("merged_into").first()


def authority_units(*, workspace: Workspace, active_only: bool = False) -> QuerySet[AuthorityUnit]:
    units = AuthorityUnit.objects.filter(workspace=workspace)
    return units.filter(is_active=True) if active_only else units
