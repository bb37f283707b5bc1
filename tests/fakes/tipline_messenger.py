"""Messenger as tests see it: webhooks signed with X-Hub-Signature-256, and the Send API."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from typing import Any

from tests.fakes.tipline_api import Answer, FakeChatApi, Recorded, Served

SIGNATURE_HEADER = "X-Hub-Signature-256"
PAGE_ID = "104729384756"
_mids = itertools.count(1)


def message_event(
    *,
    psid: str,
    text: str | None = None,
    quick_reply: str | None = None,
    mid: str | None = None,
    timestamp_ms: int | None = None,
    is_echo: bool = False,
    attachments: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A message event as the Page webhook posts it; ATTACHMENTS as Meta shapes them,
    e.g. {"type": "image", "payload": {"url": ...}}."""
    now = int(time.time() * 1000) if timestamp_ms is None else timestamp_ms
    message: dict[str, Any] = {"mid": mid or f"m_{next(_mids):020d}"}
    if text is not None:
        message["text"] = text
    if quick_reply is not None:
        message["quick_reply"] = {"payload": quick_reply}
    if is_echo:
        message["is_echo"] = True
    if attachments:
        message["attachments"] = attachments
    return {
        "object": "page",
        "entry": [
            {
                "id": PAGE_ID,
                "time": now,
                "messaging": [
                    {
                        "sender": {"id": psid},
                        "recipient": {"id": PAGE_ID},
                        "timestamp": now,
                        "message": message,
                    }
                ],
            }
        ],
    }


def signed(payload: dict[str, Any], *, app_secret: str) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(payload).encode()
    mac = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return body, {SIGNATURE_HEADER: f"sha256={mac}"}


class FakeSendApi(FakeChatApi):
    """POST /me/messages?access_token=..., checked as the Send API checks a RESPONSE, and
    GET /me?access_token=... (who the token is: the Page)."""

    def __init__(self, *, page_access_token: str, page_name: str = "Kiểm Chứng Nhóm") -> None:
        self.page_access_token = page_access_token
        self.page_name = page_name
        super().__init__()

    def answer_get(self, request: Recorded) -> Served:
        if not request.path.endswith("/me"):
            answer = self._error("Unknown path components", 2500, 404)
        elif request.query.get("access_token") != [self.page_access_token]:
            answer = self._error("Invalid OAuth access token - Cannot parse access token", 190)
        else:
            answer = Answer(200, {"name": self.page_name, "id": PAGE_ID})
        return Served(answer.status, json.dumps(answer.body).encode(), "application/json")

    def sent(self) -> list[Recorded]:
        return [r for r in self.requests if r.path.endswith("/me/messages")]

    @staticmethod
    def _error(message: str, code: int, status: int = 400) -> Answer:
        return Answer(status, {"error": {"message": message, "type": "OAuthException",
                                         "code": code, "fbtrace_id": "AbCdEf"}})

    def answer(self, request: Recorded) -> Answer:
        if not request.path.endswith("/me/messages"):
            return self._error("Unknown path components", 2500, 404)
        if request.query.get("access_token") != [self.page_access_token]:
            return self._error("Invalid OAuth access token - Cannot parse access token", 190)
        body = request.json if isinstance(request.json, dict) else {}
        if not (body.get("recipient") or {}).get("id"):
            return self._error("(#100) The parameter recipient is required", 100)
        if body.get("messaging_type") != "RESPONSE":
            self.problem("messaging_type is not RESPONSE")
            return self._error("(#100) messaging_type is required", 100)
        message = body.get("message") or {}
        text = message.get("text")
        if not isinstance(text, str) or not text or len(text) > 2000:
            self.problem("text empty or longer than 2000")
            return self._error("(#100) Length of param message[text] must be less than or "
                               "equal to 2000", 100)
        for quick in message.get("quick_replies") or []:
            if len(quick.get("title", "")) > 20:
                self.problem("quick reply title longer than 20")
        return Answer(200, {"recipient_id": body["recipient"]["id"],
                            "message_id": f"m_out_{len(self.requests)}"})
