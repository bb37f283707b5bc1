"""Facebook Messenger: the GET verification handshake, X-Hub-Signature-256 webhooks, replies
through the Send API (messaging_type RESPONSE, within 24 hours of the person's last message),
and images fetched from the CDN address the webhook gives."""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from kiemchung.tipline.channels.base import (
    MAX_IMAGE_REFERENCE,
    ChannelAdapter,
    ChannelCheck,
    ChannelError,
    InboundEvent,
    StrictModel,
    WebhookRejected,
    check_fresh,
    is_fresh,
    json_load,
    validate,
)

SIGNATURE_HEADER = "X-Hub-Signature-256"
RESPONSE_WINDOW = timedelta(hours=24)
_QUICK_REPLY_TITLE = 20
# Meta sends digits; anything else is not echoed back.
_CHALLENGE = re.compile(r"[A-Za-z0-9_.-]{1,256}")
# Graph API error codes that mean "later": temporary, throttled, service down.
_RETRYABLE_CODES = {1, 2, 4, 17, 32, 341, 613}
# The access token is invalid, expired or revoked.
_TOKEN_CODE = 190


class _Party(StrictModel):
    id: str


class _QuickReply(StrictModel):
    payload: str


class _Attachment(StrictModel):
    type: str
    # Its shape depends on the type (url, sticker_id, coordinates, ...); only url is read.
    payload: dict[str, Any] | None = None

    @property
    def is_sticker(self) -> bool:
        # Meta sends stickers, the "like" thumb among them, as images with a sticker_id.
        return self.type == "image" and "sticker_id" in (self.payload or {})

    @property
    def image_url(self) -> str:
        url = (self.payload or {}).get("url")
        if self.type != "image" or self.is_sticker or not isinstance(url, str):
            return ""
        return url if len(url) <= MAX_IMAGE_REFERENCE else ""


class _Message(StrictModel):
    mid: str
    text: str | None = None
    is_echo: bool = False
    quick_reply: _QuickReply | None = None
    attachments: list[_Attachment] | None = None


class _Postback(StrictModel):
    mid: str | None = None
    payload: str = ""
    title: str = ""


class _Messaging(StrictModel):
    sender: _Party
    recipient: _Party
    timestamp: int
    message: _Message | None = None
    postback: _Postback | None = None


class _Entry(StrictModel):
    id: str
    time: int
    messaging: list[_Messaging] = []


class _Body(StrictModel):
    object: str
    entry: list[_Entry]


