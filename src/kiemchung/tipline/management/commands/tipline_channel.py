from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import translation

from kiemchung.accounts.models import Workspace
from kiemchung.tipline import services_channels
from kiemchung.tipline.models import ChannelKind
from kiemchung.tipline.selectors_channels import channel_address


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


def _said(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return "; ".join(
            f"{name}: {' '.join(messages)}" for name, messages in exc.message_dict.items()
        )
    return " ".join(exc.messages)


class Command(BaseCommand):
    help = (
        "Add a tipline channel (web form, Telegram bot, Zalo OA, Messenger page) to a workspace, "
        "change its secrets or turn it on or off; prints its webhook address. The newsroom's "
        "Kênh nhận tin screen does the same."
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
        switch = parser.add_mutually_exclusive_group()
        switch.add_argument(
            "--on", action="store_true", help="Turn the channel on (a new one starts on)."
        )
        switch.add_argument(
            "--off",
            action="store_true",
            help="Turn the channel off: its webhooks are refused and, for the web form, the "
            "public site stops linking to it.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        workspace = Workspace.objects.filter(slug=options["workspace"]).first()
        if workspace is None:
            raise CommandError(f"no workspace with slug {options['workspace']!r}")
        values: dict[str, str] = {}
        for item in options["set"]:
            key, sep, raw = item.partition("=")
            if not sep:
                raise CommandError(f"--set {item!r}: expected KEY=VALUE")
            values[key.strip()] = _value(raw)
        try:
            # The refusals are the screen's, in the command line's language.
            with translation.override("en"), transaction.atomic():
                saved = services_channels.channel_save(
                    workspace=workspace,
                    actor=None,
                    kind=options["kind"],
                    name=options["name"],
                    values=values,
                )
                if options["on"] or options["off"]:
                    services_channels.channel_switch(
                        channel=saved.channel, actor=None, active=bool(options["on"])
                    )
        except ValidationError as exc:
            raise CommandError(_said(exc)) from None
        channel = saved.channel
        state = "on" if channel.is_active else "off"
        self.stdout.write(f"{channel.get_kind_display()}: {channel.name} ({state})")
        self.stdout.write(channel_address(channel))
        for key, secret in saved.generated.items():
            # Made up now and shown this once: the platform may need it pasted (verify_token).
            self.stdout.write(f"{key} (shown once): {secret}")
