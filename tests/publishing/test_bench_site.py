"""`kiemchung bench site` starts a real server, loads a public fact-check page and reports."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

KIEMCHUNG = Path(sys.executable).parent / "kiemchung"


def test_bench_site_loads_a_factcheck_page_and_prints_one_json_line(tmp_path):
    done = subprocess.run(
        [str(KIEMCHUNG), "bench", "site", "--requests", "300", "--concurrency", "4",
         "--warmup", "20"],
        capture_output=True, text=True, timeout=240, cwd=tmp_path, check=False,
    )

    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["requests"] == 300 and result["errors"] == 0
    assert result["requests_per_second"] > 0
    assert 0 < result["p50_ms"] <= result["p95_ms"]
    assert result["path"].startswith("/p/demo/") and result["cache"] is True
    assert "requests" in done.stderr  # the progress bar


def test_bench_site_refuses_nonsense_options(tmp_path):
    done = subprocess.run(
        [str(KIEMCHUNG), "bench", "site", "--requests", "0"],
        capture_output=True, text=True, timeout=60, cwd=tmp_path, check=False,
    )

    assert done.returncode == 2
    assert "--requests" in done.stderr