class MessengerAdapter(ChannelAdapter):
    kind = "messenger"
    max_text = 2000
    has_buttons = True

    def verify(self, *, headers: Mapping[str, str], body: bytes) -> None:
        secret = self.secret("app_secret")
        given = headers.get(SIGNATURE_HEADER, "")
        expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(given.encode(), expected.encode()):
            raise WebhookRejected("signature does not match")

    def handshake(self, *, mode: str, token: str, challenge: str) -> str | None:
        """The challenge to echo when Meta's subscription request carries our verify token."""
        expected = self.credentials.get("verify_token", "")
        if mode != "subscribe" or not expected or not _CHALLENGE.fullmatch(challenge):
            return None
        if not hmac.compare_digest(token.encode(), expected.encode()):
            return None
        return challenge

    def parse(self, body: bytes) -> list[InboundEvent]:
        data = validate(_Body, json_load(body))
        if data.object != "page":
            return []
        events: list[InboundEvent] = []
        items = [item for entry in data.entry for item in entry.messaging]
        # Meta batches events: a stale one (a retry from long ago) is skipped on its own; only a
        # batch with nothing fresh in it is refused as a replay.
        if items and not any(is_fresh(item.timestamp / 1000) for item in items):
            check_fresh(items[0].timestamp / 1000)
        for entry in data.entry:
            for item in entry.messaging:
                sent_at = item.timestamp / 1000
                if not is_fresh(sent_at):
                    continue
                if item.message is not None and not item.message.is_echo:
                    message = item.message
                    events.append(
                        InboundEvent(
                            external_id=message.mid,
                            platform_user_id=item.sender.id,
                            reply_address=item.sender.id,
                            sent_at=sent_at,
                            text=(message.text or "").strip(),
                            choice=message.quick_reply.payload if message.quick_reply else "",
                            attachments=tuple(
                                "sticker" if a.is_sticker else a.type
                                for a in message.attachments or []
                            ),
                            images=tuple(
                                a.image_url for a in message.attachments or [] if a.image_url
                            ),
                        )
                    )
                elif item.postback is not None:
                    postback = item.postback
                    events.append(
                        InboundEvent(
                            external_id=postback.mid
                            or f"postback:{item.sender.id}:{item.timestamp}",
                            platform_user_id=item.sender.id,
                            reply_address=item.sender.id,
                            sent_at=sent_at,
                            text=postback.title,
                            choice=postback.payload,
                        )
                    )
                # Deliveries, reads, reactions: acknowledged and ignored.
        return events

    def send(
        self,
        *,
        address: str,
        text: str,
        buttons: list[list[str]],
        last_inbound_at: datetime | None,
    ) -> str:
        token = self.credentials.get("page_access_token", "")
        if not token:
            raise ChannelError(
                _("Kênh Messenger chưa có mã truy cập trang (page access token)."),
                retryable=False,
            )
        if last_inbound_at is None or timezone.now() - last_inbound_at > RESPONSE_WINDOW:
            raise ChannelError(
                _(
                    "Messenger chỉ cho phép trả lời trong 24 giờ sau tin nhắn cuối của "
                    "người gửi."
                ),
                retryable=False,
            )
        message: dict[str, Any] = {"text": text[: self.max_text]}
        if buttons:
            message["quick_replies"] = [
                {"content_type": "text", "title": label[:_QUICK_REPLY_TITLE], "payload": payload}
                for payload, label in buttons[:13]
            ]
        result, data = self.post_json(
            f"{settings.FACEBOOK_GRAPH_URL}/me/messages?access_token={token}",
            {"recipient": {"id": address}, "messaging_type": "RESPONSE", "message": message},
        )
        if isinstance(data, dict) and data.get("message_id"):
            return str(data["message_id"])
        error = data.get("error") if isinstance(data, dict) else None
        if isinstance(error, dict):
            code = error.get("code")
            raise ChannelError(
                str(error.get("message") or _("Messenger trả lỗi %(code)s") % {"code": code}),
                retryable=code in _RETRYABLE_CODES or result.status_code >= 500,
            )
        raise ChannelError(
            _("Messenger trả lỗi %(status)d") % {"status": result.status_code},
            retryable=result.status_code >= 500 or result.status_code == 429,
        )

    def check(self, *, address: str) -> ChannelCheck:
        """/me with the page access token proves it and names the Page; the webhook address is
        set in the Meta app, which the Page's token cannot read."""
        token = self.credentials.get("page_access_token", "")
        if not token:
            raise ChannelError(
                _("Kênh Messenger chưa có mã truy cập trang (page access token)."),
                retryable=False,
            )
        query = urlencode({"fields": "id,name", "access_token": token})
        result, data = self.get_json(f"{settings.FACEBOOK_GRAPH_URL}/me?{query}")
        if isinstance(data, dict) and data.get("id") and "error" not in data:
            warnings = []
            if not self.credentials.get("app_secret"):
                warnings.append(
                    _(
                        "Chưa có khóa bí mật ứng dụng (App Secret): tin Messenger gửi tới sẽ bị "
                        "từ chối vì không kiểm tra được chữ ký."
                    )
                )
            return ChannelCheck(
                ok=True,
                summary=_("Meta nhận mã truy cập trang: đây là Trang %(name)s.")
                % {"name": str(data.get("name") or data["id"])},
                notes=(
                    _(
                        "Meta không cho biết địa chỉ webhook qua mã của Trang: xem trong mục "
                        "Webhooks của ứng dụng Meta rằng URL gọi lại là %(address)s và trường "
                        "messages đã được đăng ký."
                    )
                    % {"address": address},
                ),
                warnings=tuple(warnings),
            )
        error = data.get("error") if isinstance(data, dict) else None
        if isinstance(error, dict):
            code = error.get("code")
            said = str(error.get("message") or code)
            if code == _TOKEN_CODE:
                raise ChannelError(
                    _(
                        "Meta không nhận mã truy cập trang (%(error)s): mã sai, đã hết hạn hoặc "
                        "đã bị thu hồi. Tạo mã mới trong ứng dụng Meta, mục Messenger → Cài đặt "
                        "API."
                    )
                    % {"error": said},
                    retryable=False,
                )
            raise ChannelError(
                _("Meta trả lời: %(error)s") % {"error": said},
                retryable=code in _RETRYABLE_CODES or result.status_code >= 500,
            )
        raise ChannelError(
            _("Messenger trả lỗi %(status)d") % {"status": result.status_code},
            retryable=result.status_code >= 500 or result.status_code == 429,
        )
