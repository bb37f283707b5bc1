"""A Telegram channel: the fact-check sent by the team's bot, an admin of the channel."""

from __future__ import annotations

import html
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kiemchung.publishing.outlets.base import (
    ConfigField,
    OutletAdapter,
    OutletError,
    Post,
    Sent,
    call_json,
    fitted,
    status_error,
    unexpected_answer,
)

# Telegram's limit on a message, in UTF-16 code units of the text once the HTML is parsed.
TEXT_LIMIT = 4096
CHAT_ID = re.compile(r"^(@[A-Za-z][A-Za-z0-9_]{3,31}|-?[0-9]{1,20})$")
BOT_TOKEN = re.compile(r"^[0-9]{1,20}:[A-Za-z0-9_-]{20,}$")


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def message_html(post: Post) -> str:
    """The message in Telegram's HTML: the title in bold, the link on its own line."""
    esc = html.escape
    parts = [f"<b>{esc(post.title)}</b>"] if post.title else []
    parts.append(f"{esc(post.claim_label)}: “{esc(post.claim)}”")
    if post.rating:
        parts.append(f"{esc(post.rating_label)}: <b>{esc(post.rating)}</b>")
    if post.summary:
        parts.append(esc(post.summary))
    parts.append(f'{esc(post.read_more_label)}: <a href="{esc(post.url)}">{esc(post.url)}</a>')
    return "\n\n".join(parts)


def bot_api_error(status: int, data: Any) -> OutletError:
    """The Bot API's {"ok": false, "error_code", "description", "parameters"} as OutletError."""
    if not isinstance(data, dict) or data.get("ok") is not False:
        return unexpected_answer(status)
    code = data.get("error_code", status)
    description = str(data.get("description") or _("Lỗi không rõ"))
    parameters = data.get("parameters") if isinstance(data.get("parameters"), dict) else {}
    retry_after = parameters.get("retry_after") if parameters else None
    if code == 429 or isinstance(retry_after, int | float):
        wait = float(retry_after) if isinstance(retry_after, int | float) else None
        return OutletError(description, retryable=True, retry_after=wait)
    if isinstance(code, int):
        return status_error(code, description)
    return status_error(status, description)


class TelegramChannel(OutletAdapter):
    kind = "telegram_channel"
    base_url_setting = "TELEGRAM_API_URL"
    # The Bot API tells a bot nothing about who saw a channel post (no view count, no
    # reactions), so its figures come from the channel's statistics, imported as a CSV.
    offers_engagement = False
    fields = (
        ConfigField(
            "chat_id",
            gettext_lazy("Kênh"),
            gettext_lazy("@ten_kenh, hoặc ID dạng -100… của kênh riêng tư."),
        ),
        ConfigField(
            "bot_token",
            gettext_lazy("Mã bot"),
            gettext_lazy("Mã BotFather cấp; bot phải là quản trị viên của kênh."),
            secret=True,
        ),
    )

    @classmethod
    def clean(cls, values: dict[str, str]) -> dict[str, str]:
        chat_id = values.get("chat_id", "").strip()
        if chat_id and not CHAT_ID.match(chat_id):
            raise ValidationError(
                {"chat_id": _("Kênh phải có dạng @ten_kenh hoặc là một ID bằng số.")}
            )
        token = values.get("bot_token", "").strip()
        if token and not BOT_TOKEN.match(token):
            raise ValidationError({"bot_token": _("Mã bot không đúng dạng 123456:ABC…")})
        return values

    def target(self) -> str:
        return self.setting("chat_id")

    def send(self, post: Post, *, delivery_key: str) -> Sent:
        chat_id, token = self.setting("chat_id"), self.setting("bot_token")
        if not chat_id or not token:
            raise OutletError(_("Kênh chưa có tên kênh hoặc mã bot."), retryable=False)
        text = message_html(fitted(post, limit=TEXT_LIMIT, length=utf16_length))
        status, data = call_json(
            f"{self.base_url}/bot{token}/sendMessage",
            json_body={
                "chat_id": chat_id,
                "text": text,
                "parse_mode": "HTML",
                "link_preview_options": {"url": post.url, "prefer_large_media": True},
            },
        )
        if status == 200 and isinstance(data, dict) and data.get("ok") is True:
            result = data.get("result")
            message_id = result.get("message_id", "") if isinstance(result, dict) else ""
            return Sent(external_id=str(message_id))
        raise bot_api_error(status, data)
