"""Tipline writes: accepting webhooks, senders and conversations, tips, replies and their
deliveries, takeover, blocking, deletion and retention. The caller owns the transaction."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeAlias

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kiemchung.accounts.models import Member, Workspace
from kiemchung.accounts.permissions import Action, require
from kiemchung.audit.services import audit_record
from kiemchung.core.crypto import encrypt
from kiemchung.core.models import Delivery, DeliveryStatus
from kiemchung.core.tasks import enqueue_on_commit
from kiemchung.tipline import privacy
from kiemchung.tipline.channels.base import ChannelError, InboundEvent
from kiemchung.tipline.channels.registry import adapter_for
from kiemchung.tipline.images import CleanImage
from kiemchung.tipline.models import (
    Channel,
    ChannelKind,
    Conversation,
    ConversationMode,
    FlowStep,
    InboundMessage,
    InboundState,
    Message,
    MessageDirection,
    Sender,
    Tip,
    TipCategory,
    TipMedia,
    TipState,
    tracking_code_new,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

    Actor: TypeAlias = User | AnonymousUser

DELIVERY_ADAPTER_PREFIX = "tipline-"
NOTIFY_BUCKET_SECONDS = 15 * 60


def channel_credentials_set(*, channel: Channel, values: dict[str, str]) -> Channel:
    """Store a channel's secrets (merged with those it has), encrypted."""
    from kiemchung.tipline.channels.registry import _credentials

    current = dict(_credentials(channel.pk, channel.credentials_enc))
    current.update({k: v for k, v in values.items() if v})
    channel.credentials_enc = encrypt(json.dumps(current))
    channel.save(update_fields=["credentials_enc", "updated_at"])
    return channel


def channel_rejection_count(*, channel: Channel) -> None:
    """One more request refused for a bad signature (the body is not kept)."""
    Channel.objects.filter(pk=channel.pk).update(
        rejected_requests=F("rejected_requests") + 1, last_rejected_at=timezone.now()
    )


@dataclass
class Accepted:
    """What a webhook call did: new rows, duplicates of earlier ones, events left out."""

    stored: int = 0
    duplicates: int = 0
    dropped: int = 0


def _insert_inbound(
    *, channel: Channel, external_id: str, hash_hex: str, body_enc: str
) -> int | None:
    """Insert the raw row unless the platform message id is already there; the new id or None.

    One statement either way (INSERT ... ON CONFLICT DO NOTHING RETURNING, on SQLite and
    PostgreSQL alike), so a duplicate costs no exception and no second query.
    """
    table = InboundMessage._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} "  # noqa: S608 (the table name is the model's own)
            "(workspace_id, channel_id, external_id, sender_hash, body_enc, state, created_at) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s) "
            "ON CONFLICT (channel_id, external_id) DO NOTHING RETURNING id",
            [
                channel.workspace_id,
                channel.pk,
                external_id,
                hash_hex,
                body_enc,
                InboundState.QUEUED,
                timezone.now(),
            ],
        )
        row = cursor.fetchone()
    return int(row[0]) if row else None


# A burst of webhooks on one channel enqueues one drain task per this many seconds, not one
# task per message: the webhook then costs a single insert.
DRAIN_GATE_SECONDS = 1.0


def _drain_gate(channel_id: int) -> str:
    return f"tipline:drain:{channel_id}"


def inbound_drain_gate_release(channel_id: int) -> None:
    """Open the channel's enqueue gate: the next stored webhook enqueues a drain of its own."""
    cache.delete(_drain_gate(channel_id))


def inbound_drain_soon(channel_id: int, *, delay_seconds: float = 0.0) -> None:
    """After commit, make sure a drain task will read the channel's queued rows."""
    from kiemchung.tipline.tasks import inbound_drain

    task: Any = inbound_drain
    deferrable = task.get_backend().supports_defer

    def enqueue() -> None:
        if delay_seconds > 0 and deferrable:
            when = timezone.now() + timedelta(seconds=delay_seconds)
            task.using(run_after=when).enqueue(channel_id, int(when.timestamp() * 1000))
            return
        # A queue that runs tasks inline (tests) drains at once, every time.
        if not deferrable or cache.add(_drain_gate(channel_id), 1, timeout=DRAIN_GATE_SECONDS):
            task.enqueue(channel_id, int(time.time() * 1000))

    transaction.on_commit(enqueue)


