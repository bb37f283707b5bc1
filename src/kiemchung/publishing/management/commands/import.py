"""`kiemchung import claimreview`: import other fact-checkers' ClaimReview by hand (the built-in
schedule re-imports the subscribed sources)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from kiemchung.accounts.models import Workspace
from kiemchung.publishing import imports
from kiemchung.publishing.models import ClaimReviewSource, ClaimReviewSourceKind


def _progress(label: str) -> imports.Progress:
    from tqdm import tqdm

    bars: dict[str, Any] = {}

    def update(done: int, total: int) -> None:
        bar = bars.get("bar")
        if bar is None:
            bar = bars["bar"] = tqdm(total=total, desc=label, file=sys.stderr, unit="mục")
        bar.n = done
        bar.refresh()
        if done >= total:
            bar.close()

    return update


class Command(BaseCommand):
    help = (
        "Import other teams' ClaimReview: `import claimreview` fetches every active subscribed "
        "feed and page again (the built-in schedule does it hourly), `--source ID` one source, "
        "`FILE --workspace SLUG` a JSON, JSON Lines or HTML file. Progress on stderr; the last "
        "line on stdout is a JSON summary."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("what", choices=["claimreview"], help="What to import.")
        parser.add_argument("file", nargs="?", help="A file to import instead of the feeds.")
        parser.add_argument("--source", type=int, help="Import only this source (its id).")
        parser.add_argument(
            "--workspace", help="Slug of the workspace a FILE is imported into."
        )
        parser.add_argument(
            "--name",
            help="Name of the fact-checking team of a FILE (default: the file's name).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["file"]:
            reports = [self._file(options)]
        else:
            if options["workspace"] or options["name"]:
                raise CommandError("--workspace and --name go with a FILE")
            reports = self._sources(options["source"])
        total: dict[str, Any] = {
            "sources": len(reports),
            "created": 0,
            "updated": 0,
            "unchanged": 0,
            "skipped": 0,
            "failed_sources": 0,
        }
        for name, report in reports:
            for key in ("created", "updated", "unchanged", "skipped"):
                total[key] += getattr(report, key)
            if report.error:
                total["failed_sources"] += 1
                self.stderr.write(f"{name}: {report.error}")
            for problem in report.problems:
                self.stderr.write(f"{name}: {problem}")
        self.stdout.write(json.dumps(total, ensure_ascii=False))

    def _file(self, options: dict[str, Any]) -> tuple[str, imports.ImportReport]:
        path = Path(options["file"])
        if options["source"] is not None:
            source = ClaimReviewSource.objects.filter(
                pk=options["source"], kind=ClaimReviewSourceKind.FILE
            ).first()
            if source is None:
                raise CommandError(f"no file source with id {options['source']}")
        else:
            if not options["workspace"]:
                raise CommandError(
                    "a FILE needs --workspace SLUG (or --source ID of a file source)"
                )
            workspace = Workspace.objects.filter(slug=options["workspace"]).first()
            if workspace is None:
                raise CommandError(f"no workspace with slug {options['workspace']!r}")
            name = (options["name"] or path.name)[:160]
            source, _created = ClaimReviewSource.objects.get_or_create(
                workspace=workspace, kind=ClaimReviewSourceKind.FILE, name=name
            )
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror}") from exc
        with transaction.atomic():
            report = imports.file_import(
                source=source, content=content, progress=_progress(source.name)
            )
        return source.name, report

    def _sources(self, source_id: int | None) -> list[tuple[str, imports.ImportReport]]:
        sources = imports.sources_due(source_id=source_id)
        if source_id is not None and not sources:
            raise CommandError(f"no ClaimReview source with id {source_id}")
        reports = []
        for source in sources:
            self.stderr.write(f"{source.workspace.slug}: {source.name} ({source.url or 'file'})")
            report = imports.source_import(source_id=source.pk, progress=_progress(source.name))
            reports.append((source.name, report))
        return reports
