from __future__ import annotations

import sys
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from tqdm import tqdm

from kiemchung.core.crypto import DecryptionError, reencrypt
from kiemchung.tipline.models import ENCRYPTED_FIELDS

# Encrypted fields outside the tipline, by model label (a missing model is skipped).
OTHER_ENCRYPTED_FIELDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("publishing.Outlet", ("credentials",)),
)


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored secret (tip texts, messages, reply addresses, channel and outlet "
        "credentials, tip images; images stored in the clear get encrypted) with the newest "
        "key of KIEMCHUNG_ENCRYPTION_KEYS; resumable, with a progress bar. Remove an old key "
        "only after this finished."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch", type=int, default=500, help="Rows re-encrypted per transaction."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        newest = Fernet(settings.ENCRYPTION_KEYS[0].encode())
        batch = max(1, int(options["batch"]))
        done = skipped = 0
        for label, fields in (*ENCRYPTED_FIELDS, *OTHER_ENCRYPTED_FIELDS):
            try:
                model = apps.get_model(label)
            except LookupError:
                continue
            rows = model.objects.all()
            total = rows.count()
            last_pk: Any = None
            with tqdm(total=total, desc=label, unit="row", file=sys.stderr) as bar:
                while True:
                    # Each batch commits on its own: a run cut short resumes by skipping rows
                    # already under the newest key.
                    with transaction.atomic():
                        page = rows.order_by("pk")
                        if last_pk is not None:
                            page = page.filter(pk__gt=last_pk)
                        chunk = list(page.select_for_update()[:batch])
                        if not chunk:
                            break
                        for row in chunk:
                            changed = []
                            for name in fields:
                                token = getattr(row, name)
                                if not token or _under(newest, token):
                                    continue
                                try:
                                    setattr(row, name, reencrypt(token))
                                except DecryptionError:
                                    raise CommandError(
                                        f"{label} {row.pk}: {name} cannot be decrypted with any "
                                        "configured key"
                                    ) from None
                                changed.append(name)
                            if changed:
                                type(row).objects.filter(pk=row.pk).update(
                                    **{n: getattr(row, n) for n in changed}
                                )
                                done += 1
                            else:
                                skipped += 1
                        last_pk = chunk[-1].pk
                    bar.update(len(chunk))
        self.stdout.write(f"re-encrypted {done} rows; {skipped} were already under the newest key")
        files = self._files()
        self.stdout.write(f"re-encrypted {files} tip images")

    def _files(self) -> int:
        """Tip images under the newest key; an image stored in the clear gets encrypted."""
        from django.core.files.storage import default_storage

        from kiemchung.core.storage import PrivateFileSystemStorage
        from kiemchung.tipline.models import TipMedia

        if not isinstance(default_storage, PrivateFileSystemStorage):
            return 0
        changed = 0
        names = TipMedia.objects.order_by("pk").values_list("file", flat=True)
        for name in tqdm(names.iterator(), total=names.count(), desc="tip images",
                         unit="file", file=sys.stderr):
            try:
                changed += default_storage.reencrypt(name)
            except FileNotFoundError:
                continue  # its tip is being deleted
            except DecryptionError:
                raise CommandError(
                    f"tip image {name}: cannot be decrypted with any configured key"
                ) from None
        return changed


def _under(newest: Fernet, token: str) -> bool:
    try:
        newest.decrypt(token.encode("ascii"))
    except (InvalidToken, ValueError):
        return False
    return True
