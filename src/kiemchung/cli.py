"""The `kiemchung` command: the one entry point users type.

`kiemchung bench ...` runs without Django (`bench site` and `bench tipline` start a server of
their own; `bench tipline` then sets Django up on the same fresh database); every
other word is a management command (kiemchung's own: run, worker, createworkspace, seed_demo,
settings, match, export; or Django's).
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:2] == ["bench", "site"]:
        from kiemchung.publishing.bench import main as site_bench_main

        return site_bench_main(args[2:])
    if args[:2] == ["bench", "tipline"]:
        # Sets up Django itself, after pointing it at a fresh var dir (or --database-url).
        from kiemchung.tipline.bench import main as tipline_bench_main

        return tipline_bench_main(args[2:])
    if args[:2] == ["bench", "answer"]:
        # Starts a server and a platform stand-in; seeds its database in a subprocess.
        from kiemchung.tipline.bench_answer import main as answer_bench_main

        return answer_bench_main(args[2:])
    if args[:2] == ["bench", "ingest"]:
        # Sets up Django itself, on a fresh var dir (or --database-url), with its own workers.
        from kiemchung.monitoring.bench import main as ingest_bench_main

        return ingest_bench_main(args[2:])
    if args[:1] == ["bench"]:
        from kiemchung.matching.bench import main as bench_main

        return bench_main(args[1:])

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kiemchung.settings")
    from kiemchung.env import SettingError

    try:
        import django

        django.setup()
    except SettingError as exc:
        print(f"kiemchung: setting error: {exc}", file=sys.stderr)
        return 2

    from django.core.management import execute_from_command_line

    execute_from_command_line(["kiemchung", *args])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
