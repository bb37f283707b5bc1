from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kiemchung.accounts.models import Workspace
from kiemchung.claims import matching
from kiemchung.claims.tasks import match_index_rebuild


class Command(BaseCommand):
    help = (
        "Rebuild the matching index of every workspace (or of one) from the database, with a "
        "progress bar on stderr. Embeddings already in the cache are reused, so a run that was "
        "interrupted resumes where it stopped."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--workspace", metavar="SLUG", help="Only this workspace.")
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="Hand the rebuild to the background workers instead of running it here.",
        )

    def handle(self, *args: Any, workspace: str | None, enqueue: bool, **options: Any) -> None:
        workspaces = Workspace.objects.order_by("slug")
        if workspace is not None:
            workspaces = workspaces.filter(slug=workspace.strip().lower())
            if not workspaces.exists():
                raise CommandError(f"no workspace with the slug {workspace!r}")
        for ws in workspaces:
            if enqueue:
                match_index_rebuild.enqueue(ws.pk)
                self.stdout.write(f"{ws.slug}: rebuild queued")
                continue
            embedder = matching.shared_embedder()
            computed_before = embedder.computed
            started = time.monotonic()
            try:
                size = matching.index_rebuild(
                    workspace=ws, progress=matching.tqdm_progress(f"index {ws.slug}")
                )
            except KeyboardInterrupt:
                raise CommandError(
                    "interrupted; run the same command again to resume (what was embedded is "
                    "kept in the cache)",
                    returncode=130,
                ) from None
            computed = embedder.computed - computed_before
            self.stdout.write(
                f"{ws.slug}: {size} records indexed in {time.monotonic() - started:.1f} s "
                f"({computed} passages embedded, the rest from the cache)"
            )
