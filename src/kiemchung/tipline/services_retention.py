"""Tipline deletions: a tip on request (by the tipster or the flow) and what is past its
retention time. The caller owns the transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from kiemchung.accounts.models import Workspace
from kiemchung.tipline.models import (
    Conversation,
    InboundMessage,
    InboundState,
    Message,
    Sender,
    Tip,
    TipMedia,
    TipState,
)
from kiemchung.tipline.services_inbound import inbound_requeue_stuck


def tip_delete(*, tip: Tip) -> None:
    """Delete a tip with its messages, images and subscriptions (files go with the rows)."""
    tip.delete()


def tip_delete_by_code(*, workspace: Workspace, code: str) -> bool:
    """The tipster's own deletion from the web page, by tracking code; whether one was found."""
    tip = Tip.objects.filter(workspace=workspace, tracking_code=code.upper()).first()
    if tip is None:
        return False
    tip_delete(tip=tip)
    return True


@dataclass
class RetentionResult:
    tips: int = 0
    media: int = 0
    messages: int = 0
    inbound: int = 0
    conversations: int = 0
    requeued: int = 0


def retention_run(*, now: datetime | None = None) -> RetentionResult:
    """Delete what is past its time: closed tips (with messages and images), old raw rows,
    and conversations left with nothing in them; put stuck raw rows back in the queue."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.TIP_RETENTION_DAYS)
    result = RetentionResult()
    expired = Tip.objects.filter(state=TipState.CLOSED, closed_at__lt=cutoff)
    result.media = TipMedia.objects.filter(tip__in=expired).count()
    result.messages = Message.objects.filter(tip__in=expired).count()
    result.tips = expired.count()
    # One by one, so each image file goes with its row (post_delete).
    for media in TipMedia.objects.filter(tip__in=expired).iterator():
        media.delete()
    expired.delete()
    # Lines not tied to a tip (menu choices, greetings) go after the same time.
    stale_messages = Message.objects.filter(tip__isnull=True, created_at__lt=cutoff)
    result.messages += stale_messages.delete()[0]
    # Raw rows are kept only as long as a platform may still retry (their ids stop duplicates).
    raw_cutoff = now - timedelta(hours=settings.TIPLINE_REPLAY_WINDOW_HOURS + 24)
    result.inbound = InboundMessage.objects.filter(
        created_at__lt=raw_cutoff
    ).exclude(state=InboundState.QUEUED).delete()[0]
    empty = Conversation.objects.filter(
        tips__isnull=True, messages__isnull=True, updated_at__lt=cutoff
    )
    result.conversations = empty.delete()[0]
    Sender.objects.filter(conversations__isnull=True, blocked_at__isnull=True).filter(
        updated_at__lt=cutoff
    ).delete()
    result.requeued = inbound_requeue_stuck(older_than=now - timedelta(minutes=10))
    return result

