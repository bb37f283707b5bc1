from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from kiemchung.tipline.services_retention import retention_run


class Command(BaseCommand):
    help = (
        "Delete closed tips older than KIEMCHUNG_TIP_RETENTION_DAYS with their messages and "
        "images, and stale raw webhook rows; the built-in schedule runs it daily (run it from cron "
        "when KIEMCHUNG_SCHEDULE=false)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            result = retention_run()
        self.stdout.write(
            f"deleted {result.tips} tips, {result.media} images, {result.messages} messages, "
            f"{result.inbound} raw rows, {result.conversations} empty conversations; "
            f"requeued {result.requeued}"
        )
