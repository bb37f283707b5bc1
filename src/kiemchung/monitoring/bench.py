"""`kiemchung bench ingest`: end-to-end ingestion speed (parse, dedupe, score, match, store).

It runs against its own instance (a fresh SQLite database under a temporary folder unless
--database-url is given), with N synthetic published fact-checks in the matching index, and
imports a JSONL file of posts either in this process (--workers 0) or through the task
queue with W `kiemchung worker` processes (the database queue, or RQ with --tasks rq).
Progress goes to stderr; the last line on stdout is one JSON object.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

__all__ = ["main", "write_posts"]

PLACES = ["Hà Nội", "Đà Nẵng", "Cần Thơ", "Lào Cai", "Nghệ An", "Quảng Ninh", "Huế", "Cà Mau",
          "Gia Lai", "Bến Tre", "Thanh Hóa", "Sơn La"]
SUBJECTS = ["Bộ Y tế", "UBND tỉnh", "Công an huyện", "Bệnh viện tỉnh", "Sở Giáo dục",
            "Ngân hàng Nhà nước", "Chính phủ", "Sở Tài chính", "Điện lực", "Cục Thuế"]
CLAIMS = ["sẽ phát miễn phí", "đã xác nhận thiếu", "vừa cấm bán", "sắp tăng giá",
          "cảnh báo giả mạo", "thu hồi toàn bộ", "giảm thuế cho", "phát hiện độc tố trong"]
OBJECTS = ["vắc xin cúm", "xăng dầu", "sữa bột trẻ em", "thuốc hạ sốt", "gạo", "điện",
           "học phí", "vé tàu Tết", "nước đóng chai", "thẻ bảo hiểm y tế", "muối i-ốt",
           "mũ bảo hiểm"]
CHATTER = [
    "mọi", "người", "cẩn", "thận", "nhé", "thông", "tin", "này", "đang", "lan", "truyền",
    "rất", "nhanh", "trên", "các", "nhóm", "nhiều", "người", "đã", "chia", "sẻ", "lại", "và",
    "bình", "luận", "hỏi", "nhau", "thật", "hay", "giả", "ai", "biết", "nguồn", "chính",
    "thức", "không", "mình", "thấy", "lo", "quá", "nhà", "có", "người", "già", "và", "trẻ",
    "nhỏ", "nên", "phải", "hỏi", "cho", "chắc"
]


def _claim(rng: random.Random) -> str:
    return (f"{rng.choice(SUBJECTS)} {rng.choice(CLAIMS)} {rng.choice(OBJECTS)} cho "
            f"{rng.randint(2, 90000)} người tại {rng.choice(PLACES)} từ ngày "
            f"{rng.randint(1, 28)}/{rng.randint(1, 12)}")


def write_posts(path: Path, count: int, *, duplicates: float = 0.3, words: int = 50,
                seed: int = 7, known: float = 0.1) -> Path:
    """COUNT posts of about WORDS words; DUPLICATES of them reshare an earlier one and KNOWN
    of the others repeat a claim that one of the synthetic fact-checks (same seed) answers."""
    rng = random.Random(seed)
    factchecked = random.Random(seed + 1)
    answered = [_claim(factchecked) for _ in range(1000)]
    texts: list[str] = []
    with path.open("w", encoding="utf-8") as out:
        for i in range(count):
            if texts and rng.random() < duplicates:
                text = rng.choice(texts)
                if rng.random() < 0.5:
                    text = f"{text} share gấp cho mọi người!!"
            else:
                head = rng.choice(answered) if rng.random() < known else _claim(rng)
                tail = [rng.choice(CHATTER) for _ in range(max(words - len(head.split()), 0))]
                text = f"{head}, {' '.join(tail)}"
                texts.append(text)
            out.write(json.dumps({
                "text": text,
                "url": f"https://www.facebook.com/groups/{rng.randint(1, 500)}/posts/{i}",
                "time": f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T08:00:00+07:00",
                "likes": rng.randint(0, 5000),
                "comments": rng.randint(0, 500),
                "shares": rng.randint(0, 900),
            }, ensure_ascii=False) + "\n")
    return path


def _progress(label: str, total: int) -> Any:
    from tqdm import tqdm

    return tqdm(total=total, desc=label, file=sys.stderr, mininterval=1, unit="B",
                unit_scale=True)


def _setup_instance(args: argparse.Namespace, var_dir: Path) -> None:
    os.environ["KIEMCHUNG_VAR_DIR"] = str(var_dir)
    os.environ.setdefault("KIEMCHUNG_ENV", "development")
    os.environ["KIEMCHUNG_TASKS"] = args.tasks
    if args.database_url:
        os.environ["KIEMCHUNG_DATABASE_URL"] = args.database_url
    else:
        os.environ.pop("KIEMCHUNG_DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kiemchung.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def _factchecks(workspace: Any, author: Any, count: int, seed: int) -> None:
    """COUNT published fact-checks, written straight to the tables (bench set-up only)."""
    from django.utils import timezone

    from kiemchung.claims.models import Claim, ClaimState, FactCheck, FactCheckState, Rating
    from kiemchung.claims.services import ratings_ensure_default

    ratings_ensure_default(workspace=workspace)
    rating = Rating.objects.filter(workspace=workspace).order_by("-position").first()
    rng = random.Random(seed + 1)
    now = timezone.now()
    for start in range(0, count, 1000):
        size = min(1000, count - start)
        claims = Claim.objects.bulk_create(
            Claim(workspace=workspace, text=_claim(rng), state=ClaimState.PUBLISHED,
                  text_folded="")
            for _ in range(size)
        )
        FactCheck.objects.bulk_create(
            FactCheck(claim=claim, rating=rating, title=f"Sai sự thật: {claim.text[:120]}",
                      summary="Thông tin này không đúng; cơ quan chức năng đã bác bỏ.",
                      author=author, state=FactCheckState.PUBLISHED, published_at=now,
                      slug=f"kiem-chung-{claim.pk}")
            for claim in claims
        )


def _cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process and its finished children used so far (/proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # utime and stime, then cutime and cstime: an RQ worker runs each job in a child process.
    return sum(int(value) for value in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def _children(pids: set[int]) -> list[int]:
    """The processes whose parent is one of PIDS (/proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) in pids:
            found.append(int(stat.parent.name))
    return found


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _worker_names(args: argparse.Namespace) -> list[str]:
    # Unique to this run: an RQ worker killed in a job stays registered under its name, and RQ
    # refuses to start another worker of that name.
    return [f"bench-{os.getpid()}-{n}" for n in range(args.workers)]


