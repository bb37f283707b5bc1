"""Telegram bot: webhook with the secret token set through setWebhook, replies by sendMessage,
photos fetched by getFile and the bot's file download address."""

from __future__ import annotations

import hmac
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from pydantic import Field

from kiemchung.tipline.channels.base import (
    MAX_IMAGE_REFERENCE,
    ChannelAdapter,
    ChannelCheck,
    ChannelError,
    InboundEvent,
    StrictModel,
    WebhookRejected,
    check_fresh,
    image_max_bytes,
    image_too_large,
    json_load,
    validate,
)

VERIFY_HEADER = "X-Telegram-Bot-Api-Secret-Token"
_ATTACHMENT_KINDS = ("photo", "document", "audio", "voice", "video", "video_note", "sticker")
# A photo sent "as a file" keeps its size and metadata; it is still an image the flow accepts.
_IMAGE_DOCUMENTS = {"image/jpeg", "image/png", "image/webp"}
# getFile answers paths like "photos/file_12.jpg"; anything else is not followed.
_FILE_PATH = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]*(?:/[A-Za-z0-9_-][A-Za-z0-9_.-]*)*")


class _User(StrictModel):
    id: int
    is_bot: bool = False


class _Chat(StrictModel):
    id: int
    type: str


class _PhotoSize(StrictModel):
    file_id: str
    width: int
    height: int
    file_size: int | None = None


class _Document(StrictModel):
    file_id: str
    mime_type: str | None = None


class _Message(StrictModel):
    message_id: int
    date: int
    chat: _Chat
    sender: _User | None = Field(default=None, alias="from")
    text: str | None = None
    caption: str | None = None
    photo: list[_PhotoSize] | None = None
    document: _Document | None = None
    audio: dict[str, Any] | None = None
    voice: dict[str, Any] | None = None
    video: dict[str, Any] | None = None
    video_note: dict[str, Any] | None = None
    sticker: dict[str, Any] | None = None
    media_group_id: str | None = None


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
        images = _image_references(message)
        document_is_image = message.document is not None and (
            message.document.mime_type in _IMAGE_DOCUMENTS
        )
        kinds = tuple(
            "image" if name == "photo" or (name == "document" and document_is_image) else name
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
                images=images,
                group=message.media_group_id or "",
            )
        ]

    def _api(self, method: str) -> str:
        return f"{settings.TELEGRAM_API_URL}/bot{self.credentials.get('bot_token', '')}/{method}"

    def image_download(self, *, reference: str) -> bytes:
        """getFile for the file id, then the file from the bot's download address."""
        token = self.credentials.get("bot_token", "")
        if not token:
            raise ChannelError(_("Kênh Telegram chưa có mã bot (bot token)."), retryable=False)
        result, data = self.post_json(self._api("getFile"), {"file_id": reference})
        if not (isinstance(data, dict) and data.get("ok") is True):
            raise _api_error(result.status_code, data)
        info: dict[str, Any] = data["result"] if isinstance(data.get("result"), dict) else {}
        size = info.get("file_size")
        if isinstance(size, int) and size > image_max_bytes():
            # Known from getFile: refused before a byte of it is downloaded.
            raise image_too_large()
        path = info.get("file_path")
        if not isinstance(path, str) or not _FILE_PATH.fullmatch(path):
            raise ChannelError(_("Telegram không cho đường dẫn tải ảnh."), retryable=False)
        return self.download(f"{settings.TELEGRAM_API_URL}/file/bot{token}/{path}")

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
        raise _api_error(result.status_code, data)

    def check(self, *, address: str) -> ChannelCheck:
        """getMe proves the bot token and names the bot; getWebhookInfo tells whether Telegram
        sends the bot's messages to `address`."""
        if not self.credentials.get("bot_token"):
            raise ChannelError(_("Kênh Telegram chưa có mã bot (bot token)."), retryable=False)
        result, data = self.post_json(self._api("getMe"), {})
        me = data.get("result") if isinstance(data, dict) and data.get("ok") is True else None
        if not isinstance(me, dict):
            raise _refusal(result.status_code, data)
        username = str(me.get("username") or "")
        bot = str(me.get("first_name") or "") + (f" (@{username})" if username else "")
        summary = _("Telegram nhận mã bot: đây là bot %(bot)s.") % {"bot": bot.strip()}
        notes: list[str] = []
        warnings: list[str] = []
        result, data = self.post_json(self._api("getWebhookInfo"), {})
        info = data.get("result") if isinstance(data, dict) and data.get("ok") is True else None
        if not isinstance(info, dict):
            warnings.append(
                _("Telegram không cho biết bot gửi tin tới đâu: %(error)s")
                % {"error": _api_error(result.status_code, data).message}
            )
            return ChannelCheck(ok=True, summary=summary, warnings=tuple(warnings))
        url = str(info.get("url") or "")
        if not url:
            warnings.append(
                _("Telegram chưa gửi tin của bot tới đâu: bấm “Đăng ký với Telegram”.")
            )
        elif url != address:
            warnings.append(
                _(
                    "Telegram đang gửi tin của bot tới một địa chỉ khác (%(url)s): bấm “Đăng "
                    "ký với Telegram” để đổi."
                )
                % {"url": url}
            )
        else:
            notes.append(_("Telegram gửi tin của bot tới đúng địa chỉ của kênh."))
        pending = info.get("pending_update_count")
        if isinstance(pending, int) and pending > 0:
            notes.append(
                ngettext(
                    "%(count)d tin đang chờ Telegram gửi tới.",
                    "%(count)d tin đang chờ Telegram gửi tới.",
                    pending,
                )
                % {"count": pending}
            )
        last_error = str(info.get("last_error_message") or "")
        if last_error:
            warnings.append(
                _("Lần gần nhất Telegram gửi tin tới không được: %(error)s")
                % {"error": last_error[:300]}
            )
        return ChannelCheck(
            ok=True, summary=summary, notes=tuple(notes), warnings=tuple(warnings)
        )

    def set_webhook(self, *, url: str) -> str:
        """Register URL and the secret token with Telegram; returns Telegram's description."""
        result, data = self.post_json(
            self._api("setWebhook"),
            {
                "url": url,
                "secret_token": self.credentials.get("secret_token", ""),
                "allowed_updates": ["message"],
                "max_connections": 40,
            },
        )
        if isinstance(data, dict) and data.get("ok") is True:
            return str(data.get("description") or "ok")
        message = data.get("description") if isinstance(data, dict) else None
        raise ChannelError(
            str(message or _("Telegram trả lỗi %(status)d") % {"status": result.status_code}),
            retryable=False,
        )


