"""kind -> adapter class, imported on first use."""

from __future__ import annotations

import json
from functools import lru_cache

from django.utils.module_loading import import_string

from kiemchung.core.crypto import decrypt
from kiemchung.tipline.channels.base import ChannelAdapter
from kiemchung.tipline.models import Channel

ADAPTERS: dict[str, str] = {
    "web": "kiemchung.tipline.channels.web.WebAdapter",
    "telegram": "kiemchung.tipline.channels.telegram.TelegramAdapter",
    "zalo": "kiemchung.tipline.channels.zalo.ZaloAdapter",
    "messenger": "kiemchung.tipline.channels.messenger.MessengerAdapter",
}


@lru_cache(maxsize=8)
def adapter_class(kind: str) -> type[ChannelAdapter]:
    cls: type[ChannelAdapter] = import_string(ADAPTERS[kind])
    return cls


@lru_cache(maxsize=256)
def _credentials(channel_id: int, token: str) -> dict[str, str]:
    # Keyed by the encrypted token, so a changed credential is never served from the cache.
    if not token:
        return {}
    values = json.loads(decrypt(token))
    return {str(k): str(v) for k, v in values.items()}


def adapter_for(channel: Channel) -> ChannelAdapter:
    """The adapter of a channel, with its decrypted credentials."""
    credentials = _credentials(channel.pk, channel.credentials_enc)
    return adapter_class(channel.kind)(channel, dict(credentials))
