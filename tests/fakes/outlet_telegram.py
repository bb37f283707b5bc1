"""A fake Telegram Bot API: POST /bot<token>/sendMessage to a channel."""

from __future__ import annotations

import html
import itertools
import re
from dataclasses import dataclass, field
from typing import Any

from fakes.outlet_server import Answer, FakeApi, Request

_TAGS = re.compile(r"<[^>]+>")
_ALLOWED_TAGS = re.compile(
    r"</?(b|strong|i|em|u|ins|s|strike|del|a|code|pre|span|tg-spoiler|blockquote)\b"
)


def bot_error(code: int, description: str, **parameters: Any) -> dict:
    error: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if parameters:
        error["parameters"] = parameters
    return error


def parsed_length(text: str) -> int:
    """Length of an HTML message once Telegram has parsed it, in UTF-16 code units."""
    plain = html.unescape(_TAGS.sub("", text))
    return len(plain.encode("utf-16-le")) // 2


@dataclass
class FakeBotApi(FakeApi):
    token: str = "123456789:AAHgoodTokenGoodTokenGoodToken"
    chat_id: str = "@kiemchung_test"
    messages: list[dict[str, Any]] = field(default_factory=list)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(100))

    def handle(self, request: Request) -> Answer:
        match = re.fullmatch(r"/bot([^/]+)/(\w+)", request.path)
        if match is None:
            return Answer(404, bot_error(404, "Not Found"))
        token, method = match.groups()
        if token != self.token:
            return Answer(401, bot_error(401, "Unauthorized"))
        if method != "sendMessage":
            return Answer(404, bot_error(404, "Not Found: method not found"))
        try:
            body = request.json
        except ValueError:
            return Answer(400, bot_error(400, "Bad Request: message text is empty"))
        if body.get("chat_id") != self.chat_id:
            return Answer(400, bot_error(400, "Bad Request: chat not found"))
        text = body.get("text") or ""
        if not text.strip():
            return Answer(400, bot_error(400, "Bad Request: message text is empty"))
        if body.get("parse_mode") == "HTML":
            for tag in _TAGS.findall(text):
                if not _ALLOWED_TAGS.match(tag):
                    return Answer(400, bot_error(
                        400, f"Bad Request: can't parse entities: Unsupported start tag {tag!r}"))
        if parsed_length(text) > 4096:
            return Answer(400, bot_error(400, "Bad Request: message is too long"))
        message_id = next(self._ids)
        self.messages.append({**body, "message_id": message_id})
        return Answer(200, {"ok": True, "result": {
            "message_id": message_id, "chat": {"id": -1001234567890, "type": "channel"},
            "date": 1767225600, "text": html.unescape(_TAGS.sub("", text))}})
