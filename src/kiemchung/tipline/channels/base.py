"""What every channel adapter provides, and the errors it raises."""

from __future__ import annotations

import json
import ssl
import time
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any, ClassVar

from django.conf import settings
from django.utils.translation import gettext as _
from pydantic import BaseModel, ConfigDict, ValidationError

from kiemchung.core.http import FetchError, FetchResult, fetch
from kiemchung.tipline.models import Channel


class ChannelError(Exception):
    """A reply could not be sent: `message` is the platform's own (never the text sent);
    `retryable` says whether a later attempt may work."""

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.message = message
        self.retryable = retryable


@dataclass(frozen=True)
class ChannelCheck:
    """What the platform answered when asked about the channel, in words for staff: whether
    its credentials work, who it is there (the bot, the page), and what still needs doing."""

    ok: bool
    summary: str
    notes: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


class WebhookRejected(Exception):
    """The request is not from the platform: missing, forged or replayed signature (401)."""


class WebhookMalformed(Exception):
    """The request is signed but its body is not what the platform sends (400)."""


class StrictModel(BaseModel):
    """A platform payload: types are checked strictly; fields we do not use are ignored."""

    model_config = ConfigDict(strict=True, extra="ignore", populate_by_name=True)


@dataclass(frozen=True)
class InboundEvent:
    """One message from a person, in the shape the flow reads, whatever the platform.

    `attachments` names the kinds of attachment ("image", "file", "audio", ...) only. `images`
    holds what the adapter needs to fetch each image later (a Telegram file id, a Messenger or
    Zalo URL): a reference, never the image, kept only in the encrypted raw row.
    """

    external_id: str
    platform_user_id: str
    reply_address: str
    sent_at: float
    text: str = ""
    choice: str = ""
    attachments: tuple[str, ...] = field(default_factory=tuple)
    images: tuple[str, ...] = field(default_factory=tuple)
    # The album the message belongs to (Telegram sends each photo of an album on its own).
    group: str = ""

    def as_json(self) -> str:
        return json.dumps(
            {
                "reply_address": self.reply_address,
                "sent_at": self.sent_at,
                "text": self.text,
                "choice": self.choice,
                "attachments": list(self.attachments),
                "images": list(self.images),
                "group": self.group,
            },
            ensure_ascii=False,
        )


class _DuplicateKey(ValueError):
    pass


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    data = dict(pairs)
    if len(data) != len(pairs):
        # The signature may cover one copy of a key and the parser read the other.
        raise _DuplicateKey
    return data


def json_load(body: bytes) -> Any:
    """Parse a webhook body strictly (a key given twice is refused); the error says nothing
    of what was in it."""
    try:
        return json.loads(body, object_pairs_hook=_unique_keys)
    except _DuplicateKey:
        raise WebhookMalformed("body has a key given twice") from None
    except (ValueError, UnicodeDecodeError):
        raise WebhookMalformed("body is not JSON") from None


def validate(model: type[StrictModel], data: Any) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        # Only where the problem is, never the offending values.
        places = ", ".join(".".join(str(p) for p in error["loc"]) for error in exc.errors()[:3])
        raise WebhookMalformed(f"unexpected payload at {places or 'top level'}") from None


# How far ahead of this server's clock a platform's timestamp may be (clocks differ a little).
FUTURE_SKEW_SECONDS = 300


def is_fresh(sent_at: float) -> bool:
    """Whether an event's time is inside the replay window and not in the future."""
    now = time.time()
    window = settings.TIPLINE_REPLAY_WINDOW_HOURS * 3600
    return now - window <= sent_at <= now + FUTURE_SKEW_SECONDS


def check_fresh(sent_at: float) -> None:
    """Refuse an event older than the replay window (a captured request sent again later) or
    dated ahead of the clock (one that would stay "fresh" long after it was captured)."""
    if sent_at > time.time() + FUTURE_SKEW_SECONDS:
        raise WebhookRejected("event dated in the future")
    if not is_fresh(sent_at):
        raise WebhookRejected("event older than the replay window")


# A reference longer than this is not one a platform sends; it is left out.
MAX_IMAGE_REFERENCE = 2048


def image_max_bytes() -> int:
    """The largest image a tipster may send, on any channel (KIEMCHUNG_TIP_IMAGE_MAX_MB)."""
    return int(settings.TIP_IMAGE_MAX_MB) * 1024 * 1024


