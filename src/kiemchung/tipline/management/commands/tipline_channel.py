from __future__ import annotations

import secrets
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.urls import reverse

from kiemchung.accounts.models import Workspace
from kiemchung.tipline import services_inbound
from kiemchung.tipline.models import Channel, ChannelKind

# Which secrets each kind needs; generated ones are made up here when not given.
SECRETS = {
    ChannelKind.WEB: (),
    ChannelKind.TELEGRAM: ("bot_token", "secret_token"),
    ChannelKind.ZALO: ("oa_secret_key", "access_token"),
    ChannelKind.MESSENGER: ("app_secret", "verify_token", "page_access_token"),
}
GENERATED = {"secret_token", "verify_token"}
HOOK_NAMES = {
    ChannelKind.TELEGRAM: "tipline:hook_telegram",
    ChannelKind.ZALO: "tipline:hook_zalo",
    ChannelKind.MESSENGER: "tipline:hook_messenger",
}


def _value(raw: str) -> str:
    """A secret given as text, as @path (read from a file) or as - (read from stdin)."""
    if raw == "-":
        return sys.stdin.readline().strip()
    if raw.startswith("@"):
        try:
            return Path(raw[1:]).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise CommandError(f"cannot read {raw[1:]}: {exc.strerror}") from None
    return raw


class Command(BaseCommand):
    help = (
        "Add a tipline channel (web form, Telegram bot, Zalo OA, Messenger page) to a workspace "
        "or update its secrets; prints its webhook address."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--workspace", required=True, help="Slug of the workspace.")
        parser.add_argument(
            "--kind", required=True, choices=[k.value for k in ChannelKind], help="Platform."
        )
        parser.add_argument("--name", default="", help="Name staff see (default: the platform).")
        parser.add_argument(
            "--set",
            action="append",
            default=[],
            metavar="KEY=VALUE",
            help="A secret or setting: bot_token, secret_token (Telegram); app_id, "
            "oa_secret_key, access_token (Zalo); app_secret, verify_token, page_access_token "
            "(Messenger). VALUE may be @file or - (stdin) so it stays out of the shell history.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        workspace = Workspace.objects.filter(slug=options["workspace"]).first()
        if workspace is None:
            raise CommandError(f"no workspace with slug {options['workspace']!r}")
        kind = ChannelKind(options["kind"])
        values: dict[str, str] = {}
        for item in options["set"]:
            key, sep, raw = item.partition("=")
            if not sep:
                raise CommandError(f"--set {item!r}: expected KEY=VALUE")
            values[key.strip()] = _value(raw)
        config = {k: values.pop(k) for k in ("app_id",) if k in values}
        unknown = set(values) - set(SECRETS[kind])
        if unknown:
            raise CommandError(f"{kind.value} channels take no {', '.join(sorted(unknown))}")
        with transaction.atomic():
            channel = Channel.objects.filter(workspace=workspace, kind=kind).first()
            if channel is None:
                channel = Channel.objects.create(
                    workspace=workspace, kind=kind, name=options["name"] or str(kind.label)
                )
                for key in GENERATED & set(SECRETS[kind]):
                    values.setdefault(key, secrets.token_urlsafe(32))
            if options["name"]:
                channel.name = options["name"]
            channel.config = {**channel.config, **config}
            channel.save()
            if values:
                services_inbound.channel_credentials_set(channel=channel, values=values)
        self.stdout.write(f"{channel.get_kind_display()}: {channel.name}")
        if kind == ChannelKind.WEB:
            url = reverse("tipline:form", args=[workspace.slug])
        else:
            url = reverse(HOOK_NAMES[kind], args=[channel.public_id])
        self.stdout.write(f"{settings.SITE_URL}{url}")
