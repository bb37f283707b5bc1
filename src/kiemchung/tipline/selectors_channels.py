"""Reads of the channel screen: each platform's channel and its state, the address the
platform is given, and which secrets are stored (their names, never their values)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.urls import reverse

from kiemchung.accounts.models import Workspace
from kiemchung.accounts.permissions import Action
from kiemchung.accounts.selectors import member_acting
from kiemchung.tipline.channels.registry import adapter_for
from kiemchung.tipline.models import Channel, ChannelKind

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

# The order the screen lists them in: the web form first, it needs nothing from a platform.
KINDS = (ChannelKind.WEB, ChannelKind.TELEGRAM, ChannelKind.ZALO, ChannelKind.MESSENGER)
HOOK_NAMES = {
    ChannelKind.TELEGRAM: "tipline:hook_telegram",
    ChannelKind.ZALO: "tipline:hook_zalo",
    ChannelKind.MESSENGER: "tipline:hook_messenger",
}


def channel_address(channel: Channel, *, base_url: str | None = None) -> str:
    """Where the platform sends the channel's messages (for the web form: the form itself),
    absolute, from KIEMCHUNG_SITE_URL unless another base is given."""
    base = (base_url or settings.SITE_URL).rstrip("/")
    if channel.kind == ChannelKind.WEB:
        return base + reverse("tipline:form", args=[channel.workspace.slug])
    return base + reverse(HOOK_NAMES[ChannelKind(channel.kind)], args=[channel.public_id])


@dataclass(frozen=True)
class ChannelState:
    """One platform on the screen: its channel if the team has one, and the address to give."""

    kind: ChannelKind
    channel: Channel | None
    address: str

    @property
    def state(self) -> str:
        """"on", "off" or "unset" (no channel yet)."""
        if self.channel is None:
            return "unset"
        return "on" if self.channel.is_active else "off"


def _state(workspace: Workspace, kind: ChannelKind, channel: Channel | None) -> ChannelState:
    if channel is not None:
        return ChannelState(kind=kind, channel=channel, address=channel_address(channel))
    if kind == ChannelKind.WEB:
        # The form's address is known before the channel exists: it is the team's.
        unsaved = Channel(workspace=workspace, kind=kind)
        return ChannelState(kind=kind, channel=None, address=channel_address(unsaved))
    return ChannelState(kind=kind, channel=None, address="")


def channel_states(*, workspace: Workspace, user: User | AnonymousUser) -> list[ChannelState]:
    """Every platform with the team's channel on it, for an admin (PermissionDenied else)."""
    member_acting(actor=user, workspace_id=workspace.pk, action=Action.MANAGE_WORKSPACE)
    # Newest first, so that each kind keeps its first channel, as `channel_of` does.
    found = Channel.objects.filter(workspace=workspace).select_related("workspace")
    channels = {c.kind: c for c in found.order_by("-id")}
    return [_state(workspace, kind, channels.get(kind)) for kind in KINDS]


def channel_state(
    *, workspace: Workspace, user: User | AnonymousUser, kind: ChannelKind
) -> ChannelState:
    """One platform of the team, for an admin (PermissionDenied else)."""
    member_acting(actor=user, workspace_id=workspace.pk, action=Action.MANAGE_WORKSPACE)
    return _state(workspace, kind, channel_of(workspace=workspace, kind=kind))


def channel_of(*, workspace: Workspace, kind: str) -> Channel | None:
    """The team's channel on this platform (its first, should there be more)."""
    return (
        Channel.objects.filter(workspace=workspace, kind=kind)
        .select_related("workspace")
        .order_by("id")
        .first()
    )


def stored_secrets(channel: Channel | None) -> frozenset[str]:
    """The names of the secrets the channel holds; their values never leave the services."""
    if channel is None or not channel.credentials_enc:
        return frozenset()
    return frozenset(name for name, value in adapter_for(channel).credentials.items() if value)
