"""A fake Zalo Official Account API: article create and verify, and broadcast."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from fakes.outlet_server import Answer, FakeApi, Request


def oa_error(code: int, message: str) -> dict:
    return {"error": code, "message": message}


@dataclass
class FakeZaloOA(FakeApi):
    token: str = "zalo-oa-good-token"
    articles: list[dict[str, Any]] = field(default_factory=list)
    broadcasts: list[dict[str, Any]] = field(default_factory=list)
    # How many verify calls answer "still processing" before the article id is given.
    processing_rounds: int = 0
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    def handle(self, request: Request) -> Answer:
        # The OA API takes the token in a header named access_token, never in the query.
        if "access_token" in request.query:
            return Answer(200, oa_error(-216, "Access token is invalid"))
        if request.headers.get("access_token") != self.token:
            return Answer(200, oa_error(-216, "Access token is invalid"))
        try:
            body = request.json
        except ValueError:
            return Answer(200, oa_error(-201, "Parameters are invalid"))
        if request.path == "/v2.0/article/create":
            return self._create(body)
        if request.path == "/v2.0/article/verify":
            return self._verify(body)
        if request.path == "/v2.0/oa/message":
            return self._broadcast(body)
        return Answer(404, oa_error(-404, "API not found"))

    def _create(self, body: dict[str, Any]) -> Answer:
        problems = []
        if body.get("type") != "normal":
            problems.append("type")
        title = body.get("title") or ""
        if not title or len(title) > 150:
            problems.append("title")
        if not body.get("author") or len(body["author"]) > 50:
            problems.append("author")
        if len(body.get("description") or "") > 300 or not body.get("description"):
            problems.append("description")
        cover = body.get("cover") or {}
        if cover.get("cover_type") != "photo" or not str(cover.get("photo_url", "")).startswith(
            "http"
        ):
            problems.append("cover")
        paragraphs = body.get("body")
        if not isinstance(paragraphs, list) or not paragraphs or any(
            p.get("type") != "text" or not p.get("content") for p in paragraphs
        ):
            problems.append("body")
        if body.get("status") not in ("show", "hide"):
            problems.append("status")
        if problems:
            return Answer(200, oa_error(-201, f"Parameters are invalid: {', '.join(problems)}"))
        token = f"article-token-{next(self._ids)}"
        self.articles.append({**body, "token": token})
        return Answer(200, {"error": 0, "message": "Success", "data": {"token": token}})

    def _verify(self, body: dict[str, Any]) -> Answer:
        known = {a["token"]: a for a in self.articles}
        if body.get("token") not in known:
            return Answer(200, oa_error(-201, "Token is invalid"))
        if self.processing_rounds > 0:
            self.processing_rounds -= 1
            return Answer(200, {"error": 0, "message": "Success", "data": {}})
        return Answer(200, {"error": 0, "message": "Success",
                            "data": {"id": f"article-id-{body['token'][-1]}"}})

    def _broadcast(self, body: dict[str, Any]) -> Answer:
        recipient = body.get("recipient") or {}
        if "target" not in recipient:
            return Answer(200, oa_error(-201, "recipient.target is required"))
        try:
            element = body["message"]["attachment"]["payload"]["elements"][0]
        except (KeyError, IndexError, TypeError):
            return Answer(200, oa_error(-201, "message.attachment is invalid"))
        if element.get("media_type") != "article" or not element.get("attachment_id"):
            return Answer(200, oa_error(-201, "attachment_id is invalid"))
        self.broadcasts.append(body)
        return Answer(200, {"error": 0, "message": "Success",
                            "data": {"message_id": f"broadcast-{len(self.broadcasts)}"}})
