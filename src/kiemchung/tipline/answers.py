"""Instant answers to "check this" tips, and the tipster's say on them.

A tip is searched for in its workspace's matching index, and each result carries one decision
(`kiemchung.matching.decision`): *same claim*, *related* or *none*. Only a published fact-check
decided *same claim* is answered with its verdict (rating, summary, link), with the question
whether it answered; "no" reopens the tip for the team and is counted. A fact-check that is
only *related* is sent as reading, saying plainly that this exact claim has not been checked
yet, and the tip stays in the queue. When the workspace reviews automatic answers, either one
waits for a member of staff to approve it. An open claim decided *same claim* gets the tip
attached and the offer of its verdict; otherwise the tip waits for staff and the tipster is
offered the verdict once the team has one (see notifications.py).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kiemchung.accounts.models import Workspace
from kiemchung.claims.matching import (
    KIND_CLAIM,
    KIND_FACTCHECK,
    QUERY_MAX_CHARS,
    SimilarRecord,
    resolve,
    workspace_index,
)
from kiemchung.claims.models import Claim, FactCheck
from kiemchung.matching.decision import RELATED, SAME
from kiemchung.matching.embedders import kept_out_of_cache
from kiemchung.text.normalize import fold
from kiemchung.tipline import notifications, services
from kiemchung.tipline.channels.registry import adapter_for
from kiemchung.tipline.models import (
    AutoAnswerState,
    ChannelKind,
    Conversation,
    ConversationMode,
    Message,
    MessageDirection,
    Tip,
    TipCategory,
    TipState,
)

ANSWER_YES = "ANSWER_YES"
ANSWER_NO = "ANSWER_NO"
SUBSCRIBE_YES = "SUBSCRIBE_YES"
SUBSCRIBE_NO = "SUBSCRIBE_NO"
QUESTION_PAYLOADS = frozenset({ANSWER_YES, ANSWER_NO, SUBSCRIBE_YES, SUBSCRIBE_NO})
# A question left unanswered this long is no longer pending: a later "1" is a menu choice.
QUESTION_TTL = timedelta(days=7)
MATCH_CANDIDATES = 5

_NUMBER = re.compile(r"^\s*(\d)\s*(?:[.):-].*)?$", re.DOTALL)
# Folded words a person types for yes and no, after the first and second choice.
_YES_WORDS = frozenset({"co", "dung", "roi", "ok", "oke", "u", "uh", "vang", "da", "yes", "y"})
_NO_WORDS = frozenset({"chua", "khong", "ko", "k", "no", "n", "sai", "khong dung"})


def answer_buttons() -> list[tuple[str, str]]:
    return [(ANSWER_YES, _("Có")), (ANSWER_NO, _("Chưa"))]


def subscribe_buttons() -> list[tuple[str, str]]:
    return [(SUBSCRIBE_YES, _("Có, báo cho tôi")), (SUBSCRIBE_NO, _("Không cần"))]


# Questions


def _with_choices(
    conversation: Conversation, text: str, buttons: Sequence[tuple[str, str]]
) -> str:
    """Where the platform shows no buttons, the choices are numbered in the text."""
    if adapter_for(conversation.channel).has_buttons:
        return text
    numbered = [f"{i}. {label}" for i, (_payload, label) in enumerate(buttons, start=1)]
    return text + "\n" + "\n".join(numbered)


def _ask(conversation: Conversation, tip: Tip, text: str, buttons: list[tuple[str, str]]) -> None:
    """Send a question with its choices (kept on the message, so the answer can be read)."""
    if conversation.channel.kind == ChannelKind.WEB:
        # Nobody can answer on the web form; the status page shows the text alone.
        services.reply_send(conversation=conversation, text=text, tip=tip)
        return
    services.reply_send(
        conversation=conversation,
        text=_with_choices(conversation, text, buttons),
        buttons=buttons,
        tip=tip,
    )


# Instant answers


@dataclass(frozen=True)
class TipMatches:
    """What the index found for a tip: the answer, the open claim, and what staff may check."""

    answer: SimilarRecord | None  # a fact-check of this very claim: its verdict applies
    open_claim: SimilarRecord | None
    suggestions: list[SimilarRecord]
    reading: SimilarRecord | None = None  # a related fact-check: reading, not a verdict


def _best_records(workspace: Workspace, text: str, k: int) -> list[SimilarRecord]:
    """The workspace's own claims and fact-checks best matching `text`, as the database has
    them now (rows gone or no longer indexed are left out, known wordings show their claim),
    best first.

    Only the few best candidates are read back, each by primary key: on the answer path this
    costs the same with 100 fact-checks or 100,000.
    """
    # A tip's text leaves no embedding on disk: it would outlive the tip's deletion.
    with workspace_index(workspace) as index, kept_out_of_cache():
        # Every candidate the index scored; `resolve` reads back only as many as it needs.
        matches = index.search(text, k=2 * index.candidates)
    found = resolve(workspace, matches, k, kinds=(KIND_CLAIM, KIND_FACTCHECK))
    return [record for record in found if isinstance(record, SimilarRecord)]


def tip_matches(*, tip: Tip) -> TipMatches:
    """Search the tip's text in its workspace's index, decided by the workspace's thresholds."""
    from kiemchung.tipline.images_read import tip_match_text

    # The words read from the tip's images count as if typed (docs/IMAGES.md).
    text = tip_match_text(tip=tip).strip()[:QUERY_MAX_CHARS]
    if not text:
        return TipMatches(None, None, [])
    found = _best_records(tip.workspace, text, MATCH_CANDIDATES)
    answer = next((r for r in found if r.kind == KIND_FACTCHECK and r.decision == SAME), None)
    reading = None
    if answer is None:
        reading = next(
            (r for r in found if r.kind == KIND_FACTCHECK and r.decision == RELATED), None
        )
    open_claim = next(
        (r for r in found if r.kind == KIND_CLAIM and r.decision == SAME and r.is_open_claim),
        None,
    )
    suggestions = [r for r in found if r.decision in (SAME, RELATED)]
    return TipMatches(answer, open_claim, suggestions, reading)


