"""The `kiemchung` command: the one entry point users type.

`kiemchung bench ...` runs without Django (`bench site` and `bench tipline` start a server of
their own; `bench tipline` then sets Django up on the same fresh database); every
other word is a management command (kiemchung's own: run, worker, createworkspace, seed_demo,
settings, match, export; or Django's).
"""

from __future__ import annotations

import importlib
import os
import sys

# Each benchmark: the module whose ``main(argv)`` runs it, and what it measures. Every one but
# match and pairs starts a real server or sets Django up on a fresh database of its own.
BENCHMARKS: dict[str, tuple[str, str]] = {
    "match": (
        "kiemchung.matching.bench",
        "rank a corpus for each query: MRR, recall, answered and false-answer rates, latency",
    ),
    "pairs": (
        "kiemchung.matching.bench",
        "same-claim and related decisions on labelled pairs: precision, recall, AUC, F1",
    ),
    "site": (
        "kiemchung.publishing.bench",
        "load a public fact-check page of a real server: requests per second, p50/p95/p99",
    ),
    "tipline": (
        "kiemchung.tipline.bench",
        "a burst of signed webhooks against a real server: lost, duplicated, time to drain",
    ),
    "answer": (
        "kiemchung.tipline.bench_answer",
        "instant answers end to end, from a signed webhook to the reply a platform receives",
    ),
    "ingest": (
        "kiemchung.monitoring.bench",
        "ingestion speed: parse, dedupe, score, match and store a feed's items",
    ),
    "triage": (
        "kiemchung.monitoring.bench_triage",
        "triage learner: retraining time on 10,000 decisions, time scoring adds to a post",
    ),
    "dashboard": (
        "kiemchung.insights.bench",
        "dashboard pages of a workspace with 10,000 claims, 50,000 items, 20,000 tips: p50/p95",
    ),
    "webhooks": (
        "kiemchung.webhooks.bench",
        "events to a local receiver across a worker killed mid-run: lost, accepted twice",
    ),
    "ocr": (
        "kiemchung.images.bench",
        "read the words of screenshots and photos: character error rate, images per second",
    ),
    "images": (
        "kiemchung.images.bench",
        "find an image seen before among its variants: recall@1, false matches, search time",
    ),
}


def bench_help() -> str:
    width = max(len(name) for name in BENCHMARKS)
    lines = [
        "usage: kiemchung bench <benchmark> [options]",
        "",
        "Benchmarks (each prints what it measured as JSON; `kiemchung bench <benchmark> --help`",
        "lists its options; docs/BENCHMARKS.md has the figures and how they were run):",
        "",
        *(f"  {name:<{width}}  {summary}" for name, (_, summary) in BENCHMARKS.items()),
        "",
        "The triage learner is measured by `kiemchung triage cv` (cross-validated on folds).",
    ]
    return "\n".join(lines)


def bench(args: list[str]) -> int:
    """Run the benchmark named by ``args[0]`` with the rest of the words."""
    if not args or args[0] in ("-h", "--help", "help"):
        print(bench_help())
        return 0 if args else 2
    found = BENCHMARKS.get(args[0])
    if found is None:
        print(f"kiemchung bench: no benchmark {args[0]!r}\n\n{bench_help()}", file=sys.stderr)
        return 2
    module = importlib.import_module(found[0])
    # The matching and images modules parse both of their benchmarks themselves; the others
    # take what follows.
    argv = args if args[0] in ("match", "pairs", "ocr", "images") else args[1:]
    try:
        return int(module.main(argv))
    except SystemExit as exc:  # argparse's --help and usage errors
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["bench"]:
        return bench(args[1:])

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kiemchung.settings")
    from kiemchung.env import SettingError

    # Before settings run: the keys and folders they create are private too.
    os.umask(0o077)
    try:
        import django

        django.setup()
    except SettingError as exc:
        print(f"kiemchung: setting error: {exc}", file=sys.stderr)
        return 2
    from kiemchung.core.storage import var_dir_protect

    var_dir_protect()

    from django.core.management import execute_from_command_line

    execute_from_command_line(["kiemchung", *args])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
