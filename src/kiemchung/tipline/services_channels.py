"""Setting up the tipline's channels: adding one with its secrets, turning it on and off,
registering the Telegram webhook, and asking the platform whether it all works.

The newsroom's channel screen and `kiemchung tipline_channel` both come here. An actor of None
is the command line, run by whoever runs the server. Secrets are never returned, logged or
audited, except the ones made up here, which `channel_save` hands back once so they can be
shown once. The caller owns the transaction.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from kiemchung.accounts.models import Workspace
from kiemchung.accounts.permissions import Action
from kiemchung.accounts.selectors import member_acting
from kiemchung.audit.services import audit_record
from kiemchung.core.crypto import encrypt
from kiemchung.tipline.channels.base import ChannelCheck, ChannelError
from kiemchung.tipline.channels.registry import adapter_for
from kiemchung.tipline.channels.telegram import TelegramAdapter
from kiemchung.tipline.models import Channel, ChannelKind
from kiemchung.tipline.selectors_channels import channel_address, channel_of

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

    Actor = User | AnonymousUser | None

# The secrets each platform needs; those in GENERATED are made up here when not given.
SECRETS: dict[str, tuple[str, ...]] = {
    ChannelKind.WEB: (),
    ChannelKind.TELEGRAM: ("bot_token", "secret_token"),
    ChannelKind.ZALO: ("oa_secret_key", "access_token"),
    ChannelKind.MESSENGER: ("app_secret", "verify_token", "page_access_token"),
}
GENERATED = frozenset({"secret_token", "verify_token"})
# What a platform needs that is not secret (kept in Channel.config).
CONFIG: dict[str, tuple[str, ...]] = {ChannelKind.ZALO: ("app_id",)}

NAME_MAX = 120
SECRET_MAX = 2000
# As @BotFather gives it: the bot's number, a colon, then letters, digits, - and _.
_BOT_TOKEN = re.compile(r"\d{1,20}:[A-Za-z0-9_-]{1,200}")
_APP_ID = re.compile(r"\d{1,40}")
_SPACE = re.compile(r"\s")


def channel_fields(kind: str) -> tuple[str, ...]:
    """Every value a platform's channel takes: its settings, then its secrets."""
    return CONFIG.get(kind, ()) + SECRETS[kind]


def _acting(workspace: Workspace, actor: Actor) -> User | None:
    """The admin acting (PermissionDenied for anyone else), or None for the command line."""
    if actor is None:
        return None
    return member_acting(
        actor=actor, workspace_id=workspace.pk, action=Action.MANAGE_WORKSPACE
    ).user


@sensitive_variables("values")
def _cleaned(kind: str, values: Mapping[str, str]) -> dict[str, str]:
    """The given values, trimmed and checked; ValidationError names the field at fault."""
    unknown = sorted(set(values) - set(channel_fields(kind)))
    if unknown:
        raise ValidationError(
            _("Kênh %(kind)s không nhận %(names)s.")
            % {"kind": ChannelKind(kind).label, "names": ", ".join(unknown)}
        )
    cleaned: dict[str, str] = {}
    errors: dict[str, str] = {}
    for name, raw in values.items():
        value = (raw or "").strip()
        if not value:
            continue
        if len(value) > SECRET_MAX:
            errors[name] = _("Dài quá %(max)d ký tự: hãy dán lại đúng mã.") % {"max": SECRET_MAX}
        elif _SPACE.search(value):
            errors[name] = _("Mã không có khoảng trắng: hãy dán lại đúng mã.")
        elif name == "bot_token" and not _BOT_TOKEN.fullmatch(value):
            errors[name] = _("Mã bot có dạng 123456789:AAF…, như @BotFather đưa.")
        elif name == "app_id" and not _APP_ID.fullmatch(value):
            errors[name] = _("ID ứng dụng Zalo chỉ gồm chữ số.")
        else:
            cleaned[name] = value
    if errors:
        raise ValidationError(errors)
    return cleaned


@dataclass(frozen=True)
class ChannelSaved:
    """A saved channel, and the secrets made up for it now: shown once, then never again."""

    channel: Channel
    created: bool
    generated: dict[str, str] = field(default_factory=dict)


