from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import translation

from kiemchung.tipline.channels.base import ChannelError
from kiemchung.tipline.models import Channel, ChannelKind
from kiemchung.tipline.selectors_channels import channel_address
from kiemchung.tipline.services_channels import telegram_webhook_register


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
        channel = (
            Channel.objects.filter(workspace__slug=options["workspace"], kind=ChannelKind.TELEGRAM)
            .select_related("workspace")
            .order_by("id")
            .first()
        )
        if channel is None:
            raise CommandError(
                "this workspace has no Telegram channel; add one with `kiemchung tipline_channel`"
            )
        try:
            with translation.override("en"), transaction.atomic():
                answer = telegram_webhook_register(
                    channel=channel, actor=None, base_url=options["base_url"]
                )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        except ChannelError as exc:
            raise CommandError(f"Telegram refused: {exc.message}") from None
        self.stdout.write(f"{answer}: {channel_address(channel, base_url=options['base_url'])}")