def image_too_large() -> ChannelError:
    return ChannelError(
        _("Ảnh lớn hơn %(mb)d MB, giới hạn của đường dây nhận tin.")
        % {"mb": settings.TIP_IMAGE_MAX_MB},
        retryable=False,
    )


def _download_error(exc: FetchError) -> ChannelError:
    """What staff read when an image could not be fetched; never the address it came from."""
    if exc.reason == "too_large":
        return image_too_large()
    if exc.status_code in (403, 404, 410):
        return ChannelError(
            _("Nền tảng không còn cho tải ảnh này (đường dẫn đã hết hạn hoặc ảnh đã bị xóa)."),
            retryable=False,
        )
    return ChannelError(
        _("Không tải được ảnh: %(reason)s.") % {"reason": exc.message}, retryable=exc.retryable
    )


@lru_cache(maxsize=1)
def tls_context() -> ssl.SSLContext:
    """One verifying TLS context for every reply: loading the CA store per request would cost
    more than the request."""
    return ssl.create_default_context()


class ChannelAdapter(ABC):
    """Verifies and parses a platform's webhooks and sends replies through its API."""

    kind: ClassVar[str]
    max_text: ClassVar[int] = 2000
    has_buttons: ClassVar[bool] = False

    def __init__(self, channel: Channel, credentials: dict[str, str]) -> None:
        self.channel = channel
        self.credentials = credentials

    def secret(self, name: str) -> str:
        value = self.credentials.get(name, "")
        if not value:
            # Without its secret a channel cannot tell the platform from anyone else.
            raise WebhookRejected(f"channel has no {name} configured")
        return value

    def verify(self, *, headers: Mapping[str, str], body: bytes) -> None:
        """Raise WebhookRejected unless the request is signed by the platform."""
        raise WebhookRejected("this channel takes no webhooks")

    def parse(self, body: bytes) -> list[InboundEvent]:
        """The person's messages in a verified body; other events are left out."""
        raise WebhookMalformed("this channel takes no webhooks")

    @abstractmethod
    def send(
        self,
        *,
        address: str,
        text: str,
        buttons: list[list[str]],
        last_inbound_at: datetime | None,
    ) -> str:
        """Send one message (text within `max_text`); return the platform's message id."""

    def image_download(self, *, reference: str) -> bytes:
        """The bytes of an image the person sent, from the reference `parse` put in the event
        (here a URL on the platform's image host); at most `image_max_bytes()`.

        Raises ChannelError with a note for staff that never names the reference.
        """
        return self.download(reference)

    def download(self, url: str) -> bytes:
        """GET an image through the one HTTP wrapper, cut off past the image size limit."""
        try:
            result = fetch(url, max_bytes=image_max_bytes(), ssl_context=tls_context())
        except FetchError as exc:
            raise _download_error(exc) from None
        return result.content

    def check(self, *, address: str) -> ChannelCheck:
        """Ask the platform the cheapest question its credentials must answer (who is this
        bot, this page, this OA?); `address` is where the platform should send the channel's
        messages. Raises ChannelError with the platform's refusal in words."""
        raise ChannelError(_("Kênh này không có cách thử."), retryable=False)

    def post_json(
        self, url: str, payload: dict[str, Any], headers: dict[str, str] | None = None
    ) -> tuple[FetchResult, Any]:
        """POST through the one HTTP wrapper; the answer's JSON, whatever its status."""
        return self.call_json(url, method="POST", payload=payload, headers=headers)

    def get_json(
        self, url: str, headers: dict[str, str] | None = None
    ) -> tuple[FetchResult, Any]:
        """GET through the one HTTP wrapper; the answer's JSON, whatever its status."""
        return self.call_json(url, method="GET", headers=headers)

    def call_json(
        self,
        url: str,
        *,
        method: str,
        payload: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[FetchResult, Any]:
        """Every call to a platform's API goes through here and the one HTTP wrapper; errors
        name neither the address (it may hold a token) nor what was sent."""
        try:
            result = fetch(
                url,
                method=method,
                json=payload,
                headers=headers,
                max_bytes=256 * 1024,
                raise_for_status=False,
                ssl_context=tls_context(),
            )
        except FetchError as exc:
            raise ChannelError(exc.message, retryable=exc.retryable) from None
        try:
            data = json.loads(result.content or b"null")
        except ValueError:
            data = None
        return result, data

