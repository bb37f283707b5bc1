"""The tipline's staff actions in the permission tables: the services and the pages that perform
each, joined to the other apps' cases by tests/test_permissions.py and
tests/test_permissions_views.py, and the rows of the tipline table in docs/ROLES.md.

Most of them need `handle_tips`; the legal knowledge base is checked answers (`review`); the
authority units and the channels are workspace settings (`manage_workspace`).
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from tests.tipline.stories import tip_image_received, tip_received

from claim_stories import claim_opened
from kiemchung.accounts.permissions import Action
from kiemchung.audit.models import AuditEvent
from kiemchung.claims.models import Claim
from kiemchung.tipline import inbox_selectors, selectors, services_channels, services_staff
from kiemchung.tipline.forwarding import tip_forward
from kiemchung.tipline.models import (
    AuthorityUnit,
    Channel,
    Conversation,
    LegalAnswer,
    ReplyTemplate,
    Sender,
    Tip,
    TipImageText,
    TipMedia,
)
from permissions_table import (
    ServiceCase,
    ViewCase,
    becomes,
    nothing,
    object_url,
    page_url,
    unchanged,
)

REPLY = "Cảm ơn bạn, nhóm đang kiểm chứng tin này."
NEW_CLAIM = "Xe máy cũ hơn 10 năm bị cấm lưu thông ở Hà Nội từ tháng sau"
VIOLATION = "Cửa hàng ở phố Hàng Bông bán sữa bột giả nhãn hiệu nước ngoài"
TEMPLATE_TITLE = "Đã nhận, đang kiểm chứng"
QUESTION = "Đăng lại tin sai trên mạng xã hội có bị phạt không?"
UNIT_NAME = "Sở Y tế Hà Nội"
CHANNEL_NAME = "Zalo OA của Nhóm Kiểm Chứng"
ZALO_VALUES = {"app_id": "360846524940903967", "oa_secret_key": "zalo-oa-secret-key",
               "access_token": "zalo-oa-access-token"}

# The rows of the tipline table in docs/ROLES.md: a staff action and the cases that prove it.
TIPLINE_ROWS: dict[str, tuple[str, ...]] = {
    "Read the inbox, a tip, its images, a conversation (opening a tip, an image or a "
    "conversation is audited)": (
        "inbox_tips", "tip_for_staff", "tip_media_for_staff", "conversation_for_staff",
        "tipline_staff:inbox", "tipline_staff:tip", "tipline_staff:media", "tipline:conversation",
    ),
    "Correct the words read from a tip's image (audited without the words)": (
        "tipline_staff:image_text",
    ),
    "Read the reply templates, the legal answers and the authority units": (
        "tipline_staff:templates-page", "tipline_staff:legal-page",
        "tipline_staff:authorities-page",
    ),
    "Reply to a tip": (
        "tip_reply", "tipline_staff:reply", "tip_auto_answer_review", "tipline_staff:auto_answer",
    ),
    "Attach a tip to a claim, create a claim from it": (
        "tip_attach", "tip_claim_create", "tipline_staff:attach", "tipline_staff:claim_create",
    ),
    "Close a tip, reopen it": (
        "tip_close", "tip_reopen", "tipline_staff:close", "tipline_staff:reopen",
    ),
    "Forward a violation report to an authority unit": ("tip_forward", "tipline_staff:forward"),
    "Block a sender, unblock them": (
        "sender_block", "sender_unblock", "tipline_staff:sender_block",
        "tipline_staff:sender_unblock",
    ),
    "Reply templates": (
        "reply_template_save", "reply_template_delete",
        "tipline_staff:templates", "tipline_staff:template_delete",
    ),
    "Legal Q&A knowledge base": (
        "legal_answer_save", "legal_answer_delete",
        "tipline_staff:legal", "tipline_staff:legal_delete",
    ),
    "Authority units": ("authority_unit_save", "tipline_staff:authorities"),
    "Tipline channels: set up, turn on and off, send a test (Kênh nhận tin)": (
        "channel_save", "channel_switch", "channel_check",
        "tipline_channels:channels", "tipline_channels:channel",
        "tipline_channels:channel_switch", "tipline_channels:channel_check",
    ),
    "Take a conversation over, chat in it, hand it back to the bot": (
        "conversation_take_over", "staff_reply", "conversation_release",
        "tipline:take_over", "tipline:reply", "tipline:release",
    ),
}


# Scenes, set by an admin


def _violation(team: Any) -> Tip:
    return tip_received(team, text=VIOLATION, category="violation")


def _unit(team: Any) -> AuthorityUnit:
    return services_staff.authority_unit_save(
        workspace=team.workspace, actor=team.admin, name=UNIT_NAME, email="tiepnhan@soyte.vn"
    )


def _violation_and_unit(team: Any) -> tuple[Tip, AuthorityUnit]:
    return _violation(team), _unit(team)


def _tip_and_claim(team: Any) -> tuple[Tip, Any]:
    return tip_received(team), claim_opened(team)


def _answer_waiting(team: Any) -> Tip:
    """A tip whose automatic answer waits for staff (held back, so no fact-check is needed)."""
    tip = tip_received(team)
    tip.auto_decision, tip.auto_state = "related", "pending"
    tip.save(update_fields=["auto_decision", "auto_state"])
    return tip


def _closed(team: Any) -> Tip:
    return services_staff.tip_close(tip=tip_received(team), actor=team.admin)


def _blocked(team: Any) -> Sender:
    sender = tip_received(team).conversation.sender
    return services_staff.sender_block(sender=sender, actor=team.admin)


def _conversation(team: Any) -> Conversation:
    return tip_received(team).conversation


def _taken_over(team: Any) -> Conversation:
    return services_staff.conversation_take_over(conversation=_conversation(team), actor=team.admin)


def _template(team: Any) -> ReplyTemplate:
    return services_staff.reply_template_save(
        workspace=team.workspace, actor=team.admin, title=TEMPLATE_TITLE, text=REPLY
    )


def _zalo_channel(team: Any) -> Channel:
    """The team's Zalo OA, set up by the admin (no platform is asked)."""
    return services_channels.channel_save(
        workspace=team.workspace, actor=team.admin, kind="zalo", name=CHANNEL_NAME,
        values=ZALO_VALUES,
    ).channel