def _forget_rq_workers(names: list[str]) -> None:
    """Unregister the RQ workers that were killed before they could do it themselves."""
    from django.conf import settings
    from redis import Redis
    from rq.worker import Worker

    with Redis.from_url(settings.REDIS_URL) as connection:
        for name in names:
            worker = Worker.find_by_key(Worker.redis_worker_namespace_prefix + name,
                                        connection=connection)
            if worker is not None:
                worker.register_death()


def _workers(args: argparse.Namespace, var_dir: Path, logs: Path,
             names: list[str] | None = None) -> list[subprocess.Popen]:
    executable = Path(sys.executable).with_name("kiemchung")
    command = [str(executable)] if executable.exists() else [sys.executable, "-m", "kiemchung.cli"]
    env = dict(os.environ)
    processes = []
    for name in names or _worker_names(args):
        log = (logs / f"{name}.log").open("w")
        extra = ["--interval", "0.2"] if args.tasks == "db" else []
        processes.append(subprocess.Popen(  # noqa: S603 - our own command
            [*command, "worker", "--queue-name", "*" if args.tasks == "db" else "default",
             *extra, "--worker-id", name],
            env=env, stdout=log, stderr=subprocess.STDOUT,
            # Its own process group, so an RQ job's forked process goes with it.
            start_new_session=True,
        ))
    return processes