def tip_answer(*, tip_id: int) -> str:
    """Answer a new "check this" tip from the published fact-checks, or offer their verdict.

    Called by the tip_match task; owns its transaction (the search runs before it, so no
    write lock is held while the index is searched). Returns what was done.
    """
    tip = Tip.objects.select_related("workspace").filter(pk=tip_id).first()
    if tip is None:
        return "gone"
    if tip.category != TipCategory.CHECK or tip.match_checked_at is not None:
        return "not for matching"
    from kiemchung.tipline.images_read import tip_images_pending

    if tip_images_pending(tip=tip):
        # The task reading them looks again once their words are in.
        return "waiting for the words in its images"
    matches = tip_matches(tip=tip)
    with transaction.atomic():
        tip = (
            Tip.objects.select_for_update()
            .select_related("workspace", "conversation__channel", "conversation__workspace")
            .filter(pk=tip_id)
            .first()
        )
        if tip is None:
            return "gone"
        if tip.match_checked_at is not None or tip.state != TipState.NEW:
            return "already handled"
        tip.match_checked_at = timezone.now()
        conversation = tip.conversation
        bot_may_speak = conversation.mode == ConversationMode.BOT
        reviewed = tip.workspace.tipline_answers_reviewed
        done = tip_auto_answer(tip=tip, matches=matches, reviewed=reviewed)
        if done is not None:
            return done
        if matches.open_claim is not None:
            tip.claim = matches.open_claim.claim
            tip.save(update_fields=["match_checked_at", "claim", "updated_at"])
            if bot_may_speak:
                _offer_verdict(tip, claim=matches.open_claim.claim)
            return "attached to an open claim"
        tip.save(update_fields=["match_checked_at", "updated_at"])
        if bot_may_speak:
            _offer_verdict(tip, claim=None)
        return "queued for staff"


AUTO_FIELDS = ("auto_decision", "auto_factcheck", "auto_state")


def tip_auto_answer(*, tip: Tip, matches: TipMatches, reviewed: bool) -> str | None:
    """Answer the tip from the fact-check found, or hold the answer for staff; None when there
    is no fact-check to answer with or the bot may not speak. The caller holds the tip's row,
    has set match_checked_at and owns the transaction."""
    found = matches.answer or matches.reading
    if found is None or found.factcheck is None:
        return None
    if tip.conversation.mode != ConversationMode.BOT:
        return None
    tip.auto_decision = found.decision
    tip.auto_factcheck = found.factcheck
    if reviewed:
        tip.auto_state = AutoAnswerState.PENDING
        tip.save(update_fields=[*AUTO_FIELDS, "match_checked_at", "updated_at"])
        services.staff_notify_soon(workspace_id=tip.workspace_id)
        _hold(tip)
        return "answer waits for staff"
    tip.auto_state = AutoAnswerState.SENT
    auto_answer_send(tip=tip)
    return "answered" if found.decision == SAME else "sent related reading"


