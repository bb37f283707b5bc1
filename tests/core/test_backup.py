"""`kiemchung backup` and `kiemchung restore`: a whole instance to one file and back, on SQLite
and on PostgreSQL, without the keys unless asked, and all or nothing."""

from __future__ import annotations

import gzip
import io
import json
import os
import shutil
import tarfile
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from core.support import (
    Instance,
    migrated_instance,
    postgres_database,
    postgres_instance,
    sqlite_template,
)

pytestmark = pytest.mark.slow

# What a database holds, model by model: row count and a digest of every row's values.
FINGERPRINT = """
import hashlib
from django.apps import apps
found = {}
for model in apps.get_models():
    if not model._meta.managed or model._meta.proxy:
        continue
    rows = [list(r) for r in model._default_manager.order_by("pk").values_list()]
    digest = hashlib.sha256(json.dumps(rows, default=str, sort_keys=True).encode()).hexdigest()
    found[model._meta.label_lower] = [len(rows), digest]
print(json.dumps(found))
"""

# A tip's text, read back through the encryption it is stored under.
TIP_TEXTS = """
from kiemchung.tipline.models import Tip
print(json.dumps(sorted(t.text for t in Tip.objects.all())))
"""

NEW_WORKSPACE = """
from kiemchung.accounts.models import Workspace
print(json.dumps(Workspace.objects.create(slug="moi", name="Mới").pk))
"""

WORKSPACE_IDS = """
from kiemchung.accounts.models import Workspace
print(json.dumps(list(Workspace.objects.values_list("pk", flat=True))))
"""

IMAGE = b"\x89PNG encrypted-as-stored \x00\x01\x02" * 50


def _seed(instance: Instance) -> None:
    instance.run("seed_demo", "--offline", timeout=180)
    image = instance.var_dir / "media" / "tipline" / "2026" / "anh.bin"
    image.parent.mkdir(parents=True)
    image.write_bytes(IMAGE)
    page = instance.var_dir / "media" / "archive" / "2026" / "12" / "trang.html"
    page.parent.mkdir(parents=True)
    page.write_text("<p>Bản lưu trữ</p>", encoding="utf-8")


def _files(instance: Instance) -> dict[str, bytes]:
    media = instance.var_dir / "media"
    return {
        p.relative_to(media).as_posix(): p.read_bytes() for p in media.rglob("*") if p.is_file()
    }


def _restore(instance: Instance, path: Path, *extra: str):
    import subprocess

    return subprocess.run(
        instance.command("restore", str(path), *extra),
        env=instance.env,
        cwd=instance.var_dir,
        capture_output=True,
        text=True,
        timeout=180,
    )


@pytest.fixture(scope="module")
def keys() -> dict[str, str]:
    return {"KIEMCHUNG_ENCRYPTION_KEYS": Fernet.generate_key().decode()}


@pytest.fixture(scope="module")
def seeded(tmp_path_factory, keys) -> Instance:
    instance = migrated_instance(
        sqlite_template(tmp_path_factory), tmp_path_factory.mktemp("seeded"), **keys
    )
    _seed(instance)
    return instance


@pytest.fixture
def source(seeded, tmp_path_factory) -> Instance:
    """A copy of the seeded instance, which a test may change."""
    folder = tmp_path_factory.mktemp("source")
    shutil.copytree(seeded.var_dir, folder / "var")
    (folder / "logs").mkdir()
    env = {**seeded.env, "KIEMCHUNG_VAR_DIR": str(folder / "var")}
    return Instance(var_dir=folder / "var", env=env, logs=folder / "logs")


@pytest.fixture
def empty(tmp_path_factory, keys) -> Instance:
    return migrated_instance(
        sqlite_template(tmp_path_factory), tmp_path_factory.mktemp("empty"), **keys
    )


def _rewrite(path: Path, target: Path, change) -> None:
    """Copy the backup at PATH to TARGET, passing each member's bytes through CHANGE."""
    with tarfile.open(path, "r:gz") as old, tarfile.open(target, "w:gz") as new:
        for member in old:
            data = old.extractfile(member).read() if member.isfile() else b""
            data = change(member.name, data)
            member.size = len(data)
            new.addfile(member, io.BytesIO(data))


def test_a_backup_restores_into_an_empty_instance_with_every_row_and_file(
    source, empty, keys, tmp_path
):
    path = tmp_path / "kiemchung.tar.gz"
    made = json.loads(source.run("backup", str(path)).stdout.strip().splitlines()[-1])
    before = source.python(FINGERPRINT)
    assert made["rows"] == sum(count for count, _ in before.values())
    assert before["tipline.tip"][0] > 0 and before["claims.factcheck"][0] > 0

    done = empty.run("restore", str(path), timeout=180)
    assert json.loads(done.stdout.strip().splitlines()[-1])["rows"] == made["rows"]
    assert "restore" in done.stderr  # the progress bar
    assert empty.python(FINGERPRINT) == before
    assert _files(empty) == _files(source)
    assert empty.python(TIP_TEXTS) == source.python(TIP_TEXTS)
    # The restored newsroom works: a demo login is still accepted.
    assert empty.sqlite("SELECT count(*) FROM auth_user")[0][0] > 0


def test_the_keys_stay_out_of_a_backup_unless_asked_and_asking_warns(source, tmp_path, keys):
    plain = tmp_path / "plain.tar.gz"
    done = source.run("backup", str(plain))
    assert "warning" not in done.stderr
    key = keys["KIEMCHUNG_ENCRYPTION_KEYS"].encode()
    secret = (source.var_dir / "secret_key").read_text().strip().encode()
    whole = gzip.decompress(plain.read_bytes())
    assert key not in whole and secret not in whole
    assert (plain.stat().st_mode & 0o077) == 0

    with_keys = tmp_path / "keys.tar.gz"
    done = source.run("backup", str(with_keys), "--include-keys")
    assert "--include-keys stores the encryption and secret keys" in done.stderr
    with tarfile.open(with_keys) as archive:
        stored = json.load(archive.extractfile("keys.json"))
    assert stored["encryption_keys"] == [key.decode()]