def _faults(
    args: argparse.Namespace, processes: list[subprocess.Popen], var_dir: Path, logs: Path
) -> tuple[Any, threading.Event]:
    """The faults asked for, acting on PROCESSES (the first worker is replaced when killed)."""
    from kiemchung.core.bench_faults import Faults, kill_hard, run_command

    faults = Faults()
    restarting = threading.Event()
    if args.restart_command:
        faults.add(args.restart_postgres_at, "postgres_restart",
                   lambda: run_command(args.restart_command))
    if args.kill_worker_at is not None:

        def worker_kill() -> dict[str, Any]:
            restarting.set()
            try:
                began = time.monotonic()
                kill_hard(processes[0])
                name = f"{_worker_names(args)[0]}-restarted"
                replacement = _workers(args, var_dir, logs, names=[name])[0]
                processes[0] = replacement
                return {"ok": True, "seconds": round(time.monotonic() - began, 2)}
            finally:
                restarting.clear()

        faults.add(args.kill_worker_at, "worker_kill", worker_kill)
    return faults, restarting


def run(args: argparse.Namespace) -> dict[str, Any]:
    items_path = Path(args.items)
    if args.generate:
        write_posts(items_path, args.generate, duplicates=args.duplicates, words=args.words)
        print(f"wrote {args.generate} posts to {items_path}", file=sys.stderr)
    if not items_path.is_file():
        raise SystemExit(f"kiemchung bench ingest: cannot read {items_path}")
    var_dir = Path(args.var_dir) if args.var_dir else Path(tempfile.mkdtemp(prefix="kc-bench-"))
    try:
        return _run(args, items_path, var_dir)
    finally:
        if not args.var_dir and not args.keep:
            shutil.rmtree(var_dir, ignore_errors=True)


