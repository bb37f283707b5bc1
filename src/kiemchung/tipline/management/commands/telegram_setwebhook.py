from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse

from kiemchung.tipline.channels.base import ChannelError
from kiemchung.tipline.channels.registry import adapter_for
from kiemchung.tipline.channels.telegram import TelegramAdapter
from kiemchung.tipline.models import Channel, ChannelKind


class Command(BaseCommand):
    help = (
        "Register a workspace's Telegram bot webhook with Telegram (setWebhook), with the "
        "secret token Telegram must send back on every update."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--workspace", required=True, help="Slug of the workspace.")
        parser.add_argument(
            "--base-url",
            default=None,
            help="Public https address Telegram calls (default: KIEMCHUNG_SITE_URL).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        channel = Channel.objects.filter(
            workspace__slug=options["workspace"], kind=ChannelKind.TELEGRAM
        ).first()
        if channel is None:
            raise CommandError(
                "this workspace has no Telegram channel; add one with `kiemchung tipline_channel`"
            )
        adapter = adapter_for(channel)
        assert isinstance(adapter, TelegramAdapter)
        if not adapter.credentials.get("bot_token") or not adapter.credentials.get(
            "secret_token"
        ):
            raise CommandError("the Telegram channel needs bot_token and secret_token")
        base = (options["base_url"] or settings.SITE_URL).rstrip("/")
        url = base + reverse("tipline:hook_telegram", args=[channel.public_id])
        try:
            answer = adapter.set_webhook(url=url)
        except ChannelError as exc:
            raise CommandError(f"Telegram refused: {exc.message}") from None
        self.stdout.write(f"{answer}: {url}")
