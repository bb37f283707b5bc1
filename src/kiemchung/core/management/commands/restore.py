from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kiemchung.core.backup import BackupError, backup_restore
from kiemchung.core.management.commands.backup import tqdm_progress


class Command(BaseCommand):
    help = (
        "Restore a file made by `kiemchung backup` into an empty, migrated database (--force "
        "replaces what it holds), all or nothing, with a progress bar; refuses a backup of "
        "another schema. Stop the server and the workers first, then run `kiemchung reindex`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The backup file to restore.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace the data and files this instance already holds.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        progress, bar = tqdm_progress("restore")
        try:
            result = backup_restore(path=path, force=options["force"], progress=progress)
        except BackupError as exc:
            raise CommandError(f"{exc}") from None
        finally:
            bar.close()
        for warning in result["warnings"]:
            self.stderr.write(f"warning: {warning}")
        manifest = result["manifest"]
        self.stderr.write("Restored. Run `kiemchung reindex` to rebuild the matching indexes.")
        summary = {
            "file": str(path),
            "created_at": manifest["created_at"],
            "from_database": manifest["database"],
            "rows": sum(manifest["rows"].values()),
            "files": manifest["files"],
            "warnings": len(result["warnings"]),
        }
        self.stdout.write(json.dumps(summary))
