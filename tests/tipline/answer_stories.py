"""Scenes of the answers, inbox, forwarding and legal tests: a published fact-check in the index,
tipsters writing on the chat channels (platforms faked on 127.0.0.1), their tips."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.utils import timezone
from tests.claims.matching_stories import LEMON, lemon_published, opened, publish
from tests.fakes import tipline_messenger as messenger
from tests.fakes import tipline_telegram as telegram
from tests.fakes import tipline_zalo as zalo
from tests.tipline.conftest import META_SECRET, TELEGRAM_SECRET, ZALO_APP_ID, ZALO_SECRET

from kiemchung.tipline import answers, services
from kiemchung.tipline.models import Conversation, Tip

__all__ = ["LEMON", "lemon_published", "opened", "publish"]

# How a tipster would ask about the lemon claim the team has published a verdict on.
LEMON_TIP = "Uống nước chanh ấm mỗi sáng giúp chữa khỏi ung thư, có đúng không?"
# Nothing the team has checked.
NEW_RUMOUR = "Nghe nói từ tháng sau mỗi hộ dân phải đóng phí 500 nghìn đồng để giữ sổ đỏ"


@pytest.fixture
def index_in_tmp(settings, tmp_path) -> Iterator[Any]:
    """Saved matching indexes go to this test's folder; the embedding cache stays shared."""
    from kiemchung.claims import matching
    from kiemchung.tipline import legal

    settings.MATCHING_INDEX_ROOT = tmp_path / "index"
    matching.forget_replicas()
    legal.forget_indexes()
    yield tmp_path / "index"
    matching.forget_replicas()
    legal.forget_indexes()


@pytest.fixture
def say(client, tipline, deliver) -> Callable[..., list[dict[str, Any]]]:
    """A tipster writes on a chat channel (the webhook as the platform posts it, then what the
    worker would do); returns the platform API requests the bot made meanwhile."""

    def send(
        text: str = "",
        *,
        kind: str = "telegram",
        user: str = "4242",
        quick_reply: str | None = None,
    ) -> list[dict[str, Any]]:
        if kind == "telegram":
            api = tipline.telegram_api
            body, headers = telegram.signed(
                telegram.update(user_id=int(user), text=text), TELEGRAM_SECRET
            )
            channel = tipline.telegram
        elif kind == "messenger":
            api = tipline.send_api
            body, headers = messenger.signed(
                messenger.message_event(psid=user, text=text, quick_reply=quick_reply),
                app_secret=META_SECRET,
            )
            channel = tipline.messenger
        else:
            api = tipline.zalo_api
            body, headers = zalo.signed(
                zalo.event(app_id=ZALO_APP_ID, user_id=user, text=text),
                app_id=ZALO_APP_ID,
                secret=ZALO_SECRET,
            )
            channel = tipline.zalo
        before = len(api.sent())
        assert deliver(client, tipline.hook(channel), body, headers).status_code == 200
        return [r.json for r in api.sent()[before:]]

    return send


def text_of(request: Any) -> str:
    """The text of a sent message (a recorded request or its JSON), whatever the platform."""
    if not isinstance(request, dict):
        request = request.json
    if "text" in request:
        return str(request["text"])
    return str(request["message"]["text"])


def answer_from_flow(tip: Tip, text: str, *, choice: str = "") -> bool:
    """The tipster's next message read as the conversation flow reads it: recorded, then
    offered to answers.conversation_reply before anything else."""
    conversation = Conversation.objects.select_related("channel", "workspace").get(
        pk=tip.conversation_id
    )
    conversation.last_inbound_at = timezone.now()
    conversation.save(update_fields=["last_inbound_at", "updated_at"])
    message = services.message_record_in(conversation=conversation, text=text)
    return answers.conversation_reply(
        conversation=conversation, text=text, choice=choice, message=message
    )
