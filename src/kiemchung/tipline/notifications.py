"""What the tipline sends on its own initiative: verdicts to the tipsters waiting for them, and
any message outside a reply, within each platform's messaging window.

A subscription waits for the verdict on a claim (or, without a claim, for staff to attach its
tip to one). When the verdict is published, or when a tip is attached to a claim already
published, the subscriber is sent it once. A message the platform no longer allows is still
recorded, with a skipped Delivery saying why, so staff see it and the status page can show it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kiemchung.claims.models import FactCheck, FactCheckState
from kiemchung.core.models import Delivery, DeliveryStatus
from kiemchung.tipline import services
from kiemchung.tipline.models import (
    ChannelKind,
    Conversation,
    Message,
    MessageDirection,
    Subscription,
    Tip,
    TipState,
)

MESSENGER_WINDOW = timedelta(hours=24)


# Texts


def factcheck_url(factcheck: FactCheck) -> str:
    """The public address of a published fact-check."""
    path = reverse(
        "publishing:factcheck_detail",
        kwargs={
            "workspace_slug": factcheck.claim.workspace.slug,
            "pk": factcheck.pk,
            "slug": factcheck.slug or "-",
        },
    )
    return f"{settings.SITE_URL}{path}"


def verdict_text(factcheck: FactCheck) -> str:
    """The verdict as a tipster reads it in a chat: title, rating, summary, link."""
    lines = [f"«{factcheck.title or factcheck.claim.text}»"]
    if factcheck.rating is not None:
        lines.append(_("Kết luận: %(rating)s") % {"rating": factcheck.rating.label})
    if factcheck.summary.strip():
        lines.append(factcheck.summary.strip())
    lines.append(_("Đọc bài kiểm chứng: %(url)s") % {"url": factcheck_url(factcheck)})
    return "\n".join(lines)


def reading_text(factcheck: FactCheck) -> str:
    """A related fact-check as reading: its title and link, never its rating, which belongs to
    another claim."""
    return "\n".join([
        f"«{factcheck.title or factcheck.claim.text}»",
        _("Đọc bài: %(url)s") % {"url": factcheck_url(factcheck)},
    ])


# Messaging windows


def reply_window(kind: str) -> timedelta | None:
    """How long after the person's last message the platform lets us write; None: no limit."""
    if kind == ChannelKind.MESSENGER:
        return MESSENGER_WINDOW
    if kind == ChannelKind.ZALO:
        return timedelta(hours=settings.TIPLINE_ZALO_WINDOW_HOURS)
    return None