def inbound_accept(*, channel: Channel, events: Sequence[InboundEvent]) -> Accepted:
    """Store each event once (by platform message id); blocked senders are dropped, senders
    over the rate are held back until their next window. A drain task processes the rows."""
    result = Accepted()
    blocked = privacy.blocked_hashes(channel.workspace_id)
    for event in events:
        hash_hex = privacy.sender_hash(channel.kind, event.platform_user_id)
        if hash_hex in blocked:
            result.dropped += 1
            continue
        inbound_id = _insert_inbound(
            channel=channel,
            external_id=event.external_id[:191],
            hash_hex=hash_hex,
            body_enc=encrypt(event.as_json()),
        )
        if inbound_id is None:
            result.duplicates += 1
            continue
        result.stored += 1
        rate = privacy.sender_rate_hit(channel.workspace_id, hash_hex)
        if rate.over_limit:
            delay = privacy.slowed_delay_seconds(rate)
            privacy.inbound_hold(inbound_id, time.time() + delay)
            if cache.add(f"tipline:slow-drain:{channel.pk}:{int(delay)}", 1, timeout=60):
                inbound_drain_soon(channel.pk, delay_seconds=delay + 0.5)
    if result.stored:
        inbound_drain_soon(channel.pk)
    return result


def sender_for_hash(*, workspace: Workspace, hash_hex: str) -> Sender:
    """The sender with this hash, created with the first free pseudonym on first contact."""
    existing = Sender.objects.filter(workspace=workspace, sender_hash=hash_hex).first()
    if existing is not None:
        return existing
    taken = set(Sender.objects.filter(workspace=workspace).values_list("pseudonym", flat=True))
    for number in privacy.pseudonym_candidates(hash_hex):
        if number in taken:
            continue
        try:
            with transaction.atomic():
                return Sender.objects.create(
                    workspace=workspace, sender_hash=hash_hex, pseudonym=number
                )
        except IntegrityError:
            # Another worker created this sender, or took this number, a moment ago.
            existing = Sender.objects.filter(workspace=workspace, sender_hash=hash_hex).first()
            if existing is not None:
                return existing
    raise RuntimeError("no pseudonym left in this workspace")


def conversation_for(*, channel: Channel, sender: Sender) -> Conversation:
    conversation = Conversation.objects.filter(channel=channel, sender=sender).first()
    if conversation is not None:
        return conversation
    try:
        with transaction.atomic():
            return Conversation.objects.create(
                workspace_id=channel.workspace_id, channel=channel, sender=sender
            )
    except IntegrityError:
        return Conversation.objects.get(channel=channel, sender=sender)


def message_record_in(
    *, conversation: Conversation, text: str, inbound: InboundMessage | None = None
) -> Message:
    message = Message(
        conversation=conversation, direction=MessageDirection.IN, inbound=inbound
    )
    message.text = text
    message.save()
    return message


def tip_create(
    *,
    conversation: Conversation,
    category: str,
    text: str,
    inbound: InboundMessage | None = None,
    message: Message | None = None,
) -> Tip:
    """A new tip with a fresh tracking code; a check request is handed to the matcher."""
    for _attempt in range(20):
        tip = Tip(
            workspace_id=conversation.workspace_id,
            conversation=conversation,
            tracking_code=tracking_code_new(),
            category=category,
            inbound=inbound,
        )
        tip.text = text
        try:
            with transaction.atomic():
                tip.save()
            break
        except IntegrityError:
            continue
    else:
        raise RuntimeError("could not find a free tracking code")
    if message is not None:
        Message.objects.filter(pk=message.pk).update(tip=tip)
    if category == TipCategory.CHECK:
        from kiemchung.tipline.tasks import tip_match

        enqueue_on_commit(tip_match, tip.pk)
    staff_notify_soon(workspace_id=conversation.workspace_id)
    return tip


