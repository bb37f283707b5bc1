"""Writes of the staff inbox: attaching tips to claims, replying, closing, taking a conversation
over, blocking senders, the reply templates, the legal knowledge base and the authority units.
The caller owns the transaction."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from kiemchung.accounts.models import Workspace
from kiemchung.accounts.permissions import Action
from kiemchung.accounts.selectors import member_acting
from kiemchung.audit.services import audit_record
from kiemchung.claims import services as claims_services
from kiemchung.claims.models import Appearance, Claim, ClaimState, FactCheck, FactCheckState
from kiemchung.tipline import notifications, privacy
from kiemchung.tipline.models import (
    AuthorityUnit,
    AutoAnswerState,
    Conversation,
    ConversationMode,
    FlowStep,
    LegalAnswer,
    Message,
    ReplyKind,
    ReplyTemplate,
    Sender,
    Tip,
    TipCategory,
    TipState,
)
from kiemchung.tipline.services import reply_send

if TYPE_CHECKING:
    from typing import TypeAlias

    from django.contrib.auth.models import AnonymousUser, User

    # Whoever a view hands over as request.user; the services turn it into a member's user.
    Actor: TypeAlias = User | AnonymousUser

_Entry = TypeVar("_Entry", bound=models.Model)

REPLY_MAX = 4000
TITLE_MAX = 120
_URL_RE = re.compile(r"https?://[^\s<>\"'«»]+", re.IGNORECASE)


def _acting(workspace_id: int, actor: Actor, action: Action) -> User:
    """The actor's user once their membership of the workspace allows `action`."""
    return member_acting(actor=actor, workspace_id=workspace_id, action=action).user