def _image_references(message: _Message) -> tuple[str, ...]:
    """The file id of the photo's largest size (Telegram sends several), and of a document
    that is an image."""
    references: list[str] = []
    if message.photo:
        largest = max(message.photo, key=lambda p: (p.width * p.height, p.file_size or 0))
        references.append(largest.file_id)
    if message.document is not None and message.document.mime_type in _IMAGE_DOCUMENTS:
        references.append(message.document.file_id)
    return tuple(r for r in references if r and len(r) <= MAX_IMAGE_REFERENCE)


def _refusal(status_code: int, data: Any) -> ChannelError:
    """Telegram's answer to a bot token it does not take, in words for the admin."""
    error = _api_error(status_code, data)
    # A wrong or revoked token is 401 Unauthorized; one of the wrong shape is 404 Not Found.
    if status_code in (401, 404):
        return ChannelError(
            _(
                "Telegram không nhận mã bot (%(error)s): mã sai hoặc đã bị thu hồi. Lấy mã "
                "mới từ @BotFather bằng lệnh /token."
            )
            % {"error": error.message},
            retryable=False,
        )
    return ChannelError(
        _("Telegram trả lời: %(error)s") % {"error": error.message}, retryable=error.retryable
    )


def _api_error(status_code: int, data: Any) -> ChannelError:
    """The Bot API's own description of a refusal; 429 and 5xx may clear up later."""
    description = ""
    code = status_code
    if isinstance(data, dict):
        description = str(data.get("description") or "")
        code = int(data.get("error_code") or code)
    return ChannelError(
        description or _("Telegram trả lỗi %(status)d") % {"status": status_code},
        retryable=code == 429 or code >= 500,
    )
