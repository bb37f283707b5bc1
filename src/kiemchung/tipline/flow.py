"""The conversation with a tipster, in Vietnamese: choose what you want, send it, get a tracking
code; ask for the status or the deletion of a tip by its code. Staff takeover silences it."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kiemchung.core.crypto import decrypt
from kiemchung.text.normalize import fold
from kiemchung.tipline import media, privacy, services, services_retention
from kiemchung.tipline.channels.registry import adapter_for
from kiemchung.tipline.models import (
    TRACKING_CODE_RE,
    Conversation,
    ConversationMode,
    FlowStep,
    InboundMessage,
    InboundState,
    Message,
    Tip,
    TipCategory,
    TipState,
)

# Instant answers, subscriptions and the questions they ask live here when installed.
ANSWERS_MODULE = "kiemchung.tipline.answers"

# A message shorter than this, outside a step that waits for content, is small talk ("alo",
# "xin chào"), not a tip.
MIN_TIP_LENGTH = 15

CHOICES: tuple[tuple[str, TipCategory], ...] = (
    ("CHOICE_CHECK", TipCategory.CHECK),
    ("CHOICE_VIOLATION", TipCategory.VIOLATION),
    ("CHOICE_LEGAL", TipCategory.LEGAL),
    ("CHOICE_OTHER", TipCategory.OTHER),
)
_CHOICE_BY_PAYLOAD = dict(CHOICES)
_NUMBERED = re.compile(r"^\s*([1-4])\s*(?:[.):-].*)?$", re.DOTALL)
_STATUS_WORDS = ("trang thai", "status", "tinh trang", "tien do")
_DELETE_WORDS = ("xoa", "delete", "huy tin")
_MENU_WORDS = ("menu", "/start", "bat dau", "chon lai", "huy", "giup", "help", "/help")


def menu_buttons() -> list[tuple[str, str]]:
    return [
        ("CHOICE_CHECK", _("Nhờ kiểm chứng")),
        ("CHOICE_VIOLATION", _("Báo cáo vi phạm")),
        ("CHOICE_LEGAL", _("Hỏi về pháp luật")),
        ("CHOICE_OTHER", _("Việc khác")),
    ]


def menu_text(conversation: Conversation) -> str:
    text = _(
        "Xin chào! Đây là đường dây nhận tin của %(team)s. Bạn muốn làm gì?"
    ) % {"team": conversation.workspace.name}
    if not adapter_for(conversation.channel).has_buttons:
        text += "\n" + _("Trả lời bằng một số từ 1 đến 4.")
    return text


def _with_numbers(conversation: Conversation, text: str) -> tuple[str, list[tuple[str, str]]]:
    """Buttons where the platform has them, a numbered list in the text where it does not."""
    buttons = menu_buttons()
    if adapter_for(conversation.channel).has_buttons:
        return text, buttons
    lines = [f"{i}. {label}" for i, (_payload, label) in enumerate(buttons, start=1)]
    return text + "\n" + "\n".join(lines), []


def _help_line() -> str:
    return _(
        "Gõ «trạng thái KC-…» để xem tiến độ một tin, «xóa KC-…» để xóa tin đã gửi, "
        "«menu» để chọn lại."
    )


PROMPTS = {
    TipCategory.CHECK: lambda: _(
        "Hãy gửi thông tin hoặc đường dẫn bạn muốn chúng tôi kiểm chứng, trong một tin nhắn."
    ),
    TipCategory.VIOLATION: lambda: _(
        "Hãy mô tả vi phạm bạn muốn báo cáo: ở đâu, khi nào, đường dẫn nếu có. Chúng tôi sẽ "
        "chuyển báo cáo tới cơ quan chức năng phụ trách, như bạn yêu cầu. Với báo cáo nhạy cảm, "
        "hãy dùng biểu mẫu trên trang web của chúng tôi."
    ),
    TipCategory.LEGAL: lambda: _("Hãy gửi câu hỏi pháp luật của bạn, trong một tin nhắn."),
    TipCategory.OTHER: lambda: _("Hãy gửi điều bạn muốn nhắn cho chúng tôi."),
}


def _received_text(tip: Tip) -> str:
    code = tip.tracking_code
    lines = {
        TipCategory.CHECK: _(
            "Đã nhận yêu cầu kiểm chứng. Mã theo dõi: %(code)s. Nếu chúng tôi đã kiểm chứng "
            "thông tin này, bạn sẽ nhận câu trả lời ngay; nếu chưa, chúng tôi sẽ báo lại khi có "
            "kết quả."
        ),
        TipCategory.VIOLATION: _(
            "Đã nhận báo cáo vi phạm. Mã theo dõi: %(code)s. Chúng tôi sẽ chuyển báo cáo tới cơ "
            "quan chức năng phụ trách và báo lại cho bạn."
        ),
        TipCategory.LEGAL: _(
            "Đã nhận câu hỏi. Mã theo dõi: %(code)s. Chúng tôi sẽ trả lời sớm nhất có thể."
        ),
        TipCategory.OTHER: _("Đã nhận tin nhắn. Mã theo dõi: %(code)s."),
    }
    return lines[TipCategory(tip.category)] % {"code": code} + "\n" + _help_line()


STATE_TEXT = {
    TipState.NEW: lambda: _("đã nhận, đang chờ xử lý"),
    TipState.IN_PROGRESS: lambda: _("đang được xử lý"),
    TipState.ANSWERED: lambda: _("đã có câu trả lời"),
    TipState.FORWARDED: lambda: _("đã chuyển tới cơ quan chức năng"),
    TipState.CLOSED: lambda: _("đã đóng"),
}


def status_text(tip: Tip) -> str:
    return _("Tin %(code)s (%(category)s, gửi ngày %(date)s): %(state)s.") % {
        "code": tip.tracking_code,
        "category": tip.get_category_display(),
        "date": timezone.localtime(tip.created_at).strftime("%d/%m/%Y"),
        "state": STATE_TEXT[TipState(tip.state)](),
    }


@dataclass(frozen=True)
class Incoming:
    """An inbound event as the task reads it back from the encrypted raw row."""

    reply_address: str
    text: str
    choice: str
    attachments: tuple[str, ...]
    group: str = ""
    # The platform's references of the photos it carried, each fetched onto the tip.
    images: tuple[str, ...] = ()


def _incoming(inbound: InboundMessage) -> Incoming:
    data = json.loads(decrypt(inbound.body_enc) or "{}")
    return Incoming(
        reply_address=str(data.get("reply_address", "")),
        text=str(data.get("text", "")),
        choice=str(data.get("choice", "")),
        attachments=tuple(str(a) for a in data.get("attachments", [])),
        group=str(data.get("group", "")),
        images=tuple(str(r) for r in data.get("images", []) if r),
    )


def _chosen_category(incoming: Incoming) -> TipCategory | None:
    if incoming.choice in _CHOICE_BY_PAYLOAD:
        return _CHOICE_BY_PAYLOAD[incoming.choice]
    match = _NUMBERED.match(incoming.text)
    if match and len(incoming.text) <= 40:
        return CHOICES[int(match.group(1)) - 1][1]
    return None


def _command(folded: str, words: tuple[str, ...]) -> bool:
    return any(folded == w or folded.startswith(w + " ") for w in words)


DRAIN_BATCH = 200


def inbound_drain(
    *,
    channel_id: int,
    release_gate: Callable[[], None] | None = None,
    give_way: Callable[[], object] | None = None,
) -> int:
    """Process the channel's queued rows, oldest first; how many were processed.

    Rows held back because their sender was over the rate (`held_until` still ahead) are
    left for a later drain. When no row is left and `release_gate` is given, it is called (it
    opens the webhooks' enqueue gate, or arranges a later look when this process cannot) and
    the drain looks once more, so a row stored while the gate was closed is not left waiting.
    `give_way` is called before each row (a drain beside the web server waits there while
    webhooks arrive in a burst).
    """
    done = 0
    looked_again = release_gate is None
    while True:
        rows = list(
            InboundMessage.objects.filter(channel_id=channel_id, state=InboundState.QUEUED)
            .exclude(held_until__gt=timezone.now())
            .order_by("pk")
            .values_list("pk", flat=True)[:DRAIN_BATCH]
        )
        for inbound_id in rows:
            if give_way is not None:
                give_way()
            if inbound_process(inbound_id=inbound_id) == InboundState.PROCESSED:
                done += 1
        if rows:
            continue
        if looked_again or release_gate is None:
            return done
        release_gate()
        looked_again = True


def inbound_process(*, inbound_id: int) -> str:
    """Read one raw inbound row into its conversation and answer it; the row's new state.

    The row is claimed inside the transaction, so a duplicated task does the work once.
    """
    with transaction.atomic():
        claimed = InboundMessage.objects.filter(pk=inbound_id, state=InboundState.QUEUED).update(
            state=InboundState.PROCESSED, processed_at=timezone.now()
        )
        if not claimed:
            return "already processed"
        inbound = InboundMessage.objects.select_related("channel__workspace").get(pk=inbound_id)
        incoming = _incoming(inbound)
        sender = services.sender_for_hash(
            workspace=inbound.channel.workspace, hash_hex=inbound.sender_hash
        )
        if sender.is_blocked:
            InboundMessage.objects.filter(pk=inbound_id).update(
                state=InboundState.IGNORED, body_enc=""
            )
            return str(InboundState.IGNORED)
        conversation = services.conversation_for(channel=inbound.channel, sender=sender)
        conversation.workspace = inbound.channel.workspace
        if incoming.reply_address and conversation.reply_address != incoming.reply_address:
            conversation.reply_address = incoming.reply_address
        conversation.last_inbound_at = timezone.now()
        conversation.save(update_fields=["reply_address_enc", "last_inbound_at", "updated_at"])
        conversation_answer(conversation=conversation, incoming=incoming, inbound=inbound)
        media.inbound_images_request(
            inbound=inbound, conversation=conversation, references=incoming.images
        )
        # The raw copy has served its purpose; only its id stays, to recognise retries.
        InboundMessage.objects.filter(pk=inbound_id).update(
            body_enc="", conversation=conversation
        )
    return str(InboundState.PROCESSED)


def conversation_answer(
    *, conversation: Conversation, incoming: Incoming, inbound: InboundMessage | None
) -> None:
    """Record the message and let the bot answer it (unless staff have taken over)."""
    shown = incoming.text
    if incoming.attachments:
        shown = (shown + "\n" if shown else "") + "[" + ", ".join(incoming.attachments) + "]"
    message = services.message_record_in(conversation=conversation, text=shown, inbound=inbound)
    if conversation.mode == ConversationMode.HUMAN:
        return
    if _joins_its_album(conversation, incoming, message):
        return
    if _answers_a_question(conversation, incoming, message):
        return
    _bot_answer(conversation=conversation, incoming=incoming, message=message, inbound=inbound)


def _photo_only() -> str:
    """The text of a tip that is a photo with no words."""
    return _("(ảnh không kèm lời)")


def _album_key(conversation: Conversation, incoming: Incoming) -> str:
    return privacy.album_key(conversation.pk, incoming.group) if incoming.group else ""


def _joins_its_album(conversation: Conversation, incoming: Incoming, message: Message) -> bool:
    """Whether the message is one more photo of an album that already became a tip: it joins
    that tip (its images are fetched onto it) and gets no answer of its own."""
    key = _album_key(conversation, incoming)
    if not key:
        return False
    tip = (
        Tip.objects.filter(conversation=conversation, album_key=key)
        .exclude(state=TipState.CLOSED)
        .order_by("-id")
        .first()
    )
    if tip is None:
        return False
    Message.objects.filter(pk=message.pk).update(tip=tip)
    caption = incoming.text.strip()
    if caption and tip.text == _photo_only() and tip.state == TipState.NEW:
        # The album's words came with a later photo: they become the tip's text, and a
        # check request is matched again on them.
        tip.text = caption
        tip.match_checked_at = None
        tip.save(update_fields=["text_enc", "match_checked_at"])
        services.tip_match_soon(tip)
    return True


def _answers_a_question(conversation: Conversation, incoming: Incoming, message: Message) -> bool:
    """Whether the message answered a question the instant-answer module asked ("did this
    answer you?"); read before the menu, so its "1" or "2" is not taken for a menu choice.
    Without that module there are no such questions."""
    try:
        answers = import_module(ANSWERS_MODULE)
    except ModuleNotFoundError as exc:
        if exc.name != ANSWERS_MODULE:
            raise
        return False
    return bool(
        answers.conversation_reply(
            conversation=conversation,
            text=incoming.text,
            choice=incoming.choice,
            message=message,
        )
    )


def _reply(conversation: Conversation, text: str, *, menu: bool = False) -> None:
    if menu:
        text, buttons = _with_numbers(conversation, text)
        services.reply_send(conversation=conversation, text=text, buttons=buttons)
    else:
        services.reply_send(conversation=conversation, text=text)


def _set_step(conversation: Conversation, step: FlowStep, category: str = "") -> None:
    conversation.flow_step = step
    conversation.pending_category = category
    conversation.save(update_fields=["flow_step", "pending_category", "updated_at"])


def _bot_answer(
    *,
    conversation: Conversation,
    incoming: Incoming,
    message: Message,
    inbound: InboundMessage | None,
) -> None:
    text = incoming.text.strip()
    folded = fold(text).strip()
    code_match = TRACKING_CODE_RE.search(text)

    if code_match and _command(folded, _STATUS_WORDS):
        _answer_status(conversation, "KC-" + code_match.group(1).upper())
        return
    if code_match and _command(folded, _DELETE_WORDS):
        _answer_delete(conversation, "KC-" + code_match.group(1).upper(), message)
        return
    if _command(folded, _MENU_WORDS):
        _set_step(conversation, FlowStep.MENU)
        _reply(conversation, menu_text(conversation), menu=True)
        return
    category = _chosen_category(incoming)
    waiting = conversation.flow_step == FlowStep.AWAITING_TEXT
    pending_category = conversation.pending_category
    if category is not None and "image" in incoming.attachments:
        # A photo sent with a menu choice as its caption: the photo is what they send in, as
        # if the choice had come first.
        text, waiting, pending_category = _photo_only(), True, category
    elif category is not None:
        _set_step(conversation, FlowStep.AWAITING_TEXT, category)
        _reply(conversation, PROMPTS[category]())
        return
    elif [a for a in incoming.attachments if a != "image"]:
        _reply(
            conversation,
            _(
                "Chúng tôi chỉ nhận tin nhắn chữ và ảnh; tệp, âm thanh và video không được "
                "nhận. Hãy gửi lại bằng chữ hoặc bằng ảnh (một ảnh chụp màn hình chẳng hạn)."
            ),
        )
        return
    if not text and incoming.attachments:
        text = _photo_only()
    if (waiting and text) or len(text) >= MIN_TIP_LENGTH:
        tip_category = pending_category if waiting else TipCategory.CHECK
        first_contact = not waiting and conversation.flow_step == FlowStep.START
        tip = _tip_new(
            conversation, incoming, tip_category or TipCategory.CHECK, text, message, inbound
        )
        _set_step(conversation, FlowStep.IDLE)
        reply = _received_text(tip)
        if not waiting:
            reply += "\n" + _(
                "Nếu đây là báo cáo vi phạm hoặc câu hỏi pháp luật, gõ «menu» để chọn đúng loại."
            )
        services.reply_send(conversation=conversation, text=reply, tip=tip)
        if first_contact:
            _reply(conversation, menu_text(conversation), menu=True)
        return
    _set_step(conversation, FlowStep.MENU)
    _reply(conversation, menu_text(conversation), menu=True)


def _tip_new(
    conversation: Conversation,
    incoming: Incoming,
    category: str,
    text: str,
    message: Message,
    inbound: InboundMessage | None,
) -> Tip:
    return services.tip_create(
        conversation=conversation,
        category=category,
        text=text,
        inbound=inbound,
        message=message,
        album_key=_album_key(conversation, incoming),
    )


def _own_tip(conversation: Conversation, code: str) -> Tip | None:
    # Only the sender's own tips: a code seen elsewhere tells nothing to someone else.
    return services.tips_of_sender(conversation=conversation).filter(tracking_code=code).first()


def _answer_status(conversation: Conversation, code: str) -> None:
    tip = _own_tip(conversation, code)
    if tip is None:
        _reply(conversation, _("Không tìm thấy tin %(code)s của bạn.") % {"code": code})
        return
    _reply(conversation, status_text(tip))


def _answer_delete(conversation: Conversation, code: str, message: Message) -> None:
    tip = _own_tip(conversation, code)
    if tip is None:
        _reply(conversation, _("Không tìm thấy tin %(code)s của bạn.") % {"code": code})
        return
    services_retention.tip_delete(tip=tip)
    # The request itself names the code; it goes too.
    Message.objects.filter(pk=message.pk).delete()
    _reply(
        conversation,
        _("Đã xóa tin %(code)s cùng nội dung và ảnh của nó khỏi hệ thống.") % {"code": code},
    )
