"""What the instance writes to disk stays its own: private file modes, and tipster files
encrypted at rest."""

from __future__ import annotations

import os
import stat
from io import BytesIO
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.core.files.storage import FileSystemStorage

from kiemchung.core.crypto import (
    decrypt_bytes,
    encrypt_bytes,
    is_encrypted_bytes,
    reencrypt_bytes,
)

# Files under these folders of MEDIA_ROOT hold what tipsters sent (tip images): they are
# written encrypted with KIEMCHUNG_ENCRYPTION_KEYS and decrypted only when read back.
ENCRYPTED_FOLDERS = ("tipline/",)


def var_dir_protect() -> None:
    """Close the var folder and the SQLite database to other users of the machine.

    Instances made before files were created private keep working: only the modes change.
    """
    var_dir = Path(settings.VAR_DIR)
    candidates = [(var_dir, 0o700)]
    candidates += [
        (var_dir / name, 0o600)
        for name in ("kiemchung.sqlite3", "kiemchung.sqlite3-wal", "kiemchung.sqlite3-shm")
    ]
    for path, mode in candidates:
        try:
            info = path.stat()
            if info.st_uid == os.getuid() and stat.S_IMODE(info.st_mode) & 0o077:
                path.chmod(mode)
        except OSError:
            continue  # missing, or not ours to change: nothing to do


class PrivateFileSystemStorage(FileSystemStorage):
    """MEDIA_ROOT with files encrypted at rest under ENCRYPTED_FOLDERS.

    Reading gives back the plain bytes, whoever reads (the staff page, the forwarded e-mail,
    the text reader); a file stored before encryption is read as it is.
    """

    def _encrypted(self, name: str) -> bool:
        return name.replace("\\", "/").startswith(ENCRYPTED_FOLDERS)

    def _save(self, name: str, content: File[Any]) -> str:
        if self._encrypted(name):
            content.seek(0)
            content = ContentFile(encrypt_bytes(content.read()))
        return super()._save(name, content)  # type: ignore[misc]

    def _open(self, name: str, mode: str = "rb") -> File[Any]:
        if not self._encrypted(name):
            return super()._open(name, mode)  # type: ignore[misc]
        return _PlainFile(self, name)

    def plain_bytes(self, name: str) -> bytes:
        """The file's bytes as they were given, decrypted when stored encrypted."""
        with super()._open(name, "rb") as stored:  # type: ignore[misc]
            data = stored.read()
        return decrypt_bytes(data) if is_encrypted_bytes(data) else data

    def reencrypt(self, name: str) -> bool:
        """Put one stored file under the newest key (encrypting a file stored in the clear);
        whether it changed. The new file replaces the old one at once, never half-written."""
        if not self._encrypted(name):
            return False
        path = Path(self.path(name))
        new = reencrypt_bytes(path.read_bytes())
        if new is None:
            return False
        temporary = path.with_name(path.name + ".tmp")
        temporary.write_bytes(new)
        temporary.chmod(0o600)
        os.replace(temporary, path)
        return True


class _PlainFile(File[bytes]):
    """A decrypted file in memory that can be opened again after it was closed, as a file
    on disk can (a model's file field reopens the same object)."""

    def __init__(self, storage: PrivateFileSystemStorage, name: str) -> None:
        self._storage = storage
        handle: IO[bytes] = BytesIO(storage.plain_bytes(name))
        super().__init__(handle, name=name)

    def open(self, mode: str | None = None, *args: Any, **kwargs: Any) -> _PlainFile:
        if self.closed:
            self.file = BytesIO(self._storage.plain_bytes(str(self.name)))
        else:
            self.seek(0)
        return self