@sensitive_variables("values", "given", "stored", "merged", "generated")
def channel_save(
    *,
    workspace: Workspace,
    actor: Actor,
    kind: str,
    name: str = "",
    values: Mapping[str, str] | None = None,
    regenerate: bool = False,
) -> ChannelSaved:
    """Add the team's channel on a platform, or change its name, settings and secrets.

    A secret left empty keeps the one stored. The webhook secrets (Telegram's secret token,
    Messenger's verify token) are made up when the channel has none, or anew with
    `regenerate`. A new channel is on.
    """
    user = _acting(workspace, actor)
    if kind not in ChannelKind.values:
        raise ValidationError(_("Không có loại kênh này."))
    given = _cleaned(kind, values or {})
    clean_name = (name or "").strip()
    if len(clean_name) > NAME_MAX:
        raise ValidationError({"name": _("Tên tối đa %(max)d ký tự.") % {"max": NAME_MAX}})
    channel = channel_of(workspace=workspace, kind=kind)
    created = channel is None
    stored = adapter_for(channel).credentials if channel is not None else {}
    config = {k: v for k, v in given.items() if k in CONFIG.get(kind, ())}
    merged = {**stored, **{k: v for k, v in given.items() if k in SECRETS[kind]}}
    generated = {
        key: secrets.token_urlsafe(32)
        for key in sorted(GENERATED & set(SECRETS[kind]))
        if key not in given and (regenerate or not merged.get(key))
    }
    merged.update(generated)
    missing = {
        key: _("Cần điền ô này để kênh nhận được tin.")
        for key in channel_fields(kind)
        if not (merged.get(key) or config.get(key) or (channel and channel.config.get(key)))
    }
    if missing:
        raise ValidationError(missing)
    before = None
    if channel is None:
        channel = Channel(workspace=workspace, kind=kind)
    else:
        before = {"name": channel.name, "config": channel.config}
    channel.name = clean_name or channel.name or str(ChannelKind(kind).label)
    channel.config = {**channel.config, **config}
    if merged != stored:
        channel.credentials_enc = encrypt(json.dumps(merged)) if merged else ""
    channel.save()
    audit_record(
        workspace=workspace,
        actor=user,
        action="channel.create" if created else "channel.update",
        obj=channel,
        before=before,
        after={
            "name": channel.name,
            "kind": channel.kind,
            "is_active": channel.is_active,
            "config": channel.config,
            # Which secrets changed, never what they are.
            "secrets_changed": sorted(k for k in merged if merged[k] != stored.get(k)),
        },
    )
    return ChannelSaved(channel=channel, created=created, generated=generated)


def channel_switch(*, channel: Channel, actor: Actor, active: bool) -> Channel:
    """Turn a channel on or off. An off channel refuses its webhooks and, for the web form,
    leaves the public site without a link to it."""
    user = _acting(channel.workspace, actor)
    if channel.is_active == active:
        return channel
    channel.is_active = active
    # Saving is_active drops the team's kept public pages (receivers.py), in every process.
    channel.save(update_fields=["is_active", "updated_at"])
    audit_record(
        workspace=channel.workspace,
        actor=user,
        action="channel.enable" if active else "channel.disable",
        obj=channel,
        before={"is_active": not active},
        after={"is_active": active},
    )
    return channel


def channel_check(*, channel: Channel, actor: Actor) -> ChannelCheck:
    """Ask the platform, with the channel's credentials, whether they work (for the web form:
    open it at its public address); the answer is in words, the refusal too."""
    user = _acting(channel.workspace, actor)
    try:
        found = adapter_for(channel).check(address=channel_address(channel))
    except ChannelError as exc:
        found = ChannelCheck(ok=False, summary=exc.message)
    audit_record(
        workspace=channel.workspace,
        actor=user,
        action="channel.check",
        obj=channel,
        after={"ok": found.ok},
    )
    return found


def telegram_webhook_register(
    *, channel: Channel, actor: Actor, base_url: str | None = None
) -> str:
    """Tell Telegram (setWebhook) to send the bot's messages to the channel's address, with
    the secret token it must send back; Telegram's answer. ChannelError when it refuses."""
    user = _acting(channel.workspace, actor)
    adapter = adapter_for(channel)
    if not isinstance(adapter, TelegramAdapter):
        raise ValidationError(_("Chỉ kênh Telegram đăng ký địa chỉ theo cách này."))
    if not adapter.credentials.get("bot_token") or not adapter.credentials.get("secret_token"):
        raise ValidationError(_("Kênh Telegram cần mã bot và mã bí mật webhook."))
    address = channel_address(channel, base_url=base_url)
    answer = adapter.set_webhook(url=address)
    audit_record(
        workspace=channel.workspace,
        actor=user,
        action="channel.webhook_register",
        obj=channel,
        after={"address": address},
    )
    return answer
