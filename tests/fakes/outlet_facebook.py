"""A fake Facebook Graph API: POST /{version}/{page-id}/feed as Pages use it."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from fakes.outlet_server import Answer, FakeApi, Request

VERSION = "v21.0"


def graph_error(message: str, code: int, *, kind: str = "OAuthException",
                subcode: int | None = None) -> dict:
    error = {"message": message, "type": kind, "code": code, "fbtrace_id": "AbCdEfGh123"}
    if subcode is not None:
        error["error_subcode"] = subcode
    return {"error": error}


@dataclass
class FakeGraph(FakeApi):
    page_id: str = "104857600123"
    token: str = "EAAGoodPageToken"
    posts: list[dict[str, str]] = field(default_factory=list)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    @property
    def graph_url(self) -> str:
        return f"{self.base_url}/{VERSION}"

    def handle(self, request: Request) -> Answer:
        if request.method != "POST" or request.path != f"/{VERSION}/{self.page_id}/feed":
            return Answer(400, graph_error("Unknown path components", 2500))
        form = request.form
        token = form.get("access_token") or request.query.get("access_token", [""])[0]
        if not token:
            return Answer(400, graph_error("An active access token must be used", 2500))
        if token != self.token:
            return Answer(
                400,
                graph_error("Error validating access token: Session has expired", 190,
                            subcode=463),
            )
        if not form.get("message", "").strip() and not form.get("link"):
            return Answer(400, graph_error("(#100) The parameter message is required", 100,
                                           kind="GraphMethodException"))
        if len(form.get("message", "")) > 63206:
            return Answer(400, graph_error("(#100) Message is too long", 100))
        post_id = f"{self.page_id}_{next(self._ids)}"
        self.posts.append({**form, "id": post_id})
        return Answer(200, {"id": post_id})
