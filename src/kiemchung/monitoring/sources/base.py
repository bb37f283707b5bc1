"""What every source adapter shares: its error type, its result, and polite fetching
(robots.txt, one request per host at a time, conditional GET) through the one HTTP wrapper."""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kiemchung.core.http import FetchError, FetchResult, fetch
from kiemchung.monitoring.models import FetchHost

if TYPE_CHECKING:
    from kiemchung.monitoring.models import Source
    from kiemchung.monitoring.services import Post

# Seconds between two requests to the same host, from any worker.
HOST_DELAY_SECONDS = 2.0
# A worker waits at most this long for its turn at a host before giving the fetch up for now.
HOST_WAIT_MAX_SECONDS = 30.0
ROBOTS_MAX_AGE = timedelta(hours=24)
ROBOTS_MAX_BYTES = 512 * 1024
ROBOTS_AGENT = "kiemchung"


class SourceError(Exception):
    """A source could not be read: `message` is for people, `retryable` says if later may work."""

    def __init__(self, message: str, *, retryable: bool = True) -> None:
        super().__init__(message)
        self.message = message
        self.retryable = retryable


@dataclass
class Harvest:
    """What one fetch of a source brought: posts, and the validators for the next fetch."""

    posts: list[Post] = field(default_factory=list)
    etag: str = ""
    last_modified: str = ""
    page_digest: str = ""
    not_modified: bool = False


class Adapter(ABC):
    """One kind of source. `harvest` reads it; pushed kinds (imports, tips) have nothing to
    read and say so."""

    fetched = True

    @abstractmethod
    def harvest(self, source: Source) -> Harvest:
        """Read the source once: its new entries, or why it could not be read."""


def _host_key(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}", f"{host}{port}"


def _take_turn(host: str) -> None:
    """Wait for this host's next free slot and take it, across processes (a database row)."""
    try:
        with transaction.atomic():
            FetchHost.objects.get_or_create(host=host)
    except IntegrityError:
        pass
    waited = 0.0
    while True:
        now = timezone.now()
        taken = FetchHost.objects.filter(
            Q(next_allowed_at__isnull=True) | Q(next_allowed_at__lte=now), host=host
        ).update(next_allowed_at=now + timedelta(seconds=HOST_DELAY_SECONDS))
        if taken:
            return
        allowed = FetchHost.objects.values_list("next_allowed_at", flat=True).get(host=host)
        pause = max((allowed - now).total_seconds(), 0.01) if allowed else 0.01
        if waited + pause > HOST_WAIT_MAX_SECONDS:
            raise SourceError(_("Máy chủ %(host)s đang bận với các lượt lấy khác; thử lại sau")
                              % {"host": host})
        time.sleep(pause)
        waited += pause


def _robots(origin: str, host: str) -> RobotFileParser:
    row = FetchHost.objects.filter(host=host).first()
    now = timezone.now()
    if row is None or row.robots_fetched_at is None or now - row.robots_fetched_at > ROBOTS_MAX_AGE:
        _take_turn(host)
        try:
            answer = fetch(f"{origin}/robots.txt", raise_for_status=False,
                           max_bytes=ROBOTS_MAX_BYTES)
        except FetchError:
            status, body = "unreachable", ""
        else:
            if answer.status_code >= 500:
                status, body = "unreachable", ""
            elif answer.status_code >= 400:
                status, body = "missing", ""
            else:
                status, body = "ok", answer.text
        FetchHost.objects.filter(host=host).update(
            robots_txt=body, robots_status=status, robots_fetched_at=now
        )
    else:
        status, body = row.robots_status, row.robots_txt
    parser = RobotFileParser()
    if status == "unreachable":
        # RFC 9309: a robots.txt that cannot be read means nothing may be fetched for now.
        parser.disallow_all = True  # type: ignore[attr-defined]
    elif status == "missing":
        parser.allow_all = True  # type: ignore[attr-defined]
    else:
        parser.parse(body.splitlines())
    return parser


def polite_fetch(url: str, *, etag: str = "", last_modified: str = "") -> FetchResult:
    """Fetch URL if its site's robots.txt allows it, waiting for the host's turn, with the
    validators of the last answer (an unchanged page answers 304 with no body)."""
    origin, host = _host_key(url)
    robots = _robots(origin, host)
    if not robots.can_fetch(ROBOTS_AGENT, url):
        if getattr(robots, "disallow_all", False) and not getattr(robots, "allow_all", False):
            raise SourceError(
                _("Không đọc được robots.txt của %(host)s; tạm không lấy tin") % {"host": host}
            )
        raise SourceError(
            _("robots.txt của %(host)s không cho phép lấy trang này") % {"host": host},
            retryable=False,
        )
    headers: dict[str, str] = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    _take_turn(host)
    try:
        return fetch(url, headers=headers)
    except FetchError as exc:
        raise SourceError(exc.message, retryable=exc.retryable) from exc