def _split(text: str, limit: int) -> list[str]:
    """Text cut into parts no longer than `limit`, at line or word breaks where possible."""
    parts: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        cut = rest.rfind("\n", 0, limit)
        if cut < limit // 2:
            cut = rest.rfind(" ", 0, limit)
        if cut < limit // 2:
            cut = limit
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        parts.append(rest)
    return parts


def reply_send(
    *,
    conversation: Conversation,
    text: str,
    buttons: Sequence[tuple[str, str]] = (),
    author: Actor | None = None,
    tip: Tip | None = None,
) -> list[Message]:
    """Queue a reply: one Message and one Delivery per part the platform's limit allows."""
    adapter = adapter_for(conversation.channel)
    parts = _split(text, adapter.max_text) or [""]
    messages: list[Message] = []
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        message = Message(
            conversation=conversation,
            direction=MessageDirection.OUT,
            author_id=author.pk if author is not None and author.is_authenticated else None,
            tip=tip,
            buttons=[list(b) for b in buttons] if last else [],
        )
        message.text = part
        message.save()
        delivery = Delivery.objects.create(
            workspace_id=conversation.workspace_id,
            adapter=DELIVERY_ADAPTER_PREFIX + conversation.channel.kind,
            key=f"tipline-message:{message.pk}",
            subject_type="tipline.message",
            subject_id=str(message.pk),
            target=f"tipline.conversation:{conversation.pk}",
        )
        Message.objects.filter(pk=message.pk).update(delivery=delivery)
        message.delivery = delivery
        messages.append(message)
        if conversation.channel.kind == ChannelKind.WEB:
            # Nobody to send to: the row says so, and staff see why.
            _delivery_refused(delivery, adapter_for(conversation.channel), message)
            continue
        from kiemchung.tipline.tasks import message_deliver

        enqueue_on_commit(message_deliver, message.pk)
    return messages


def _delivery_refused(delivery: Delivery, adapter: Any, message: Message) -> None:
    try:
        adapter.send(address="", text="", buttons=[], last_inbound_at=None)
    except ChannelError as exc:
        delivery.status = DeliveryStatus.SKIPPED
        delivery.error = exc.message
        delivery.save(update_fields=["status", "error", "updated_at"])


def message_deliver(*, message_id: int, last_attempt: bool) -> str:
    """Send one queued outgoing message through its channel's adapter; the Delivery's status.

    Raises ChannelError (retryable) when a later try may work and tries remain.
    """
    message = (
        Message.objects.select_related("conversation__channel", "delivery")
        .filter(pk=message_id)
        .first()
    )
    if message is None or message.delivery is None:
        return "gone"
    delivery = message.delivery
    if delivery.status in (DeliveryStatus.SENT, DeliveryStatus.SKIPPED, DeliveryStatus.FAILED):
        return str(delivery.status)
    conversation = message.conversation
    adapter = adapter_for(conversation.channel)
    delivery.attempts += 1
    try:
        external_id = adapter.send(
            address=conversation.reply_address,
            text=message.text,
            buttons=[list(b) for b in message.buttons],
            last_inbound_at=conversation.last_inbound_at,
        )
    except ChannelError as exc:
        delivery.error = exc.message[:2000]
        if exc.retryable and not last_attempt:
            delivery.status = DeliveryStatus.RETRYING
            delivery.save(update_fields=["attempts", "error", "status", "updated_at"])
            raise
        delivery.status = DeliveryStatus.FAILED if exc.retryable else DeliveryStatus.SKIPPED
        delivery.save(update_fields=["attempts", "error", "status", "updated_at"])
        return str(delivery.status)
    delivery.status = DeliveryStatus.SENT
    delivery.external_id = external_id[:200]
    delivery.sent_at = timezone.now()
    delivery.error = ""
    delivery.save(
        update_fields=["attempts", "status", "external_id", "sent_at", "error", "updated_at"]
    )
    return str(delivery.status)


def tips_of_sender(*, conversation: Conversation) -> Any:
    """Tips this sender sent on any channel of the workspace."""
    return Tip.objects.filter(
        workspace_id=conversation.workspace_id, conversation__sender_id=conversation.sender_id
    )


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