def _run(args: argparse.Namespace, items_path: Path, var_dir: Path) -> dict[str, Any]:
    _setup_instance(args, var_dir)
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from kiemchung.accounts.models import Workspace
    from kiemchung.core.bench_faults import retrying
    from kiemchung.core.tasks import enqueue_on_commit
    from kiemchung.monitoring import importers, matchers, tasks
    from kiemchung.monitoring.models import ImportChunk, ImportStatus, Item, Sighting
    from kiemchung.monitoring.services import source_for_kind

    slug = f"bench-{int(time.time())}"
    workspace = Workspace.objects.create(name="Bench", slug=slug)
    author = get_user_model().objects.create_user(username=f"{slug}-author")
    started = time.monotonic()
    _factchecks(workspace, author, args.factchecks, args.seed)
    print(f"{args.factchecks} fact-checks written in {time.monotonic() - started:.1f} s",
          file=sys.stderr)
    warm = time.monotonic()
    matchers.lexical_matcher(workspace)
    index_seconds = time.monotonic() - warm
    print(f"lexical index of {args.factchecks} records built in {index_seconds:.1f} s",
          file=sys.stderr)
    source = source_for_kind(workspace=workspace, kind="import", name="bench")
    job = importers.import_create(
        workspace=workspace, source=source, path=items_path, original_name=items_path.name,
        fmt="jsonl", mapping={"text": "text", "url": "url", "time": "time",
                              "reactions": "likes", "comments": "comments",
                              "shares": "shares"},
        chunk_bytes=args.chunk_kb * 1024 if args.chunk_kb else None,
    )
    per_item: list[float] = []

    def on_batch(rows: int, seconds: float) -> None:
        if rows:
            per_item.append(1000 * seconds / rows)

    bar = _progress("ingest", job.bytes_total)
    if args.workers == 0:
        t0 = time.monotonic()
        cpu0 = _own_cpu()
        importers.import_run(job, progress=lambda done: bar.update(done - bar.n),
                             batch_size=args.batch_size, on_batch=on_batch)
        wall = time.monotonic() - t0
        cpu = _own_cpu() - cpu0
        peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    else:
        logs = var_dir / "logs"
        logs.mkdir(exist_ok=True)
        processes = _workers(args, var_dir, logs)
        faults, restarting = _faults(args, processes, var_dir, logs)
        time.sleep(args.worker_start)
        cpu0 = sum(_cpu_seconds(p.pid) for p in processes)
        t0 = time.monotonic()
        with transaction.atomic():
            for chunk in job.chunks.all():
                enqueue_on_commit(tasks.import_chunk, chunk.pk)
        faults.start()
        try:
            while True:
                chunks = retrying(lambda: list(ImportChunk.objects.filter(job=job).values_list(
                    "offset", "start", "status")))
                bar.update(sum(o - s for o, s, _st in chunks) - bar.n)
                if all(st == ImportStatus.DONE for _o, _s, st in chunks):
                    cpu = sum(_cpu_seconds(p.pid) for p in processes) - cpu0
                    break
                if any(st == ImportStatus.FAILED for _o, _s, st in chunks):
                    raise SystemExit("an import chunk failed; see the worker logs in " + str(logs))
                if not restarting.is_set() and any(p.poll() is not None for p in processes):
                    raise SystemExit("a worker stopped; see its log in " + str(logs))
                time.sleep(0.2)
            wall = time.monotonic() - t0
            faults.join()
        finally:
            # The full search queued after the import may keep a worker busy: stop it anyway.
            for process in processes:
                process.terminate()
            deadline = time.monotonic() + 10
            for process in processes:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(timeout=max(deadline - time.monotonic(), 0.1))
            # An RQ job runs in a forked process that leaves the worker's process group
            # (setpgrp): it is killed through its own group, or it outlives the benchmark.
            horses = _children({p.pid for p in processes if p.poll() is None})
            for pgid in [*(p.pid for p in processes), *horses]:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(pgid, signal.SIGKILL)
            for process in processes:
                process.wait()
            if args.tasks == "rq":
                _forget_rq_workers(_worker_names(args))
        peak_kb = max(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
                      resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
        for chunk in ImportChunk.objects.filter(job=job):
            if chunk.rows:
                per_item.append(1000 * chunk.seconds / chunk.rows)
    bar.close()
    summary = importers.import_summary(job)
    lines = sum(1 for line in items_path.open("rb") if line.strip())
    result: dict[str, Any] = {
        "items": summary["rows"],
        "items_per_second": round(summary["rows"] / wall, 1) if wall else 0.0,
        "p95_item_ms": round(_percentile(per_item, 0.95), 2),
        "peak_rss_mb": round(peak_kb / 1024, 1),
        # CPU time the ingesting processes used: items per CPU second does not depend on what
        # else the machine runs; on an idle machine W workers reach about W times it (W <= cores).
        "cpu_seconds": round(cpu, 2),
        "items_per_cpu_second": round(summary["rows"] / cpu, 1) if cpu else 0.0,
        "load_average": round(os.getloadavg()[0], 2),
        "workers": args.workers,
        "tasks": args.tasks if args.workers else "in-process",
        "factchecks": args.factchecks,
        "stored_items": Item.objects.filter(workspace=workspace).count(),
        "folded": summary["folded"],
        "repeated": summary["repeated"],
        "sightings": Sighting.objects.filter(workspace=workspace).count(),
        "answered_lexically": Item.objects.filter(workspace=workspace, answered=True).count(),
        "lexical_index_seconds": round(index_seconds, 2),
        "seconds": round(wall, 2),
        "chunks": job.chunks.count(),
    }
    if args.workers:
        result.update(
            faults=faults.report,
            # Every line read once: none lost to a dead worker, none counted again on retry.
            lost=max(0, lines - summary["rows"]),
            counted_twice=max(0, summary["rows"] - lines)
            + (result["stored_items"] - summary["added"]),
        )
    if args.dense:
        result.update(_dense(workspace, args.dense))
    return result


def _dense(workspace: Any, count: int) -> dict[str, Any]:
    """The later, full search on the COUNT highest-priority items (index built first)."""
    from kiemchung.claims.matching import workspace_index
    from kiemchung.monitoring.matchers import items_match_pending

    started = time.monotonic()
    with workspace_index(workspace) as index:
        size = len(index)
    built = time.monotonic() - started
    print(f"matching index of {size} records ready in {built:.1f} s", file=sys.stderr)
    started = time.monotonic()
    done = 0
    while done < count:
        matched = items_match_pending(workspace=workspace, limit=min(32, count - done))
        if not matched:
            break
        done += matched
    seconds = time.monotonic() - started
    return {
        "dense_items": done,
        "dense_items_per_second": round(done / seconds, 1) if seconds else 0.0,
        "dense_index_seconds": round(built, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="kiemchung bench ingest",
        description="End-to-end ingestion speed: parse, dedupe, score, match, store.",
    )
    parser.add_argument("--items", required=True, help="JSONL of posts (text, url, time, ...).")
    parser.add_argument("--generate", type=int, default=0, metavar="N",
                        help="First write N synthetic posts (~--words words, --duplicates "
                        "reshared) to --items.")
    parser.add_argument("--duplicates", type=float, default=0.3,
                        help="Share of reshared posts when generating (default: %(default)s).")
    parser.add_argument("--words", type=int, default=50,
                        help="Words per generated post (default: %(default)s).")
    parser.add_argument("--factchecks", type=int, default=10_000,
                        help="Synthetic published fact-checks indexed (default: %(default)s).")
    parser.add_argument("--workers", type=int, default=0,
                        help="0: ingest in this process; N: through the queue with N workers.")
    parser.add_argument("--tasks", choices=["db", "rq"], default="db",
                        help="Queue of the workers (rq needs KIEMCHUNG_REDIS_URL).")
    parser.add_argument("--chunk-kb", type=int, default=0,
                        help="Chunk size of the import in KB (default: an eighth of the file).")
    parser.add_argument("--batch-size", type=int, default=200, help="Posts per transaction.")
    parser.add_argument("--dense", type=int, default=0, metavar="N",
                        help="Then run the full (embedding) search on the N top items.")
    parser.add_argument("--database-url", default="",
                        help="Database to use instead of a fresh SQLite file.")
    parser.add_argument("--var-dir", default="", help="Instance folder (default: temporary).")
    parser.add_argument("--keep", action="store_true", help="Keep the temporary folder.")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--worker-start", type=float, default=3.0,
                        help="Seconds to let workers start before timing.")
    parser.add_argument("--restart-postgres-at", type=float, default=None, metavar="SECONDS",
                        help="Restart the local PostgreSQL cluster of --database-url this long "
                        "after the import starts (pg_ctlcluster, as root).")
    parser.add_argument("--kill-worker-at", type=float, default=None, metavar="SECONDS",
                        help="SIGKILL the first worker this long after the import starts and "
                        "start a new one (needs --workers 1 or more).")
    parser.add_argument("--lease-seconds", type=int, default=60,
                        help="KIEMCHUNG_TASK_LEASE_SECONDS: how soon a dead worker's chunk runs "
                        "again.")
    args = parser.parse_args(argv)
    from kiemchung.core.bench_faults import FaultError, postgres_restart_command

    args.restart_command = []
    if args.restart_postgres_at is not None:
        try:
            args.restart_command = postgres_restart_command(args.database_url)
        except FaultError as exc:
            print(f"kiemchung bench ingest: cannot restart PostgreSQL: {exc}", file=sys.stderr)
            return 2
    if (args.kill_worker_at is not None or args.restart_command) and args.workers < 1:
        print("kiemchung bench ingest: faults need --workers 1 or more", file=sys.stderr)
        return 2
    os.environ["KIEMCHUNG_TASK_LEASE_SECONDS"] = str(args.lease_seconds)
    result = run(args)
    print(json.dumps(result, ensure_ascii=False))
    faulty = result.get("faults") and (result["lost"] or result["counted_twice"])
    return 1 if faulty else 0
