"""Reads of the reach figures (imported, or read back from the platform for the team's
outlet posts): over time, per page or channel, per fact-check, when each outlet's posts were
last read, and the public "our work in figures" page."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count, Max, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from kiemchung.accounts.models import Workspace
from kiemchung.insights.figures import Figure, Period, bucket_of
from kiemchung.insights.models import ReachDay, ReachImport, ReachPage, ReachPost
from kiemchung.insights.selectors_work import claims_over_time, time_to_verdict, verdict_mix
from kiemchung.publishing import selectors_outlets


def reach_pages(*, workspace: Workspace) -> QuerySet[ReachPage]:
    return ReachPage.objects.filter(workspace=workspace)


def reach_imports(*, workspace: Workspace) -> QuerySet[ReachImport]:
    return ReachImport.objects.filter(workspace=workspace).select_related("page")[:20]


def reach_import(*, workspace: Workspace, pk: int) -> ReachImport | None:
    return ReachImport.objects.filter(workspace=workspace, pk=pk).select_related("page").first()


def _days(workspace: Workspace, period: Period) -> QuerySet[ReachDay]:
    return ReachDay.objects.filter(
        page__workspace=workspace, day__gte=period.first, day__lte=period.last
    )


def _outlet_posts(workspace: Workspace, period: Period) -> QuerySet[ReachPost]:
    """The posts, published in the period, of the outlet pages that have no day figures in it.

    An outlet's page holds its posts' lifetime figures read from the platform; a page with
    imported days already counts those posts in its days, so its posts are not added again."""
    with_days = _days(workspace, period).values("page_id")
    return ReachPost.objects.filter(
        page__workspace=workspace, page__outlet__isnull=False,
        published_at__gte=period.start, published_at__lt=period.end,
    ).exclude(page_id__in=with_days)


def reach_over_time(*, workspace: Workspace, period: Period) -> Figure:
    """Reach and interactions of every page together, by day, week or month; an outlet page
    without day figures counts each post on the day it was published."""
    sums: dict[date, Counter[str]] = defaultdict(Counter)
    rows = _days(workspace, period).values("day").annotate(
        reach=Sum("reach"), interactions=Sum("interactions")
    ).values_list("day", "reach", "interactions")
    for day, reach, interactions in rows:
        bucket = bucket_of(day, period.bucket)
        sums[bucket]["reach"] += reach or 0
        sums[bucket]["interactions"] += interactions or 0
    posts = _outlet_posts(workspace, period).values_list("published_at", "reach", "interactions")
    for published_at, reach, interactions in posts:
        bucket = bucket_of(timezone.localtime(published_at).date(), period.bucket)
        sums[bucket]["reach"] += reach or 0
        sums[bucket]["interactions"] += interactions or 0
    table = [(start, sums[start]["reach"], sums[start]["interactions"])
             for start in period.bucket_starts()]
    return Figure(
        key="reach",
        title=_("Lượt tiếp cận và tương tác trên các trang của nhóm"),
        columns=(_("Từ ngày"), _("Tiếp cận"), _("Tương tác")),
        rows=table,
        chart="time",
        summary=((_("Tiếp cận"), f"{sum(r[1] for r in table):,}".replace(",", ".")),
                 (_("Tương tác"), f"{sum(r[2] for r in table):,}".replace(",", "."))),
    )


def followers_over_time(*, workspace: Workspace, period: Period) -> Figure:
    """Followers of each page at the end of each bucket (the last day that has the figure)."""
    pages = list(reach_pages(workspace=workspace))
    latest: dict[tuple[int, date], tuple[date, int]] = {}
    rows = _days(workspace, period).filter(followers__isnull=False).values_list(
        "page_id", "day", "followers"
    )
    for page_id, day, followers in rows:
        key = (page_id, bucket_of(day, period.bucket))
        if followers is not None and (key not in latest or latest[key][0] < day):
            latest[key] = (day, followers)
    shown = [p for p in pages if any(k[0] == p.pk for k in latest)]
    table = [
        (start, *(latest.get((p.pk, start), (start, 0))[1] for p in shown))
        for start in period.bucket_starts()
    ]
    return Figure(
        key="followers",
        title=_("Người theo dõi các trang của nhóm"),
        columns=(_("Từ ngày"), *(str(p) for p in shown)),
        rows=table if shown else [],
        chart="time",
    )


def reach_per_page(*, workspace: Workspace, period: Period) -> Figure:
    """Per page or channel in the period: reach, interactions, followers gained, and the
    latest follower count."""
    sums = {
        row["page_id"]: row
        for row in _days(workspace, period).values("page_id").annotate(
            reach=Sum("reach"), interactions=Sum("interactions"), gained=Sum("new_followers"),
            last_day=Max("day"),
        )
    }
    table = []
    for page in reach_pages(workspace=workspace):
        row = sums.get(page.pk)
        if row is None:
            continue
        last = (
            ReachDay.objects.filter(page=page, followers__isnull=False, day__lte=period.last)
            .order_by("-day").values_list("followers", flat=True).first()
        )
        table.append((str(page), row["reach"] or 0, row["interactions"] or 0,
                      row["gained"] or 0, last or 0))
    outlet_sums = _outlet_posts(workspace, period).values("page_id").annotate(
        reach=Sum("reach"), interactions=Sum("interactions")
    )
    names = {page.pk: str(page) for page in reach_pages(workspace=workspace)}
    for sums_of_posts in outlet_sums:
        table.append((names[sums_of_posts["page_id"]], sums_of_posts["reach"] or 0,
                      sums_of_posts["interactions"] or 0, 0, 0))
    return Figure(
        key="reach_pages",
        title=_("Theo từng trang, kênh"),
        columns=(_("Trang/kênh"), _("Tiếp cận"), _("Tương tác"), _("Người theo dõi mới"),
                 _("Người theo dõi")),
        rows=table,
    )


def reach_per_factcheck(*, workspace: Workspace, period: Period) -> Figure:
    """Per fact-check: the posts that carried it on the team's pages (published in the
    period), their reach and interactions."""
    rows = (
        ReachPost.objects.filter(
            page__workspace=workspace, factcheck__isnull=False,
            published_at__gte=period.start, published_at__lt=period.end,
        )
        .values("factcheck_id", "factcheck__title")
        .annotate(posts=Count("pk"), reach=Sum("reach"), interactions=Sum("interactions"))
        .order_by("-reach", "factcheck_id")[:20]
    )
    table = [
        (row["factcheck__title"] or f"#{row['factcheck_id']}", row["posts"],
         row["reach"] or 0, row["interactions"] or 0)
        for row in rows
    ]
    return Figure(
        key="reach_factchecks",
        title=_("Theo từng bài kiểm chứng"),
        columns=(_("Bài kiểm chứng"), _("Bài đăng"), _("Tiếp cận"), _("Tương tác")),
        rows=table,
    )


@dataclass(frozen=True)
class OutletReading:
    """One active outlet as the reach page lists it: whether its platform gives its posts'
    figures, and what the last round of reading them did."""

    name: str
    offered: bool
    fetched_at: datetime | None = None
    posts: int = 0
    failed: int = 0
    error: str = ""


def outlet_readings(*, workspace: Workspace) -> list[OutletReading]:
    """Every active outlet of the team, with when its posts' figures were last read."""
    pages = {
        page.outlet_id: page
        for page in ReachPage.objects.filter(workspace=workspace, outlet__isnull=False)
    }
    offered = set(selectors_outlets.engagement_kinds())
    readings = []
    for outlet in selectors_outlets.workspace_outlets(workspace=workspace).filter(
        is_active=True
    ):
        page = pages.get(outlet.pk)
        if outlet.kind in offered and page is not None:
            readings.append(OutletReading(
                name=outlet.name, offered=True, fetched_at=page.engagement_fetched_at,
                posts=page.engagement_posts, failed=page.engagement_failed,
                error=page.engagement_error,
            ))
        else:
            readings.append(OutletReading(name=outlet.name, offered=outlet.kind in offered))
    return readings


REACH_FIGURES = {
    "reach": reach_over_time,
    "followers": followers_over_time,
    "reach_pages": reach_per_page,
    "reach_factchecks": reach_per_factcheck,
}
# What the public page shows: totals and shapes, never a member's, a tipster's or a source's.
PUBLIC_FIGURES = {
    "claims": claims_over_time,
    "time_to_verdict": time_to_verdict,
    "verdicts": verdict_mix,
    "reach": reach_over_time,
}


def public_figures(*, workspace: Workspace, period: Period) -> list[Figure]:
    return [make(workspace=workspace, period=period) for make in PUBLIC_FIGURES.values()]
