"""``kiemchung bench answer``: instant answers end to end, from a signed webhook arriving at the
real server to the platform receiving the reply with the verdict.

Builds a temporary workspace with N synthetic published fact-checks in its matching index (the
embeddings go through the on-disk cache, `--cache-dir`, so only the first run embeds them),
starts a local stand-in for the platform's send API and `kiemchung run` (waitress with its
in-process worker) on 127.0.0.1, then sends signed webhooks whose text asks about known
fact-checks, one sender each, and times each until the stand-in receives the answer. Progress
goes to stderr; the last line of stdout is one JSON object:
{messages, answered, p50_ms, p95_ms, factchecks, ...}.

`--separate-worker` runs the worker as its own process (`kiemchung worker`), as on several
machines: on PostgreSQL (`--database-url`) it is woken by NOTIFY the moment a task is
enqueued; on SQLite it polls the queue every `--interval` seconds.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import http.client
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

STARTUP_SECONDS = 120
WARMUP_SECONDS = 900
SLUG = "bench-answer"
SECRETS = {
    "app_secret": "bench-app-secret",
    "page_access_token": "bench-page-token",
    "verify_token": "bench-verify",
    "bot_token": "123:bench-bot",
    "secret_token": "bench-secret-token",
    "oa_secret_key": "bench-oa-secret",
    "access_token": "bench-oa-token",
}
ZALO_APP_ID = "990001"
DEFAULT_CACHE_DIR = Path("var/cache")

# Synthetic claims: every combination is a distinct statement; the seed fixes which are used.
_WHO = [
    "Bộ Y tế", "Ngân hàng Nhà nước", "UBND thành phố Hà Nội", "Bộ Giáo dục và Đào tạo",
    "Công an TP.HCM", "Bộ Giao thông vận tải", "Tổng cục Thuế", "Bảo hiểm xã hội Việt Nam",
    "Bộ Tài chính", "Sở Giao thông vận tải Đà Nẵng", "Bộ Công an", "UBND tỉnh Quảng Ninh",
    "Bộ Lao động", "Tập đoàn Điện lực", "Cục Cảnh sát giao thông", "Bộ Nông nghiệp",
    "Sở Y tế Cần Thơ", "Bộ Tài nguyên và Môi trường", "Tổng công ty Đường sắt", "Bộ Xây dựng",
]
_DOES = [
    "cấm hoàn toàn", "bắt buộc người dân đăng ký lại", "miễn phí", "thu hồi", "tăng gấp đôi phí",
    "phạt tới 50 triệu đồng với", "ngừng cấp", "đánh thuế mới lên", "cho phép bán tự do",
    "yêu cầu kiểm tra lại",
]
_WHAT = [
    "xe máy chạy xăng", "thẻ căn cước cũ", "sổ hộ khẩu giấy", "vắc xin cúm cho trẻ em",
    "tiền polymer mệnh giá nhỏ", "bằng lái xe hạng A1", "nhà ở xây trên đất nông nghiệp",
    "điện mặt trời áp mái", "sim điện thoại chưa chính chủ", "thuốc lá điện tử",
    "ví điện tử cá nhân", "hàng rong trên vỉa hè", "xe ba gác tự chế", "tài khoản ngân hàng "
    "không dùng sinh trắc học", "bảo hiểm y tế hộ gia đình", "nước đóng chai loại lớn",
    "thịt lợn nhập khẩu", "sách giáo khoa cũ", "ô tô cá nhân trên 15 năm", "đồ chơi có pin",
    "gạo tẻ dự trữ", "phòng khám tư nhân", "căn hộ mini cho thuê", "khẩu trang vải",
    "taxi công nghệ", "vàng miếng không rõ nguồn", "chó mèo nuôi trong chung cư", "xăng E5",
    "học thêm ngoài nhà trường", "chứng chỉ tiếng Anh quốc tế",
]
_WHERE = [
    "trên toàn quốc", "ở các quận nội thành", "tại các tỉnh miền Tây", "ở các khu công nghiệp",
    "tại vùng biên giới", "ở các thành phố trực thuộc trung ương", "tại nông thôn",
    "ở các trường công lập", "trong các chung cư", "tại các chợ truyền thống",
]
_WHEN = [
    "từ tháng sau", "từ ngày 1/7", "ngay trong tuần này", "từ năm 2027", "sau Tết Nguyên đán",
    "từ quý tới", "trong năm nay", "bắt đầu từ mai",
]
_ASK_BEFORE = ["", "Nghe nói ", "Có phải ", "Mọi người ơi, ", "Cho hỏi ", "Thấy trên mạng: "]
_ASK_AFTER = ["", " có đúng không?", ", thật không ạ?", ". Tin này có thật không?", " ???",
              ", chia sẻ gấp!"]


def synthetic_claims(n: int, *, seed: int = 20_260_101) -> list[str]:
    """N distinct claims in Vietnamese, the same list for the same n and seed."""
    size = len(_WHO) * len(_DOES) * len(_WHAT) * len(_WHERE) * len(_WHEN)
    if n > size:
        raise ValueError(f"at most {size} synthetic claims")
    picks = random.Random(seed).sample(range(size), n)
    claims = []
    for value in picks:
        value, who = divmod(value, len(_WHO))
        value, does = divmod(value, len(_DOES))
        value, what = divmod(value, len(_WHAT))
        when, where = divmod(value, len(_WHERE))
        claims.append(
            f"{_WHO[who]} {_DOES[does]} {_WHAT[what]} {_WHERE[where]} {_WHEN[when]}"
        )
    return claims


def tip_text(claim: str, rng: random.Random) -> str:
    """How someone might send the claim in: a few words around it, a time they saw it."""
    before = rng.choice(_ASK_BEFORE)
    body = claim if not before else claim[0].lower() + claim[1:]
    seen = f" (mình đọc được lúc {rng.randrange(24):02d}:{rng.randrange(60):02d})"
    return f"{before}{body}{rng.choice(_ASK_AFTER)}{seen}"


# The seeding half runs inside Django, in a subprocess pointed at the temporary database.


def seed(*, factchecks: int, channel: str, batch: int = 500) -> dict[str, Any]:
    """Create the workspace, its published fact-checks, the channel; build and save the index."""
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone

    from kiemchung.accounts.models import Member, Workspace
    from kiemchung.claims import matching
    from kiemchung.claims.models import Claim, ClaimState, FactCheck, FactCheckState, Rating
    from kiemchung.claims.services import ratings_ensure_default
    from kiemchung.tipline import services_inbound
    from kiemchung.tipline.models import Channel

    user_model = get_user_model()
    with transaction.atomic():
        workspace = Workspace.objects.create(name="Nhóm đo thời gian trả lời", slug=SLUG)
        author = user_model.objects.create_user(username="bench-author", password=None)
        reviewer = user_model.objects.create_user(username="bench-reviewer", password=None)
        for user in (author, reviewer):
            Member.objects.create(workspace=workspace, user=user, role="editor")
        ratings_ensure_default(workspace=workspace)
        ratings = list(Rating.objects.filter(workspace=workspace).order_by("position"))
        texts = synthetic_claims(factchecks)
        now = timezone.now()
        for start in range(0, len(texts), batch):
            chunk = texts[start : start + batch]
            claims = Claim.objects.bulk_create(
                Claim(workspace=workspace, text=text, state=ClaimState.PUBLISHED,
                      created_by=author)
                for text in chunk
            )
            FactCheck.objects.bulk_create(
                FactCheck(
                    claim=claim,
                    rating=ratings[(start + i) % len(ratings)],
                    # Short on purpose: each record is one passage to embed (a real
                    # fact-check has three to five), so 10,000 take minutes, not an hour.
                    title="Tin không chính xác",
                    summary="Không có căn cứ.",
                    body="Bài kiểm chứng dùng để đo thời gian trả lời.",
                    author=author,
                    reviewer=reviewer,
                    state=FactCheckState.PUBLISHED,
                    slug=f"bench-{start + i}",
                    published_at=now,
                )
                for i, claim in enumerate(claims)
            )
        record = Channel.objects.create(workspace=workspace, kind=channel, name=f"{channel} bench")
        if channel == "zalo":
            record.config = {"app_id": ZALO_APP_ID}
            record.save(update_fields=["config"])
        wanted = {
            "messenger": ("app_secret", "page_access_token", "verify_token"),
            "telegram": ("bot_token", "secret_token"),
            "zalo": ("oa_secret_key", "access_token"),
        }[channel]
        services_inbound.channel_credentials_set(
            channel=record, values={key: SECRETS[key] for key in wanted}
        )
    started = time.monotonic()
    size = matching.index_rebuild(
        workspace=workspace, progress=matching.tqdm_progress("index (embeddings cached on disk)")
    )
    return {
        "public_id": record.public_id,
        "records": size,
        "index_seconds": round(time.monotonic() - started, 1),
    }


def _seed_main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="bench_answer seed")
    parser.add_argument("--factchecks", type=int, required=True)
    parser.add_argument("--channel", required=True)
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kiemchung.settings")
    import django

    django.setup()
    print(json.dumps(seed(factchecks=args.factchecks, channel=args.channel)))
    return 0


# The measuring half: no Django, only HTTP.


@dataclass
class _Arrivals:
    """What the platform stand-in received, by recipient, with the time it arrived."""

    marker: str
    lock: threading.Condition = field(default_factory=threading.Condition)
    answers: dict[str, float] = field(default_factory=dict)
    requests: int = 0

    def record(self, recipient: str, text: str) -> None:
        now = time.perf_counter()
        with self.lock:
            self.requests += 1
            if self.marker in text and recipient not in self.answers:
                self.answers[recipient] = now
                self.lock.notify_all()

    def wait(self, recipient: str, timeout: float) -> float | None:
        deadline = time.perf_counter() + timeout
        with self.lock:
            while recipient not in self.answers:
                left = deadline - time.perf_counter()
                if left <= 0:
                    return None
                self.lock.wait(left)
            return self.answers[recipient]


def _platform(channel: str, arrivals: _Arrivals) -> ThreadingHTTPServer:
    """The platform's send API, answering as the real one does when a send succeeds."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            try:
                body = json.loads(self.rfile.read(length) or b"{}")
            except ValueError:
                body = {}
            if channel == "messenger":
                recipient = str((body.get("recipient") or {}).get("id", ""))
                text = str((body.get("message") or {}).get("text", ""))
                answer: dict[str, Any] = {"recipient_id": recipient, "message_id": "m_bench"}
            elif channel == "telegram":
                recipient = str(body.get("chat_id", ""))
                text = str(body.get("text", ""))
                answer = {"ok": True, "result": {"message_id": 1}}
            else:
                recipient = str((body.get("recipient") or {}).get("user_id", ""))
                text = str((body.get("message") or {}).get("text", ""))
                answer = {"error": 0, "message": "Success", "data": {"message_id": "z1"}}
            arrivals.record(recipient, text)
            data = json.dumps(answer).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _signed(channel: str, user: str, text: str, serial: int) -> tuple[str, bytes, dict[str, str]]:
    """The webhook path, body and headers the platform would send for one message."""
    now_ms = int(time.time() * 1000)
    if channel == "messenger":
        payload: dict[str, Any] = {
            "object": "page",
            "entry": [{"id": "1", "time": now_ms, "messaging": [{
                "sender": {"id": user}, "recipient": {"id": "1"}, "timestamp": now_ms,
                "message": {"mid": f"m_bench_{serial}_{user}", "text": text},
            }]}],
        }
        body = json.dumps(payload, ensure_ascii=False).encode()
        mac = hmac.new(SECRETS["app_secret"].encode(), body, hashlib.sha256).hexdigest()
        return "messenger", body, {"X-Hub-Signature-256": f"sha256={mac}"}
    if channel == "telegram":
        payload = {"update_id": 10_000_000 + serial, "message": {
            "message_id": serial, "date": int(time.time()),
            "from": {"id": int(user), "is_bot": False, "first_name": "B"},
            "chat": {"id": int(user), "type": "private"}, "text": text,
        }}
        body = json.dumps(payload, ensure_ascii=False).encode()
        return "telegram", body, {"X-Telegram-Bot-Api-Secret-Token": SECRETS["secret_token"]}
    timestamp = str(now_ms)
    payload = {
        "app_id": ZALO_APP_ID, "event_name": "user_send_text", "timestamp": timestamp,
        "sender": {"id": user}, "recipient": {"id": "1"},
        "message": {"msg_id": f"z_bench_{serial}_{user}", "text": text},
    }
    body = json.dumps(payload, ensure_ascii=False).encode()
    mac = hashlib.sha256(
        ZALO_APP_ID.encode() + body + timestamp.encode() + SECRETS["oa_secret_key"].encode()
    ).hexdigest()
    return "zalo", body, {"X-ZEvent-Signature": f"mac={mac}"}


