"""Back up an instance to one file and restore it: the database, uploaded and archived files, and
the settings it ran with; the keys only when asked.

The file is a gzipped tar: ``manifest.json`` (format, schema = the applied migrations, row and
file counts, settings, key fingerprints), ``data/NNN-app.model.jsonl`` (Django's JSON Lines
serialisation, in dependency order, one file per model), ``files/media/...`` and
``files/archive/...`` as stored (tip images stay encrypted), and ``keys.json`` with
``--include-keys``. The same file restores on SQLite and on PostgreSQL.

The copy is consistent: on SQLite it is read from a snapshot made with sqlite3's online backup
API, on PostgreSQL inside one REPEATABLE READ, READ ONLY transaction. A restore loads everything
in one transaction and moves the files into place only after it committed; on any failure
nothing changed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import shutil
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import serializers
from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import Model

import kiemchung

FORMAT = 1
MANIFEST = "manifest.json"
KEYS = "keys.json"
SNAPSHOT_ALIAS = "kiemchung_backup_snapshot"
# Environment variables that are never written into a backup's settings: secrets, credentials
# and this machine's own paths.
PRIVATE_SETTING_WORDS = ("KEY", "SECRET", "PASSWORD", "TOKEN", "DATABASE_URL", "REDIS_URL", "_DIR")

Progress = Callable[[int, int], None]


class BackupError(Exception):
    """A backup cannot be made or restored; the message says why, for the person at the shell."""


class _ExactEncoder(DjangoJSONEncoder):
    """Django's encoder without its rounding of times to milliseconds (a backup keeps them)."""

    def default(self, o: Any) -> Any:
        if isinstance(o, dt.datetime | dt.time):
            return o.isoformat()
        return super().default(o)


def _noop(done: int, total: int) -> None:
    return None


def _models() -> list[type[Model]]:
    """Every concrete, managed model, in an order that loads foreign keys before their users."""
    app_list: dict[Any, list[type[Model]] | None] = {
        config: None for config in apps.get_app_configs() if config.models_module is not None
    }
    ordered = serializers.sort_dependencies(app_list.items(), allow_cycles=True)
    return [m for m in ordered if m._meta.managed and not m._meta.proxy]


def _label(model: type[Model]) -> str:
    return model._meta.label_lower


