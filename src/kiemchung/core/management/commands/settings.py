from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from kiemchung.env import REGISTRY, settings_markdown


class Command(BaseCommand):
    help = "List every KIEMCHUNG_* setting with its type, default and help line."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--markdown", action="store_true", help="Print docs/SETTINGS.md.")

    def handle(self, *args: Any, markdown: bool = False, **options: Any) -> None:
        if markdown:
            self.stdout.write(settings_markdown(), ending="")
            return
        for doc in sorted(REGISTRY.values(), key=lambda d: d.name):
            self.stdout.write(f"{doc.name} ({doc.kind}, default {doc.default or '-'}): {doc.help}")
