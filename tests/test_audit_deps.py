"""`make audit`: a vulnerability with a fix fails the run; an unreachable service is said aloud."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "audit-deps.py"


def _audit(tmp_path: Path, *, stdout: str, stderr: str = "", code: int = 0, **env: str):
    fake = tmp_path / "pip-audit"
    fake.write_text(
        "#!/usr/bin/env python3\nimport sys\n"
        f"sys.stdout.write({stdout!r})\nsys.stderr.write({stderr!r})\nsys.exit({code})\n"
    )
    fake.chmod(0o755)
    environ = {**os.environ, "KIEMCHUNG_AUDIT_REQUIRED": "", "PIP_AUDIT": str(fake), **env}
    return subprocess.run(
        [sys.executable, str(SCRIPT)], capture_output=True, text=True, env=environ, check=False
    )


def _report(*dependencies: dict) -> str:
    return json.dumps({"dependencies": list(dependencies), "fixes": []})


CLEAN = {"name": "django", "version": "5.2.20", "vulns": []}


def test_a_vulnerability_with_a_fixed_release_fails_the_audit(tmp_path):
    vulnerable = {
        "name": "requests",
        "version": "2.0.0",
        "vulns": [{"id": "PYSEC-2023-74", "fix_versions": ["2.31.0"]}],
    }
    done = _audit(tmp_path, stdout=_report(CLEAN, vulnerable), code=1)
    assert done.returncode == 1
    assert "requests 2.0.0: PYSEC-2023-74 (fixed in 2.31.0)" in done.stderr


def test_a_vulnerability_without_a_fix_is_a_warning_only(tmp_path):
    unfixed = {"name": "ecdsa", "version": "0.19.0", "vulns": [{"id": "X-1", "fix_versions": []}]}
    done = _audit(tmp_path, stdout=_report(CLEAN, unfixed), code=1)
    assert done.returncode == 0
    assert "warning: ecdsa 0.19.0: X-1 (no fixed release yet)" in done.stdout


def test_a_clean_environment_passes_and_says_how_many_were_audited(tmp_path):
    done = _audit(tmp_path, stdout=_report(CLEAN))
    assert done.returncode == 0
    assert "1 packages audited" in done.stdout


@pytest.mark.parametrize(
    ("stdout", "stderr", "code"),
    [
        ("", "requests.exceptions.ConnectionError: Failed to resolve 'pypi.org'\n", 1),
        (_report({"name": "django", "skip_reason": "Dependency not found on PyPI"}), "", 0),
    ],
    ids=["no-connection", "no-data"],
)
def test_an_unreachable_service_is_said_plainly_and_only_fails_when_required(
    tmp_path, stdout, stderr, code
):
    done = _audit(tmp_path, stdout=stdout, stderr=stderr, code=code)
    assert done.returncode == 0
    assert "NOT AUDITED" in done.stderr
    assert "dependencies were NOT checked" in done.stdout
    required = _audit(
        tmp_path, stdout=stdout, stderr=stderr, code=code, KIEMCHUNG_AUDIT_REQUIRED="1"
    )
    assert required.returncode == 1
