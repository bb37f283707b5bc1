"""A Facebook Page: the fact-check posted to the Page's feed through the Graph API, and the
post's reactions, comments, shares and views read back from it."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kiemchung.publishing.outlets.base import (
    ConfigField,
    Engagement,
    OutletAdapter,
    OutletError,
    Post,
    Sent,
    call_json,
    fitted,
    plain_text,
    status_error,
    unexpected_answer,
)

# The Graph API's limit on a post's message.
MESSAGE_LIMIT = 63206
# Graph error codes that pass with time: unknown and service errors (1, 2), application,
# user and page rate limits (4, 17, 32, 613). 190 (invalid or expired token) and the rest
# need a person to act.
RETRYABLE_CODES = frozenset({1, 2, 4, 17, 32, 613})
PAGE_ID = re.compile(r"^[0-9]{1,30}$")
# A post's counters in one read; limit(0) asks for the totals without the people behind them.
ENGAGEMENT_FIELDS = (
    "shares,reactions.summary(total_count).limit(0),comments.summary(total_count).limit(0)"
)
# The post's viewers and views. Meta retired post_impressions_unique and post_impressions for
# every API version in 2025 (asking for them is an "invalid metric" error) and names these
# as their replacements. A version that refuses the second one is asked for the first alone.
INSIGHT_METRICS = (
    ("post_total_media_view_unique", "post_media_view"),
    ("post_total_media_view_unique",),
)
REACH_METRIC, VIEWS_METRIC = INSIGHT_METRICS[0]
INVALID_PARAMETER = 100


def graph_error(status: int, data: Any) -> OutletError:
    """The Graph API's error object as an OutletError with its own message and codes."""
    error = data.get("error") if isinstance(data, dict) else None
    if not isinstance(error, dict):
        return unexpected_answer(status)
    code = error.get("code")
    parts = [str(error.get("message") or _("Lỗi không rõ"))]
    details = [f"code {code}"] if code is not None else []
    if error.get("error_subcode") is not None:
        details.append(f"subcode {error['error_subcode']}")
    if error.get("fbtrace_id"):
        details.append(f"fbtrace_id {error['fbtrace_id']}")
    if details:
        parts.append(f"({', '.join(details)})")
    message = " ".join(parts)
    if code == 190:
        return OutletError(message, retryable=False)
    if code in RETRYABLE_CODES or error.get("is_transient") is True:
        return OutletError(message, retryable=True)
    return status_error(status, message) if status >= 500 else OutletError(
        message, retryable=False
    )


def _count(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return None


def _summary_total(data: dict[str, Any], edge: str) -> int | None:
    """`{edge: {"summary": {"total_count": n}}}` as n; None when the edge is missing."""
    found = data.get(edge)
    summary = found.get("summary") if isinstance(found, dict) else None
    return _count(summary.get("total_count")) if isinstance(summary, dict) else None


def _insight_values(data: Any) -> dict[str, int]:
    """The latest value of each metric of an insights answer `{"data": [{"name", "values":
    [{"value": n}]}]}`; metrics without a number are left out."""
    rows = data.get("data") if isinstance(data, dict) else None
    values: dict[str, int] = {}
    for row in rows if isinstance(rows, list) else []:
        points = row.get("values") if isinstance(row, dict) else None
        if isinstance(points, list) and points and isinstance(points[-1], dict):
            number = _count(points[-1].get("value"))
            if number is not None and isinstance(row.get("name"), str):
                values[row["name"]] = number
    return values


class FacebookPage(OutletAdapter):
    kind = "facebook_page"
    base_url_setting = "FACEBOOK_GRAPH_URL"
    offers_engagement = True
    fields = (
        ConfigField(
            "page_id",
            gettext_lazy("ID của Trang"),
            gettext_lazy("Dãy số trong phần Giới thiệu của Trang."),
        ),
        ConfigField(
            "access_token",
            gettext_lazy("Mã truy cập của Trang"),
            gettext_lazy(
                "Page access token có quyền pages_manage_posts; thêm pages_read_engagement và "
                "read_insights để lấy số liệu tương tác của bài."
            ),
            secret=True,
        ),
    )

    @classmethod
    def clean(cls, values: dict[str, str]) -> dict[str, str]:
        page_id = values.get("page_id", "").strip()
        if page_id and not PAGE_ID.match(page_id):
            raise ValidationError({"page_id": _("ID của Trang chỉ gồm chữ số.")})
        return values

    def target(self) -> str:
        return self.setting("page_id")

    def engagement(self, external_id: str) -> Engagement:
        """The post's reactions, comments and shares (`pages_read_engagement`), then its
        viewers and views from the post's insights (`read_insights`). Insights that cannot be
        had leave those two figures unknown, with the reason, instead of failing the post."""
        token = self.setting("access_token")
        if not token:
            raise OutletError(_("Kênh chưa có mã truy cập."), retryable=False)
        post_url = f"{self.base_url}/{quote(external_id, safe='')}"
        status, data = call_json(
            post_url, method="GET", query={"fields": ENGAGEMENT_FIELDS, "access_token": token}
        )
        if status != 200 or not isinstance(data, dict) or "error" in data:
            raise graph_error(status, data)
        reactions = _summary_total(data, "reactions")
        comments = _summary_total(data, "comments")
        shared = data.get("shares")
        # Graph leaves `shares` out of the answer while nobody has shared the post.
        shares = _count(shared.get("count")) if isinstance(shared, dict) else 0
        note = ""
        values: dict[str, int] = {}
        for metrics in INSIGHT_METRICS:
            try:
                status, data = call_json(
                    f"{post_url}/insights",
                    method="GET",
                    query={"metric": ",".join(metrics), "access_token": token},
                )
            except OutletError as exc:
                note = exc.message
                break
            if status == 200 and isinstance(data, dict) and "error" not in data:
                values, note = _insight_values(data), ""
                break
            note = graph_error(status, data).message
            found = data.get("error") if isinstance(data, dict) else None
            if not isinstance(found, dict) or found.get("code") != INVALID_PARAMETER:
                break
        return Engagement(
            reactions=reactions,
            comments=comments,
            shares=shares,
            reach=values.get(REACH_METRIC),
            views=values.get(VIEWS_METRIC),
            note=note,
        )

    def send(self, post: Post, *, delivery_key: str) -> Sent:
        page_id, token = self.setting("page_id"), self.setting("access_token")
        if not page_id or not token:
            raise OutletError(_("Kênh chưa có ID Trang hoặc mã truy cập."), retryable=False)
        message = plain_text(fitted(post, limit=MESSAGE_LIMIT))
        status, data = call_json(
            f"{self.base_url}/{quote(page_id, safe='')}/feed",
            form={"message": message, "link": post.url, "access_token": token},
        )
        if status == 200 and isinstance(data, dict) and data.get("id"):
            return Sent(external_id=str(data["id"]))
        raise graph_error(status, data)
