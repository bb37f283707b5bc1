"""Tipline writes of a conversation: senders and conversations, messages, tips, replies and
their deliveries, the web form's tips and staff's new-tip notices. The caller owns the
transaction."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeAlias

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kiemchung.accounts.models import Member, Workspace
from kiemchung.accounts.permissions import Action
from kiemchung.core import events
from kiemchung.core.models import Delivery, DeliveryStatus
from kiemchung.core.tasks import enqueue_on_commit
from kiemchung.tipline import privacy
from kiemchung.tipline.channels.base import ChannelError
from kiemchung.tipline.channels.registry import adapter_for
from kiemchung.tipline.images import CleanImage
from kiemchung.tipline.models import (
    Channel,
    ChannelKind,
    Conversation,
    FlowStep,
    InboundMessage,
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
# Where a web form reply is delivered: the tip's status page, read with its tracking code.
STATUS_PAGE = "status-page"
NOTIFY_BUCKET_SECONDS = 15 * 60


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
    album_key: str = "",
) -> Tip:
    """A new tip with a fresh tracking code; a check request is handed to the matcher."""
    for _attempt in range(20):
        tip = Tip(
            workspace_id=conversation.workspace_id,
            conversation=conversation,
            tracking_code=tracking_code_new(),
            category=category,
            inbound=inbound,
            album_key=album_key,
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
    events.tip_received(tip=tip)
    tip_match_soon(tip)
    staff_notify_soon(workspace_id=conversation.workspace_id)
    return tip


def tip_match_soon(tip: Tip) -> None:
    """After commit, hand a check request to the matcher (other tips are for staff alone)."""
    if tip.category == TipCategory.CHECK:
        from kiemchung.tipline.tasks import tip_match

        enqueue_on_commit(tip_match, tip.pk)


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
            # No address to send to: the tipster reads every reply on the tip's status page
            # (selectors.public_replies), so the reply is delivered once it is written.
            _delivery_posted(delivery)
            continue
        from kiemchung.tipline.tasks import message_deliver

        enqueue_on_commit(message_deliver, message.pk)
    return messages


def _delivery_posted(delivery: Delivery) -> None:
    """A web form reply: on the status page now (staff read it as posted there)."""
    delivery.status = DeliveryStatus.SENT
    delivery.external_id = STATUS_PAGE
    delivery.sent_at = timezone.now()
    delivery.save(update_fields=["status", "external_id", "sent_at", "updated_at"])


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
        tip_media_attach(tip_id=tip.pk, image=image)
    return tip


def tip_media_attach(*, tip_id: int, image: CleanImage) -> TipMedia:
    """Store a cleaned image on the tip (web form and chat images alike)."""
    media = TipMedia(
        tip_id=tip_id,
        content_type=image.content_type,
        size=len(image.content),
        width=image.width,
        height=image.height,
    )
    media.file.save("image", ContentFile(image.content), save=False)
    try:
        media.save()
    except Exception:
        # No row, no file: an image nobody can reach must not stay on disk.
        media.file.delete(save=False)
        raise
    return media


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
    # Two runs for the same quarter hour (a restart enqueues it again) meet on the Delivery
    # row: the first holds it locked until its mail is out and marked sent, and the second,
    # which waits for that lock, then finds it sent.
    with transaction.atomic():
        created = Delivery.objects.get_or_create(
            key=f"tipline-notify:{workspace_id}:{bucket}",
            defaults={
                "workspace_id": workspace_id,
                "adapter": "email",
                "subject_type": "tipline.notice",
                "subject_id": str(bucket),
                "target": "tipline-staff",
            },
        )[0]
        delivery = Delivery.objects.select_for_update().get(pk=created.pk)
        if delivery.status == DeliveryStatus.SENT:
            return "already sent"
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