def _post(port: int, path: str, body: bytes, headers: dict[str, str]) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("POST", path, body=body,
                     headers={**headers, "Content-Type": "application/json"})
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _kiemchung() -> list[str]:
    script = Path(sys.executable).parent / "kiemchung"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from kiemchung.cli import main; sys.exit(main())"]


def _wait_until_up(port: int, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"kiemchung run exited with status {server.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/accounts/login/")
            status = conn.getresponse().status
            conn.close()
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"kiemchung run did not answer within {STARTUP_SECONDS} s")


def _percentile(values: Sequence[float], fraction: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))
    return ordered[index]


@dataclass
class _Run:
    port: int
    channel: str
    hook: str
    arrivals: _Arrivals
    claims: list[str]
    rng: random.Random
    timeout: float
    serial: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def one(self, index: int, *, timeout: float | None = None) -> float | None:
        """Send one message about claim `index` as a new sender; seconds until answered."""
        with self.lock:
            self.serial += 1
            serial = self.serial
            text = tip_text(self.claims[index], self.rng)
        user = str(700_000_000 + serial)
        kind, body, headers = _signed(self.channel, user, text, serial)
        started = time.perf_counter()
        status = _post(self.port, f"/tin/hooks/{kind}/{self.hook}/", body, headers)
        if status != 200:
            raise RuntimeError(f"the webhook answered {status}")
        arrived = self.arrivals.wait(user, self.timeout if timeout is None else timeout)
        return None if arrived is None else arrived - started


