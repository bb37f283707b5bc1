"""What the instance writes is its own user's: the var folder, the database, the keys."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

KIEMCHUNG = str(Path(sys.executable).with_name("kiemchung"))


def _kiemchung(var_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("KIEMCHUNG_")}
    environ["KIEMCHUNG_VAR_DIR"] = str(var_dir)
    # As a shell usually starts it: files readable by everyone unless the program says not.
    return subprocess.run(
        [KIEMCHUNG, *args], env=environ, capture_output=True, text=True, timeout=300,
        preexec_fn=lambda: os.umask(0o022),
    )


def _mode(path: Path) -> str:
    return oct(stat.S_IMODE(path.stat().st_mode))


def test_a_new_instance_keeps_its_files_to_its_own_user(tmp_path):
    var_dir = tmp_path / "var"
    done = _kiemchung(var_dir, "migrate", "-v", "0")
    assert done.returncode == 0, done.stderr

    assert _mode(var_dir) == "0o700"
    assert _mode(var_dir / "kiemchung.sqlite3") == "0o600"
    for name in ("secret_key", "encryption_key", "tipline_sender_key"):
        assert _mode(var_dir / name) == "0o600"
    for folder in (p for p in var_dir.rglob("*") if p.is_dir()):
        assert not stat.S_IMODE(folder.stat().st_mode) & 0o077, folder


def test_an_instance_made_before_is_closed_at_its_next_start(tmp_path):
    var_dir = tmp_path / "var"
    assert _kiemchung(var_dir, "migrate", "-v", "0").returncode == 0
    var_dir.chmod(0o755)
    (var_dir / "kiemchung.sqlite3").chmod(0o644)

    assert _kiemchung(var_dir, "check").returncode == 0

    assert _mode(var_dir) == "0o700"
    assert _mode(var_dir / "kiemchung.sqlite3") == "0o600"
