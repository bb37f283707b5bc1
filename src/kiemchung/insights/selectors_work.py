"""The dashboard's first page: the claims the team opened, checked and dismissed, how fast,
with which verdicts, on which topics, and where the checked claims came from."""

from __future__ import annotations

from collections import Counter

from django.db.models import Count, OuterRef, Subquery
from django.utils.translation import gettext as _

from kiemchung.accounts.models import Workspace
from kiemchung.audit.selectors import audit_events_of
from kiemchung.claims.selectors import appearances_of, appearances_of_claims
from kiemchung.insights.figures import (
    Epoch,
    Figure,
    Period,
    claims_in,
    counts_by_bucket,
    duration_rows,
    hours_label,
    median_p90,
    published_in,
    top_rows,
)
from kiemchung.monitoring.selectors import items_in


def claims_over_time(*, workspace: Workspace, period: Period) -> Figure:
    """Claims opened, verdicts published and claims dismissed in each day, week or month."""
    claims = claims_in(workspace, period)
    opened = counts_by_bucket(
        claims.filter(created_at__gte=period.start, created_at__lt=period.end),
        "created_at", period,
    )
    published = counts_by_bucket(published_in(workspace, period), "published_at", period)
    dismissals = audit_events_of(workspace=workspace, action="claim.dismiss").filter(
        at__gte=period.start, at__lt=period.end
    )
    if period.topic:
        ids = [str(pk) for pk in claims.values_list("pk", flat=True)]
        dismissals = dismissals.filter(object_id__in=ids)
    dismissed = counts_by_bucket(dismissals, "at", period)
    rows = [(start, opened[start], published[start], dismissed[start])
            for start in period.bucket_starts()]
    totals = (sum(r[1] for r in rows), sum(r[2] for r in rows), sum(r[3] for r in rows))
    return Figure(
        key="claims",
        title=_("Nhận định theo thời gian"),
        columns=(_("Từ ngày"), _("Mở mới"), _("Công bố"), _("Bỏ qua")),
        rows=rows,
        chart="time",
        summary=(
            (_("Mở mới"), str(totals[0])),
            (_("Công bố"), str(totals[1])),
            (_("Bỏ qua"), str(totals[2])),
        ),
    )


def _hours_to_verdict(workspace: Workspace, period: Period) -> list[float]:
    """Hours from the first sighting to the publication of each fact-check published in the
    period: the earliest of its claim's appearances, the items tied to it, and the claim
    itself."""
    first_appearance = (
        appearances_of(claim=OuterRef("claim_id")).filter(seen_at__isnull=False)
        .order_by("seen_at").values("seen_at")[:1]
    )
    first_item = (
        items_in(workspace=workspace).filter(claim=OuterRef("claim_id")).order_by("first_seen_at")
        .values("first_seen_at")[:1]
    )
    rows = published_in(workspace, period).filter(published_at__isnull=False).annotate(
        published=Epoch("published_at"), created=Epoch("claim__created_at"),
        appeared=Epoch(Subquery(first_appearance)), item_seen=Epoch(Subquery(first_item)),
    ).values_list("published", "created", "appeared", "item_seen")
    hours: list[float] = []
    for published, *seen in rows:
        first = min(when for when in seen if when is not None)
        hours.append(max(0.0, (published - first) / 3600))
    return hours


def time_to_verdict(*, workspace: Workspace, period: Period) -> Figure:
    """From the first sighting of a claim to its published verdict, for verdicts published in
    the period: median, 90th percentile, and how many fell in each span."""
    hours = _hours_to_verdict(workspace, period)
    median, p90 = median_p90(hours)
    return Figure(
        key="time_to_verdict",
        title=_("Thời gian từ lúc thấy lần đầu đến khi công bố"),
        columns=(_("Khoảng thời gian"), _("Số bài")),
        rows=duration_rows(hours),
        summary=(
            (_("Số bài công bố"), str(len(hours))),
            (_("Trung vị"), hours_label(median)),
            # xgettext:no-python-format
            (_("90% số bài trong"), hours_label(p90)),
        ),
        extra={"median_hours": median, "p90_hours": p90, "count": len(hours)},
    )


def verdict_mix(*, workspace: Workspace, period: Period) -> Figure:
    """Verdicts published in the period, by rating, in the order of the team's scale."""
    rows = (
        published_in(workspace, period)
        .values("rating__label", "rating__tone", "rating__position")
        .annotate(n=Count("pk"))
        .order_by("rating__position", "rating__label")
    )
    table = [(row["rating__label"] or _("(chưa có kết luận)"), row["n"]) for row in rows]
    tones = [row["rating__tone"] or "" for row in rows]
    return Figure(
        key="verdicts",
        title=_("Kết luận đã công bố"),
        columns=(_("Kết luận"), _("Số bài")),
        rows=table,
        extra={"tones": tones},
    )


def topics(*, workspace: Workspace, period: Period) -> Figure:
    """Claims opened and verdicts published in the period, by topic."""
    no_topic = _("(chưa có chủ đề)")
    opened = Counter(dict(
        claims_in(workspace, period)
        .filter(created_at__gte=period.start, created_at__lt=period.end)
        .values("topic").annotate(n=Count("pk")).values_list("topic", "n")
    ))
    published = Counter(dict(
        published_in(workspace, period).values("claim__topic").annotate(n=Count("pk"))
        .values_list("claim__topic", "n")
    ))
    names = sorted(set(opened) | set(published),
                   key=lambda t: (-(opened[t] + published[t]), t))
    rows = [(name or no_topic, opened[name], published[name]) for name in names]
    return Figure(
        key="topics",
        title=_("Chủ đề"),
        columns=(_("Chủ đề"), _("Mở mới"), _("Công bố")),
        rows=rows,
    )


def checked_sources(*, workspace: Workspace, period: Period) -> Figure:
    """The watched sources whose items led to the claims checked in the period (verdict
    published), counted once per claim."""
    claim_ids = published_in(workspace, period).values("claim_id")
    pairs = (
        items_in(workspace=workspace).filter(claim_id__in=claim_ids)
        .order_by().values_list("source__name", "claim_id").distinct()
    )
    counter: Counter[str] = Counter(name for name, _claim in pairs)
    return Figure(
        key="sources",
        title=_("Nguồn mang lại nhiều nhận định đã kiểm chứng nhất"),
        columns=(_("Nguồn"), _("Nhận định đã kiểm chứng")),
        rows=top_rows(counter),
    )


def checked_platforms(*, workspace: Workspace, period: Period) -> Figure:
    """The platforms where the claims checked in the period were seen (items and recorded
    appearances), counted once per claim and platform."""
    claim_ids = published_in(workspace, period).values("claim_id")
    seen: set[tuple[str, int]] = set(
        items_in(workspace=workspace).filter(claim_id__in=claim_ids)
        .exclude(platform="").order_by().values_list("platform", "claim_id").distinct()
    )
    seen |= set(
        appearances_of_claims(claim_ids=claim_ids).exclude(platform="")
        .order_by().values_list("platform", "claim_id").distinct()
    )
    counter: Counter[str] = Counter(
        platform for platform, _claim in {(p.strip().lower(), c) for p, c in seen}
    )
    return Figure(
        key="platforms",
        title=_("Nền tảng mang lại nhiều nhận định đã kiểm chứng nhất"),
        columns=(_("Nền tảng"), _("Nhận định đã kiểm chứng")),
        rows=top_rows(counter),
    )
