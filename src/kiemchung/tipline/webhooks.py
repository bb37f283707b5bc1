"""Webhooks of the chat platforms: verify (constant time) before anything is parsed, parse
strictly, store one raw row per platform message id, enqueue, answer at once.

Nothing of a body is ever logged or echoed: errors name the channel and the reason only.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from kiemchung.core import pressure
from kiemchung.tipline import services_inbound
from kiemchung.tipline.channels.base import WebhookMalformed, WebhookRejected
from kiemchung.tipline.channels.messenger import MessengerAdapter
from kiemchung.tipline.channels.registry import adapter_for
from kiemchung.tipline.models import Channel, ChannelKind

logger = logging.getLogger(__name__)

_TEXT = "text/plain; charset=utf-8"


def _max_body() -> int:
    return int(settings.TIPLINE_WEBHOOK_MAX_KB) * 1024


# Channels by webhook address, kept briefly in this process: a burst of webhooks should not
# look up the same row thousands of times. A channel switched off stops within this time.
_CHANNEL_TTL_SECONDS = 10.0
_channels: dict[tuple[str, str], tuple[float, Channel | None]] = {}


def _channel(kind: str, public_id: str) -> Channel | None:
    key = (kind, public_id)
    now = time.monotonic()
    cached = _channels.get(key)
    if cached is not None and cached[0] > now:
        return cached[1]
    channel = (
        Channel.objects.select_related("workspace")
        .filter(kind=kind, public_id=public_id, is_active=True)
        .first()
    )
    if len(_channels) > 1000:
        _channels.clear()
    _channels[key] = (now + _CHANNEL_TTL_SECONDS, channel)
    return channel


def _read_body(request: HttpRequest) -> bytes | None:
    """The raw body, or None when it is larger than allowed; never read past the limit."""
    limit = _max_body()
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    if declared > limit:
        return None
    body = request.read(limit + 1)
    if len(body) > limit:
        return None
    return body


def _refused(channel: Channel, reason: str, *, status: int = 401) -> HttpResponse:
    services_inbound.channel_rejection_count(channel=channel)
    logger.warning("tipline webhook refused: channel=%s reason=%s", channel.pk, reason)
    return HttpResponse("unauthorized", status=status, content_type=_TEXT)


def _receive(request: HttpRequest, kind: str, public_id: str) -> HttpResponse:
    channel = _channel(kind, public_id)
    if channel is None:
        return HttpResponse("not found", status=404, content_type=_TEXT)
    body = _read_body(request)
    if body is None:
        return HttpResponse("payload too large", status=413, content_type=_TEXT)
    adapter = adapter_for(channel)
    try:
        adapter.verify(headers=request.headers, body=body)
    except WebhookRejected as exc:
        return _refused(channel, str(exc))
    # Only a platform's own requests make a burst the worker gives way to, not junk.
    pressure.webhook_arrived()
    try:
        events = adapter.parse(body)
    except WebhookRejected as exc:
        return _refused(channel, str(exc))
    except WebhookMalformed as exc:
        logger.info("tipline webhook malformed: channel=%s %s", channel.pk, exc)
        return HttpResponse("bad request", status=400, content_type=_TEXT)
    with transaction.atomic():
        services_inbound.inbound_accept(channel=channel, events=events)
    return HttpResponse("EVENT_RECEIVED" if kind == ChannelKind.MESSENGER else "ok",
                        content_type=_TEXT)


@csrf_exempt
@require_http_methods(["POST"])
def telegram(request: HttpRequest, public_id: str) -> HttpResponse:
    return _receive(request, ChannelKind.TELEGRAM, public_id)


@csrf_exempt
@require_http_methods(["POST"])
def zalo(request: HttpRequest, public_id: str) -> HttpResponse:
    return _receive(request, ChannelKind.ZALO, public_id)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def messenger(request: HttpRequest, public_id: str) -> HttpResponse:
    if request.method == "POST":
        return _receive(request, ChannelKind.MESSENGER, public_id)
    channel = _channel(ChannelKind.MESSENGER, public_id)
    if channel is None:
        return HttpResponse("not found", status=404, content_type=_TEXT)
    adapter = adapter_for(channel)
    assert isinstance(adapter, MessengerAdapter)
    challenge = adapter.handshake(
        mode=request.GET.get("hub.mode", ""),
        token=request.GET.get("hub.verify_token", ""),
        challenge=request.GET.get("hub.challenge", ""),
    )
    if challenge is None:
        # Meta expects 403 when the verify token is wrong.
        return _refused(channel, "verify token does not match", status=403)
    return HttpResponse(challenge, content_type=_TEXT)