def main(argv: list[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:1] == ["seed"]:
        return _seed_main(args_list[1:])
    parser = argparse.ArgumentParser(
        prog="kiemchung bench answer",
        description="Time instant answers end to end: signed webhook in, reply received by a "
        "local stand-in of the platform, with N published fact-checks indexed.",
    )
    parser.add_argument("--factchecks", type=int, default=10_000,
                        help="Synthetic published fact-checks in the index (default 10000).")
    parser.add_argument("--messages", type=int, default=200, help="Messages to time.")
    parser.add_argument("--channel", choices=["messenger", "telegram", "zalo"],
                        default="messenger", help="Platform the messages come from.")
    parser.add_argument("--concurrency", type=int, default=1,
                        help="Senders writing at the same time (default 1: one at a time).")
    parser.add_argument("--warmup", type=int, default=5,
                        help="Messages sent first and not timed (the server loads its index).")
    parser.add_argument("--gap", type=float, default=0.0,
                        help="Seconds each sender waits after an answer before the next message "
                        "(default 0: back to back). Above the tipline's drain window (1.5 s) "
                        "every message finds the channel idle, as on a quiet day.")
    parser.add_argument("--timeout", type=float, default=10.0,
                        help="Seconds to wait for each answer before counting it unanswered.")
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE_DIR,
                        help="Folder of the embedding cache kept between runs "
                        f"(default {DEFAULT_CACHE_DIR}, the project's own).")
    parser.add_argument("--separate-worker", action="store_true",
                        help="Run the worker as its own process (woken by NOTIFY on "
                        "PostgreSQL, polling the queue on SQLite).")
    parser.add_argument("--interval", type=float, default=1.0,
                        help="Poll interval of the separate worker, in seconds (default 1).")
    parser.add_argument("--database-url", default="",
                        help="Run against this (empty) PostgreSQL database instead of a fresh "
                        "SQLite file.")
    parser.add_argument("--seed", type=int, default=None, help="Random seed of the messages.")
    parser.add_argument("--keep", action="store_true",
                        help="Keep the temporary folder (database, server log) for inspection.")
    args = parser.parse_args(args_list)
    if args.factchecks < 1 or args.messages < 1 or args.concurrency < 1:
        parser.error("--factchecks, --messages and --concurrency must be at least 1")

    var = Path(tempfile.mkdtemp(prefix="kiemchung-bench-answer-"))
    cache_dir = args.cache_dir.resolve()
    cache_dir.mkdir(parents=True, exist_ok=True)
    (var / "cache").symlink_to(cache_dir, target_is_directory=True)
    claims = synthetic_claims(args.factchecks)
    arrivals = _Arrivals(marker=f"/p/{SLUG}/")
    platform = _platform(args.channel, arrivals)
    platform_url = f"http://127.0.0.1:{platform.server_address[1]}"
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIEMCHUNG_")}
    env.update(
        KIEMCHUNG_VAR_DIR=str(var),
        KIEMCHUNG_PORT=str(port),
        KIEMCHUNG_HOST="127.0.0.1",
        KIEMCHUNG_SITE_URL=f"http://127.0.0.1:{port}",
        KIEMCHUNG_TASKS="db",
        KIEMCHUNG_SCHEDULE="false",
        KIEMCHUNG_LOG_LEVEL="WARNING",
        KIEMCHUNG_ALLOW_PRIVATE_URLS="true",
        KIEMCHUNG_FACEBOOK_GRAPH_URL=platform_url + "/v21.0",
        KIEMCHUNG_TELEGRAM_API_URL=platform_url,
        KIEMCHUNG_ZALO_OA_URL=platform_url,
        KIEMCHUNG_TIPLINE_SENDER_RATE="1000",
    )
    if args.database_url:
        env["KIEMCHUNG_DATABASE_URL"] = args.database_url
    processes: list[subprocess.Popen[bytes]] = []
    result: dict[str, Any] = {}
    try:
        print(f"preparing {args.factchecks} published fact-checks in {var}…", file=sys.stderr)
        # Every command below is kiemchung's own, with arguments this function chose.
        subprocess.run(  # noqa: S603
            [*_kiemchung(), "migrate", "--noinput", "-v", "0"],
            env=env, check=True, stdout=subprocess.DEVNULL,
        )
        seeded = subprocess.run(  # noqa: S603
            [sys.executable, "-m", "kiemchung.tipline.bench_answer", "seed",
             "--factchecks", str(args.factchecks), "--channel", args.channel],
            env=env, check=True, stdout=subprocess.PIPE, text=True,
        )
        info = json.loads(seeded.stdout.strip().splitlines()[-1])
        print(f"index: {info['records']} records in {info['index_seconds']} s", file=sys.stderr)
        log = (var / "server.log").open("wb")
        command = [*_kiemchung(), "run"]
        if args.separate_worker:
            command.append("--no-worker")
        processes.append(
            subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
        )
        if args.separate_worker:
            processes.append(subprocess.Popen(  # noqa: S603
                [*_kiemchung(), "worker", "--interval", str(args.interval),
                 "--no-startup-delay", "-v", "0"],
                env=env, stdout=log, stderr=subprocess.STDOUT,
            ))
        _wait_until_up(port, processes[0])
        rng = random.Random(args.seed)
        run = _Run(port=port, channel=args.channel, hook=info["public_id"], arrivals=arrivals,
                   claims=claims, rng=rng, timeout=args.timeout)
        print("server up; warming up (the server loads the saved index)…", file=sys.stderr)
        for _ in range(args.warmup):
            if run.one(rng.randrange(len(claims)), timeout=WARMUP_SECONDS) is None:
                raise RuntimeError("no answer to a warm-up message")
        picks = [rng.randrange(len(claims)) for _ in range(args.messages)]
        latencies: list[float] = []
        unanswered = 0
        queue = list(picks)
        queue_lock = threading.Lock()

        def sender() -> None:
            nonlocal unanswered
            while True:
                with queue_lock:
                    if not queue:
                        return
                    index = queue.pop()
                seconds = run.one(index)
                with queue_lock:
                    if seconds is None:
                        unanswered += 1
                    else:
                        latencies.append(seconds)
                if args.gap:
                    time.sleep(args.gap)

        from tqdm import tqdm

        threads = [threading.Thread(target=sender, daemon=True) for _ in range(args.concurrency)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        with tqdm(total=args.messages, desc="messages", unit="msg", file=sys.stderr) as bar:
            while any(thread.is_alive() for thread in threads):
                time.sleep(0.2)
                bar.n = len(latencies) + unanswered
                bar.refresh()
        seconds = time.perf_counter() - started
        result = {
            "channel": args.channel,
            "database": "postgresql" if args.database_url else "sqlite",
            "worker": _worker_kind(args),
            "concurrency": args.concurrency,
            "gap_s": args.gap,
            "seconds": round(seconds, 1),
            "p99_ms": round(_percentile(latencies, 0.99) * 1000, 1),
            "mean_ms": round(statistics.fmean(latencies) * 1000, 1) if latencies else 0.0,
            "max_ms": round(max(latencies) * 1000, 1) if latencies else 0.0,
            "index_records": info["records"],
            "messages": args.messages,
            "answered": len(latencies),
            "p50_ms": round(_percentile(latencies, 0.50) * 1000, 1),
            "p95_ms": round(_percentile(latencies, 0.95) * 1000, 1),
            "factchecks": args.factchecks,
        }
    except (RuntimeError, OSError, subprocess.SubprocessError, ValueError) as exc:
        print(f"kiemchung bench answer: {exc}", file=sys.stderr)
        server_log = var / "server.log"
        if server_log.exists():
            sys.stderr.write(server_log.read_text(errors="replace")[-3000:])
        return 1
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        platform.shutdown()
        platform.server_close()
        if args.keep:
            print(f"kept {var}", file=sys.stderr)
        else:
            shutil.rmtree(var, ignore_errors=True)
    print(json.dumps(result))
    return 0 if result["answered"] == result["messages"] else 1


def _worker_kind(args: argparse.Namespace) -> str:
    if not args.separate_worker:
        return "in process, woken on enqueue"
    if args.database_url:
        return f"own process, woken by NOTIFY (polls every {args.interval:g} s)"
    return f"own process, polls every {args.interval:g} s"


if __name__ == "__main__":
    raise SystemExit(main())