def test_restoring_under_other_keys_writes_the_backups_keys_for_the_admin(
    source, tmp_path_factory, tmp_path
):
    path = tmp_path / "keys.tar.gz"
    source.run("backup", str(path), "--include-keys")
    other = migrated_instance(
        sqlite_template(tmp_path_factory),
        tmp_path_factory.mktemp("other"),
        KIEMCHUNG_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
    )
    done = other.run("restore", str(path), timeout=180)
    assert "encrypted with keys this instance does not use" in done.stderr
    written = other.var_dir / "restored-keys.env"
    assert (written.stat().st_mode & 0o777) == 0o600
    old_key = source.env["KIEMCHUNG_ENCRYPTION_KEYS"]
    assert old_key in written.read_text()
    # With the backup's key added after its own, the instance reads the restored tips.
    other.env["KIEMCHUNG_ENCRYPTION_KEYS"] += f",{old_key}"
    assert other.python(TIP_TEXTS) == source.python(TIP_TEXTS)


def test_restore_refuses_a_database_that_holds_data_unless_forced(source, tmp_path):
    path = tmp_path / "kiemchung.tar.gz"
    source.run("backup", str(path))
    before = source.python(FINGERPRINT)
    refused = _restore(source, path)
    assert refused.returncode == 1
    assert "already holds data" in refused.stderr and "--force" in refused.stderr
    assert "Traceback" not in refused.stderr
    forced = _restore(source, path, "--force")
    assert forced.returncode == 0, forced.stderr
    assert source.python(FINGERPRINT) == before


def test_restore_refuses_a_backup_from_a_newer_schema_and_changes_nothing(source, empty, tmp_path):
    path = tmp_path / "kiemchung.tar.gz"
    source.run("backup", str(path))

    def newer(name: str, data: bytes) -> bytes:
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        manifest["migrations"]["claims"].append("9999_from_the_future")
        manifest["version"] = "9.0.0"
        return json.dumps(manifest).encode()

    future = tmp_path / "future.tar.gz"
    _rewrite(path, future, newer)
    before = empty.python(FINGERPRINT)
    refused = _restore(empty, future)
    assert refused.returncode == 1
    assert "newer kiemchung" in refused.stderr
    assert "claims.9999_from_the_future" in refused.stderr
    assert empty.python(FINGERPRINT) == before


def test_a_restore_that_fails_halfway_leaves_the_data_and_files_as_they_were(source, tmp_path):
    path = tmp_path / "kiemchung.tar.gz"
    source.run("backup", str(path))
    with tarfile.open(path) as archive:
        data = [name for name in archive.getnames() if name.startswith("data/")]
    last_with_rows = max(
        name for name in data if name.endswith("claims.factcheck.jsonl") or "tipline.tip." in name
    )

    def broken(name: str, data: bytes) -> bytes:
        # A row pointing at a claim that does not exist, in a table loaded late.
        if name == last_with_rows:
            row = json.loads(data.splitlines()[0])
            row["pk"] = 999_999
            for field in ("claim", "workspace"):
                if field in row["fields"]:
                    row["fields"][field] = 999_999
            return data + json.dumps(row).encode() + b"\n"
        return data

    bad = tmp_path / "bad.tar.gz"
    _rewrite(path, bad, broken)
    (source.var_dir / "media" / "after-backup.txt").write_text("mới", encoding="utf-8")
    before, files = source.python(FINGERPRINT), _files(source)
    failed = _restore(source, bad, "--force")
    assert failed.returncode == 1
    assert "nothing was changed" in failed.stderr
    assert "Traceback" not in failed.stderr
    assert source.python(FINGERPRINT) == before
    assert _files(source) == files
    assert not [p for p in source.var_dir.iterdir() if p.name.startswith(".restore-")]


def test_restore_says_plainly_when_the_file_is_not_a_backup(empty, tmp_path):
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(os.urandom(4096))
    done = _restore(empty, junk)
    assert done.returncode == 1
    assert "cannot read" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.postgres
def test_a_backup_moves_between_sqlite_and_postgresql_both_ways(
    source, keys, tmp_path, tmp_path_factory
):
    path = tmp_path / "from-sqlite.tar.gz"
    source.run("backup", str(path))
    before = source.python(FINGERPRINT)
    with postgres_database() as url:
        var_dir = tmp_path_factory.mktemp("pg-var")
        logs = tmp_path_factory.mktemp("pg-logs")
        postgres = postgres_instance(url, var_dir, logs)
        postgres.env.update(keys)
        postgres.run("restore", str(path), timeout=300)
        assert postgres.python(FINGERPRINT) == before
        assert postgres.python(TIP_TEXTS) == source.python(TIP_TEXTS)
        assert _files(postgres) == _files(source)
        back = tmp_path / "from-postgres.tar.gz"
        made = json.loads(postgres.run("backup", str(back)).stdout.strip().splitlines()[-1])
        assert made["database"] == "postgresql"
        # The id sequences were moved past the restored rows: a new row gets a fresh id.
        restored_ids = postgres.python(WORKSPACE_IDS)
        assert postgres.python(NEW_WORKSPACE) > max(restored_ids)
    again = migrated_instance(
        sqlite_template(tmp_path_factory), tmp_path_factory.mktemp("again"), **keys
    )
    again.run("restore", str(back), timeout=180)
    assert again.python(FINGERPRINT) == before
    assert _files(again) == _files(source)
