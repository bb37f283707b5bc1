"""A Facebook Page: the fact-check posted to the Page's feed through the Graph API."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

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


class FacebookPage(OutletAdapter):
    kind = "facebook_page"
    base_url_setting = "FACEBOOK_GRAPH_URL"
    fields = (
        ConfigField(
            "page_id",
            gettext_lazy("ID của Trang"),
            gettext_lazy("Dãy số trong phần Giới thiệu của Trang."),
        ),
        ConfigField(
            "access_token",
            gettext_lazy("Mã truy cập của Trang"),
            gettext_lazy("Page access token có quyền pages_manage_posts."),
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
