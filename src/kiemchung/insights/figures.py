"""The parts every dashboard figure is made of: the period and its buckets, the `Figure` itself,
and the reads and labels the figures share.

Every figure is a `Figure` (a title, its columns, its rows and how to draw it), so the same
rows feed the chart, the table view and the CSV export. Times are bucketed in the site's time
zone; a period runs from the start of its first day to the end of its last.
"""

from __future__ import annotations

import bisect
import math
import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import FloatField, Func, QuerySet
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from kiemchung.accounts.models import Workspace
from kiemchung.claims.selectors import ClaimState, claims_in_workspace, factchecks_published_in
from kiemchung.tipline.selectors import TipState, tips_in_workspace

DEFAULT_DAYS = 90
TOP = 10
OPEN_STATES = (ClaimState.OPEN, ClaimState.IN_PROGRESS, ClaimState.IN_REVIEW)
WAITING_TIPS = (TipState.NEW, TipState.IN_PROGRESS)
# Bounds of the age and duration buckets, in days.
AGE_BOUNDS = (1, 7, 30)
DURATION_BOUNDS = (1, 3, 7, 14, 30)


def local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


@dataclass(frozen=True)
class Period:
    """From the start of `first` to the end of `last` (local days), optionally one topic."""

    first: date
    last: date
    topic: str = ""

    @classmethod
    def default(cls, *, today: date | None = None, topic: str = "") -> Period:
        today = today or timezone.localdate()
        return cls(first=today - timedelta(days=DEFAULT_DAYS - 1), last=today, topic=topic)

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time.min, tzinfo=local_zone())

    @property
    def end(self) -> datetime:
        return datetime.combine(self.last + timedelta(days=1), time.min, tzinfo=local_zone())

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def bucket(self) -> str:
        """Days for up to two months, weeks for up to a year, months beyond."""
        if self.days <= 62:
            return "day"
        return "week" if self.days <= 366 else "month"

    def bucket_starts(self) -> list[date]:
        """Every bucket of the period, so a quiet one shows as a zero."""
        starts: list[date] = []
        current = bucket_of(self.first, self.bucket)
        while current <= self.last:
            starts.append(current)
            if self.bucket == "day":
                current += timedelta(days=1)
            elif self.bucket == "week":
                current += timedelta(days=7)
            else:
                current = (current.replace(day=28) + timedelta(days=4)).replace(day=1)
        return starts

    def query(self) -> dict[str, str]:
        """The period as query parameters (for links to the CSV of a figure)."""
        values = {"from": self.first.isoformat(), "to": self.last.isoformat()}
        if self.topic:
            values["topic"] = self.topic
        return values


def bucket_of(day: date, bucket: str) -> date:
    if bucket == "day":
        return day
    if bucket == "week":
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


class Epoch(Func):
    """A moment as seconds since 1970 (UTC), worked out by the database: the figures bucket and
    subtract these floats instead of turning every row into a Python datetime, which costs
    more than the query on a year of a large workspace."""

    output_field = FloatField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        # Django keeps SQLite datetimes as UTC text, which julianday() reads; a day count as a
        # double is exact to about 10 microseconds, so the seconds are rounded to the millisecond.
        return self.as_sql(
            compiler, connection,
            template="round((julianday(%(expressions)s) - 2440587.5) * 86400.0, 3)", **extra,
        )

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection,
                           template="EXTRACT(EPOCH FROM %(expressions)s)::float", **extra)


def seconds_between(first: Any, then: Any) -> Any:
    """`then - first` in seconds, as an expression (None when either is missing)."""
    return Epoch(then) - Epoch(first)


@dataclass(frozen=True)
class Figure:
    """One figure of the dashboard. `chart` says how it is drawn: "time" (the first column is
    the bucket, every other one a series), "bars" (a label and one or more counts) or "none"."""

    key: str
    title: str
    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]
    chart: str = "bars"
    summary: tuple[tuple[str, str], ...] = ()
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not any(
            isinstance(cell, int | float) and cell for row in self.rows for cell in row[1:]
        )


def median_p90(values: Iterable[float]) -> tuple[float | None, float | None]:
    """The median and the 90th percentile (nearest rank) of the values; None when there are
    none."""
    ordered = sorted(values)
    if not ordered:
        return None, None
    rank = max(1, math.ceil(0.9 * len(ordered)))
    return float(statistics.median(ordered)), float(ordered[rank - 1])


# The querysets below are typed QuerySet[Any]: their rows are other apps' models, which
# insights reaches through those apps' selectors and does not import.
def claims_in(workspace: Workspace, period: Period) -> QuerySet[Any]:
    claims = claims_in_workspace(workspace=workspace)
    return claims.filter(topic=period.topic) if period.topic else claims


def published_in(workspace: Workspace, period: Period) -> QuerySet[Any]:
    factchecks = factchecks_published_in(
        workspace=workspace, since=period.start, until=period.end
    )
    return factchecks.filter(claim__topic=period.topic) if period.topic else factchecks


def tips_in(workspace: Workspace, period: Period) -> QuerySet[Any]:
    return tips_in_workspace(workspace=workspace, since=period.start, until=period.end)


def counts_by_bucket(queryset: QuerySet[Any], field_name: str, period: Period) -> Counter[date]:
    """How many rows of the queryset fall in each bucket of the period (by `field_name`, a
    datetime, in the site's time zone)."""
    starts = period.bucket_starts()
    bounds = [datetime.combine(start, time.min, tzinfo=local_zone()).timestamp()
              for start in starts]
    counts: Counter[date] = Counter()
    for moment in queryset.annotate(moment=Epoch(field_name)).values_list("moment", flat=True):
        if moment is None:
            continue
        index = bisect.bisect_right(bounds, moment) - 1
        if index >= 0:
            counts[starts[index]] += 1
    return counts


def hours_label(value: float | None) -> str:
    if value is None:
        return "—"
    if value < 48:
        return _("%(n)s giờ") % {"n": number_format(value, 1)}
    return _("%(n)s ngày") % {"n": number_format(value / 24, 1)}


def duration_rows(hours: list[float]) -> list[tuple[Any, ...]]:
    labels: list[tuple[str, int, int | None]] = []
    lower = 0
    for bound in DURATION_BOUNDS:
        labels.append((_("%(a)s–%(b)s ngày") % {"a": lower, "b": bound}, lower, bound))
        lower = bound
    labels.append((_("trên %(a)s ngày") % {"a": lower}, lower, None))
    rows = []
    for label, low, high in labels:
        n = sum(1 for h in hours if h >= low * 24 and (high is None or h < high * 24))
        rows.append((label, n))
    return rows


def top_rows(counter: Counter[str], limit: int = TOP) -> list[tuple[Any, ...]]:
    return [(name, n) for name, n in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))
            [:limit]]