def _staff(workspace_id: int, actor: Actor) -> Member:
    """The actor's membership, once the matrix lets them handle tips (else PermissionDenied)."""
    member = (
        Member.objects.select_related("user")
        .filter(workspace_id=workspace_id, user_id=actor.pk)
        .first()
        if actor.is_authenticated
        else None
    )
    require(member, Action.HANDLE_TIPS)
    assert member is not None
    return member


def conversation_take_over(*, conversation: Conversation, actor: Actor) -> Conversation:
    """A staff member chats directly; the bot stays silent until the conversation is released."""
    member = _staff(conversation.workspace_id, actor)
    conversation.mode = ConversationMode.HUMAN
    conversation.taken_over_by_id = actor.pk
    conversation.taken_over_at = timezone.now()
    conversation.save(update_fields=["mode", "taken_over_by", "taken_over_at", "updated_at"])
    audit_record(
        workspace=conversation.workspace,
        actor=member.user,
        action="tipline.conversation.take_over",
        obj=conversation,
    )
    return conversation


def conversation_release(*, conversation: Conversation, actor: Actor) -> Conversation:
    """Hand the conversation back to the bot."""
    member = _staff(conversation.workspace_id, actor)
    conversation.mode = ConversationMode.BOT
    conversation.taken_over_by = None
    conversation.taken_over_at = None
    conversation.flow_step = FlowStep.IDLE
    conversation.save(
        update_fields=["mode", "taken_over_by", "taken_over_at", "flow_step", "updated_at"]
    )
    audit_record(
        workspace=conversation.workspace,
        actor=member.user,
        action="tipline.conversation.release",
        obj=conversation,
    )
    return conversation


def staff_reply(
    *, conversation: Conversation, actor: Actor, text: str, tip: Tip | None = None
) -> list[Message]:
    """A staff member's own words to the tipster, sent through the channel."""
    member = _staff(conversation.workspace_id, actor)
    messages = reply_send(conversation=conversation, text=text, author=actor, tip=tip)
    audit_record(
        workspace=conversation.workspace,
        actor=member.user,
        action="tipline.conversation.reply",
        obj=conversation,
        after={"messages": [m.pk for m in messages]},
    )
    return messages


def sender_block(*, sender: Sender, actor: Actor) -> Sender:
    """Drop everything this sender sends from now on (the webhooks still answer 200)."""
    member = _staff(sender.workspace_id, actor)
    sender.blocked_at = timezone.now()
    sender.blocked_by_id = actor.pk
    sender.save(update_fields=["blocked_at", "blocked_by", "updated_at"])
    privacy.blocklist_forget(sender.workspace_id)
    audit_record(
        workspace=sender.workspace, actor=member.user, action="tipline.sender.block", obj=sender
    )
    return sender


def sender_unblock(*, sender: Sender, actor: Actor) -> Sender:
    member = _staff(sender.workspace_id, actor)
    sender.blocked_at = None
    sender.blocked_by = None
    sender.save(update_fields=["blocked_at", "blocked_by", "updated_at"])
    privacy.blocklist_forget(sender.workspace_id)
    audit_record(
        workspace=sender.workspace, actor=member.user, action="tipline.sender.unblock", obj=sender
    )
    return sender


def tip_close(*, tip: Tip, actor: Actor) -> Tip:
    """Close a tip; the retention clock starts now."""
    member = _staff(tip.workspace_id, actor)
    before = {"state": tip.state}
    tip.state = TipState.CLOSED
    tip.closed_at = timezone.now()
    tip.save(update_fields=["state", "closed_at", "updated_at"])
    audit_record(
        workspace=tip.workspace,
        actor=member.user,
        action="tipline.tip.close",
        obj=tip,
        before=before,
        after={"state": tip.state},
    )
    return tip


