"""`kiemchung bench triage`: how long retraining the triage learner takes on N decisions, and
what scoring adds to each post taken in. The last line printed is one JSON object."""

from __future__ import annotations

import argparse
import json
import os
import random
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np


def _decisions(path: Path, n: int, seed: int) -> tuple[list[str], list[int], list[Any]]:
    """N decisions drawn from a labelled file (rows reused with a marker when it is smaller),
    with engagement and times drawn at random when the file has none."""
    from kiemchung.monitoring.postfeatures import PostMeta
    from kiemchung.monitoring.triage_cv import read_labelled

    data = read_labelled(path)
    rng = random.Random(seed)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    texts, labels, metas = [], [], []
    for i in range(n):
        j = i % len(data.texts)
        texts.append(data.texts[j] if i < len(data.texts) else f"{data.texts[j]} ({i})")
        labels.append(data.labels[j])
        meta = data.metas[j]
        likes = meta.likes if meta.likes is not None else float(rng.randint(0, 3000))
        metas.append(PostMeta(
            likes=likes, comments=float(rng.randint(0, 300)), shares=float(rng.randint(0, 900)),
            published_at=meta.published_at or start + timedelta(minutes=rng.randint(0, 10**5)),
            imported_at=start + timedelta(days=90), similarity="none",
        ))
    return texts, labels, metas


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="kiemchung bench triage",
        description="Retraining time of the triage learner on N decisions and the time scoring "
        "adds to each post.",
    )
    parser.add_argument("--data", required=True,
                        help="Labelled CSV or JSONL (columns guessed as by `triage cv`).")
    parser.add_argument("--decisions", type=int, default=10_000,
                        help="Decisions to train on (default: %(default)s).")
    parser.add_argument("--posts", type=int, default=300,
                        help="Posts scored for the per-post time (default: %(default)s).")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kiemchung.settings")
    import django

    django.setup()
    from kiemchung.monitoring.learner import Learner, Scorer

    texts, labels, metas = _decisions(Path(args.data), args.decisions, args.seed)
    started, cpu = time.perf_counter(), time.process_time()
    learner = Learner().fit(texts, labels, metas)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    sample = [f"{t} [{i}]" for i, t in enumerate(texts[: args.posts])]
    with_learner, builtin = Scorer(learner, "bench"), Scorer()
    timings: dict[str, list[float]] = {"builtin": [], "learner": []}
    cpu_times: dict[str, list[float]] = {"builtin": [], "learner": []}
    for i, text in enumerate(sample):
        for name, scorer in (("builtin", builtin), ("learner", with_learner)):
            t0, c0 = time.perf_counter(), time.thread_time()
            scorer.judge(text, metas[i])
            cpu_times[name].append(time.thread_time() - c0)
            timings[name].append(time.perf_counter() - t0)
    added = np.asarray(timings["learner"]) - np.asarray(timings["builtin"])
    added_cpu = np.asarray(cpu_times["learner"]) - np.asarray(cpu_times["builtin"])
    print(json.dumps({
        "decisions": len(labels),
        "positives": int(sum(labels)),
        "kind": learner.kind,
        "heldout_auc": learner.metrics.get("heldout_auc"),
        "candidates": learner.metrics.get("candidates"),
        "retrain_seconds": round(seconds, 2),
        # CPU time of this process: on a shared machine the wall time includes waiting.
        "retrain_cpu_seconds": round(cpu, 2),
        "score_ms_added_p50": round(float(np.median(added)) * 1000, 3),
        "score_ms_added_p95": round(float(np.percentile(added, 95)) * 1000, 3),
        "score_ms_total_p50": round(float(np.median(timings["learner"])) * 1000, 3),
        # The same in CPU time of the scoring thread: what it costs without the machine's waits.
        "score_cpu_ms_added_p50": round(float(np.median(added_cpu)) * 1000, 3),
        "score_cpu_ms_added_p95": round(float(np.percentile(added_cpu, 95)) * 1000, 3),
    }))
    return 0
