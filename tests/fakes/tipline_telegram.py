"""Telegram as the tipline's tests see it: updates it would POST with the secret token, and a
Bot API that checks replies as Telegram does."""

from __future__ import annotations

import itertools
import json
import time
from typing import Any

from tests.fakes.tipline_api import Answer, FakeChatApi, Recorded

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
_update_ids = itertools.count(700_000_000)
_message_ids = itertools.count(1)


def update(
    *,
    user_id: int,
    text: str | None = None,
    update_id: int | None = None,
    date: int | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A private-chat message update as the Bot API sends it."""
    message: dict[str, Any] = {
        "message_id": next(_message_ids),
        "from": {"id": user_id, "is_bot": False, "first_name": "Lan", "language_code": "vi"},
        "chat": {"id": user_id, "type": "private", "first_name": "Lan"},
        "date": int(time.time()) if date is None else date,
    }
    if text is not None:
        message["text"] = text
    message.update(extra or {})
    return {"update_id": next(_update_ids) if update_id is None else update_id, "message": message}


def signed(payload: dict[str, Any], secret_token: str) -> tuple[bytes, dict[str, str]]:
    """The body and headers Telegram sends (the secret token set through setWebhook)."""
    return json.dumps(payload).encode(), {SECRET_HEADER: secret_token}


class FakeTelegramApi(FakeChatApi):
    """/bot<token>/sendMessage and /bot<token>/setWebhook, checked as Telegram checks them."""

    def __init__(self, *, bot_token: str) -> None:
        self.bot_token = bot_token
        super().__init__()

    def sent(self) -> list[Recorded]:
        return [r for r in self.requests if r.path.endswith("/sendMessage")]

    @staticmethod
    def _error(code: int, description: str) -> Answer:
        return Answer(code, {"ok": False, "error_code": code, "description": description})

    def answer(self, request: Recorded) -> Answer:
        prefix = f"/bot{self.bot_token}/"
        if not request.path.startswith(prefix):
            return self._error(401, "Unauthorized")
        method = request.path[len(prefix):]
        body = request.json if isinstance(request.json, dict) else {}
        if method == "setWebhook":
            if not str(body.get("url", "")).startswith("https://"):
                return self._error(400, "Bad Request: bad webhook: HTTPS url must be provided")
            if not body.get("secret_token"):
                self.problem("setWebhook without secret_token")
            return Answer(200, {"ok": True, "result": True, "description": "Webhook was set"})
        if method != "sendMessage":
            return self._error(404, "Not Found")
        text = body.get("text")
        if "chat_id" not in body:
            return self._error(400, "Bad Request: chat_id is empty")
        if not isinstance(text, str) or not text:
            return self._error(400, "Bad Request: message text is empty")
        if len(text) > 4096:
            self.problem("text longer than 4096")
            return self._error(400, "Bad Request: message is too long")
        return Answer(200, {"ok": True, "result": {"message_id": len(self.requests),
                                                   "chat": {"id": body["chat_id"]}}})