def web_tip_submit(
    *, channel: Channel, category: str, text: str, images: Sequence[CleanImage]
) -> Tip:
    """A tip from the web form: a new anonymous sender each time, images already cleaned."""
    token = f"{time.time_ns()}:{tracking_code_new()}"
    sender = sender_for_hash(
        workspace=channel.workspace, hash_hex=privacy.sender_hash("web", token)
    )
    conversation = conversation_for(channel=channel, sender=sender)
    conversation.last_inbound_at = timezone.now()
    conversation.flow_step = FlowStep.IDLE
    conversation.save(update_fields=["last_inbound_at", "flow_step", "updated_at"])
    message = message_record_in(conversation=conversation, text=text)
    tip = tip_create(conversation=conversation, category=category, text=text, message=message)
    for image in images:
        media = TipMedia(
            tip=tip,
            content_type=image.content_type,
            size=len(image.content),
            width=image.width,
            height=image.height,
        )
        media.file.save("image", ContentFile(image.content), save=False)
        media.save()
    return tip


def staff_notify_soon(*, workspace_id: int) -> None:
    """Tell staff how many tips are new, at most once per quarter hour per workspace."""
    from kiemchung.tipline.tasks import staff_notify

    bucket = int(time.time() // NOTIFY_BUCKET_SECONDS)
    # One task per workspace and quarter hour (per process when the cache is not shared; the
    # Delivery key keeps the e-mail itself to one), not one per tip.
    gate = f"tipline:notify:{workspace_id}:{bucket}"
    if not cache.add(gate, 1, timeout=NOTIFY_BUCKET_SECONDS * 2):
        return
    if Delivery.objects.filter(key=f"tipline-notify:{workspace_id}:{bucket}").exists():
        return
    task: Any = staff_notify
    if task.get_backend().supports_defer:
        # Sent at the end of the quarter hour, so the count covers the whole burst.
        when = datetime.fromtimestamp((bucket + 1) * NOTIFY_BUCKET_SECONDS, tz=UTC)
        task = task.using(run_after=when)
    transaction.on_commit(lambda: task.enqueue(workspace_id, bucket))


def staff_notify_send(*, workspace_id: int, bucket: int) -> str:
    """E-mail the members who handle tips: only how many tips are new, nothing of them."""
    new_count = Tip.objects.filter(workspace_id=workspace_id, state=TipState.NEW).count()
    if new_count == 0:
        # Nothing was sent for this quarter hour: a tip that turns new later may ask again.
        cache.delete(f"tipline:notify:{workspace_id}:{bucket}")
        return "nothing new"
    delivery, created = Delivery.objects.get_or_create(
        key=f"tipline-notify:{workspace_id}:{bucket}",
        defaults={
            "workspace_id": workspace_id,
            "adapter": "email",
            "subject_type": "tipline.notice",
            "subject_id": str(bucket),
            "target": "tipline-staff",
        },
    )
    if not created and delivery.status == DeliveryStatus.SENT:
        return "already sent"
    from kiemchung.accounts.permissions import MATRIX

    roles = [role for role, actions in MATRIX.items() if Action.HANDLE_TIPS in actions]
    recipients = sorted(
        set(
            Member.objects.filter(workspace_id=workspace_id, is_active=True, role__in=roles)
            .exclude(user__email="")
            .values_list("user__email", flat=True)
        )
    )
    subject = ngettext(
        "Có %(count)d tin báo mới", "Có %(count)d tin báo mới", new_count
    ) % {"count": new_count}
    body = subject + ".\n\n" + _("Mở hộp thư tin báo: %(url)s") % {"url": settings.SITE_URL}
    delivery.attempts += 1
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
    except OSError as exc:
        delivery.status = DeliveryStatus.FAILED
        delivery.error = str(exc)[:500]
    else:
        delivery.status = DeliveryStatus.SENT
        delivery.sent_at = timezone.now()
    delivery.save(update_fields=["attempts", "status", "error", "sent_at", "updated_at"])
    return str(delivery.status)


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


def inbound_requeue_stuck(*, older_than: datetime) -> int:
    """Drain again channels with raw rows still queued long after they arrived (a process
    died in between); how many rows were waiting."""
    stuck = InboundMessage.objects.filter(state=InboundState.QUEUED, created_at__lt=older_than)
    for channel_id in set(stuck.values_list("channel_id", flat=True)):
        inbound_drain_soon(channel_id)
    return stuck.count()
