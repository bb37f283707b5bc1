"""Tipline reads. Every read of a tip's content by staff leaves an audit event; the
workspace-wide querysets at the end are for counting, not for showing content."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, TypeAlias

from django.db.models import F, QuerySet
from django.utils import timezone

from kiemchung.accounts.models import Member, Workspace
from kiemchung.accounts.permissions import Action
from kiemchung.accounts.selectors import member_acting
from kiemchung.audit.services import audit_record
from kiemchung.tipline.models import (
    AutoAnswerState,
    Channel,
    ChannelKind,
    Conversation,
    InboundMessage,
    Message,
    MessageDirection,
    Tip,
    TipCategory,
    TipState,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

    Actor: TypeAlias = User | AnonymousUser

# The kinds and states are re-exported so that other apps filter and label by them without
# importing the tipline's models.
__all__ = [
    "AutoAnswerState", "ChannelKind", "MessageDirection", "PublicReply", "TipCategory",
    "TipState", "conversation_for_staff", "conversation_messages", "member_replies_on",
    "public_channels", "public_replies", "replies_in", "tip_by_code", "tips_in_workspace",
    "web_channel", "webhooks_stored_in_burst",
]


def _staff(workspace: Workspace, user: Actor) -> Member:
    """The user's membership, once the matrix lets them handle tips (else PermissionDenied)."""
    return member_acting(actor=user, workspace_id=workspace.pk, action=Action.HANDLE_TIPS)


def conversation_for_staff(
    *, workspace: Workspace, user: Actor, conversation_id: int
) -> Conversation | None:
    """A conversation for a member who handles tips, audited as read; None if absent."""
    member = _staff(workspace, user)
    conversation = (
        Conversation.objects.select_related("sender", "channel", "taken_over_by")
        .filter(workspace=workspace, pk=conversation_id)
        .first()
    )
    if conversation is not None:
        audit_record(
            workspace=workspace,
            actor=member.user,
            action="conversation.view",
            obj=conversation,
        )
    return conversation


def conversation_messages(*, conversation: Conversation) -> QuerySet[Message]:
    """The lines of a conversation, oldest first, with each outgoing line's Delivery."""
    return Message.objects.filter(conversation=conversation).select_related("delivery", "author")


def tip_by_code(*, workspace: Workspace, code: str) -> Tip | None:
    return (
        Tip.objects.select_related("forwarded_to")
        .filter(workspace=workspace, tracking_code=code.strip().upper())
        .first()
    )


@dataclass(frozen=True)
class PublicReply:
    """One answer on a tip as its status page shows it: by the team or automatic, never by
    whom."""

    sent_at: datetime
    text: str
    by_team: bool


def public_replies(*, tip: Tip) -> list[PublicReply]:
    """What the team and the bot answered on a tip, oldest first, for its status page (web
    tips have no other way to receive it; a chat tipster may have missed a message)."""
    return [
        PublicReply(sent_at=message.created_at, text=message.text, by_team=not message.from_bot)
        for message in Message.objects.filter(tip=tip, direction=MessageDirection.OUT).order_by(
            "created_at", "id"
        )
    ]


def web_channel(*, workspace_slug: str) -> Channel | None:
    """The workspace's active web form channel, if it has one."""
    return (
        Channel.objects.select_related("workspace")
        .filter(workspace__slug=workspace_slug, kind=ChannelKind.WEB, is_active=True)
        .first()
    )


def public_channels(*, workspace: Workspace) -> QuerySet[Channel]:
    return Channel.objects.filter(workspace=workspace, is_active=True).order_by("kind", "id")


def webhooks_stored_in_burst(window_seconds: float) -> bool:
    """Whether webhook rows were stored at burst rate (`pressure.BURST_PER_SECOND`) over the
    last `window_seconds`: the newest rows, by primary key, are that recent."""
    from kiemchung.core.pressure import BURST_PER_SECOND

    enough = max(1, int(BURST_PER_SECOND * window_seconds))
    oldest_of_newest = (
        InboundMessage.objects.order_by("-pk").values_list("created_at", flat=True)[
            enough - 1 : enough
        ]
    )
    since = timezone.now() - timedelta(seconds=window_seconds)
    return any(created >= since for created in oldest_of_newest)


def tips_in_workspace(
    *, workspace: Workspace, since: datetime | None = None, until: datetime | None = None
) -> QuerySet[Tip]:
    """The workspace's tips in any state, received from `since` (included) until `until`
    (excluded) when given."""
    tips = Tip.objects.all()
    # The dates are written before the workspace: SQLite tests a row's conditions in the order
    # written, and a window of dates rules out more rows than the workspace does.
    if since is not None:
        tips = tips.filter(created_at__gte=since)
    if until is not None:
        tips = tips.filter(created_at__lt=until)
    return tips.filter(workspace=workspace)


def replies_in(*, workspace: Workspace) -> QuerySet[Message]:
    """Every message the workspace sent to tipsters, by a member or automatic."""
    return Message.objects.filter(conversation__workspace=workspace, direction=MessageDirection.OUT)


def member_replies_on(*, tip: Tip | int | F) -> QuerySet[Message]:
    """The messages members wrote on one tip, automatic answers aside; `tip` may be an
    `OuterRef` to the tips of an outer query."""
    return Message.objects.filter(tip=tip, direction=MessageDirection.OUT, author__isnull=False)
