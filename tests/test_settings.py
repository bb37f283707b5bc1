"""Start-up refuses unsafe production settings with a message naming the variable."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

KIEMCHUNG = str(Path(sys.executable).with_name("kiemchung"))


def _run(tmp_path: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("KIEMCHUNG_")}
    # Production refuses a site URL that is not https; the tests of other values give one.
    environ.update(
        {
            "KIEMCHUNG_VAR_DIR": str(tmp_path / "var"),
            "KIEMCHUNG_SITE_URL": "https://kiemchung.example.org",
            **extra,
        }
    )
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
        KIEMCHUNG_EMAIL_BACKEND="smtp",
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


def _production(**extra: str) -> dict[str, str]:
    from cryptography.fernet import Fernet

    return {
        "KIEMCHUNG_ENV": "production",
        "KIEMCHUNG_SECRET_KEY": "k" * 48,
        "KIEMCHUNG_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "KIEMCHUNG_TIPLINE_SENDER_KEY": "t" * 40,
        **extra,
    }


@pytest.mark.parametrize("backend", [None, "console", "memory", "file"])
def test_production_refuses_mail_that_is_never_sent(tmp_path, backend):
    extra = {"KIEMCHUNG_EMAIL_BACKEND": backend} if backend else {}
    result = _run(tmp_path, **_production(**extra))
    assert result.returncode == 2
    assert "KIEMCHUNG_EMAIL_BACKEND" in result.stderr
    assert "Traceback" not in result.stderr
    allowed = _run(tmp_path, **_production(**extra, KIEMCHUNG_EMAIL_ALLOW_UNSENT="true"))
    assert allowed.returncode == 0, allowed.stderr


def test_an_invalid_encryption_key_stops_start_up_without_showing_it(tmp_path):
    from cryptography.fernet import Fernet

    good = Fernet.generate_key().decode()
    bad = "pas-une-cle-fernet-" + "x" * 20
    for environment in (
        _production(KIEMCHUNG_EMAIL_BACKEND="smtp", KIEMCHUNG_ENCRYPTION_KEYS=f"{good},{bad}"),
        {"KIEMCHUNG_ENCRYPTION_KEYS": bad},
    ):
        result = _run(tmp_path, **environment)
        assert result.returncode == 2
        assert "KIEMCHUNG_ENCRYPTION_KEYS" in result.stderr
        assert bad not in result.stderr and good not in result.stderr
        assert "Traceback" not in result.stderr


def test_generated_keys_can_live_outside_var(tmp_path):
    keys = tmp_path / "keys"
    result = _run(tmp_path, KIEMCHUNG_KEYS_DIR=str(keys))
    assert result.returncode == 0, result.stderr
    names = {"secret_key", "encryption_key", "tipline_sender_key"}
    assert names <= {path.name for path in keys.iterdir()}
    assert not names & {path.name for path in (tmp_path / "var").iterdir()}
    assert oct(keys.stat().st_mode & 0o777) == "0o700"


def test_keys_left_in_var_are_not_replaced_by_new_ones(tmp_path):
    assert _run(tmp_path).returncode == 0
    result = _run(tmp_path, KIEMCHUNG_KEYS_DIR=str(tmp_path / "keys"))
    assert result.returncode == 2
    assert "KIEMCHUNG_KEYS_DIR" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "keys" / "encryption_key").exists()


def _https_production(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment of a production instance with every required value, over https."""
    from cryptography.fernet import Fernet

    environ = {k: v for k, v in os.environ.items() if not k.startswith("KIEMCHUNG_")}
    environ.update(
        {
            "KIEMCHUNG_VAR_DIR": str(tmp_path / "var"),
            "KIEMCHUNG_ENV": "production",
            "KIEMCHUNG_SECRET_KEY": "k" * 50,
            "KIEMCHUNG_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            "KIEMCHUNG_TIPLINE_SENDER_KEY": "t" * 40,
            "KIEMCHUNG_SITE_URL": "https://kiemchung.example.org",
            "KIEMCHUNG_ALLOWED_HOSTS": "kiemchung.example.org",
            "KIEMCHUNG_EMAIL_BACKEND": "smtp",
            "DJANGO_SETTINGS_MODULE": "kiemchung.settings",
            **extra,
        }
    )
    return environ