def _zalo_without_token(team: Any) -> Channel:
    """A Zalo channel whose check stops before asking the platform: it has no access token."""
    return Channel.objects.create(workspace=team.workspace, kind="zalo", name=CHANNEL_NAME)


def _legal_answer(team: Any) -> LegalAnswer:
    return services_staff.legal_answer_save(
        workspace=team.workspace,
        actor=team.admin,
        question=QUESTION,
        answer="Có thể bị phạt tiền theo Nghị định 15/2020/NĐ-CP.",
        source="Nghị định 15/2020/NĐ-CP, Điều 101",
    )


TIPLINE_SERVICE_CASES: dict[Action, dict[str, ServiceCase]] = {
    Action.HANDLE_TIPS: {
        "inbox_tips": ServiceCase(
            tip_received,
            lambda team, _, user: inbox_selectors.inbox_tips(workspace=team.workspace, user=user),
            writes=False,
        ),
        # Reading a tip or a conversation is audited like a change.
        "tip_for_staff": ServiceCase(
            tip_received,
            lambda team, tip, user: inbox_selectors.tip_for_staff(
                workspace=team.workspace, user=user, tip_id=tip.pk
            ),
        ),
        "tip_media_for_staff": ServiceCase(
            tip_image_received,
            lambda team, media, user: inbox_selectors.tip_media_for_staff(
                workspace=team.workspace, user=user, tip_id=media.tip_id, media_id=media.pk
            ),
        ),
        "conversation_for_staff": ServiceCase(
            _conversation,
            lambda team, conversation, user: selectors.conversation_for_staff(
                workspace=team.workspace, user=user, conversation_id=conversation.pk
            ),
        ),
        "tip_reply": ServiceCase(
            tip_received,
            lambda team, tip, user: services_staff.tip_reply(tip=tip, actor=user, text=REPLY),
        ),
        "tip_auto_answer_review": ServiceCase(
            _answer_waiting,
            lambda team, tip, user: services_staff.tip_auto_answer_review(
                tip=tip, actor=user, approve=False
            ),
        ),
        "tip_attach": ServiceCase(
            _tip_and_claim,
            lambda team, scene, user: services_staff.tip_attach(
                tip=scene[0], claim=scene[1], actor=user
            ),
        ),
        "tip_claim_create": ServiceCase(
            tip_received,
            lambda team, tip, user: services_staff.tip_claim_create(
                tip=tip, actor=user, text=NEW_CLAIM
            ),
        ),
        "tip_close": ServiceCase(
            tip_received, lambda team, tip, user: services_staff.tip_close(tip=tip, actor=user)
        ),
        "tip_reopen": ServiceCase(
            _closed, lambda team, tip, user: services_staff.tip_reopen(tip=tip, actor=user)
        ),
        "tip_forward": ServiceCase(
            _violation_and_unit,
            lambda team, scene, user: tip_forward(tip=scene[0], unit=scene[1], actor=user),
        ),
        "sender_block": ServiceCase(
            lambda team: tip_received(team).conversation.sender,
            lambda team, sender, user: services_staff.sender_block(sender=sender, actor=user),
        ),
        "sender_unblock": ServiceCase(
            _blocked,
            lambda team, sender, user: services_staff.sender_unblock(sender=sender, actor=user),
        ),
        "reply_template_save": ServiceCase(
            nothing,
            lambda team, _, user: services_staff.reply_template_save(
                workspace=team.workspace, actor=user, title=TEMPLATE_TITLE, text=REPLY
            ),
        ),
        "reply_template_delete": ServiceCase(
            _template,
            lambda team, template, user: services_staff.reply_template_delete(
                template=template, actor=user
            ),
        ),
        "conversation_take_over": ServiceCase(
            _conversation,
            lambda team, conversation, user: services_staff.conversation_take_over(
                conversation=conversation, actor=user
            ),
        ),
        "staff_reply": ServiceCase(
            _taken_over,
            lambda team, conversation, user: services_staff.staff_reply(
                conversation=conversation, actor=user, text=REPLY
            ),
        ),
        "conversation_release": ServiceCase(
            _taken_over,
            lambda team, conversation, user: services_staff.conversation_release(
                conversation=conversation, actor=user
            ),
        ),
    },
    Action.REVIEW: {
        "legal_answer_save": ServiceCase(
            nothing,
            lambda team, _, user: services_staff.legal_answer_save(
                workspace=team.workspace,
                actor=user,
                question=QUESTION,
                answer="Có thể bị phạt tiền.",
                source="Nghị định 15/2020/NĐ-CP, Điều 101",
            ),
        ),
        "legal_answer_delete": ServiceCase(
            _legal_answer,
            lambda team, entry, user: services_staff.legal_answer_delete(entry=entry, actor=user),
        ),
    },
    Action.MANAGE_WORKSPACE: {
        "authority_unit_save": ServiceCase(
            nothing,
            lambda team, _, user: services_staff.authority_unit_save(
                workspace=team.workspace, actor=user, name=UNIT_NAME, email="tiepnhan@soyte.vn"
            ),
        ),
        "channel_save": ServiceCase(
            nothing,
            lambda team, _, user: services_channels.channel_save(
                workspace=team.workspace, actor=user, kind="zalo", values=ZALO_VALUES
            ),
        ),
        "channel_switch": ServiceCase(
            _zalo_channel,
            lambda team, channel, user: services_channels.channel_switch(
                channel=channel, actor=user, active=False
            ),
        ),
        # Asking the platform changes nothing, but who asked it is recorded.
        "channel_check": ServiceCase(
            _zalo_without_token,
            lambda team, channel, user: services_channels.channel_check(
                channel=channel, actor=user
            ),
        ),
    },
}


