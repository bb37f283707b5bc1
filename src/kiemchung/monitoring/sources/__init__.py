"""Source adapters, one module per kind, found through a registry, and the fetch round.

`source_fetch` reads one source and stores what it brought; whatever goes wrong (a 404, a
timeout, invalid XML, a 20 MB answer, bytes in the wrong encoding, a bug) is recorded on that
source as its health, and the next fetch is put off with a backoff. It never raises, so one
broken source never stops the others.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import import_module

from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kiemchung.monitoring.models import FETCHED_KINDS, Source, SourceKind
from kiemchung.monitoring.services import enqueue_match, items_ingest
from kiemchung.monitoring.sources.base import Adapter, SourceError

logger = logging.getLogger(__name__)

ADAPTERS: dict[str, str] = {
    SourceKind.FEED: "kiemchung.monitoring.sources.feed.FeedSource",
    SourceKind.PAGE: "kiemchung.monitoring.sources.page.PageSource",
    SourceKind.URL: "kiemchung.monitoring.sources.url.UrlSource",
    SourceKind.IMPORT: "kiemchung.monitoring.sources.pushed.ImportSource",
    SourceKind.TIPLINE: "kiemchung.monitoring.sources.pushed.TiplineSource",
}
_loaded: dict[str, Adapter] = {}
BACKOFF_MAX = timedelta(hours=24)
# While one worker fetches a source, the others leave it alone this long.
FETCH_LEASE = timedelta(minutes=10)


def adapter_for(kind: str) -> Adapter:
    """The adapter of a source kind, imported on first use."""
    if kind not in _loaded:
        module_name, _sep, class_name = ADAPTERS[kind].rpartition(".")
        _loaded[kind] = getattr(import_module(module_name), class_name)()
    return _loaded[kind]


def next_fetch_after_error(source: Source, now: datetime) -> datetime:
    """Double the wait with each error in a row, up to a day."""
    factor = 2 ** min(source.error_count, 10)
    return now + min(timedelta(minutes=source.interval_minutes) * factor, BACKOFF_MAX)


@dataclass(frozen=True)
class FetchReport:
    source: int
    ok: bool
    added: int = 0
    folded: int = 0
    not_modified: bool = False
    error: str = ""


def _failed(source: Source, message: str, now: datetime) -> FetchReport:
    source.error_count += 1
    Source.objects.filter(pk=source.pk).update(
        last_fetch_at=now,
        last_error=message[:2000],
        last_error_at=now,
        error_count=F("error_count") + 1,
        next_fetch_at=next_fetch_after_error(source, now),
    )
    logger.info("source %s (%s) failed: %s", source.pk, source.name, message)
    return FetchReport(source=source.pk, ok=False, error=message)


def source_fetch(source: Source, *, now: datetime | None = None) -> FetchReport:
    """Fetch one source now, store its new items, and record its health."""
    now = now or timezone.now()
    adapter = adapter_for(source.kind)
    if not adapter.fetched:
        return FetchReport(source=source.pk, ok=True)
    try:
        harvest = adapter.harvest(source)
    except SourceError as exc:
        return _failed(source, exc.message, now)
    except Exception:
        logger.exception("source %s (%s) could not be read", source.pk, source.name)
        return _failed(source, _("Lỗi không lường trước khi đọc nguồn; xem nhật ký máy chủ"), now)
    try:
        with transaction.atomic():
            report = items_ingest(source=source, posts=harvest.posts, now=now)
            done_once = source.kind == SourceKind.URL
            Source.objects.filter(pk=source.pk).update(
                etag=harvest.etag[:300],
                last_modified=harvest.last_modified[:100],
                page_digest=harvest.page_digest,
                last_fetch_at=now,
                last_success_at=now,
                error_count=0,
                items_last_fetch=report.added,
                is_active=False if done_once else F("is_active"),
                next_fetch_at=None if done_once
                else now + timedelta(minutes=source.interval_minutes),
            )
            if report.new_items:
                enqueue_match(source.workspace_id)
    except Exception:
        logger.exception("items of source %s (%s) could not be stored", source.pk, source.name)
        return _failed(source, _("Không lưu được các mục mới; xem nhật ký máy chủ"), now)
    return FetchReport(
        source=source.pk,
        ok=True,
        added=report.added,
        folded=report.folded,
        not_modified=harvest.not_modified,
    )


def sources_due(*, now: datetime | None = None) -> QuerySet[Source]:
    """Active fetched sources whose next fetch time has come, longest waiting first."""
    now = now or timezone.now()
    return Source.objects.filter(
        Q(next_fetch_at__isnull=True) | Q(next_fetch_at__lte=now),
        is_active=True,
        kind__in=(*FETCHED_KINDS, SourceKind.URL),
    ).order_by(F("next_fetch_at").asc(nulls_first=True), "pk")


def source_lease(source: Source, *, now: datetime | None = None) -> bool:
    """Take the source for one fetch: False when another worker took it first."""
    now = now or timezone.now()
    taken = Source.objects.filter(
        Q(next_fetch_at__isnull=True) | Q(next_fetch_at__lte=now), pk=source.pk
    ).update(next_fetch_at=now + FETCH_LEASE)
    return bool(taken)


def sources_fetch_due(*, now: datetime | None = None) -> list[FetchReport]:
    """Fetch every source that is due, one after the other, whatever each one does."""
    reports = []
    for source in sources_due(now=now):
        if source_lease(source, now=now):
            reports.append(source_fetch(source, now=now))
    return reports
