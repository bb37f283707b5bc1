"""A Zalo Official Account: the fact-check published as an OA article and, if the outlet says
so, broadcast to the OA's followers.

The article is created first (Zalo answers with a token while it processes it), then its id is
asked for with that token, then the broadcast goes out. Each step done is kept in the
announcement's progress, so a retry goes on from the step that failed and never creates the
article twice.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kiemchung.publishing.outlets.base import (
    ConfigField,
    OutletAdapter,
    OutletError,
    Post,
    Sent,
    call_json,
    status_error,
    unexpected_answer,
)

ARTICLE_CREATE = "/v2.0/article/create"
ARTICLE_VERIFY = "/v2.0/article/verify"
BROADCAST = "/v2.0/oa/message"
# Limits of an OA article.
TITLE_LIMIT = 150
AUTHOR_LIMIT = 50
DESCRIPTION_LIMIT = 300
# OA API error codes that pass with time: the rate limits of the app and of the OA, and
# Zalo's own internal errors. Any other non-zero code needs a person to act.
RETRYABLE_CODES = frozenset({-32, -50, -202})
_YES = {"1", "true", "yes", "on"}


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def oa_error(status: int, data: Any) -> OutletError | None:
    """The OA API's {"error": <code>, "message": ...} as an OutletError; None when it is 0."""
    if not isinstance(data, dict) or not isinstance(data.get("error"), int):
        return unexpected_answer(status)
    code = data["error"]
    if code == 0 and status < 400:
        return None
    message = f"{data.get('message') or _('Lỗi không rõ')} (error {code})"
    if code in RETRYABLE_CODES:
        return OutletError(message, retryable=True)
    if status >= 400:
        return status_error(status, message)
    return OutletError(message, retryable=False)


class ZaloOA(OutletAdapter):
    kind = "zalo_oa"
    base_url_setting = "ZALO_OA_URL"
    # No per-article figures are read from the OA API; the OA's figures come from its
    # statistics export (Thống kê), imported as a CSV.
    offers_engagement = False
    fields = (
        ConfigField(
            "access_token",
            gettext_lazy("Mã truy cập của OA"),
            gettext_lazy("OA access token có quyền quản lý bài viết và gửi tin."),
            secret=True,
        ),
        ConfigField(
            "broadcast",
            gettext_lazy("Gửi tin truyền thông tới người quan tâm"),
            gettext_lazy("Sau khi đăng bài, gửi bài tới những người quan tâm OA."),
            required=False,
            boolean=True,
        ),
    )

    @classmethod
    def clean(cls, values: dict[str, str]) -> dict[str, str]:
        broadcast = str(values.get("broadcast", "")).strip().lower()
        values["broadcast"] = "true" if broadcast in _YES else ""
        return values

    def target(self) -> str:
        return _("bài viết và tin truyền thông") if self._broadcast else _("bài viết")

    @property
    def _broadcast(self) -> bool:
        return str(self.config.get("broadcast", "")).lower() in _YES

    def _call(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        status, data = call_json(
            f"{self.base_url}{path}",
            json_body=body,
            headers={"access_token": self.setting("access_token")},
        )
        error = oa_error(status, data)
        if error is not None:
            raise error
        assert isinstance(data, dict)
        found = data.get("data")
        return found if isinstance(found, dict) else {}

    def _article(self, post: Post) -> dict[str, Any]:
        paragraphs = [f"{post.claim_label}: “{post.claim}”"]
        if post.rating:
            paragraphs.append(f"{post.rating_label}: {post.rating}")
        if post.summary:
            paragraphs.append(post.summary)
        paragraphs.append(f"{post.read_more_label}: {post.url}")
        return {
            "type": "normal",
            "title": _cut(post.title or post.claim, TITLE_LIMIT),
            "author": _cut(post.team, AUTHOR_LIMIT),
            "cover": {"cover_type": "photo", "photo_url": post.image_url, "status": "show"},
            "description": _cut(post.summary or post.claim, DESCRIPTION_LIMIT),
            "body": [{"type": "text", "content": text} for text in paragraphs],
            "status": "show",
            "comment": "show",
        }

    def send(self, post: Post, *, delivery_key: str) -> Sent:
        if not self.setting("access_token"):
            raise OutletError(_("Kênh chưa có mã truy cập của OA."), retryable=False)
        if "article_token" not in self.progress:
            created = self._call(ARTICLE_CREATE, self._article(post))
            token = created.get("token")
            if not token:
                raise unexpected_answer(200)
            self.progress["article_token"] = str(token)
        if not self._broadcast:
            return Sent(external_id=self.progress["article_token"])
        if "article_id" not in self.progress:
            verified = self._call(ARTICLE_VERIFY, {"token": self.progress["article_token"]})
            if not verified.get("id"):
                raise OutletError(_("Zalo chưa xử lý xong bài viết"), retryable=True)
            self.progress["article_id"] = str(verified["id"])
        sent = self._call(
            BROADCAST,
            {
                "recipient": {"target": {}},
                "message": {
                    "attachment": {
                        "type": "template",
                        "payload": {
                            "template_type": "media",
                            "elements": [
                                {"media_type": "article",
                                 "attachment_id": self.progress["article_id"]}
                            ],
                        },
                    }
                },
            },
        )
        return Sent(
            external_id=self.progress["article_id"],
            detail=str(sent.get("message_id", "")),
        )
