"""Tipline reads. Every read of a tip's content by staff leaves an audit event."""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import QuerySet

from kiemchung.accounts.models import Member, Workspace
from kiemchung.accounts.permissions import Action, require
from kiemchung.audit.services import audit_record
from kiemchung.tipline.models import (
    Channel,
    ChannelKind,
    Conversation,
    Message,
    Tip,
    TipState,
)


def _member(workspace: Workspace, user: AbstractBaseUser) -> Member | None:
    return Member.objects.filter(workspace=workspace, user_id=user.pk).first()


def tip_for_staff(*, workspace: Workspace, user: AbstractBaseUser, tip_id: int) -> Tip | None:
    """A tip of the workspace for a member who handles tips, audited as read; None if absent."""
    require(_member(workspace, user), Action.HANDLE_TIPS)
    tip = (
        Tip.objects.select_related("conversation__sender", "conversation__channel")
        .filter(workspace=workspace, pk=tip_id)
        .first()
    )
    if tip is not None:
        audit_record(workspace=workspace, actor=user, action="tipline.tip.view", obj=tip)
    return tip


def conversation_for_staff(
    *, workspace: Workspace, user: AbstractBaseUser, conversation_id: int
) -> Conversation | None:
    """A conversation for a member who handles tips, audited as read; None if absent."""
    require(_member(workspace, user), Action.HANDLE_TIPS)
    conversation = (
        Conversation.objects.select_related("sender", "channel", "taken_over_by")
        .filter(workspace=workspace, pk=conversation_id)
        .first()
    )
    if conversation is not None:
        audit_record(
            workspace=workspace, actor=user, action="tipline.conversation.view", obj=conversation
        )
    return conversation


def conversation_messages(*, conversation: Conversation) -> QuerySet[Message]:
    """The lines of a conversation, oldest first, with each outgoing line's Delivery."""
    return Message.objects.filter(conversation=conversation).select_related("delivery", "author")


def tips_for_staff(*, workspace: Workspace, user: AbstractBaseUser) -> QuerySet[Tip]:
    """The workspace's tips, newest first, for listing (no text is decrypted here)."""
    require(_member(workspace, user), Action.HANDLE_TIPS)
    return Tip.objects.filter(workspace=workspace).select_related(
        "conversation__sender", "conversation__channel"
    )


def new_tip_count(*, workspace: Workspace) -> int:
    """How many tips nobody has handled yet: the only thing staff notifications say."""
    return Tip.objects.filter(workspace=workspace, state=TipState.NEW).count()


def tip_by_code(*, workspace: Workspace, code: str) -> Tip | None:
    return Tip.objects.filter(workspace=workspace, tracking_code=code.strip().upper()).first()


def web_channel(*, workspace_slug: str) -> Channel | None:
    """The workspace's active web form channel, if it has one."""
    return (
        Channel.objects.select_related("workspace")
        .filter(workspace__slug=workspace_slug, kind=ChannelKind.WEB, is_active=True)
        .first()
    )


def public_channels(*, workspace: Workspace) -> QuerySet[Channel]:
    return Channel.objects.filter(workspace=workspace, is_active=True).order_by("kind", "id")