def auto_answer_send(*, tip: Tip) -> None:
    """Send the tip's automatic answer: the verdict when the fact-check states this very claim,
    the fact-check as reading otherwise (the tip then stays in the queue). The caller holds the
    tip's row and owns the transaction."""
    factcheck = tip.auto_factcheck
    if factcheck is None:
        return
    if tip.auto_decision == SAME:
        _instant_answer(tip, factcheck)
        return
    tip.save(update_fields=[*AUTO_FIELDS, "match_checked_at", "updated_at"])
    _related_reading(tip, factcheck)


def _hold(tip: Tip) -> None:
    """While staff review the automatic answer, the tipster hears only that the tip arrived."""
    conversation = tip.conversation
    text = _("Nhóm đã nhận tin %(code)s và sẽ trả lời bạn sau khi xem xét.") % {
        "code": tip.tracking_code
    }
    if conversation.channel.kind == ChannelKind.WEB:
        notifications.subscription_add(tip=tip)
    services.reply_send(conversation=conversation, text=text, tip=tip)


def _instant_answer(tip: Tip, factcheck: FactCheck) -> None:
    tip.claim = factcheck.claim
    tip.state = TipState.ANSWERED
    tip.answered_at = timezone.now()
    tip.save(update_fields=[
        *AUTO_FIELDS, "match_checked_at", "claim", "state", "answered_at", "updated_at"
    ])
    text = (
        _("Chúng tôi đã kiểm chứng thông tin này (tin %(code)s):") % {"code": tip.tracking_code}
        + "\n"
        + notifications.verdict_text(factcheck)
    )
    if tip.conversation.channel.kind != ChannelKind.WEB:
        text += "\n\n" + _("Câu trả lời này đã giải đáp điều bạn hỏi chưa?")
    _ask(tip.conversation, tip, text, answer_buttons())


def _related_reading(tip: Tip, factcheck: FactCheck) -> None:
    """A fact-check on the same subject, sent as reading: its verdict is not the tip's."""
    text = (
        _(
            "Chúng tôi chưa kiểm chứng đúng thông tin trong tin %(code)s; nhóm sẽ xem xét tin "
            "của bạn. Trong lúc chờ, đây là một bài kiểm chứng có liên quan để bạn tham khảo. "
            "Kết luận của bài đó không áp dụng cho thông tin bạn gửi."
        ) % {"code": tip.tracking_code}
        + "\n"
        + notifications.reading_text(factcheck)
    )
    _with_offer(tip, text)


def _offer_verdict(tip: Tip, *, claim: Claim | None) -> None:
    """Tell the tipster the team will look into it, and offer its verdict when published."""
    if claim is not None:
        text = _(
            "Nhóm đang kiểm chứng một thông tin giống tin %(code)s của bạn; chưa có kết luận."
        ) % {"code": tip.tracking_code}
    else:
        text = _(
            "Chúng tôi chưa kiểm chứng thông tin trong tin %(code)s. Nhóm sẽ xem xét tin của bạn."
        ) % {"code": tip.tracking_code}
    _with_offer(tip, text)


def _with_offer(tip: Tip, text: str) -> None:
    """Send `text` with the offer of the verdict once published: on the web form it waits on
    the status page; on a chat the tipster is asked whether to be told there."""
    conversation = tip.conversation
    if conversation.channel.kind == ChannelKind.WEB:
        # The web form leaves no address: the verdict waits on the status page, for the code.
        notifications.subscription_add(tip=tip)
        services.reply_send(
            conversation=conversation,
            text=text + " " + _("Kết luận sẽ hiện ở đây khi được công bố."),
            tip=tip,
        )
        return
    _ask(
        conversation,
        tip,
        text + "\n" + _("Bạn có muốn nhận kết luận qua đây khi nhóm công bố không?"),
        subscribe_buttons(),
    )


# The tipster's answer to a question


@dataclass(frozen=True)
class PendingQuestion:
    message: Message
    tip_id: int
    payloads: list[str]
    labels: list[str]


