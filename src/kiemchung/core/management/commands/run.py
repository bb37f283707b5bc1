from __future__ import annotations

import signal
import time
from pathlib import Path
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.core.wsgi import get_wsgi_application
from waitress.server import create_server

from kiemchung.core.schedule import schedule_ticker_start
from kiemchung.core.worker import worker_thread_start


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def request_body_max_bytes() -> int:
    """The largest request body any page accepts, with a margin for the form's framing.

    The server refuses a longer body by its Content-Length, before reading it, instead of
    spooling up to waitress's default of 1 GB for a page that would refuse it afterwards.
    """
    from kiemchung.tipline.images import WEB_FORM_MAX_IMAGES

    megabyte = 1024 * 1024
    largest = max(
        settings.UPLOAD_MAX_MB * megabyte,  # an evidence document, a platform export
        settings.TIP_IMAGE_MAX_MB * WEB_FORM_MAX_IMAGES * megabyte,  # the tipline's web form
        settings.TIPLINE_WEBHOOK_MAX_KB * 1024,
        settings.DATA_UPLOAD_MAX_MEMORY_SIZE,
    )
    return largest + megabyte


class Command(BaseCommand):
    help = (
        "Serve kiemchung with the built-in web server (waitress) and, on the database queue, "
        "a background worker in the same process that also runs the built-in schedule of "
        "periodic jobs. Ctrl+C stops both."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--host", default=None, help="Address to listen on (default: KIEMCHUNG_HOST)."
        )
        parser.add_argument(
            "--port", type=int, default=None, help="Port to listen on (default: KIEMCHUNG_PORT)."
        )
        parser.add_argument(
            "--threads",
            type=int,
            default=None,
            help="Request threads (default: KIEMCHUNG_WEB_THREADS).",
        )
        parser.add_argument(
            "--trusted-proxy",
            default=None,
            help="Address of the reverse proxy in front (e.g. 127.0.0.1) whose X-Forwarded-For "
            "and X-Forwarded-Proto headers are believed; from anyone else they are dropped.",
        )
        parser.add_argument(
            "--no-worker",
            action="store_false",
            dest="with_worker",
            help="Do not run the background worker in this process (run `kiemchung worker` "
            "elsewhere instead).",
        )

    def handle(
        self,
        *args: Any,
        host: str | None,
        port: int | None,
        threads: int | None,
        trusted_proxy: str | None,
        with_worker: bool,
        **options: Any,
    ) -> None:
        self.check_migrations()
        # WhiteNoise warns at every start when the collectstatic folder does not exist yet.
        Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
        application = get_wsgi_application()
        server = create_server(
            application,
            host=host or settings.HOST,
            port=settings.PORT if port is None else port,
            threads=threads or settings.WEB_THREADS,
            ident="kiemchung",
            clear_untrusted_proxy_headers=True,
            max_request_body_size=request_body_max_bytes(),
            **(
                {
                    "trusted_proxy": trusted_proxy,
                    "trusted_proxy_headers": {"x-forwarded-for", "x-forwarded-proto"},
                }
                if trusted_proxy
                else {}
            ),
        )
        workers = []
        if with_worker and settings.RUN_WORKER and settings.TASKS_MODE == "db":
            workers = [
                worker_thread_start(lease_seconds=settings.TASK_LEASE_SECONDS)
                for _ in range(settings.RUN_WORKER_THREADS)
            ]
        # The periodic jobs are enqueued where a worker runs them: with `--no-worker` (or RQ)
        # the `kiemchung worker` processes tick instead.
        ticker = schedule_ticker_start() if workers else None
        # One address gives one server; a name with several addresses gives one per address.
        listening = getattr(server, "effective_listen", None) or [
            (server.effective_host, server.effective_port)
        ]
        urls = " ".join(
            f"http://{f'[{host}]' if ':' in str(host) else host}:{port}/"
            for host, port in listening
        )
        self.stdout.write(
            f"kiemchung is running at {urls} "
            f"({'with' if workers else 'without'} a background worker). Ctrl+C to stop."
        )
        self.stdout.flush()
        signal.signal(signal.SIGTERM, _interrupt)
        try:
            server.run()
        except KeyboardInterrupt:
            pass
        finally:
            server.close()
            if ticker is not None:
                ticker.stop()
            if workers:
                self.stdout.write("Stopping: waiting for the running tasks to finish…")
                self.stdout.flush()
                for worker, _thread in workers:
                    worker.stop()
                deadline = time.monotonic() + settings.TASK_LEASE_SECONDS
                for _worker, thread in workers:
                    # A task still running after the lease returns to the queue for the next start.
                    thread.join(timeout=max(0.0, deadline - time.monotonic()))
            self.stdout.write("Stopped.")