# What the pages change, read back from the database


def _scene_tip_url(name: str) -> Any:
    return lambda team, scene: reverse(name, args=[scene[0].pk])


def _tip_fields(*fields: str) -> Any:
    return lambda team, tip: list(Tip.objects.filter(pk=tip.pk).values_list(*fields))


def _scene_tip_fields(*fields: str) -> Any:
    return lambda team, scene: list(Tip.objects.filter(pk=scene[0].pk).values_list(*fields))


def _tip_views(team: Any, tip: Tip) -> int:
    return AuditEvent.objects.filter(action="tip.view", object_id=str(tip.pk)).count()


def _replies(team: Any, tip: Tip) -> tuple[int, str]:
    tip.refresh_from_db()
    return tip.messages.filter(direction="out").count(), tip.state


def _claim_of(team: Any, tip: Tip) -> str | None:
    claim_id = Tip.objects.get(pk=tip.pk).claim_id
    return Claim.objects.get(pk=claim_id).text if claim_id else None


def _our(model: Any, field: str) -> Any:
    def read(team: Any, _: Any) -> list[Any]:
        rows = model.objects.filter(workspace=team.workspace).order_by("pk")
        return list(rows.values_list(field, flat=True))

    return read


def _mode(team: Any, conversation: Conversation) -> tuple[str, int]:
    conversation.refresh_from_db()
    return conversation.mode, conversation.messages.filter(direction="out").count()


