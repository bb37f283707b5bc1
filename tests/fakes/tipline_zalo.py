"""Zalo OA as the tipline's tests see it: events signed with X-ZEvent-Signature, and the OA
v3 message/cs API with the access_token header."""

from __future__ import annotations

import hashlib
import itertools
import json
import time
from typing import Any

from tests.fakes.tipline_api import Answer, FakeChatApi, Recorded, Served

SIGNATURE_HEADER = "X-ZEvent-Signature"
_msg_ids = itertools.count(1)


def event(
    *,
    app_id: str,
    user_id: str,
    text: str | None = "",
    event_name: str = "user_send_text",
    msg_id: str | None = None,
    timestamp_ms: int | None = None,
    attachments: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A user_send_* event as the OA webhook posts it (timestamps are strings of ms);
    ATTACHMENTS as user_send_image carries them: {"type": "image", "payload": {"thumbnail",
    "url"}}."""
    message: dict[str, Any] = {"msg_id": msg_id or f"zmsg{next(_msg_ids):012d}"}
    if text is not None:
        message["text"] = text
    if attachments:
        message["attachments"] = attachments
    return {
        "app_id": app_id,
        "user_id_by_app": "55" + user_id,
        "event_name": event_name,
        "timestamp": str(int(time.time() * 1000) if timestamp_ms is None else timestamp_ms),
        "sender": {"id": user_id},
        "recipient": {"id": "388613280878808645"},
        "message": message,
    }


def signature(*, app_id: str, body: bytes, timestamp: str, secret: str) -> str:
    """mac= + SHA-256 hex of app id + raw body + the body's timestamp + the OA secret key."""
    digest = hashlib.sha256(app_id.encode() + body + timestamp.encode() + secret.encode())
    return "mac=" + digest.hexdigest()


def signed(payload: dict[str, Any], *, app_id: str, secret: str) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(payload, ensure_ascii=False).encode()
    return body, {
        SIGNATURE_HEADER: signature(
            app_id=app_id, body=body, timestamp=str(payload["timestamp"]), secret=secret
        )
    }


class FakeZaloApi(FakeChatApi):
    """POST /v3.0/oa/message/cs and GET /v2.0/oa/getoa (the OA's profile), checked as the OA
    API checks them."""

    def __init__(self, *, access_token: str, oa_name: str = "Kiểm Chứng Nhóm") -> None:
        self.access_token = access_token
        self.oa_name = oa_name
        super().__init__()

    def answer_get(self, request: Recorded) -> Served:
        if request.path != "/v2.0/oa/getoa":
            answer = {"error": 404, "message": "not found"}
        elif request.headers.get("access_token") != self.access_token:
            answer = {"error": -216, "message": "Access token is invalid"}
        else:
            answer = {"error": 0, "message": "Success", "data": {
                "oa_id": "388613280878808645", "name": self.oa_name,
                "description": "Kênh kiểm chứng tin đồn", "is_verified": True}}
        return Served(200, json.dumps(answer).encode(), "application/json")

    def sent(self) -> list[Recorded]:
        return [r for r in self.requests if r.path == "/v3.0/oa/message/cs"]

    def answer(self, request: Recorded) -> Answer:
        if request.path != "/v3.0/oa/message/cs":
            return Answer(404, {"error": 404, "message": "not found"})
        if request.headers.get("access_token") != self.access_token:
            return Answer(200, {"error": -216, "message": "Access token is invalid"})
        body = request.json if isinstance(request.json, dict) else {}
        user_id = (body.get("recipient") or {}).get("user_id")
        text = (body.get("message") or {}).get("text")
        if not user_id:
            return Answer(200, {"error": -201, "message": "user_id is invalid"})
        if not isinstance(text, str) or not text or len(text) > 2000:
            self.problem("text empty or longer than 2000")
            return Answer(200, {"error": -201, "message": "text is invalid"})
        return Answer(200, {"error": 0, "message": "Success",
                            "data": {"message_id": f"oa{len(self.requests)}", "user_id": user_id}})
