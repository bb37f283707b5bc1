from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kiemchung.accounts.models import Workspace
from kiemchung.publishing.export import ExportError, SiteExport


class Command(BaseCommand):
    help = (
        "Export the public site as static files: `kiemchung export site DIR [--workspace SLUG]` "
        "writes the home, fact-check, topic, methodology and corrections pages, feeds, sitemap, "
        "stylesheets and archived sources, with relative links that work from any web server."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("what", choices=["site"], help="What to export: `site`.")
        parser.add_argument("directory", help="Folder to write into (created if missing).")
        parser.add_argument(
            "--workspace",
            action="append",
            default=None,
            metavar="SLUG",
            help="Export only this team (repeat for several). Default: every team.",
        )

    def handle(
        self, *args: Any, what: str, directory: str, workspace: list[str] | None, **options: Any
    ) -> None:
        from tqdm import tqdm

        teams = Workspace.objects.order_by("slug")
        if workspace:
            teams = teams.filter(slug__in=workspace)
            missing = sorted(set(workspace) - set(teams.values_list("slug", flat=True)))
            if missing:
                raise CommandError(f"no workspace with the slug {', '.join(missing)}")
        if not teams.exists():
            raise CommandError("there is no workspace to export")
        folder = Path(directory).resolve()
        if folder.exists() and not folder.is_dir():
            raise CommandError(f"{folder} exists and is not a folder")
        folder.mkdir(parents=True, exist_ok=True)
        export = SiteExport(folder, teams)
        bar = tqdm(total=export.total, desc="export", unit="file", file=sys.stderr)

        def progress(done: int, total: int) -> None:
            bar.n = done
            bar.refresh()

        try:
            result = export.run(progress=progress)
        except ExportError as exc:
            raise CommandError(str(exc)) from None
        finally:
            bar.close()
        self.stdout.write(
            f"Exported {result.pages} pages, {result.archives} archived sources and "
            f"{result.static} static files to {folder}"
        )
