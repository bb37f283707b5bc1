"""Telegram bot: webhook with the secret token set through setWebhook, replies by sendMessage."""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from pydantic import Field

from kiemchung.core.http import FetchError, fetch
from kiemchung.tipline.channels.base import (
    ChannelAdapter,
    ChannelError,
    InboundEvent,
    StrictModel,
    WebhookRejected,
    check_fresh,
    json_load,
    tls_context,
    validate,
)

VERIFY_HEADER = "X-Telegram-Bot-Api-Secret-Token"
_ATTACHMENT_KINDS = ("photo", "document", "audio", "voice", "video", "video_note", "sticker")


class _User(StrictModel):
    id: int
    is_bot: bool = False


class _Chat(StrictModel):
    id: int
    type: str


class _Message(StrictModel):
    message_id: int
    date: int
    chat: _Chat
    sender: _User | None = Field(default=None, alias="from")
    text: str | None = None
    caption: str | None = None
    photo: list[dict[str, Any]] | None = None
    document: dict[str, Any] | None = None
    audio: dict[str, Any] | None = None
    voice: dict[str, Any] | None = None
    video: dict[str, Any] | None = None
    video_note: dict[str, Any] | None = None
    sticker: dict[str, Any] | None = None


class _Update(StrictModel):
    update_id: int
    message: _Message | None = None


class TelegramAdapter(ChannelAdapter):
    kind = "telegram"
    max_text = 4096
    has_buttons = True

    def verify(self, *, headers: Mapping[str, str], body: bytes) -> None:
        expected = self.secret("secret_token")
        given = headers.get(VERIFY_HEADER, "")
        if not hmac.compare_digest(given.encode(), expected.encode()):
            raise WebhookRejected("secret token does not match")

    def parse(self, body: bytes) -> list[InboundEvent]:
        update = validate(_Update, json_load(body))
        message = update.message
        # Edited messages, channel posts, member changes...: acknowledged and ignored.
        if message is None or message.chat.type != "private":
            return []
        if message.sender is not None and message.sender.is_bot:
            return []
        check_fresh(float(message.date))
        kinds = tuple(
            "image" if name == "photo" else name
            for name in _ATTACHMENT_KINDS
            if getattr(message, name) is not None
        )
        user_id = str(message.sender.id if message.sender else message.chat.id)
        return [
            InboundEvent(
                # update_id is what Telegram repeats when it retries a delivery.
                external_id=str(update.update_id),
                platform_user_id=user_id,
                reply_address=str(message.chat.id),
                sent_at=float(message.date),
                text=(message.text or message.caption or "").strip(),
                attachments=kinds,
            )
        ]

    def _api(self, method: str) -> str:
        return f"{settings.TELEGRAM_API_URL}/bot{self.credentials.get('bot_token', '')}/{method}"

    def send(
        self,
        *,
        address: str,
        text: str,
        buttons: list[list[str]],
        last_inbound_at: datetime | None,
    ) -> str:
        if not self.credentials.get("bot_token"):
            raise ChannelError(_("Kênh Telegram chưa có mã bot (bot token)."), retryable=False)
        payload: dict[str, Any] = {"chat_id": address, "text": text[: self.max_text]}
        if buttons:
            # A reply keyboard sends the label back as an ordinary message the flow reads.
            payload["reply_markup"] = {
                "keyboard": [[{"text": f"{i}. {label}"}] for i, (_p, label) in
                             enumerate(buttons, start=1)],
                "one_time_keyboard": True,
                "resize_keyboard": True,
            }
        else:
            payload["reply_markup"] = {"remove_keyboard": True}
        result, data = self.post_json(self._api("sendMessage"), payload)
        if isinstance(data, dict) and data.get("ok") is True:
            return str((data.get("result") or {}).get("message_id", ""))
        description = ""
        code = result.status_code
        if isinstance(data, dict):
            description = str(data.get("description") or "")
            code = int(data.get("error_code") or code)
        raise ChannelError(
            description or _("Telegram trả lỗi %(status)d") % {"status": result.status_code},
            retryable=code == 429 or code >= 500,
        )

    def set_webhook(self, *, url: str) -> str:
        """Register URL and the secret token with Telegram; returns Telegram's description."""
        try:
            result = fetch(
                self._api("setWebhook"),
                method="POST",
                json={
                    "url": url,
                    "secret_token": self.credentials.get("secret_token", ""),
                    "allowed_updates": ["message"],
                    "max_connections": 40,
                },
                max_bytes=64 * 1024,
                raise_for_status=False,
                ssl_context=tls_context(),
            )
        except FetchError as exc:
            raise ChannelError(exc.message, retryable=exc.retryable) from None
        data = json_load(result.content) if result.content else None
        if isinstance(data, dict) and data.get("ok") is True:
            return str(data.get("description") or "ok")
        message = data.get("description") if isinstance(data, dict) else None
        raise ChannelError(
            str(message or _("Telegram trả lỗi %(status)d") % {"status": result.status_code}),
            retryable=False,
        )