def _deploy_check(tmp_path: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [KIEMCHUNG, "check", "--deploy"],
        env=_https_production(tmp_path, **extra),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_sends_hsts_and_redirects_to_https(tmp_path):
    result = _deploy_check(tmp_path)
    assert result.returncode == 0, result.stderr
    report = result.stdout + result.stderr
    assert "security.W004" not in report  # HSTS
    assert "security.W008" not in report  # SECURE_SSL_REDIRECT
    assert "security.W012" not in report and "security.W016" not in report  # secure cookies


def test_turning_hsts_off_in_production_is_reported_by_the_deploy_check(tmp_path):
    result = _deploy_check(tmp_path, KIEMCHUNG_HSTS_SECONDS="0", KIEMCHUNG_HTTPS_REDIRECT="false")
    report = result.stdout + result.stderr
    assert "security.W004" in report and "security.W008" in report


@pytest.mark.parametrize(
    "site_url", ["http://kiemchung.example.org", "http://127.0.0.1:8000", "kiemchung.example.org"]
)
def test_production_refuses_a_site_url_that_is_not_https(tmp_path, site_url):
    result = _deploy_check(tmp_path, KIEMCHUNG_SITE_URL=site_url)
    assert result.returncode == 2
    assert "KIEMCHUNG_SITE_URL" in result.stderr and "https://" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_bad_proxy_header_name_stops_start_up(tmp_path):
    result = _run(tmp_path, KIEMCHUNG_PROXY_SSL_HEADER="X-Forwarded-Proto: https")
    assert result.returncode == 2
    assert "KIEMCHUNG_PROXY_SSL_HEADER" in result.stderr and "Traceback" not in result.stderr


HTTPS_SCRIPT = """
from django.test import Client
from django.conf import settings
plain = Client().get("/p/", HTTP_HOST="kiemchung.example.org")
proxied = Client().get(
    "/accounts/login/", HTTP_HOST="kiemchung.example.org", HTTP_X_FORWARDED_PROTO="https"
)
print(json.dumps({
    "plain": [plain.status_code, plain.get("Location", "")],
    "proxied": [proxied.status_code, proxied.get("Strict-Transport-Security", "")],
    "cookies_secure": [settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE],
}))
"""


def test_behind_a_proxy_production_redirects_plain_http_and_answers_https_with_hsts(tmp_path):
    environ = _https_production(tmp_path, KIEMCHUNG_PROXY_SSL_HEADER="X-Forwarded-Proto")
    migrate = subprocess.run(
        [KIEMCHUNG, "migrate", "-v", "0"], env=environ, capture_output=True, text=True, timeout=300
    )
    assert migrate.returncode == 0, migrate.stderr
    code = "import django, json\ndjango.setup()\n" + HTTPS_SCRIPT
    done = subprocess.run(
        [sys.executable, "-c", code], env=environ, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    answers = json.loads(done.stdout.strip().splitlines()[-1])
    assert answers["plain"] == [301, "https://kiemchung.example.org/p/"]
    status, hsts = answers["proxied"]
    assert status == 200
    assert hsts == "max-age=31536000"
    assert answers["cookies_secure"] == [True, True]


def test_development_stays_on_plain_http(tmp_path):
    environ = {k: v for k, v in os.environ.items() if not k.startswith("KIEMCHUNG_")}
    environ.update(
        KIEMCHUNG_VAR_DIR=str(tmp_path / "var"), DJANGO_SETTINGS_MODULE="kiemchung.settings"
    )
    code = (
        "import django, json\ndjango.setup()\nfrom django.conf import settings\n"
        "print(json.dumps([settings.SECURE_SSL_REDIRECT, settings.SECURE_HSTS_SECONDS, "
        "settings.SITE_URL]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env=environ, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == [False, 0, "http://127.0.0.1:8000"]
