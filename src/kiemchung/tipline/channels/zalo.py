"""Zalo Official Account: X-ZEvent-Signature webhooks, replies by the OA v3 message/cs API, and
the images of user_send_image fetched from the address the event gives."""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.conf import settings
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
    json_load,
    validate,
)

SIGNATURE_HEADER = "X-ZEvent-Signature"
# The signature covers the body's own timestamp, so it is read from the raw bytes before
# anything is parsed as data.
_TIMESTAMP = re.compile(rb'"timestamp"\s*:\s*"?(\d{1,16})"?')
_MESSAGE_EVENTS = {
    "user_send_text": (),
    "user_send_image": ("image",),
    "user_send_gif": ("image",),
    "user_send_file": ("file",),
    "user_send_audio": ("audio",),
    "user_send_video": ("video",),
    "user_send_sticker": ("sticker",),
    "user_send_link": (),
    "user_send_location": ("location",),
    "user_send_business_card": ("business_card",),
}
# Zalo answers errors with a code in the JSON body; these may clear up if tried later.
_RETRYABLE_ERRORS = {-32, -201, -202, -203}
# The access token is invalid, or has expired.
_TOKEN_ERRORS = {-216, -124}


class _Party(StrictModel):
    id: str


class _Message(StrictModel):
    msg_id: str
    text: str | None = None
    # [{"type": "image", "payload": {"thumbnail": ..., "url": ...}}, ...]; only url is read.
    attachments: list[dict[str, Any]] | None = None

    def image_urls(self) -> tuple[str, ...]:
        urls = []
        for attachment in self.attachments or []:
            payload = attachment.get("payload")
            url = payload.get("url") if isinstance(payload, dict) else None
            if attachment.get("type") == "image" and isinstance(url, str) and url:
                urls.append(url)
        return tuple(u for u in urls if len(u) <= MAX_IMAGE_REFERENCE)


class _Event(StrictModel):
    app_id: str | None = None
    event_name: str
    timestamp: str
    sender: _Party | None = None
    recipient: _Party | None = None
    message: _Message | None = None


class ZaloAdapter(ChannelAdapter):
    kind = "zalo"
    max_text = 2000

    def verify(self, *, headers: Mapping[str, str], body: bytes) -> None:
        secret = self.secret("oa_secret_key")
        app_id = str(self.channel.config.get("app_id", ""))
        match = _TIMESTAMP.search(body)
        given = headers.get(SIGNATURE_HEADER, "")
        if not app_id or match is None or not given:
            raise WebhookRejected("signature or timestamp missing")
        mac = hashlib.sha256(
            app_id.encode() + body + match.group(1) + secret.encode()
        ).hexdigest()
        if not hmac.compare_digest(given.encode(), f"mac={mac}".encode()):
            raise WebhookRejected("signature does not match")

    def parse(self, body: bytes) -> list[InboundEvent]:
        event = validate(_Event, json_load(body))
        signed = _TIMESTAMP.search(body)
        # The timestamp checked for freshness must be the one the signature covered.
        if signed is None or signed.group(1).decode() != event.timestamp:
            raise WebhookRejected("timestamp is not the one signed")
        try:
            sent_at = int(event.timestamp) / 1000
        except ValueError:
            raise WebhookRejected("timestamp is not a number") from None
        check_fresh(sent_at)
        kinds = _MESSAGE_EVENTS.get(event.event_name)
        # Follows, reactions, OA-sent echoes...: acknowledged and ignored.
        if kinds is None or event.sender is None or event.message is None:
            return []
        return [
            InboundEvent(
                external_id=event.message.msg_id,
                platform_user_id=event.sender.id,
                reply_address=event.sender.id,
                sent_at=sent_at,
                text=(event.message.text or "").strip(),
                attachments=tuple(kinds),
                # A GIF is an "image" kind too, but only photos are fetched.
                images=(
                    event.message.image_urls() if event.event_name == "user_send_image" else ()
                ),
            )
        ]

    def send(
        self,
        *,
        address: str,
        text: str,
        buttons: list[list[str]],
        last_inbound_at: datetime | None,
    ) -> str:
        token = self.credentials.get("access_token", "")
        if not token:
            raise ChannelError(_("Kênh Zalo chưa có mã truy cập (access token)."), retryable=False)
        payload: dict[str, Any] = {
            "recipient": {"user_id": address},
            "message": {"text": text[: self.max_text]},
        }
        result, data = self.post_json(
            f"{settings.ZALO_OA_URL}/v3.0/oa/message/cs",
            payload,
            headers={"access_token": token},
        )
        if isinstance(data, dict) and data.get("error") == 0:
            return str((data.get("data") or {}).get("message_id", ""))
        if isinstance(data, dict) and "error" in data:
            code = data.get("error")
            raise ChannelError(
                str(data.get("message") or _("Zalo trả lỗi %(code)s") % {"code": code}),
                retryable=code in _RETRYABLE_ERRORS or result.status_code >= 500,
            )
        raise ChannelError(
            _("Zalo trả lỗi %(status)d") % {"status": result.status_code},
            retryable=result.status_code >= 500 or result.status_code == 429,
        )

    def check(self, *, address: str) -> ChannelCheck:
        """The OA's own profile (getoa) proves the access token and names the OA; Zalo does
        not tell the webhook address through the OA's token."""
        token = self.credentials.get("access_token", "")
        if not token:
            raise ChannelError(_("Kênh Zalo chưa có mã truy cập (access token)."), retryable=False)
        result, data = self.get_json(
            f"{settings.ZALO_OA_URL}/v2.0/oa/getoa", headers={"access_token": token}
        )
        if isinstance(data, dict) and data.get("error") == 0 and isinstance(data.get("data"), dict):
            name = str(data["data"].get("name") or data["data"].get("oa_id") or "")
            warnings = []
            if not self.channel.config.get("app_id") or not self.credentials.get("oa_secret_key"):
                warnings.append(
                    _(
                        "Chưa có ID ứng dụng hoặc khóa bí mật của OA: tin Zalo gửi tới sẽ bị "
                        "từ chối vì không kiểm tra được chữ ký."
                    )
                )
            return ChannelCheck(
                ok=True,
                summary=_("Zalo nhận mã truy cập: đây là OA %(name)s.") % {"name": name},
                notes=(
                    _(
                        "Zalo không cho biết địa chỉ webhook qua mã truy cập: xem trên trang "
                        "Zalo for Developers rằng địa chỉ là %(address)s và các sự kiện "
                        "user_send_* đã được chọn."
                    )
                    % {"address": address},
                ),
                warnings=tuple(warnings),
            )
        if isinstance(data, dict) and "error" in data:
            code = data.get("error")
            said = str(data.get("message") or code)
            if code in _TOKEN_ERRORS:
                raise ChannelError(
                    _(
                        "Zalo không nhận mã truy cập (%(error)s): mã sai hoặc đã hết hạn. Lấy "
                        "mã mới cho OA trên trang Zalo for Developers."
                    )
                    % {"error": said},
                    retryable=False,
                )
            raise ChannelError(
                _("Zalo trả lời: %(error)s (mã %(code)s).") % {"error": said, "code": code},
                retryable=code in _RETRYABLE_ERRORS,
            )
        raise ChannelError(
            _("Zalo trả lỗi %(status)d") % {"status": result.status_code},
            retryable=result.status_code >= 500 or result.status_code == 429,
        )