def pending_question(
    *, conversation: Conversation, current: Message | None
) -> PendingQuestion | None:
    """The yes/no question this conversation last asked, if the person has not answered it."""
    question = (
        Message.objects.filter(conversation=conversation, direction=MessageDirection.OUT)
        .exclude(buttons=[])
        .order_by("-created_at", "-id")
        .first()
    )
    if question is None or question.tip_id is None:
        return None
    payloads = [str(b[0]) for b in question.buttons if b]
    if not payloads or not set(payloads) <= QUESTION_PAYLOADS:
        return None
    if timezone.now() - question.created_at > QUESTION_TTL:
        return None
    answered = Message.objects.filter(
        conversation=conversation, direction=MessageDirection.IN, pk__gt=question.pk
    )
    if current is not None:
        answered = answered.exclude(pk=current.pk)
    if answered.exists():
        return None
    labels = [str(b[1]) if len(b) > 1 else "" for b in question.buttons]
    return PendingQuestion(
        message=question, tip_id=question.tip_id, payloads=payloads, labels=labels
    )


def chosen_payload(question: PendingQuestion, *, text: str, choice: str) -> str | None:
    """Which of the question's choices the person picked: button, number, label or yes/no."""
    if choice in question.payloads:
        return choice
    number = _NUMBER.match(text)
    if number and len(text) <= 40:
        index = int(number.group(1)) - 1
        return question.payloads[index] if 0 <= index < len(question.payloads) else None
    folded = " ".join(fold(text).lower().replace(".", " ").replace("!", " ").split())
    for payload, label in zip(question.payloads, question.labels, strict=True):
        if label and folded == " ".join(fold(label).lower().split()):
            return payload
    if folded in _YES_WORDS:
        return question.payloads[0]
    if folded in _NO_WORDS:
        return question.payloads[-1]
    return None


def conversation_reply(
    *, conversation: Conversation, text: str, choice: str, message: Message | None
) -> bool:
    """Read an incoming message as the answer to our pending question; whether it was one.

    The conversation flow calls this before anything else (after recording the message), so a
    "1" or "2" answering "did this answer you?" is not taken for a menu choice.
    """
    question = pending_question(conversation=conversation, current=message)
    if question is None:
        return False
    payload = chosen_payload(question, text=text.strip(), choice=choice)
    if payload is None:
        return False
    tip = Tip.objects.select_for_update().filter(pk=question.tip_id).first()
    if tip is None:
        return False
    if message is not None:
        Message.objects.filter(pk=message.pk).update(tip=tip)
    {
        ANSWER_YES: _answered_yes,
        ANSWER_NO: _answered_no,
        SUBSCRIBE_YES: _subscribe_yes,
        SUBSCRIBE_NO: _subscribe_no,
    }[payload](conversation, tip)
    return True


def _answered_yes(conversation: Conversation, tip: Tip) -> None:
    if tip.auto_state:
        tip.auto_feedback = "yes"
        tip.save(update_fields=["auto_feedback", "updated_at"])
    # Nothing left to do on it: closing starts the retention clock.
    if tip.state == TipState.ANSWERED:
        tip.state = TipState.CLOSED
        tip.closed_at = timezone.now()
        tip.save(update_fields=["state", "closed_at", "updated_at"])
    services.reply_send(
        conversation=conversation,
        text=_("Cảm ơn bạn! Hãy gửi tiếp cho chúng tôi những thông tin bạn còn nghi ngờ."),
        tip=tip,
    )


def _answered_no(conversation: Conversation, tip: Tip) -> None:
    """The answer missed the point: the tip goes to the team, the link is undone, and the
    automatic answer is counted as one that did not help."""
    tip.state = TipState.NEW
    tip.claim = None
    tip.auto_feedback = "no" if tip.auto_state else tip.auto_feedback
    tip.save(update_fields=["state", "claim", "auto_feedback", "updated_at"])
    services.staff_notify_soon(workspace_id=tip.workspace_id)
    _ask(
        conversation,
        tip,
        _("Cảm ơn bạn. Chúng tôi đã chuyển tin %(code)s cho nhóm kiểm chứng.")
        % {"code": tip.tracking_code}
        + "\n"
        + _("Bạn có muốn nhận kết luận qua đây khi nhóm công bố không?"),
        subscribe_buttons(),
    )


def _subscribe_yes(conversation: Conversation, tip: Tip) -> None:
    notifications.subscription_add(tip=tip)
    services.reply_send(
        conversation=conversation,
        text=_(
            "Đã ghi nhận. Chúng tôi sẽ gửi kết luận về tin %(code)s cho bạn khi nhóm công bố."
        )
        % {"code": tip.tracking_code},
        tip=tip,
    )


def _subscribe_no(conversation: Conversation, tip: Tip) -> None:
    services.reply_send(
        conversation=conversation,
        text=_(
            "Đã rõ. Bạn vẫn có thể xem tiến độ bằng cách gõ «trạng thái %(code)s»."
        )
        % {"code": tip.tracking_code},
        tip=tip,
    )