def outside_window(conversation: Conversation, *, now: datetime | None = None) -> str:
    """Why a message cannot be sent to this conversation now, or "" when it can."""
    window = reply_window(conversation.channel.kind)
    if window is None:
        return ""
    now = now or timezone.now()
    last = conversation.last_inbound_at
    if last is not None and now - last <= window:
        return ""
    hours = int(window.total_seconds() // 3600)
    if conversation.channel.kind == ChannelKind.MESSENGER:
        return _(
            "Ngoài khung 24 giờ của Messenger: người gửi nhắn lần cuối hơn 24 giờ trước, nên "
            "không được gửi tin cho họ."
        )
    return _(
        "Ngoài khung trả lời miễn phí %(hours)d giờ của Zalo OA: người gửi nhắn lần cuối "
        "quá thời hạn đó."
    ) % {"hours": hours}


def _message_skipped(
    *,
    conversation: Conversation,
    tip: Tip | None,
    text: str,
    reason: str,
    author: User | None = None,
) -> Message:
    """Record a message that will not be sent, with a skipped Delivery saying why."""
    message = Message(
        conversation=conversation,
        direction=MessageDirection.OUT,
        tip=tip,
        author=author if author is not None and author.is_authenticated else None,
    )
    message.text = text
    message.save()
    delivery = Delivery.objects.create(
        workspace_id=conversation.workspace_id,
        adapter=services.DELIVERY_ADAPTER_PREFIX + conversation.channel.kind,
        key=f"tipline-message:{message.pk}",
        subject_type="tipline.message",
        subject_id=str(message.pk),
        target=f"tipline.conversation:{conversation.pk}",
        status=DeliveryStatus.SKIPPED,
        error=reason[:2000],
    )
    Message.objects.filter(pk=message.pk).update(delivery=delivery)
    message.delivery = delivery
    return message


def notice_send(
    *,
    conversation: Conversation,
    tip: Tip | None,
    text: str,
    author: User | None = None,
) -> list[Message]:
    """Send a message unless the platform's messaging window has closed; then record it as
    not sent, with the reason, so staff see it and the status page can still show it."""
    reason = outside_window(conversation)
    if reason:
        return [
            _message_skipped(
                conversation=conversation, tip=tip, text=text, reason=reason, author=author
            )
        ]
    return services.reply_send(conversation=conversation, text=text, tip=tip, author=author)


# Subscriptions and notifications


def subscription_add(*, tip: Tip) -> Subscription:
    """The tipster waits for the verdict on the tip's claim (on its future claim if none yet)."""
    existing = Subscription.objects.filter(tip=tip).first()
    if existing is not None:
        return existing
    claim_id = tip.claim_id
    if claim_id is None:
        return Subscription.objects.create(
            workspace_id=tip.workspace_id, conversation_id=tip.conversation_id, tip=tip
        )
    same = Subscription.objects.filter(
        conversation_id=tip.conversation_id, claim_id=claim_id
    ).first()
    if same is not None:
        return same
    try:
        with transaction.atomic():
            subscription = Subscription.objects.create(
                workspace_id=tip.workspace_id,
                conversation_id=tip.conversation_id,
                tip=tip,
                claim_id=claim_id,
            )
    except IntegrityError:
        # The same conversation subscribed to this claim a moment ago through another tip.
        return Subscription.objects.get(conversation_id=tip.conversation_id, claim_id=claim_id)
    published = _published_factcheck(claim_id)
    if published is not None:
        subscription_notify(subscription=subscription, factcheck=published)
    return subscription


def subscriptions_follow_tip(*, tip: Tip) -> None:
    """The tip now has a claim: its waiting subscription follows that claim.

    When the claim already has a published verdict, it is sent now.
    """
    claim_id = tip.claim_id
    if claim_id is None:
        return
    for subscription in Subscription.objects.select_for_update().filter(
        tip=tip, notified_at__isnull=True
    ):
        if subscription.claim_id == claim_id:
            continue
        duplicate = Subscription.objects.filter(
            conversation_id=subscription.conversation_id, claim_id=claim_id
        ).exclude(pk=subscription.pk)
        if duplicate.exists():
            # The tipster already waits for this claim's verdict through another tip.
            subscription.delete()
            continue
        subscription.claim_id = claim_id
        subscription.save(update_fields=["claim", "updated_at"])
        published = _published_factcheck(claim_id)
        if published is not None:
            subscription_notify(subscription=subscription, factcheck=published)


def _published_factcheck(claim_id: int) -> FactCheck | None:
    factcheck = (
        FactCheck.objects.select_related("claim__workspace", "rating")
        .filter(claim_id=claim_id, state=FactCheckState.PUBLISHED, published_at__isnull=False)
        .first()
    )
    return factcheck


def notification_text(*, tip: Tip | None, factcheck: FactCheck) -> str:
    if tip is not None:
        first = _("Đã có kết luận về tin %(code)s bạn gửi:") % {"code": tip.tracking_code}
    else:
        first = _("Đã có kết luận về thông tin bạn theo dõi:")
    return first + "\n" + verdict_text(factcheck)


def subscription_notify(*, subscription: Subscription, factcheck: FactCheck) -> list[Message]:
    """Send one subscriber the verdict (or record why it could not be sent); once only."""
    locked = Subscription.objects.select_for_update().filter(
        pk=subscription.pk, notified_at__isnull=True
    )
    current = locked.select_related("conversation__channel", "tip").first()
    if current is None:
        return []
    conversation = current.conversation
    tip = current.tip
    sent = notice_send(
        conversation=conversation,
        tip=tip,
        text=notification_text(tip=tip, factcheck=factcheck),
    )
    current.notified_at = timezone.now()
    current.delivery = sent[-1].delivery
    current.save(update_fields=["notified_at", "delivery", "updated_at"])
    if tip is not None and tip.state in (TipState.NEW, TipState.IN_PROGRESS):
        tip.state = TipState.ANSWERED
        tip.answered_at = current.notified_at
        tip.save(update_fields=["state", "answered_at", "updated_at"])
    return sent


def verdict_notify(*, factcheck_id: int) -> int:
    """Notify every subscriber of a newly published verdict; how many were handled.

    Run by a task enqueued when the fact-check is published. Subscriptions of tips attached
    to the claim after it was published are notified when they are attached.
    """
    factcheck = (
        FactCheck.objects.select_related("claim__workspace", "rating")
        .filter(pk=factcheck_id)
        .first()
    )
    if factcheck is None or not factcheck.is_published:
        return 0
    handled = 0
    waiting = list(
        Subscription.objects.filter(claim_id=factcheck.claim_id, notified_at__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for pk in waiting:
        # One transaction each: a failure on one subscriber does not undo the others.
        with transaction.atomic():
            subscription = Subscription.objects.filter(pk=pk).first()
            if subscription is not None and subscription_notify(
                subscription=subscription, factcheck=factcheck
            ):
                handled += 1
    return handled
