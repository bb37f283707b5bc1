"""`kiemchung bench triage`: how long retraining the triage learner takes on N decisions (wall,
and CPU of its process and helper process), the first time and the next, 10 decisions later, when
only the new posts are read; and what scoring adds to each post taken in. The last line printed
is one JSON object."""

from __future__ import annotations

import argparse
import json
import os
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

# Decisions between two retrainings (the retrain task runs every 10).
NEW = 10


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


def _children_cpu() -> float:
    times = os.times()
    return times.children_user + times.children_system


def _retrain(learner: Any, texts: list[str], labels: list[int], metas: list[Any],
             cache: Any) -> dict[str, Any]:
    load_before = os.getloadavg()
    started, cpu, helper = time.perf_counter(), time.process_time(), _children_cpu()
    learner.fit(texts, labels, metas, cache=cache)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    # The helper process has ended with the retraining, so its CPU time is counted here.
    helper = _children_cpu() - helper
    return {
        "learner": learner,
        "retrain_seconds": round(seconds, 2),
        # CPU time of this process and of the helper process: on a shared machine the wall
        # time includes waiting.
        "retrain_cpu_seconds": round(cpu + helper, 2),
        "retrain_cpu_seconds_here": round(cpu, 2),
        "retrain_cpu_seconds_helper": round(helper, 2),
        "posts_read": cache.read_now,
        "load_average": [round(load_before[0], 2), round(os.getloadavg()[0], 2)],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="kiemchung bench triage",
        description="Retraining time of the triage learner on N decisions (the first time, and "
        "the next, 10 decisions later) and the time scoring adds to each post.",
    )
    parser.add_argument("--data", required=True,
                        help="Labelled CSV or JSONL (columns guessed as by `triage cv`).")
    parser.add_argument("--decisions", type=int, default=10_000,
                        help="Decisions to train on (default: %(default)s).")
    parser.add_argument("--posts", type=int, default=300,
                        help="Posts scored for the per-post time (default: %(default)s).")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    if args.decisions <= NEW:
        parser.error(f"--decisions must be more than {NEW}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kiemchung.settings")
    import django

    django.setup()
    from kiemchung.monitoring.learner import Learner, Scorer
    from kiemchung.monitoring.learner_cache import PostCache
    from kiemchung.monitoring.triage import clean_text

    n = args.decisions
    every_texts, every_labels, every_metas = _decisions(Path(args.data), n + NEW, args.seed)
    texts, labels, metas = every_texts[:n], every_labels[:n], every_metas[:n]
    with tempfile.TemporaryDirectory() as folder:
        cache = PostCache(Path(folder) / "posts.npz")
        first = _retrain(Learner(), texts, labels, metas, cache)
        learner = first.pop("learner")
        # The next retraining, NEW decisions later: they come first, the oldest drop out.
        again = _retrain(Learner(), [*every_texts[n:], *texts[:n - NEW]],
                         [*every_labels[n:], *labels[:n - NEW]],
                         [*every_metas[n:], *metas[:n - NEW]], cache)
        again.pop("learner")
    sample = [f"{t} [{i}]" for i, t in enumerate(texts[: args.posts])]
    with_learner, builtin = Scorer(learner, "bench"), Scorer()
    timings: dict[str, list[float]] = {"builtin": [], "learner": []}
    cpu_times: dict[str, list[float]] = {"builtin": [], "learner": []}
    for i, text in enumerate(sample):
        for name, scorer in (("builtin", builtin), ("learner", with_learner)):
            # Ingestion has cleaned the post before it scores it (deduplication reads the
            # cleaned text): each scorer starts from that, and from nothing else remembered.
            clean_text.cache_clear()
            clean_text(text)
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
        **first,
        # The same, the next time: only the new decisions' posts are read.
        **{f"next_{name}": value for name, value in again.items()},
        "score_ms_added_p50": round(float(np.median(added)) * 1000, 3),
        "score_ms_added_p95": round(float(np.percentile(added, 95)) * 1000, 3),
        "score_ms_total_p50": round(float(np.median(timings["learner"])) * 1000, 3),
        # The same in CPU time of the scoring thread: what it costs without the machine's waits.
        "score_cpu_ms_added_p50": round(float(np.median(added_cpu)) * 1000, 3),
        "score_cpu_ms_added_p95": round(float(np.percentile(added_cpu, 95)) * 1000, 3),
    }))
    return 0
