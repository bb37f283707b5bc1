"""A fake Facebook Graph API: POST /{version}/{page-id}/feed as Pages use it, and the reads
of a post's counters (GET /{version}/{post-id}?fields=...) and insights
(GET /{version}/{post-id}/insights?metric=...) with the checks and answers of the real one."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from fakes.outlet_server import Answer, FakeApi, Request

VERSION = "v21.0"
# The post fields and edges this fake knows; the real API refuses a field a Post lacks.
POST_FIELDS = frozenset({
    "id", "message", "created_time", "permalink_url", "shares",
    "reactions.summary(total_count).limit(0)", "comments.summary(total_count).limit(0)",
})
# Post metrics of the insights edge; Meta retired the impressions ones for every version in
# 2025, and asking for them is an "invalid metric" error.
POST_METRICS = frozenset({"post_total_media_view_unique", "post_media_view", "post_clicks"})
RETIRED_METRICS = frozenset({"post_impressions", "post_impressions_unique",
                             "post_impressions_organic_unique", "post_engaged_users"})


def graph_error(message: str, code: int, *, kind: str = "OAuthException",
                subcode: int | None = None) -> dict:
    error = {"message": message, "type": kind, "code": code, "fbtrace_id": "AbCdEfGh123"}
    if subcode is not None:
        error["error_subcode"] = subcode
    return {"error": error}


def _top_level(fields: str) -> list[str]:
    """A `fields` value split on the commas outside parentheses and braces."""
    parts, depth, current = [], 0, ""
    for char in fields:
        depth += char in "({"
        depth -= char in ")}"
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    return [*parts, current]


@dataclass
class FakeGraph(FakeApi):
    page_id: str = "104857600123"
    token: str = "EAAGoodPageToken"
    posts: list[dict[str, str]] = field(default_factory=list)
    # Each post's counters as the fake tells them: reactions, comments, shares, viewers, views.
    figures: dict[str, dict[str, int]] = field(default_factory=dict)
    # Metrics this API version calls invalid besides the retired ones.
    refused_metrics: set[str] = field(default_factory=set)
    # An error every insights read answers with (a permission the token lacks).
    insights_refusal: tuple[int, dict] | None = None
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    @property
    def graph_url(self) -> str:
        return f"{self.base_url}/{VERSION}"

    def reads(self) -> list[Request]:
        return [r for r in self.requests if r.method == "GET"]

    def handle(self, request: Request) -> Answer:
        if request.method == "GET":
            return self._read(request)
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

    def _read(self, request: Request) -> Answer:
        parts = request.path.strip("/").split("/")
        if len(parts) not in (2, 3) or parts[0] != VERSION or parts[2:] not in ([], ["insights"]):
            return Answer(400, graph_error("Unknown path components", 2500))
        token = request.query.get("access_token", [""])[0]
        if not token:
            return Answer(400, graph_error(
                "An access token is required to request this resource.", 104))
        if token != self.token:
            return Answer(400, graph_error(
                "Error validating access token: Session has expired", 190, subcode=463))
        post_id = parts[1]
        figures = self.figures.get(post_id)
        if figures is None:
            return Answer(400, graph_error(
                f"Unsupported get request. Object with ID '{post_id}' does not exist, cannot be "
                "loaded due to missing permissions, or does not support this operation.",
                100, kind="GraphMethodException", subcode=33))
        if len(parts) == 3:
            return self._insights(post_id, figures, request)
        asked = _top_level(request.query.get("fields", ["id"])[0])
        unknown = [name for name in asked if name not in POST_FIELDS]
        if unknown:
            return Answer(400, graph_error(
                f"(#100) Tried accessing nonexisting field ({unknown[0]}) on node type "
                "(PagePost)", 100))
        body: dict = {"id": post_id}
        for name in asked:
            edge = name.split(".")[0]
            if edge in ("reactions", "comments"):
                summary = {"total_count": figures.get(edge, 0)}
                summary |= {"viewer_reaction": "NONE"} if edge == "reactions" else {
                    "order": "ranked", "can_comment": True}
                body[edge] = {"data": [], "summary": summary}
            elif edge == "shares":
                # Graph leaves the field out while the post has no shares.
                if figures.get("shares"):
                    body["shares"] = {"count": figures["shares"]}
            elif edge != "id":
                body[edge] = ""
        return Answer(200, body)

    def _insights(self, post_id: str, figures: dict[str, int], request: Request) -> Answer:
        if self.insights_refusal is not None:
            return Answer(*self.insights_refusal)
        metrics = [m for m in request.query.get("metric", [""])[0].split(",") if m]
        if not metrics:
            return Answer(400, graph_error(
                "No metric was specified to be fetched. Please specify one or more metrics "
                "to be fetched and try again.", 100, subcode=1504028))
        for metric in metrics:
            if metric in RETIRED_METRICS or metric in self.refused_metrics \
                    or metric not in POST_METRICS:
                return Answer(400, graph_error("(#100) The value must be a valid insights metric",
                                               100))
        values = {"post_total_media_view_unique": figures.get("viewers", 0),
                  "post_media_view": figures.get("views", 0), "post_clicks": 0}
        return Answer(200, {
            "data": [
                {"name": metric, "period": "lifetime", "values": [{"value": values[metric]}],
                 "title": metric, "description": metric,
                 "id": f"{post_id}/insights/{metric}/lifetime"}
                for metric in metrics
            ],
            "paging": {"previous": "", "next": ""},
        })
