"""`kiemchung ingest`: import a platform export, or fetch the sources that are due."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from kiemchung.accounts.models import Workspace
from kiemchung.monitoring import importers
from kiemchung.monitoring.models import ImportJob, ImportStatus, Source, SourceKind
from kiemchung.monitoring.services import enqueue_match, source_for_kind
from kiemchung.monitoring.sources import sources_fetch_due


class Command(BaseCommand):
    help = (
        "Import a platform export (CSV, JSON or JSONL: Facebook posts, YouTube comments, TikTok "
        "captions) into a source, with a progress bar; run it again to resume a stopped import. "
        "With --due, fetch the feeds and pages that are due instead (the built-in schedule "
        "does this every minute; for cron when KIEMCHUNG_SCHEDULE=false)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", help="The export to import.")
        parser.add_argument("--source", default="", help="Source name (default: the file name).")
        parser.add_argument("--format", choices=["csv", "json", "jsonl"], default=None,
                            help="File format (default: from the file name and first bytes).")
        parser.add_argument("--text-column", default="",
                            help="Column (or dotted JSON path) holding the text "
                            "(default: guessed from the common export formats).")
        parser.add_argument("--workspace", default="",
                            help="Workspace slug (default: the only workspace).")
        parser.add_argument("--platform", default="",
                            help="Platform of the items (facebook, youtube, tiktok, ...).")
        parser.add_argument("--batch-size", type=int, default=importers.BATCH_SIZE,
                            help="Records stored per transaction (default: %(default)s).")
        parser.add_argument("--due", action="store_true",
                            help="Fetch every feed and watched page that is due, then exit.")
        parser.add_argument("--watch", type=float, default=0.0, metavar="SECONDS",
                            help="With --due: keep fetching, looking every SECONDS.")

    def _workspace(self, slug: str) -> Workspace:
        if slug:
            workspace = Workspace.objects.filter(slug=slug).first()
            if workspace is None:
                raise CommandError(f"no workspace with the slug {slug!r}")
            return workspace
        workspaces = list(Workspace.objects.order_by("pk")[:2])
        if len(workspaces) != 1:
            raise CommandError("give --workspace SLUG (there is not exactly one workspace)")
        return workspaces[0]

    def _emit(self, data: dict[str, Any]) -> None:
        self.stdout.write(json.dumps(data, ensure_ascii=False))

    def handle(self, *args: Any, **options: Any) -> None:
        if options["due"]:
            self._fetch_due(options["watch"])
            return
        if not options["file"]:
            raise CommandError("give a FILE to import, or --due")
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"cannot read {path}: no such file")
        head = importers.read_head(path)
        try:
            importers.check_text_file(head)
        except importers.ImportError_ as exc:
            raise CommandError(f"{path.name}: {exc.message}") from None
        workspace = self._workspace(options["workspace"])
        fmt = options["format"] or importers.format_of(path.name, head)
        name = options["source"] or path.stem
        # A file refused while its job is made leaves no new source behind.
        with transaction.atomic():
            source = Source.objects.filter(workspace=workspace, name=name).first()
            if source is None:
                source = source_for_kind(workspace=workspace, kind=SourceKind.IMPORT, name=name)
                if options["platform"]:
                    Source.objects.filter(pk=source.pk).update(platform=options["platform"])
                    source.platform = options["platform"]
            job = self._job(workspace, source, path, fmt, options)
        self._run(job, options["batch_size"])

    def _job(
        self, workspace: Workspace, source: Source, path: Path, fmt: str, options: dict[str, Any]
    ) -> ImportJob:
        fingerprint = importers.file_fingerprint(path)
        unfinished = (
            ImportJob.objects.filter(workspace=workspace, source=source, fingerprint=fingerprint)
            .exclude(status=ImportStatus.DONE)
            .order_by("-pk")
            .first()
        )
        if unfinished is not None:
            self.stderr.write(f"resuming import #{unfinished.pk} of {path.name}")
            return unfinished
        try:
            preview = importers.preview(path, fmt=fmt, platform=source.platform)
        except importers.ImportError_ as exc:
            raise CommandError(f"{path.name}: {exc.message}") from None
        mapping = dict(preview.mapping)
        if options["text_column"]:
            mapping["text"] = options["text_column"]
        if not mapping.get("text"):
            if not preview.columns:
                lines = ", ".join(f"line {p.line}: {p.message}" for p in preview.problems[:5])
                raise CommandError(
                    f"{path.name}: no record could be read in its first lines"
                    + (f" ({lines})" if lines else "")
                )
            raise CommandError(
                "no text column found; give --text-column (columns: "
                + ", ".join(preview.columns[:30]) + ")"
            )
        self.stderr.write("columns: " + ", ".join(f"{k}={v}" for k, v in mapping.items()))
        try:
            return importers.import_create(
                workspace=workspace, source=source, path=path, original_name=path.name,
                fmt=fmt, mapping=mapping,
            )
        except importers.ImportError_ as exc:
            raise CommandError(exc.message) from None

    def _run(self, job: ImportJob, batch_size: int) -> None:
        from tqdm import tqdm

        bar = tqdm(total=job.bytes_total, unit="B", unit_scale=True, file=sys.stderr,
                   desc=job.original_name[:30], mininterval=0.5)
        bar.n = sum(c.bytes_done for c in job.chunks.all())
        bar.refresh()

        def progress(done: int) -> None:
            bar.n = done
            bar.refresh()

        started = time.monotonic()
        try:
            importers.import_run(job, progress=progress, batch_size=batch_size)
        except KeyboardInterrupt:
            importers.import_cancel(job)
            bar.close()
            self.stderr.write("stopped: run the same command again to resume")
            self._emit({**importers.import_summary(job), "problems": []})
            sys.exit(130)
        except importers.ImportError_ as exc:
            bar.close()
            raise CommandError(exc.message) from None
        bar.close()
        with transaction.atomic():
            enqueue_match(job.workspace_id)
        summary = importers.import_summary(job)
        for problem in summary["problems"]:
            self.stderr.write(f"line {problem['line']}: {problem['message']}")
        summary["seconds"] = round(time.monotonic() - started, 2)
        summary["problems"] = len(summary["problems"])
        self._emit(summary)

    def _fetch_due(self, watch: float) -> None:
        while True:
            reports = sources_fetch_due()
            for report in reports:
                if not report.ok:
                    self.stderr.write(f"source {report.source}: {report.error}")
            self._emit({
                "fetched": len(reports),
                "failed": sum(1 for r in reports if not r.ok),
                "added": sum(r.added for r in reports),
            })
            if watch <= 0:
                return
            time.sleep(watch)