def _blocked_tip(team: Any) -> Tip:
    tip = tip_received(team)
    services_staff.sender_block(sender=tip.conversation.sender, actor=team.admin)
    return tip


def _blocked_senders(team: Any, tip: Tip) -> int:
    return Sender.objects.filter(workspace=team.workspace, blocked_at__isnull=False).count()


def _shows_the_tip(team: Any, html: str) -> bool:
    return Tip.objects.get(workspace=team.workspace).tracking_code in html


def _media_url(team: Any, media: TipMedia) -> str:
    return reverse("tipline_staff:media", args=[media.tip_id, media.pk])


def _image_read(team: Any) -> TipMedia:
    """A tip's image whose words were read (the row staff correct)."""
    media = tip_image_received(team)
    TipImageText.objects.update_or_create(media=media, defaults={"state": "read"})
    return media


def _image_text_url(team: Any, media: TipMedia) -> str:
    return reverse("tipline_staff:image_text", args=[media.tip_id, media.pk])


def _image_words(team: Any, media: TipMedia) -> tuple[str, Any]:
    row = TipImageText.objects.get(media=media)
    return row.text, row.corrected_by_id


def _media_views(team: Any, media: TipMedia) -> int:
    return AuditEvent.objects.filter(action="tip.media.view", object_id=str(media.tip_id)).count()


def _serves_the_image(team: Any, body: str) -> bool:
    """The answer is the stored image itself (the body as the view tests decode it)."""
    media = TipMedia.objects.get(tip__workspace=team.workspace)
    with media.file.open("rb") as file:
        return body == file.read().decode("utf-8", "surrogateescape")


def _conversation_views(team: Any, conversation: Conversation) -> int:
    return AuditEvent.objects.filter(
        action="conversation.view", object_id=str(conversation.pk)
    ).count()


def _our_events(team: Any, _: Any) -> int:
    return AuditEvent.objects.filter(workspace=team.workspace).count()


def _settings_page(name: str, prepare: Any, shown: str) -> ViewCase:
    """The GET of a list page (templates, legal answers, authority units) with one entry."""
    return ViewCase(
        prepare,
        page_url(name),
        None,
        _our_events,
        unchanged,
        names_an_object=False,
        shows_ours=lambda team, html: shown in html,
    )


