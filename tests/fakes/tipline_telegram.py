"""Telegram as the tipline's tests see it: updates it would POST with the secret token, and a
Bot API that checks replies as Telegram does and serves the files people send (getFile, then
the bot's download address with the token in the path)."""

from __future__ import annotations

import itertools
import json
import secrets
import time
from dataclasses import dataclass
from io import BytesIO
from typing import Any

from PIL import Image
from tests.fakes.tipline_api import Answer, FakeChatApi, Recorded, Served

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
_update_ids = itertools.count(700_000_000)
_message_ids = itertools.count(1)
# Bots may download files of up to 20 MB; getFile refuses larger ones.
BOT_DOWNLOAD_LIMIT = 20 * 1024 * 1024


@dataclass
class _File:
    path: str
    content: bytes
    size: int


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
    """/bot<token>/sendMessage, /bot<token>/setWebhook, /bot<token>/getWebhookInfo,
    /bot<token>/getMe, /bot<token>/getFile and /file/bot<token>/<file_path>, checked as
    Telegram checks them."""

    def __init__(self, *, bot_token: str, username: str = "KiemChungNhomBot") -> None:
        self.bot_token = bot_token
        self.username = username
        self.webhook_url = ""
        self.files: dict[str, _File] = {}
        self.paths_given: set[str] = set()
        super().__init__()

    def sent(self) -> list[Recorded]:
        return [r for r in self.requests if r.path.endswith("/sendMessage")]

    def photo(
        self, content: bytes, *, thumbnail: bytes | None = None, file_size: int | None = None
    ) -> list[dict[str, Any]]:
        """`message.photo` for CONTENT as Telegram sends it: PhotoSize objects, smallest first,
        each a file the bot can fetch. FILE_SIZE overrides the size getFile reports."""
        sizes = [self._file(thumbnail, None)] if thumbnail is not None else []
        sizes.append(self._file(content, file_size))
        return sizes

    def _file(self, content: bytes, file_size: int | None) -> dict[str, Any]:
        file_id = "AgACAgIAAxkBAAI" + secrets.token_urlsafe(24)
        size = len(content) if file_size is None else file_size
        self.files[file_id] = _File(f"photos/file_{len(self.files)}.jpg", content, size)
        try:
            with Image.open(BytesIO(content)) as image:
                width, height = image.size
        except OSError:
            width, height = 1280, 960
        return {"file_id": file_id, "file_unique_id": file_id[-16:], "width": width,
                "height": height, "file_size": size}

    def _get_file(self, body: dict[str, Any]) -> Answer:
        found = self.files.get(str(body.get("file_id", "")))
        if found is None:
            return self._error(400, "Bad Request: invalid file_id")
        result: dict[str, Any] = {"file_id": body["file_id"], "file_unique_id": "u",
                                  "file_size": found.size}
        if found.size > BOT_DOWNLOAD_LIMIT:
            return self._error(400, "Bad Request: file is too big")
        result["file_path"] = found.path
        self.paths_given.add(found.path)
        return Answer(200, {"ok": True, "result": result})

    def answer_get(self, request: Recorded) -> Served:
        prefix = f"/file/bot{self.bot_token}/"
        if not request.path.startswith(prefix):
            return Served(404, b'{"ok":false,"error_code":404,"description":"Not Found"}',
                          "application/json")
        path = request.path[len(prefix):]
        if path not in self.paths_given:
            self.problem("file downloaded without a file_path from getFile")
        found = next((f for f in self.files.values() if f.path == path), None)
        if found is None:
            return Served(404, b'{"ok":false,"error_code":404,"description":"Not Found"}',
                          "application/json")
        return Served(200, found.content, "application/octet-stream")

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
            self.webhook_url = str(body["url"])
            return Answer(200, {"ok": True, "result": True, "description": "Webhook was set"})
        if method == "getMe":
            return Answer(200, {"ok": True, "result": {
                "id": int(self.bot_token.split(":")[0]), "is_bot": True,
                "first_name": "Kiểm Chứng", "username": self.username,
                "can_join_groups": True, "can_read_all_group_messages": False,
                "supports_inline_queries": False}})
        if method == "getWebhookInfo":
            return Answer(200, {"ok": True, "result": {
                "url": self.webhook_url, "has_custom_certificate": False,
                "pending_update_count": 0, "max_connections": 40}})
        if method == "getFile":
            return self._get_file(body)
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
