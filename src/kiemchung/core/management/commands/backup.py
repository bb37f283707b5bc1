from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from kiemchung.core.backup import BackupError, Progress, backup_create


def tqdm_progress(label: str) -> tuple[Progress, Any]:
    """A progress callback drawing one bar on stderr, and the bar (to close)."""
    bar = tqdm(desc=label, unit="item", file=sys.stderr, mininterval=0.5, delay=0.5)

    def update(done: int, total: int) -> None:
        if bar.total != total:
            bar.reset(total=total)
        bar.update(done - bar.n)

    return update, bar


class Command(BaseCommand):
    help = (
        "Back up the database, uploaded and archived files and the settings in use to one file "
        "(a consistent copy while the site runs), with a progress bar; the encryption and "
        "secret keys only with --include-keys. Restore it with `kiemchung restore FILE`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The backup file to write (e.g. kiemchung.tar.gz).")
        parser.add_argument(
            "--include-keys",
            action="store_true",
            help="Also store the keys; anyone holding the file can then read the tips in it.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if options["include_keys"]:
            self.stderr.write(
                "warning: --include-keys stores the encryption and secret keys in the backup: "
                "anyone who gets this file can read the tipsters' messages and contacts. Keep it "
                "as safe as the keys themselves."
            )
        progress, bar = tqdm_progress("backup")
        try:
            manifest = backup_create(
                path=path, include_keys=options["include_keys"], progress=progress
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        finally:
            bar.close()
        summary = {
            "file": str(path),
            "bytes": path.stat().st_size,
            "database": manifest["database"],
            "rows": sum(manifest["rows"].values()),
            "files": manifest["files"],
            "keys_included": manifest["keys_included"],
        }
        self.stdout.write(json.dumps(summary))