TIPLINE_VIEW_CASES: dict[Action, dict[str, ViewCase]] = {
    Action.HANDLE_TIPS: {
        "tipline_staff:inbox": ViewCase(
            tip_received,
            page_url("tipline_staff:inbox"),
            None,
            _our(AuditEvent, "action"),
            unchanged,
            names_an_object=False,
            shows_ours=_shows_the_tip,
        ),
        "tipline_staff:tip": ViewCase(
            tip_received,
            object_url("tipline_staff:tip"),
            None,
            _tip_views,
            lambda team, tip, user, before: before + 1,
            shows_ours=_shows_the_tip,
        ),
        "tipline_staff:image_text": ViewCase(
            _image_read,
            _image_text_url,
            lambda team, _: {"text": "Công văn số 12 về việc phạt xe đạp điện"},
            _image_words,
            lambda team, media, user, before: (
                "Công văn số 12 về việc phạt xe đạp điện", user.pk
            ),
        ),
        "tipline_staff:media": ViewCase(
            tip_image_received,
            _media_url,
            None,
            _media_views,
            lambda team, media, user, before: before + 1,
            shows_ours=_serves_the_image,
        ),
        "tipline:conversation": ViewCase(
            _conversation,
            object_url("tipline:conversation"),
            None,
            _conversation_views,
            lambda team, conversation, user, before: before + 1,
            shows_ours=_shows_the_tip,
        ),
        # Reading the lists is handling tips; changing them may ask for more (below).
        "tipline_staff:templates-page": _settings_page(
            "tipline_staff:templates", _template, TEMPLATE_TITLE
        ),
        "tipline_staff:legal-page": _settings_page("tipline_staff:legal", _legal_answer, QUESTION),
        "tipline_staff:authorities-page": _settings_page(
            "tipline_staff:authorities", _unit, UNIT_NAME
        ),
        "tipline_staff:reply": ViewCase(
            tip_received,
            object_url("tipline_staff:reply"),
            lambda team, _: {"text": REPLY},
            _replies,
            lambda team, tip, user, before: (before[0] + 1, "answered"),
        ),
        "tipline_staff:auto_answer": ViewCase(
            _answer_waiting,
            object_url("tipline_staff:auto_answer"),
            lambda team, _: {"send": "0"},
            _tip_fields("auto_state"),
            becomes([("rejected",)]),
        ),
        "tipline_staff:attach": ViewCase(
            _tip_and_claim,
            _scene_tip_url("tipline_staff:attach"),
            lambda team, scene: {"claim": scene[1].pk, "url": "", "note": ""},
            _scene_tip_fields("claim_id", "state"),
            lambda team, scene, user, before: [(scene[1].pk, "in_progress")],
        ),
        "tipline_staff:claim_create": ViewCase(
            tip_received,
            object_url("tipline_staff:claim_create"),
            lambda team, _: {"text": NEW_CLAIM, "topic": "", "url": ""},
            _claim_of,
            becomes(NEW_CLAIM),
        ),
        "tipline_staff:close": ViewCase(
            tip_received,
            object_url("tipline_staff:close"),
            lambda team, _: {},
            _tip_fields("state"),
            becomes([("closed",)]),
        ),
        "tipline_staff:reopen": ViewCase(
            _closed,
            object_url("tipline_staff:reopen"),
            lambda team, _: {},
            _tip_fields("state"),
            becomes([("new",)]),
        ),
        "tipline_staff:sender_block": ViewCase(
            tip_received,
            object_url("tipline_staff:sender_block"),
            lambda team, _: {},
            _blocked_senders,
            becomes(1),
        ),
        "tipline_staff:sender_unblock": ViewCase(
            _blocked_tip,
            object_url("tipline_staff:sender_unblock"),
            lambda team, _: {},
            _blocked_senders,
            becomes(0),
        ),
        "tipline_staff:forward": ViewCase(
            _violation_and_unit,
            _scene_tip_url("tipline_staff:forward"),
            lambda team, scene: {"unit": scene[1].pk},
            _scene_tip_fields("state", "forwarded_to__name"),
            becomes([("forwarded", UNIT_NAME)]),
        ),
        "tipline_staff:templates": ViewCase(
            nothing,
            page_url("tipline_staff:templates"),
            lambda team, _: {"title": TEMPLATE_TITLE, "category": "", "text": REPLY,
                             "is_active": "on"},
            _our(ReplyTemplate, "title"),
            lambda team, _, user, before: [*before, TEMPLATE_TITLE],
            names_an_object=False,
        ),
        "tipline_staff:template_delete": ViewCase(
            _template,
            object_url("tipline_staff:template_delete"),
            lambda team, _: {},
            _our(ReplyTemplate, "title"),
            becomes([]),
        ),
        "tipline:take_over": ViewCase(
            _conversation,
            object_url("tipline:take_over"),
            lambda team, _: {},
            _mode,
            lambda team, _, user, before: ("human", before[1]),
        ),
        "tipline:reply": ViewCase(
            _taken_over,
            object_url("tipline:reply"),
            lambda team, _: {"text": REPLY},
            _mode,
            lambda team, _, user, before: ("human", before[1] + 1),
        ),
        "tipline:release": ViewCase(
            _taken_over,
            object_url("tipline:release"),
            lambda team, _: {},
            _mode,
            lambda team, _, user, before: ("bot", before[1]),
        ),
    },
    Action.REVIEW: {
        "tipline_staff:legal": ViewCase(
            nothing,
            page_url("tipline_staff:legal"),
            lambda team, _: {
                "question": QUESTION,
                "answer": "Có thể bị phạt tiền.",
                "source": "Nghị định 15/2020/NĐ-CP, Điều 101",
                "source_url": "",
                "is_published": "on",
            },
            _our(LegalAnswer, "question"),
            lambda team, _, user, before: [*before, QUESTION],
            names_an_object=False,
        ),
        "tipline_staff:legal_delete": ViewCase(
            _legal_answer,
            object_url("tipline_staff:legal_delete"),
            lambda team, _: {},
            _our(LegalAnswer, "question"),
            becomes([]),
        ),
    },
    Action.MANAGE_WORKSPACE: {
        "tipline_channels:channels": ViewCase(
            _zalo_channel,
            page_url("tipline_channels:channels"),
            None,
            _our_events,
            unchanged,
            names_an_object=False,
            shows_ours=lambda team, html: CHANNEL_NAME in html,
        ),
        "tipline_channels:channel": ViewCase(
            nothing,
            lambda team, _: reverse("tipline_channels:channel", args=["zalo"]),
            lambda team, _: {"name": CHANNEL_NAME, **ZALO_VALUES},
            _our(Channel, "name"),
            lambda team, _, user, before: [*before, CHANNEL_NAME],
            names_an_object=False,
        ),
        "tipline_channels:channel_switch": ViewCase(
            _zalo_channel,
            lambda team, _: reverse("tipline_channels:channel_switch", args=["zalo"]),
            lambda team, _: {"active": "0"},
            _our(Channel, "is_active"),
            becomes([False]),
            names_an_object=False,
        ),
        "tipline_channels:channel_check": ViewCase(
            _zalo_without_token,
            lambda team, _: reverse("tipline_channels:channel_check", args=["zalo"]),
            lambda team, _: {},
            _our(Channel, "is_active"),
            unchanged,
            names_an_object=False,
        ),
        "tipline_staff:authorities": ViewCase(
            nothing,
            page_url("tipline_staff:authorities"),
            lambda team, _: {"name": UNIT_NAME, "email": "tiepnhan@soyte.vn", "categories": "",
                             "note": "", "is_active": "on"},
            _our(AuthorityUnit, "name"),
            lambda team, _, user, before: [*before, UNIT_NAME],
            names_an_object=False,
        ),
    },
}
