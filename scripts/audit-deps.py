#!/usr/bin/env python3
"""Audit the installed dependencies against the PyPI advisory service (`make audit`).

Fails (exit 1) when an installed package has a known vulnerability that a newer release fixes.
A vulnerability without a fixed release is printed as a warning only: there is nothing to
upgrade to. When the advisory service cannot be reached, or answers for none of the packages,
the audit says so plainly and exits 0 (a network outage is not a flaw in the code), unless
KIEMCHUNG_AUDIT_REQUIRED=1, which makes an audit that could not run a failure too.
"""

# ruff: noqa: T201, S603  (a command-line script: it prints, and runs the pip-audit it was given)

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOT_AUDITED = 3  # exit code of an audit that could not run, turned into 0 unless required


def run_pip_audit() -> tuple[int, str, str]:
    command = os.environ.get("PIP_AUDIT") or str(ROOT / ".venv" / "bin" / "pip-audit")
    done = subprocess.run(
        [command, "--local", "--skip-editable", "--progress-spinner", "off", "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.returncode, done.stdout, done.stderr


def last_error_line(stderr: str) -> str:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    return lines[-1][:300] if lines else "no output"


def judge(report: dict) -> tuple[int, list[str]]:
    """The exit code and the lines to print for one pip-audit JSON report."""
    dependencies = report.get("dependencies", [])
    audited = [dep for dep in dependencies if "skip_reason" not in dep]
    skipped = [dep for dep in dependencies if "skip_reason" in dep]
    fixable: list[str] = []
    unfixed: list[str] = []
    for dep in audited:
        for vuln in dep.get("vulns", []):
            fixes = vuln.get("fix_versions") or []
            line = f"{dep['name']} {dep.get('version', '?')}: {vuln.get('id', '?')}"
            if fixes:
                fixable.append(f"{line} (fixed in {', '.join(fixes)})")
            else:
                unfixed.append(f"{line} (no fixed release yet)")
    lines = [f"VULNERABLE: {line}" for line in fixable]
    lines += [f"warning: {line}" for line in unfixed]
    if not audited:
        lines.append(
            f"pip-audit: NOT AUDITED: the advisory service gave no data for any of the "
            f"{len(dependencies)} installed packages (is pypi.org's JSON API reachable?)"
        )
        return (1 if fixable else NOT_AUDITED), lines
    if skipped:
        lines.append(
            f"pip-audit: {len(skipped)} of {len(dependencies)} packages could not be audited: "
            + ", ".join(dep["name"] for dep in skipped[:10])
            + (" ..." if len(skipped) > 10 else "")
        )
    if fixable:
        lines.append(
            f"pip-audit: {len(fixable)} known vulnerabilities have a fixed release: upgrade"
        )
        return 1, lines
    lines.append(f"pip-audit: {len(audited)} packages audited, no vulnerability with a fix")
    return 0, lines


def main() -> int:
    try:
        code, stdout, stderr = run_pip_audit()
    except OSError as exc:
        print(f"pip-audit: cannot run pip-audit ({exc}); install the dev extras", file=sys.stderr)
        return 2
    try:
        report = json.loads(stdout)
    except ValueError:
        status, lines = (
            NOT_AUDITED,
            [
                f"pip-audit: NOT AUDITED: the advisory service could not be reached "
                f"(exit {code}: {last_error_line(stderr)})"
            ],
        )
    else:
        status, lines = judge(report)
    for line in lines:
        print(line, file=sys.stderr if status else sys.stdout)
    if status == NOT_AUDITED:
        if os.environ.get("KIEMCHUNG_AUDIT_REQUIRED") == "1":
            print("pip-audit: KIEMCHUNG_AUDIT_REQUIRED=1, so this counts as a failure")
            return 1
        print("pip-audit: the rest of `make test` goes on; dependencies were NOT checked")
        return 0
    return status


if __name__ == "__main__":
    raise SystemExit(main())
