"""Start-up refuses unsafe production settings with a message naming the variable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

KIEMCHUNG = str(Path(sys.executable).with_name("kiemchung"))


def _run(tmp_path: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("KIEMCHUNG_")}
    environ.update({"KIEMCHUNG_VAR_DIR": str(tmp_path / "var"), **extra})
    return subprocess.run(
        [KIEMCHUNG, "check"], env=environ, capture_output=True, text=True, timeout=120
    )


def test_secret_key_is_generated_once_into_var(tmp_path):
    first = _run(tmp_path)
    assert first.returncode == 0, first.stderr
    key_file = tmp_path / "var" / "secret_key"
    key = key_file.read_text()
    assert len(key) >= 50
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert _run(tmp_path).returncode == 0
    assert key_file.read_text() == key


@pytest.mark.parametrize(
    ("extra", "named"),
    [
        ({}, "KIEMCHUNG_SECRET_KEY"),
        ({"KIEMCHUNG_SECRET_KEY": "x" * 40, "KIEMCHUNG_DEBUG": "true"}, "KIEMCHUNG_DEBUG"),
        ({"KIEMCHUNG_SECRET_KEY": "short"}, "KIEMCHUNG_SECRET_KEY"),
        (
            {"KIEMCHUNG_SECRET_KEY": "x" * 40, "KIEMCHUNG_ALLOW_PRIVATE_URLS": "1"},
            "KIEMCHUNG_ALLOW_PRIVATE_URLS",
        ),
        (
            {"KIEMCHUNG_SECRET_KEY": "x" * 40, "KIEMCHUNG_ALLOWED_HOSTS": "*"},
            "KIEMCHUNG_ALLOWED_HOSTS",
        ),
    ],
)
def test_production_refuses_unsafe_values(tmp_path, extra, named):
    result = _run(tmp_path, KIEMCHUNG_ENV="production", **extra)
    assert result.returncode == 2
    assert named in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "var" / "secret_key").exists()


def test_production_accepts_secrets_from_files(tmp_path):
    from cryptography.fernet import Fernet

    secret = tmp_path / "secret"
    secret.write_text("s" * 48)
    keys = tmp_path / "keys"
    keys.write_text(Fernet.generate_key().decode())
    result = _run(
        tmp_path,
        KIEMCHUNG_ENV="production",
        KIEMCHUNG_SECRET_KEY_FILE=str(secret),
        KIEMCHUNG_ENCRYPTION_KEYS_FILE=str(keys),
        KIEMCHUNG_TIPLINE_SENDER_KEY="t" * 40,
    )
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "var" / "encryption_key").exists()


def test_production_requires_the_tipline_sender_key(tmp_path):
    from cryptography.fernet import Fernet

    result = _run(
        tmp_path,
        KIEMCHUNG_ENV="production",
        KIEMCHUNG_SECRET_KEY="k" * 48,
        KIEMCHUNG_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
    )
    assert result.returncode == 2
    assert "KIEMCHUNG_TIPLINE_SENDER_KEY" in result.stderr
    assert not (tmp_path / "var" / "tipline_sender_key").exists()


def test_production_requires_encryption_keys(tmp_path):
    result = _run(tmp_path, KIEMCHUNG_ENV="production", KIEMCHUNG_SECRET_KEY="k" * 48)
    assert result.returncode == 2
    assert "KIEMCHUNG_ENCRYPTION_KEYS" in result.stderr


@pytest.mark.parametrize(
    ("name", "value"),
    [("KIEMCHUNG_PORT", "eighty"), ("KIEMCHUNG_DEBUG", "maybe"), ("KIEMCHUNG_TASKS", "celery")],
)
def test_bad_value_names_the_variable(tmp_path, name, value):
    result = _run(tmp_path, **{name: value})
    assert result.returncode == 2
    assert name in result.stderr and value in result.stderr
    assert "Traceback" not in result.stderr