def _fingerprint(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def _schema(alias: str) -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    for app, name in sorted(MigrationRecorder(connections[alias]).applied_migrations()):
        applied.setdefault(app, []).append(name)
    return applied


def _settings_in_use() -> dict[str, str]:
    """The KIEMCHUNG_* variables set for this instance, secrets and credentials left out."""
    return {
        name: value
        for name, value in sorted(os.environ.items())
        if name.startswith("KIEMCHUNG_")
        and not name.endswith("_FILE")
        and not any(word in name for word in PRIVATE_SETTING_WORDS)
    }


def _file_roots() -> dict[str, Path]:
    roots = {"media": Path(settings.MEDIA_ROOT)}
    archive = Path(getattr(settings, "ARCHIVE_ROOT", roots["media"] / "archive"))
    if not archive.resolve().is_relative_to(roots["media"].resolve()):
        roots["archive"] = archive
    return roots


def _files(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    return sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink())


@contextlib.contextmanager
def _consistent_reader() -> Iterator[str]:
    """A database alias that sees one moment of the data for as long as the dump reads it."""
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor == "sqlite":
        with tempfile.TemporaryDirectory(prefix="kiemchung-backup-") as folder:
            snapshot = Path(folder) / "snapshot.sqlite3"
            connection.ensure_connection()
            import sqlite3

            target = sqlite3.connect(snapshot)
            try:
                connection.connection.backup(target)
            finally:
                target.close()
            connections.settings[SNAPSHOT_ALIAS] = {
                **connections.settings[DEFAULT_DB_ALIAS],
                "NAME": str(snapshot),
            }
            try:
                yield SNAPSHOT_ALIAS
            finally:
                connections[SNAPSHOT_ALIAS].close()
                del connections[SNAPSHOT_ALIAS]
                del connections.settings[SNAPSHOT_ALIAS]
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield DEFAULT_DB_ALIAS


def _ticking(rows: Iterator[Model], tick: Callable[[], None]) -> Iterator[Model]:
    for row in rows:
        yield row
        tick()


def backup_create(
    *, path: Path, include_keys: bool = False, progress: Progress = _noop
) -> dict[str, Any]:
    """Write a backup of this instance to ``path``; returns its manifest.

    The file appears only when complete (written next to it, then renamed).
    """
    path = Path(path)
    if path.exists() and path.is_dir():
        raise BackupError(f"{path} is a folder; give the name of the backup file to write")
    if not path.parent.is_dir():
        raise BackupError(f"the folder {path.parent} does not exist")
    roots = _file_roots()
    files = {name: _files(root) for name, root in roots.items()}
    models = _models()
    with tempfile.TemporaryDirectory(prefix="kiemchung-backup-", dir=path.parent) as folder:
        staging = Path(folder)
        (staging / "data").mkdir()
        counts: dict[str, int] = {}
        order: list[str] = []
        with _consistent_reader() as alias:
            schema = _schema(alias)
            totals = {_label(m): m._default_manager.using(alias).count() for m in models}
            total = sum(totals.values()) + sum(len(found) for found in files.values())
            state = {"done": 0}

            def tick() -> None:
                state["done"] += 1
                if state["done"] % 200 == 0:
                    progress(state["done"], total)

            serializer = serializers.get_serializer("jsonl")()
            for number, model in enumerate(models):
                label = _label(model)
                name = f"data/{number:03d}-{label}.jsonl"
                rows = model._default_manager.using(alias).order_by("pk").iterator(2000)
                with open(staging / name, "w", encoding="utf-8") as out:
                    serializer.serialize(_ticking(rows, tick), stream=out, cls=_ExactEncoder)
                counts[label] = totals[label]
                order.append(name)
            progress(state["done"], total)
        manifest: dict[str, Any] = {
            "format": FORMAT,
            "app": "kiemchung",
            "version": kiemchung.__version__,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "database": connections[DEFAULT_DB_ALIAS].vendor,
            "migrations": schema,
            "data": order,
            "rows": counts,
            "files": {name: len(found) for name, found in files.items()},
            "settings": _settings_in_use(),
            "encryption_key_fingerprints": [_fingerprint(k) for k in settings.ENCRYPTION_KEYS],
            "keys_included": include_keys,
        }
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
        partial = staging / "backup.partial"
        with tarfile.open(partial, "w:gz") as archive:
            archive.add(staging / MANIFEST, arcname=MANIFEST)
            if include_keys:
                keys = {
                    "secret_key": settings.SECRET_KEY,
                    "encryption_keys": list(settings.ENCRYPTION_KEYS),
                    "tipline_sender_key": getattr(settings, "TIPLINE_SENDER_KEY", ""),
                }
                (staging / KEYS).write_text(json.dumps(keys), encoding="utf-8")
                archive.add(staging / KEYS, arcname=KEYS)
            for name in order:
                archive.add(staging / name, arcname=name)
            for section, found in files.items():
                for file in found:
                    relative = file.relative_to(roots[section]).as_posix()
                    archive.add(file, arcname=f"files/{section}/{relative}")
                    state["done"] += 1
                    progress(state["done"], total)
        progress(total, total)
        partial.chmod(0o600)
        os.replace(partial, path)
    return manifest


def _read_json(archive: tarfile.TarFile, name: str) -> Any:
    try:
        member = archive.getmember(name)
        handle = archive.extractfile(member)
        if handle is None:
            raise KeyError(name)
        return json.loads(handle.read().decode("utf-8"))
    except (KeyError, ValueError, UnicodeError):
        raise BackupError(
            f"this is not a kiemchung backup ({name} missing or unreadable)"
        ) from None


def backup_manifest(path: Path) -> dict[str, Any]:
    """The manifest of a backup file (BackupError when it is not one)."""
    try:
        with tarfile.open(path, "r:*") as archive:
            manifest = _read_json(archive, MANIFEST)
    except (OSError, tarfile.TarError) as exc:
        raise BackupError(f"cannot read {path}: {exc}") from None
    if not isinstance(manifest, dict) or manifest.get("app") != "kiemchung":
        raise BackupError(f"{path} is not a kiemchung backup")
    return manifest


def _check_schema(manifest: dict[str, Any]) -> None:
    connection = connections[DEFAULT_DB_ALIAS]
    if not isinstance(manifest.get("format"), int) or manifest["format"] > FORMAT:
        raise BackupError(
            f"this backup uses format {manifest.get('format')!r}, newer than this kiemchung "
            f"({kiemchung.__version__}) reads; upgrade kiemchung to restore it"
        )
    theirs = {(app, name) for app, names in manifest["migrations"].items() for name in names}
    known = set(MigrationLoader(connection, ignore_no_migrations=True).disk_migrations)
    unknown = sorted(theirs - known)
    if unknown:
        listed = ", ".join(f"{app}.{name}" for app, name in unknown[:5])
        raise BackupError(
            f"this backup comes from a newer kiemchung (version {manifest.get('version')}, "
            f"schema with {listed}{' ...' if len(unknown) > 5 else ''}, which this kiemchung "
            f"({kiemchung.__version__}) does not know); upgrade kiemchung, then restore"
        )
    ours = set(MigrationRecorder(connection).applied_migrations())
    if ours - theirs or theirs - ours:
        missing = sorted(ours - theirs)[:5]
        if theirs - ours:
            raise BackupError("this database is not fully migrated: run `kiemchung migrate` first")
        raise BackupError(
            "this backup comes from an older schema (it lacks "
            + ", ".join(f"{app}.{name}" for app, name in missing)
            + "); restore it with the kiemchung version that made it "
            f"({manifest.get('version')}), then upgrade and run `kiemchung migrate`"
        )


def _held_data() -> str:
    """What the database already holds that a restore would replace ('' when empty)."""
    held = []
    users = get_user_model()._default_manager.count()
    if users:
        held.append(f"{users} accounts")
    with contextlib.suppress(LookupError):
        workspaces = apps.get_model("accounts", "Workspace")._default_manager.count()
        if workspaces:
            held.append(f"{workspaces} workspaces")
    return ", ".join(held)


def _safe_member(member: tarfile.TarInfo, sections: set[str]) -> tuple[str, Path] | None:
    """(section, relative path) of a file member under files/, None for anything else."""
    parts = Path(member.name).parts
    if len(parts) < 3 or parts[0] != "files" or parts[1] not in sections or not member.isfile():
        return None
    relative = Path(*parts[2:])
    if relative.is_absolute() or ".." in relative.parts:
        raise BackupError(f"the backup holds an unsafe path: {member.name!r}")
    return parts[1], relative


def _load(handle: IO[bytes], tick: Callable[[], None]) -> None:
    text = (line.decode("utf-8") for line in handle)
    for obj in serializers.deserialize("jsonl", text, ignorenonexistent=False):
        obj.save()
        tick()


def _flush() -> None:
    connection = connections[DEFAULT_DB_ALIAS]
    tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
    statements = connection.ops.sql_flush(
        no_style(), tables, reset_sequences=True, allow_cascade=True
    )
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def _swap_in(staged: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    old = target.with_name(f".{target.name}.before-restore")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        os.replace(target, old)
    os.replace(staged, target)
    shutil.rmtree(old, ignore_errors=True)


def backup_restore(
    *, path: Path, force: bool = False, progress: Progress = _noop
) -> dict[str, Any]:
    """Replace this instance's data and files by a backup's; returns its manifest and warnings.

    Refuses a database that holds data unless ``force``, a backup of another schema, and any
    malformed content; in every refusal or failure nothing was changed.
    """
    manifest = backup_manifest(path)
    _check_schema(manifest)
    held = _held_data()
    if held and not force:
        raise BackupError(
            f"this database already holds data ({held}); restore only into an empty database, "
            "or give --force to replace everything in it"
        )
    roots = _file_roots()
    warnings: list[str] = []
    total = sum(int(n) for n in manifest.get("rows", {}).values()) + sum(
        int(n) for n in manifest.get("files", {}).values()
    )
    state = {"done": 0}

    def tick() -> None:
        state["done"] += 1
        if state["done"] % 200 == 0:
            progress(state["done"], total)

    var_dir = Path(settings.VAR_DIR)
    var_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".restore-", dir=var_dir) as folder:
        staging = Path(folder)
        try:
            with tarfile.open(path, "r:*") as archive:
                for member in archive:
                    found = _safe_member(member, set(roots))
                    if found is None:
                        continue
                    section, relative = found
                    target = staging / section / relative
                    target.parent.mkdir(parents=True, exist_ok=True)
                    source = archive.extractfile(member)
                    if source is None:
                        continue
                    with source, open(target, "wb") as out:
                        shutil.copyfileobj(source, out)
                    tick()
                with transaction.atomic():
                    _flush()
                    for name in manifest["data"]:
                        handle = archive.extractfile(archive.getmember(name))
                        if handle is None:
                            raise BackupError(f"{name} in the backup is not a file")
                        with handle:
                            _load(handle, tick)
                    connection = connections[DEFAULT_DB_ALIAS]
                    connection.check_constraints()
                    models = _models()
                    with connection.cursor() as cursor:
                        for statement in connection.ops.sequence_reset_sql(no_style(), models):
                            cursor.execute(statement)
        except BackupError:
            raise
        except (OSError, tarfile.TarError, KeyError) as exc:
            raise BackupError(f"the backup file is damaged or incomplete: {exc}") from None
        except serializers.base.DeserializationError as exc:
            raise BackupError(f"the backup's data cannot be loaded: {exc}") from None
        except Exception as exc:  # an integrity or database error: the transaction rolled back
            raise BackupError(
                f"the backup's data cannot be loaded ({type(exc).__name__}: {exc}); "
                "nothing was changed"
            ) from None
        for section, target in roots.items():
            staged = staging / section
            if not staged.exists():
                staged.mkdir(parents=True)
            _swap_in(staged, target)
    progress(total, total)
    ours = {_fingerprint(k) for k in settings.ENCRYPTION_KEYS}
    theirs = set(manifest.get("encryption_key_fingerprints", []))
    keys = backup_keys(path) if theirs - ours else None
    if keys:
        written = _write_restored_keys(keys)
        warnings.append(
            f"the backup's private data was encrypted with keys this instance does not use; "
            f"the backup's keys were written to {written} (readable by this user only): set "
            "those variables for this instance, then delete the file"
        )
    elif theirs - ours:
        warnings.append(
            "the backup's private data (tip texts, contacts, credentials) was encrypted with a "
            "key this instance does not have: add the old key to KIEMCHUNG_ENCRYPTION_KEYS "
            "(after the current one) or that data cannot be read"
        )
    differing = {
        name: value
        for name, value in manifest.get("settings", {}).items()
        if os.environ.get(name) != value
    }
    if differing:
        warnings.append(
            "the backup was made with settings this instance does not have: "
            + ", ".join(f"{name}={value}" for name, value in differing.items())
        )
    return {"manifest": manifest, "warnings": warnings}


def _write_restored_keys(keys: dict[str, Any]) -> Path:
    current = list(settings.ENCRYPTION_KEYS)
    theirs = [k for k in keys.get("encryption_keys", []) if isinstance(k, str) and k not in current]
    lines = [
        f"KIEMCHUNG_ENCRYPTION_KEYS={','.join([*current, *theirs])}",
        f"KIEMCHUNG_SECRET_KEY={keys.get('secret_key', '')}",
        f"KIEMCHUNG_TIPLINE_SENDER_KEY={keys.get('tipline_sender_key', '')}",
    ]
    target = Path(settings.VAR_DIR) / "restored-keys.env"
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")
    return target


def backup_keys(path: Path) -> dict[str, Any] | None:
    """The keys stored in a backup made with --include-keys, or None."""
    try:
        with tarfile.open(path, "r:*") as archive:
            if KEYS not in archive.getnames():
                return None
            keys = _read_json(archive, KEYS)
    except (OSError, tarfile.TarError) as exc:
        raise BackupError(f"cannot read {path}: {exc}") from None
    return keys if isinstance(keys, dict) else None