def _required(value: str | None, *, field: str, limit: int, message: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationError({field: message})
    if len(text) > limit:
        raise ValidationError({field: _("Tối đa %(max)d ký tự.") % {"max": limit}})
    return text


def first_link(text: str) -> str:
    """The first web address in a tip (where the claim was seen), trailing punctuation cut."""
    found = _URL_RE.search(text)
    return found.group(0).rstrip(".,;:!?)]}") if found else ""


def appearance_note(tip: Tip) -> str:
    """What the claim's appearance says of a tip: its code and channel, not its words."""
    return _("Tin báo %(code)s qua %(channel)s") % {
        "code": tip.tracking_code,
        "channel": tip.conversation.channel.get_kind_display(),
    }


# Tips


def tip_attach(
    *, tip: Tip, claim: Claim, actor: Actor, url: str = "", note: str = ""
) -> Appearance:
    """Attach a tip to a claim: an Appearance of the claim, the tip in progress, and the
    tipster's waiting subscription follows the claim. A claim already published answers the
    tip at once (within the platform's messaging window)."""
    user = _acting(tip.workspace_id, actor, Action.HANDLE_TIPS)
    if claim.workspace_id != tip.workspace_id:
        raise ValidationError({"claim": _("Nhận định này không thuộc nhóm của bạn.")})
    while claim.merged_into_id is not None and claim.merged_into is not None:
        claim = claim.merged_into
    if claim.state == ClaimState.DISMISSED:
        raise ValidationError({"claim": _("Nhận định này đã bị bỏ qua; hãy chọn nhận định khác.")})
    if tip.claim_id == claim.pk:
        raise ValidationError({"claim": _("Tin này đã được gắn với nhận định đó.")})
    appearance = claims_services.appearance_add(
        claim=claim,
        actor=actor,
        url=url.strip(),
        platform=_("Tin báo"),
        seen_at=tip.created_at,
        text=(note or "").strip() or appearance_note(tip),
        # A note about the tip, never its words (they stay encrypted with the tip).
        wording=False,
    )
    before = {"claim": tip.claim_id, "state": tip.state}
    tip.claim = claim
    if tip.state == TipState.NEW:
        tip.state = TipState.IN_PROGRESS
    tip.save(update_fields=["claim", "state", "updated_at"])
    notifications.subscriptions_follow_tip(tip=tip)
    tip.refresh_from_db(fields=["state", "answered_at"])
    factcheck = (
        FactCheck.objects.select_related("claim__workspace", "rating")
        .filter(claim=claim, state=FactCheckState.PUBLISHED, published_at__isnull=False)
        .first()
    )
    if factcheck is not None and tip.state in (TipState.NEW, TipState.IN_PROGRESS):
        notifications.notice_send(
            conversation=tip.conversation,
            tip=tip,
            text=notifications.notification_text(tip=tip, factcheck=factcheck),
            author=user,
        )
        tip.state = TipState.ANSWERED
        tip.answered_at = timezone.now()
        tip.save(update_fields=["state", "answered_at", "updated_at"])
    audit_record(
        workspace=tip.workspace,
        actor=user,
        action="tip.attach",
        obj=tip,
        before=before,
        after={"claim": claim.pk, "state": tip.state, "appearance": appearance.pk},
    )
    return appearance


def tip_claim_create(
    *, tip: Tip, actor: Actor, text: str, topic: str = "", url: str = ""
) -> Claim:
    """Record a new claim from a tip (in the wording staff chose) and attach the tip to it."""
    _acting(tip.workspace_id, actor, Action.HANDLE_TIPS)
    claim = claims_services.claim_create(
        workspace=tip.workspace,
        actor=actor,
        text=text,
        topic=topic,
    )
    tip_attach(tip=tip, claim=claim, actor=actor, url=url)
    return claim


def tip_reply(
    *, tip: Tip, actor: Actor, text: str, kind: str = ReplyKind.ANSWER
) -> list[Message]:
    """A staff member's reply to a tip, through its channel (or on the status page).

    An answer settles a tip still waiting: it is answered. A holding reply ("we are looking
    into it") only takes a new tip in hand: it stays in the queue, and its status page does not
    say that an answer exists.
    """
    user = _acting(tip.workspace_id, actor, Action.HANDLE_TIPS)
    if kind not in ReplyKind.values:
        raise ValidationError({"kind": _("Hãy chọn trả lời xong hay báo đang xử lý.")})
    body = _required(text, field="text", limit=REPLY_MAX, message=_("Hãy viết câu trả lời."))
    sent = notifications.notice_send(conversation=tip.conversation, tip=tip, text=body, author=user)
    before = {"state": tip.state}
    if kind == ReplyKind.ANSWER and tip.state in (TipState.NEW, TipState.IN_PROGRESS):
        tip.state = TipState.ANSWERED
        tip.answered_at = timezone.now()
        tip.save(update_fields=["state", "answered_at", "updated_at"])
    elif kind == ReplyKind.HOLDING and tip.state == TipState.NEW:
        tip.state = TipState.IN_PROGRESS
        tip.save(update_fields=["state", "updated_at"])
    audit_record(
        workspace=tip.workspace,
        actor=user,
        action="tip.reply",
        obj=tip,
        before=before,
        after={"state": tip.state, "kind": kind, "messages": [m.pk for m in sent]},
    )
    return sent


def tip_reopen(*, tip: Tip, actor: Actor) -> Tip:
    """Put a closed or answered tip back in the queue."""
    user = _acting(tip.workspace_id, actor, Action.HANDLE_TIPS)
    before = {"state": tip.state}
    tip.state = TipState.IN_PROGRESS if tip.claim_id else TipState.NEW
    tip.closed_at = None
    tip.save(update_fields=["state", "closed_at", "updated_at"])
    audit_record(
        workspace=tip.workspace,
        actor=user,
        action="tip.reopen",
        obj=tip,
        before=before,
        after={"state": tip.state},
    )
    return tip


# Conversations and senders


def conversation_take_over(*, conversation: Conversation, actor: Actor) -> Conversation:
    """A staff member chats directly; the bot stays silent until the conversation is released."""
    user = _acting(conversation.workspace_id, actor, Action.HANDLE_TIPS)
    conversation.mode = ConversationMode.HUMAN
    conversation.taken_over_by_id = actor.pk
    conversation.taken_over_at = timezone.now()
    conversation.save(update_fields=["mode", "taken_over_by", "taken_over_at", "updated_at"])
    audit_record(
        workspace=conversation.workspace,
        actor=user,
        action="conversation.take_over",
        obj=conversation,
    )
    return conversation


def conversation_release(*, conversation: Conversation, actor: Actor) -> Conversation:
    """Hand the conversation back to the bot."""
    user = _acting(conversation.workspace_id, actor, Action.HANDLE_TIPS)
    conversation.mode = ConversationMode.BOT
    conversation.taken_over_by = None
    conversation.taken_over_at = None
    conversation.flow_step = FlowStep.IDLE
    conversation.save(
        update_fields=["mode", "taken_over_by", "taken_over_at", "flow_step", "updated_at"]
    )
    audit_record(
        workspace=conversation.workspace,
        actor=user,
        action="conversation.release",
        obj=conversation,
    )
    return conversation


def staff_reply(*, conversation: Conversation, actor: Actor, text: str) -> list[Message]:
    """A staff member's own words to the tipster, sent through the channel."""
    user = _acting(conversation.workspace_id, actor, Action.HANDLE_TIPS)
    messages = reply_send(conversation=conversation, text=text, author=actor)
    audit_record(
        workspace=conversation.workspace,
        actor=user,
        action="conversation.reply",
        obj=conversation,
        after={"messages": [m.pk for m in messages]},
    )
    return messages


def sender_block(*, sender: Sender, actor: Actor) -> Sender:
    """Drop everything this sender sends from now on (the webhooks still answer 200)."""
    return _sender_blocked_set(sender, actor, blocked=True)


def sender_unblock(*, sender: Sender, actor: Actor) -> Sender:
    return _sender_blocked_set(sender, actor, blocked=False)


def _sender_blocked_set(sender: Sender, actor: Actor, *, blocked: bool) -> Sender:
    user = _acting(sender.workspace_id, actor, Action.HANDLE_TIPS)
    sender.blocked_at = timezone.now() if blocked else None
    sender.blocked_by_id = actor.pk if blocked else None
    sender.save(update_fields=["blocked_at", "blocked_by", "updated_at"])
    privacy.blocklist_forget(sender.workspace_id)
    audit_record(
        workspace=sender.workspace,
        actor=user,
        action="sender.block" if blocked else "sender.unblock",
        obj=sender,
    )
    return sender


def tip_close(*, tip: Tip, actor: Actor) -> Tip:
    """Close a tip; the retention clock starts now."""
    user = _acting(tip.workspace_id, actor, Action.HANDLE_TIPS)
    before = {"state": tip.state}
    tip.state = TipState.CLOSED
    tip.closed_at = timezone.now()
    tip.save(update_fields=["state", "closed_at", "updated_at"])
    audit_record(
        workspace=tip.workspace,
        actor=user,
        action="tip.close",
        obj=tip,
        before=before,
        after={"state": tip.state},
    )
    return tip


def tip_auto_answer_review(*, tip: Tip, actor: Actor, approve: bool) -> Tip:
    """Send the automatic answer that waits for review, or decide it is not to be sent.

    The caller holds the tip's row (select_for_update) and owns the transaction.
    """
    from kiemchung.tipline.answers import auto_answer_send

    user = _acting(tip.workspace_id, actor, Action.HANDLE_TIPS)
    if tip.auto_state != AutoAnswerState.PENDING:
        raise ValidationError(_("Tin này không có câu trả lời tự động nào đang chờ duyệt."))
    if approve and tip.auto_factcheck is None:
        raise ValidationError(_("Bài kiểm chứng của câu trả lời này không còn nữa."))
    before = {"auto_state": tip.auto_state}
    if approve:
        tip.auto_state = AutoAnswerState.APPROVED
        auto_answer_send(tip=tip)
    else:
        tip.auto_state = AutoAnswerState.REJECTED
        tip.save(update_fields=["auto_state", "updated_at"])
    audit_record(
        workspace=tip.workspace,
        actor=user,
        action="tip.auto_answer_approve" if approve else "tip.auto_answer_reject",
        obj=tip,
        before=before,
        after={"auto_state": tip.auto_state},
    )
    return tip


def _save_audited(
    *,
    workspace: Workspace,
    user: User,
    current: _Entry | None,
    new: _Entry,
    values: dict[str, Any],
    action: str,
    validate: bool = False,
) -> _Entry:
    """Set `values` on `current` (or on `new`, unsaved), save, audit `<action>.create|update`."""
    entry = new if current is None else current
    before = None if current is None else {k: getattr(current, k) for k in values}
    for name, value in values.items():
        setattr(entry, name, value)
    if validate:
        # The workspace and author are set by the service, not by what was typed.
        entry.full_clean(exclude=["workspace", "created_by"])
    entry.save()
    audit_record(
        workspace=workspace,
        actor=user,
        action=f"{action}.{'create' if current is None else 'update'}",
        obj=entry,
        before=before,
        after=values,
    )
    return entry


# Reply templates


def _category(value: str) -> str:
    if value and value not in TipCategory.values:
        raise ValidationError({"category": _("Loại tin không hợp lệ.")})
    return value


def _reply_kind(value: str) -> str:
    if value not in ReplyKind.values:
        raise ValidationError({"kind": _("Hãy chọn trả lời xong hay báo đang xử lý.")})
    return value


def reply_template_save(
    *,
    workspace: Workspace,
    actor: Actor,
    title: str,
    text: str,
    category: str = "",
    kind: str = ReplyKind.ANSWER,
    is_active: bool = True,
    template: ReplyTemplate | None = None,
) -> ReplyTemplate:
    """Create a reply template of the workspace, or change one."""
    user = _acting(workspace.pk, actor, Action.HANDLE_TIPS)
    if template is not None and template.workspace_id != workspace.pk:
        raise ValidationError(_("Mẫu này không thuộc nhóm của bạn."))
    values: dict[str, Any] = {
        "title": _required(title, field="title", limit=TITLE_MAX, message=_("Hãy đặt tên mẫu.")),
        "text": _required(text, field="text", limit=REPLY_MAX, message=_("Hãy viết nội dung.")),
        "category": _category(category),
        "kind": _reply_kind(kind),
        "is_active": bool(is_active),
    }
    return _save_audited(
        workspace=workspace,
        user=user,
        current=template,
        new=ReplyTemplate(workspace=workspace),
        values=values,
        action="reply_template",
    )


def reply_template_delete(*, template: ReplyTemplate, actor: Actor) -> None:
    user = _acting(template.workspace_id, actor, Action.HANDLE_TIPS)
    audit_record(
        workspace=template.workspace,
        actor=user,
        action="reply_template.delete",
        obj=template,
        before={"title": template.title, "text": template.text},
    )
    template.delete()


# The legal knowledge base (checked answers: editors and admins write them)


def legal_answer_save(
    *,
    workspace: Workspace,
    actor: Actor,
    question: str,
    answer: str,
    source: str,
    source_url: str = "",
    is_published: bool = True,
    entry: LegalAnswer | None = None,
) -> LegalAnswer:
    """Create a knowledge base answer, or change one; it is used for suggestions once published."""
    user = _acting(workspace.pk, actor, Action.REVIEW)
    if entry is not None and entry.workspace_id != workspace.pk:
        raise ValidationError(_("Mục này không thuộc nhóm của bạn."))
    values: dict[str, Any] = {
        "question": _required(
            question, field="question", limit=2000, message=_("Hãy nhập câu hỏi.")
        ),
        "answer": _required(
            answer, field="answer", limit=REPLY_MAX, message=_("Hãy nhập câu trả lời.")
        ),
        "source": _required(
            source, field="source", limit=300,
            message=_("Hãy ghi căn cứ pháp lý (văn bản, điều khoản)."),
        ),
        "source_url": (source_url or "").strip(),
        "is_published": bool(is_published),
    }
    return _save_audited(
        workspace=workspace,
        user=user,
        current=entry,
        new=LegalAnswer(workspace=workspace, created_by=user),
        values=values,
        action="legal_answer",
        validate=True,
    )


def legal_answer_delete(*, entry: LegalAnswer, actor: Actor) -> None:
    user = _acting(entry.workspace_id, actor, Action.REVIEW)
    audit_record(
        workspace=entry.workspace,
        actor=user,
        action="legal_answer.delete",
        obj=entry,
        before={"question": entry.question, "answer": entry.answer, "source": entry.source},
    )
    entry.delete()


# Authority units (workspace settings: admins)


def authority_unit_save(
    *,
    workspace: Workspace,
    actor: Actor,
    name: str,
    email: str,
    categories: Sequence[str] | str = (),
    note: str = "",
    is_active: bool = True,
    unit: AuthorityUnit | None = None,
) -> AuthorityUnit:
    """Create an authority unit violation reports can be forwarded to, or change one."""
    user = _acting(workspace.pk, actor, Action.MANAGE_WORKSPACE)
    if unit is not None and unit.workspace_id != workspace.pk:
        raise ValidationError(_("Cơ quan này không thuộc nhóm của bạn."))
    if isinstance(categories, str):
        categories = categories.split(",")
    labels = list(dict.fromkeys(c.strip() for c in categories if c.strip()))
    values: dict[str, Any] = {
        "name": _required(name, field="name", limit=200, message=_("Hãy nhập tên cơ quan.")),
        "email": (email or "").strip(),
        "categories": labels[:20],
        "note": (note or "").strip(),
        "is_active": bool(is_active),
    }
    return _save_audited(
        workspace=workspace,
        user=user,
        current=unit,
        new=AuthorityUnit(workspace=workspace),
        values=values,
        action="authority_unit",
        validate=True,
    )
