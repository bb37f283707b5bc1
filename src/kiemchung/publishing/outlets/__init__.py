"""The registry of outlet adapters: kind -> class, imported the first time it is used."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from django.utils.module_loading import import_string

from kiemchung.core.crypto import decrypt, encrypt
from kiemchung.publishing.outlets.base import OutletAdapter, OutletError

ADAPTERS: dict[str, str] = {
    "facebook_page": "kiemchung.publishing.outlets.facebook.FacebookPage",
    "zalo_oa": "kiemchung.publishing.outlets.zalo.ZaloOA",
    "telegram_channel": "kiemchung.publishing.outlets.telegram.TelegramChannel",
    "email_newsletter": "kiemchung.publishing.outlets.newsletter.EmailNewsletter",
}

__all__ = ["ADAPTERS", "OutletAdapter", "OutletError", "adapter_class", "adapter_for"]


@cache
def adapter_class(kind: str) -> type[OutletAdapter]:
    """The adapter class of an outlet kind; KeyError for a kind nobody registered."""
    cls = import_string(ADAPTERS[kind])
    if not (isinstance(cls, type) and issubclass(cls, OutletAdapter)) or cls.kind != kind:
        raise TypeError(f"{ADAPTERS[kind]} is not the outlet adapter of {kind!r}")
    return cls


def credentials_encrypt(values: dict[str, str]) -> str:
    """An outlet's secrets as they are stored: one encrypted JSON object."""
    kept = {name: value for name, value in values.items() if value}
    return encrypt(json.dumps(kept, sort_keys=True)) if kept else ""


def credentials_decrypt(token: str) -> dict[str, str]:
    if not token:
        return {}
    data = json.loads(decrypt(token))
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def adapter_for(outlet: Any, *, progress: dict[str, Any] | None = None) -> OutletAdapter:
    """The adapter of an Outlet row, with its secrets decrypted for the length of a send."""
    cls = adapter_class(outlet.kind)
    return cls(
        outlet_id=outlet.pk,
        workspace_id=outlet.workspace_id,
        config=dict(outlet.config or {}),
        credentials=credentials_decrypt(outlet.credentials),
        progress=progress,
    )
