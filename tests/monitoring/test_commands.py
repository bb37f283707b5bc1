"""The monitoring commands: triage cv, ingest --due, bench ingest."""

from __future__ import annotations

import csv
import io
import json
import random
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from core.support import answer, http_server
from kiemchung.monitoring.models import Item, Source

from .stories import FLOOD, source

KIEMCHUNG = Path(sys.executable).with_name("kiemchung")


def _labelled(path: Path, n: int = 80) -> Path:
    rng = random.Random(3)
    rows = []
    for i in range(n):
        if i % 2:
            text = (f"nghe noi bo y te cam ban {rng.choice(['sua', 'gao', 'thuoc'])} tu ngay "
                    f"{rng.randint(1, 28)}/{rng.randint(1, 12)}, share gap")
        else:
            text = f"chuc mung sinh nhat ban {rng.choice(['Lan', 'Minh', 'Hoa'])} nhe {i}"
        rows.append({"noi_dung": text, "nhan": i % 2})
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=["noi_dung", "nhan"])
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_triage_cv_prints_learner_and_baseline(tmp_path):
    data = _labelled(tmp_path / "nhan.csv")
    out = io.StringIO()
    call_command("triage", "cv", "--data", str(data), "--text-column", "noi_dung",
                 "--label-column", "nhan", "--folds", "3", stdout=out, stderr=io.StringIO())
    result = json.loads(out.getvalue().strip().splitlines()[-1])
    assert (result["rows"], result["folds"]) == (80, 3)
    assert 0.9 <= result["roc_auc"] <= 1.0 and 0 <= result["pr_auc"] <= 1
    assert set(result["baseline"]) == {"roc_auc", "pr_auc"}


@pytest.mark.django_db
def test_ingest_due_fetches_the_sources_that_are_due(team):
    feed = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>T</title>'
        f"<item><title>Lũ</title><link>http://example.org/lu</link><description>{FLOOD}"
        "</description></item></channel></rss>"
    ).encode()
    with http_server({"/rss": lambda h: answer(h, 200, feed, "application/rss+xml")}) as server:
        src = source(team, name="Báo", kind="feed", url=server.url("/rss"),
                     fetch_full_text=False)
        out = io.StringIO()
        call_command("ingest", "--due", stdout=out, stderr=io.StringIO())
    assert json.loads(out.getvalue().strip().splitlines()[-1]) == {
        "fetched": 1, "failed": 0, "added": 1
    }
    assert Item.objects.get().source == src
    assert Source.objects.get(pk=src.pk).next_fetch_at is not None


@pytest.mark.slow
def test_bench_ingest_reports_its_figures(tmp_path):
    items = tmp_path / "posts.jsonl"
    run = subprocess.run(
        [str(KIEMCHUNG), "bench", "ingest", "--items", str(items), "--generate", "300",
         "--factchecks", "200"],
        capture_output=True, text=True, timeout=300,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "KIEMCHUNG_ENV": "test"},
    )
    assert run.returncode == 0, run.stderr[-2000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["items"] == 300 and result["sightings"] == 300
    assert result["folded"] > 30  # the generated reshares
    assert result["items_per_second"] > 0 and result["p95_item_ms"] > 0
    assert result["peak_rss_mb"] > 0
