"""Images tipsters send on the chat apps: the reference the webhook stored (never the image) is
turned into one download per image, and each download into a clean image on the tip, as the web
form attaches them, or into a note for staff saying why it did not arrive."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kiemchung.core.crypto import decrypt, encrypt
from kiemchung.core.tasks import enqueue_on_commit
from kiemchung.tipline import services
from kiemchung.tipline.channels.base import ChannelError
from kiemchung.tipline.channels.registry import adapter_for
from kiemchung.tipline.images import CleanImage, ImageRefused, image_clean
from kiemchung.tipline.models import (
    Conversation,
    ConversationMode,
    InboundMessage,
    MediaDownloadState,
    Tip,
    TipMediaDownload,
    TipState,
)

# More than this in one message is a flood, not evidence: the rest are noted, not fetched.
MAX_IMAGES_PER_MESSAGE = 10


def _tip_for(inbound: InboundMessage, conversation: Conversation) -> Tip | None:
    """The tip the message became; while staff chat directly, the conversation's open tip."""
    tip = Tip.objects.filter(messages__inbound=inbound).first()
    if tip is not None or conversation.mode != ConversationMode.HUMAN:
        return tip
    return (
        Tip.objects.filter(conversation=conversation)
        .exclude(state=TipState.CLOSED)
        .order_by("-created_at", "-id")
        .first()
    )


def inbound_images_request(
    *, inbound: InboundMessage, conversation: Conversation, references: Sequence[str]
) -> None:
    """One download per image the message carried, each fetched by a task after commit.

    An image that reached no tip is not fetched: there is nowhere for staff to see it. That is
    a photo sent with a command («xóa», «trạng thái», «menu») or with the answer to the
    instant-answer question; a photo sent with a menu choice is a tip of that category.
    """
    if not references:
        return
    tip = _tip_for(inbound, conversation)
    if tip is None:
        return
    from kiemchung.tipline.tasks_media import tip_media_download

    for reference in references[:MAX_IMAGES_PER_MESSAGE]:
        download = TipMediaDownload.objects.create(tip=tip, source_enc=encrypt(reference))
        enqueue_on_commit(tip_media_download, download.pk)
    left_out = len(references) - MAX_IMAGES_PER_MESSAGE
    if left_out > 0:
        TipMediaDownload.objects.create(
            tip=tip,
            state=MediaDownloadState.REFUSED,
            note=_(
                "Tin nhắn có hơn %(most)d ảnh; %(count)d ảnh sau không được tải về."
            ) % {"most": MAX_IMAGES_PER_MESSAGE, "count": left_out},
        )


@dataclass(frozen=True)
class Fetched:
    """What one download attempt brought: a clean image, or a note and whether to try again."""

    image: CleanImage | None = None
    note: str = ""
    retryable: bool = False


def media_fetch(*, download_id: int) -> Fetched | None:
    """Download one image from its platform and clean it; None when there is nothing to do.

    Runs outside any transaction: the download may take as long as the fetch timeout.
    """
    download = (
        TipMediaDownload.objects.select_related("tip__conversation__channel")
        .filter(pk=download_id)
        .first()
    )
    if download is None or download.is_over:
        return None
    adapter = adapter_for(download.tip.conversation.channel)
    try:
        data = adapter.image_download(reference=decrypt(download.source_enc))
    except ChannelError as exc:
        return Fetched(note=exc.message, retryable=exc.retryable)
    try:
        return Fetched(image=image_clean(data))
    except ImageRefused as exc:
        return Fetched(note=exc.message)


def media_store(*, download_id: int, fetched: Fetched, last_attempt: bool) -> str:
    """Attach the fetched image to the tip, or record why not; the download's new state.

    The caller owns the transaction. A tip deleted while its image was downloading is left
    deleted: nothing is written. Once the last of a tip's images is over, the tipster hears
    about those that did not arrive.
    """
    tip_id = TipMediaDownload.objects.filter(pk=download_id).values_list("tip_id", flat=True)
    # The tip first, as a deletion locks it: its downloads end one after another, so the one
    # that ends last sees all the others over.
    tip = Tip.objects.select_for_update().filter(pk__in=tip_id).first()
    download = TipMediaDownload.objects.select_for_update().filter(pk=download_id).first()
    if download is None or tip is None:
        return "gone"
    if download.is_over:
        return str(download.state)
    download.attempts += 1
    if fetched.image is not None:
        download.media = services.tip_media_attach(tip_id=download.tip_id, image=fetched.image)
        download.state = MediaDownloadState.DONE
        download.note = ""
    elif fetched.retryable and not last_attempt:
        download.state = MediaDownloadState.RETRYING
        download.note = fetched.note[:500]
    else:
        download.state = (
            MediaDownloadState.FAILED if fetched.retryable else MediaDownloadState.REFUSED
        )
        download.note = fetched.note[:500]
    if download.is_over:
        # The reference has served its purpose (a Telegram file id would fetch the photo again).
        download.source_enc = ""
    download.save(
        update_fields=["attempts", "media", "state", "note", "source_enc", "updated_at"]
    )
    if download.is_over:
        _tipster_tell_missing(tip)
    return str(download.state)


def _tipster_tell_missing(tip: Tip) -> None:
    """Tell the tipster, once, how many of the tip's images did not arrive, when none is still
    on its way. The reasons stay with staff (they may name the platform's errors); the tipster
    hears what is accepted. Not while staff chat with them directly: staff see the notes."""
    downloads = list(TipMediaDownload.objects.filter(tip=tip))
    if any(not d.is_over for d in downloads):
        return
    missing = [
        d.pk
        for d in downloads
        if d.state != MediaDownloadState.DONE and d.tipster_told_at is None
    ]
    conversation = Conversation.objects.select_related("channel").get(pk=tip.conversation_id)
    if not missing or conversation.mode == ConversationMode.HUMAN:
        return
    TipMediaDownload.objects.filter(pk__in=missing).update(tipster_told_at=timezone.now())
    text = ngettext(
        "%(count)d ảnh bạn gửi kèm tin %(code)s không nhận được.",
        "%(count)d ảnh bạn gửi kèm tin %(code)s không nhận được.",
        len(missing),
    ) % {"count": len(missing), "code": tip.tracking_code}
    text += " " + _(
        "Chúng tôi nhận ảnh JPEG, PNG hoặc WebP, mỗi ảnh đến %(mb)d MB và đến %(most)d ảnh "
        "trong một tin nhắn. Bạn có thể gửi lại ảnh trong một tin nhắn mới."
    ) % {"mb": settings.TIP_IMAGE_MAX_MB, "most": MAX_IMAGES_PER_MESSAGE}
    services.reply_send(conversation=conversation, text=text, tip=tip)
