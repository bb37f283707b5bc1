"""The dashboard's figures: each one a table read from the other apps' records for a period.

Every figure is a `Figure` (a title, its columns, its rows and how to draw it), so the same
rows feed the chart, the table view and the CSV export. Times are bucketed in the site's time
zone; a period runs from the start of its first day to the end of its last.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, F, Max, Min, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import TruncDay, TruncMonth, TruncWeek
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from kiemchung.accounts.models import Member, Role, Workspace
from kiemchung.audit.models import AuditEvent
from kiemchung.claims.models import (
    Appearance,
    Claim,
    ClaimState,
    FactCheck,
    FactCheckState,
    Review,
)
from kiemchung.monitoring.models import Item, Sighting
from kiemchung.tipline.models import (
    AutoAnswerState,
    ChannelKind,
    Message,
    MessageDirection,
    Tip,
    TipCategory,
    TipState,
)

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


def _trunc(field_name: str, bucket: str) -> Any:
    kind = {"day": TruncDay, "week": TruncWeek, "month": TruncMonth}[bucket]
    return kind(field_name, tzinfo=local_zone())


def _as_date(value: date | datetime) -> date:
    if isinstance(value, datetime):
        return timezone.localtime(value, local_zone()).date() if timezone.is_aware(value) \
            else value.date()
    return value


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


def _claims(workspace: Workspace, period: Period) -> QuerySet[Claim]:
    claims = Claim.objects.filter(workspace=workspace, merged_into__isnull=True)
    return claims.filter(topic=period.topic) if period.topic else claims


def _published(workspace: Workspace, period: Period) -> QuerySet[FactCheck]:
    factchecks = FactCheck.objects.filter(
        claim__workspace=workspace,
        state=FactCheckState.PUBLISHED,
        published_at__gte=period.start,
        published_at__lt=period.end,
    )
    return factchecks.filter(claim__topic=period.topic) if period.topic else factchecks


def _tips(workspace: Workspace, period: Period) -> QuerySet[Tip]:
    return Tip.objects.filter(
        workspace=workspace, created_at__gte=period.start, created_at__lt=period.end
    )


def _counts_by_bucket(queryset: QuerySet[Any], field_name: str, bucket: str) -> Counter[date]:
    rows = (
        queryset.annotate(bucket=_trunc(field_name, bucket))
        .values("bucket")
        .annotate(n=Count("pk"))
        .values_list("bucket", "n")
    )
    counts: Counter[date] = Counter()
    for when, n in rows:
        if when is not None:
            counts[_as_date(when)] += n
    return counts


def claims_over_time(*, workspace: Workspace, period: Period) -> Figure:
    """Claims opened, verdicts published and claims dismissed in each day, week or month."""
    claims = _claims(workspace, period)
    opened = _counts_by_bucket(
        claims.filter(created_at__gte=period.start, created_at__lt=period.end),
        "created_at", period.bucket,
    )
    published = _counts_by_bucket(_published(workspace, period), "published_at", period.bucket)
    dismissals = AuditEvent.objects.filter(
        workspace=workspace, action="claim.dismiss", at__gte=period.start, at__lt=period.end
    )
    if period.topic:
        ids = [str(pk) for pk in claims.values_list("pk", flat=True)]
        dismissals = dismissals.filter(object_id__in=ids)
    dismissed = _counts_by_bucket(dismissals, "at", period.bucket)
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


def _first_sightings(factchecks: QuerySet[FactCheck]) -> list[tuple[datetime, datetime]]:
    """(first sighting, publication) of each fact-check: the earliest of its claim's
    appearances, the items tied to it, and the claim itself."""
    first_appearance = (
        Appearance.objects.filter(claim=OuterRef("claim_id"), seen_at__isnull=False)
        .order_by("seen_at").values("seen_at")[:1]
    )
    first_item = (
        Item.objects.filter(claim=OuterRef("claim_id")).order_by("first_seen_at")
        .values("first_seen_at")[:1]
    )
    rows = factchecks.annotate(
        first_appearance=Subquery(first_appearance), first_item=Subquery(first_item)
    ).values_list("published_at", "claim__created_at", "first_appearance", "first_item")
    pairs: list[tuple[datetime, datetime]] = []
    for published_at, created_at, appeared, item_seen in rows:
        first = min(when for when in (created_at, appeared, item_seen) if when is not None)
        if published_at is not None:
            pairs.append((first, published_at))
    return pairs


def _hours(value: float | None) -> str:
    if value is None:
        return "—"
    if value < 48:
        return _("%(n)s giờ") % {"n": number_format(value, 1)}
    return _("%(n)s ngày") % {"n": number_format(value / 24, 1)}


def _duration_rows(hours: list[float]) -> list[tuple[Any, ...]]:
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


def time_to_verdict(*, workspace: Workspace, period: Period) -> Figure:
    """From the first sighting of a claim to its published verdict, for verdicts published in
    the period: median, 90th percentile, and how many fell in each span."""
    pairs = _first_sightings(_published(workspace, period))
    hours = [max(0.0, (published - first).total_seconds() / 3600) for first, published in pairs]
    median, p90 = median_p90(hours)
    return Figure(
        key="time_to_verdict",
        title=_("Thời gian từ lúc thấy lần đầu đến khi công bố"),
        columns=(_("Khoảng thời gian"), _("Số bài")),
        rows=_duration_rows(hours),
        summary=(
            (_("Số bài công bố"), str(len(hours))),
            (_("Trung vị"), _hours(median)),
            # xgettext:no-python-format
            (_("90% số bài trong"), _hours(p90)),
        ),
        extra={"median_hours": median, "p90_hours": p90, "count": len(hours)},
    )


def verdict_mix(*, workspace: Workspace, period: Period) -> Figure:
    """Verdicts published in the period, by rating, in the order of the team's scale."""
    rows = (
        _published(workspace, period)
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
        _claims(workspace, period)
        .filter(created_at__gte=period.start, created_at__lt=period.end)
        .values("topic").annotate(n=Count("pk")).values_list("topic", "n")
    ))
    published = Counter(dict(
        _published(workspace, period).values("claim__topic").annotate(n=Count("pk"))
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


def _top(counter: Counter[str], limit: int = TOP) -> list[tuple[Any, ...]]:
    return [(name, n) for name, n in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))
            [:limit]]


def checked_sources(*, workspace: Workspace, period: Period) -> Figure:
    """The watched sources whose items led to the claims checked in the period (verdict
    published), counted once per claim."""
    claim_ids = _published(workspace, period).values("claim_id")
    pairs = (
        Item.objects.filter(workspace=workspace, claim_id__in=claim_ids)
        .order_by().values_list("source__name", "claim_id").distinct()
    )
    counter: Counter[str] = Counter(name for name, _claim in pairs)
    return Figure(
        key="sources",
        title=_("Nguồn mang lại nhiều nhận định đã kiểm chứng nhất"),
        columns=(_("Nguồn"), _("Nhận định đã kiểm chứng")),
        rows=_top(counter),
    )


def checked_platforms(*, workspace: Workspace, period: Period) -> Figure:
    """The platforms where the claims checked in the period were seen (items and recorded
    appearances), counted once per claim and platform."""
    claim_ids = _published(workspace, period).values("claim_id")
    seen: set[tuple[str, int]] = set(
        Item.objects.filter(workspace=workspace, claim_id__in=claim_ids)
        .exclude(platform="").order_by().values_list("platform", "claim_id").distinct()
    )
    seen |= set(
        Appearance.objects.filter(claim_id__in=claim_ids).exclude(platform="")
        .order_by().values_list("platform", "claim_id").distinct()
    )
    counter: Counter[str] = Counter(
        platform for platform, _claim in {(p.strip().lower(), c) for p, c in seen}
    )
    return Figure(
        key="platforms",
        title=_("Nền tảng mang lại nhiều nhận định đã kiểm chứng nhất"),
        columns=(_("Nền tảng"), _("Nhận định đã kiểm chứng")),
        rows=_top(counter),
    )


def returning_rumours(*, workspace: Workspace, period: Period) -> Figure:
    """Claims seen again in the period after their fact-check was published: new sightings of
    their items, new appearances and new tips about them."""
    in_period = {"gte": period.start, "lt": period.end}
    published = Q(claim__factcheck__state=FactCheckState.PUBLISHED)
    # Driven from the published claims (through the item and sighting foreign keys), not
    # from every sighting of the workspace.
    checked = FactCheck.objects.filter(
        claim__workspace=workspace, state=FactCheckState.PUBLISHED,
        published_at__lt=period.end,
    ).values("claim_id")
    sightings = (
        Sighting.objects.filter(
            item__claim_id__in=checked,
            item__claim__factcheck__state=FactCheckState.PUBLISHED,
            seen_at__gt=F("item__claim__factcheck__published_at"),
            seen_at__gte=in_period["gte"], seen_at__lt=in_period["lt"],
        )
        .values("item__claim_id").annotate(n=Count("pk"), last=Max("seen_at"))
        .values_list("item__claim_id", "n", "last")
    )
    appearances = (
        Appearance.objects.filter(
            published, claim__workspace=workspace,
            seen_at__gt=F("claim__factcheck__published_at"),
            seen_at__gte=in_period["gte"], seen_at__lt=in_period["lt"],
        )
        .values("claim_id").annotate(n=Count("pk"), last=Max("seen_at"))
        .values_list("claim_id", "n", "last")
    )
    tips = (
        Tip.objects.filter(
            published, workspace=workspace,
            created_at__gt=F("claim__factcheck__published_at"),
            created_at__gte=in_period["gte"], created_at__lt=in_period["lt"],
        )
        .values("claim_id").annotate(n=Count("pk"), last=Max("created_at"))
        .values_list("claim_id", "n", "last")
    )
    seen_again: Counter[int] = Counter()
    tipped: Counter[int] = Counter()
    last: dict[int, datetime] = {}
    for source, counter in ((sightings, seen_again), (appearances, seen_again), (tips, tipped)):
        for claim_id, n, when in source:
            counter[claim_id] += n
            last[claim_id] = max(last.get(claim_id, when), when)
    ids = sorted(last, key=lambda pk: (-(seen_again[pk] + tipped[pk]), pk))
    claims = _claims(workspace, period).in_bulk(ids)
    rows = [
        (f"#{pk} {claims[pk].text[:80]}", seen_again[pk], tipped[pk],
         timezone.localtime(last[pk], local_zone()).date())
        for pk in ids if pk in claims
    ]
    return Figure(
        key="returning",
        title=_("Tin đồn quay lại sau khi đã có bài kiểm chứng"),
        columns=(_("Nhận định"), _("Lần thấy lại"), _("Tin báo mới"), _("Lần cuối")),
        rows=rows[:20],
        summary=(
            (_("Nhận định quay lại"), str(len(rows))),
            (_("Lần thấy lại"), str(sum(r[1] for r in rows))),
            (_("Tin báo mới"), str(sum(r[2] for r in rows))),
        ),
    )


def tips_by_channel(*, workspace: Workspace, period: Period) -> Figure:
    """Tips received in the period, by channel and kind."""
    rows = (
        _tips(workspace, period).values("conversation__channel__kind", "category")
        .annotate(n=Count("pk")).values_list("conversation__channel__kind", "category", "n")
    )
    table: dict[str, Counter[str]] = defaultdict(Counter)
    for kind, category, n in rows:
        table[kind][category] += n
    categories = list(TipCategory)
    body = [
        (str(ChannelKind(kind).label) if kind in ChannelKind.values else kind,
         *(table[kind][c.value] for c in categories))
        for kind in [k.value for k in ChannelKind if k.value in table]
    ]
    return Figure(
        key="tips",
        title=_("Tin báo theo kênh và loại"),
        columns=(_("Kênh"), *(str(c.label) for c in categories)),
        rows=body,
        summary=((_("Tin báo"), str(sum(n for r in body for n in r[1:] if isinstance(n, int)))),),
    )


def instant_answers(*, workspace: Workspace, period: Period) -> Figure:
    """Tips answered at once from a published fact-check, and what the tipsters said."""
    tips = _tips(workspace, period).exclude(auto_state="")
    states = Counter(dict(tips.values("auto_state").annotate(n=Count("pk"))
                          .values_list("auto_state", "n")))
    answered = tips.filter(auto_state__in=(AutoAnswerState.SENT, AutoAnswerState.APPROVED))
    feedback = Counter(dict(answered.values("auto_feedback").annotate(n=Count("pk"))
                            .values_list("auto_feedback", "n")))
    rows = [
        (_("Đã trả lời ngay"), states[AutoAnswerState.SENT]),
        (_("Trả lời sau khi duyệt"), states[AutoAnswerState.APPROVED]),
        (_("Chờ duyệt"), states[AutoAnswerState.PENDING]),
        (_("Không gửi"), states[AutoAnswerState.REJECTED]),
        (_("Người báo tin: có ích"), feedback["yes"]),
        (_("Người báo tin: chưa có ích"), feedback["no"]),
        (_("Người báo tin chưa trả lời"), feedback[""]),
    ]
    return Figure(
        key="instant_answers",
        title=_("Trả lời tự động và ý kiến “có ích không?”"),
        columns=(_("Chỉ số"), _("Tin báo")),
        rows=rows,
    )


def reply_times(*, workspace: Workspace, period: Period) -> Figure:
    """From a tip's arrival to the first reply a member wrote (automatic answers aside)."""
    first_reply = (
        Message.objects.filter(tip=OuterRef("pk"), direction=MessageDirection.OUT,
                               author__isnull=False)
        .order_by("created_at").values("created_at")[:1]
    )
    rows = _tips(workspace, period).annotate(first_reply=Subquery(first_reply)).values_list(
        "created_at", "first_reply"
    )
    hours, unanswered = [], 0
    for created_at, replied_at in rows:
        if replied_at is None:
            unanswered += 1
        else:
            hours.append(max(0.0, (replied_at - created_at).total_seconds() / 3600))
    median, p90 = median_p90(hours)
    return Figure(
        key="reply_times",
        title=_("Thời gian trả lời tin báo"),
        columns=(_("Khoảng thời gian"), _("Tin báo")),
        rows=_duration_rows(hours),
        summary=(
            (_("Đã trả lời"), str(len(hours))),
            (_("Chưa trả lời"), str(unanswered)),
            (_("Trung vị"), _hours(median)),
            (_("90% trong"), _hours(p90)),
        ),
        extra={"median_hours": median, "p90_hours": p90, "answered": len(hours),
               "unanswered": unanswered},
    )


def _age_label(index: int) -> str:
    if index == 0:
        return _("dưới %(b)s ngày") % {"b": AGE_BOUNDS[0]}
    if index < len(AGE_BOUNDS):
        return _("%(a)s–%(b)s ngày") % {"a": AGE_BOUNDS[index - 1], "b": AGE_BOUNDS[index]}
    return _("trên %(a)s ngày") % {"a": AGE_BOUNDS[-1]}


def _age_counts(queryset: QuerySet[Any], now: datetime, group: str | None) -> dict[str, Any]:
    """Counts by age bucket (as in AGE_BOUNDS), per value of `group`, in one query."""
    cuts = [now - timedelta(days=bound) for bound in AGE_BOUNDS]
    spans = [Q(created_at__gt=cuts[0])]
    spans += [Q(created_at__lte=cuts[i - 1], created_at__gt=cuts[i]) for i in range(1, len(cuts))]
    spans.append(Q(created_at__lte=cuts[-1]))
    counts = {f"age{i}": Count("pk", filter=span) for i, span in enumerate(spans)}
    if group is None:
        return {"": queryset.aggregate(oldest=Min("created_at"), **counts)}
    rows = queryset.values(group).annotate(oldest=Min("created_at"), **counts)
    return {row[group]: row for row in rows}


def backlog(*, workspace: Workspace, period: Period, now: datetime | None = None) -> Figure:
    """What waits today, by age: claims in each open state and tips not yet handled. The
    period's dates do not apply; its topic does (to claims)."""
    now = now or timezone.now()
    claims = _age_counts(_claims(workspace, period).filter(state__in=OPEN_STATES), now, "state")
    tips = _age_counts(Tip.objects.filter(workspace=workspace, state__in=WAITING_TIPS), now,
                       None)[""]
    columns = [claims.get(s.value, {}) for s in OPEN_STATES] + [tips]
    buckets = len(AGE_BOUNDS) + 1
    rows = [(_age_label(i), *(column.get(f"age{i}", 0) for column in columns))
            for i in range(buckets)]
    oldest = min((c["oldest"] for c in claims.values() if c.get("oldest")), default=None)
    total_claims = sum(sum(r[1:len(OPEN_STATES) + 1]) for r in rows)
    oldest_days = "—" if oldest is None else str(int((now - oldest).total_seconds() // 86400))
    return Figure(
        key="backlog",
        title=_("Việc tồn đọng hôm nay, theo tuổi"),
        columns=(_("Tuổi"), *(str(s.label) for s in OPEN_STATES), _("Tin báo chờ xử lý")),
        rows=rows,
        summary=(
            (_("Nhận định chưa xong"), str(total_claims)),
            (_("Tin báo chờ xử lý"), str(sum(r[-1] for r in rows))),
            (_("Nhận định lâu nhất (ngày)"), oldest_days),
        ),
        note=_("Tính đến hôm nay, không theo khoảng thời gian đã chọn."),
    )


def may_see_workload(member: Member | None) -> bool:
    """Workload per member is for editors and admins only."""
    return member is not None and member.is_active and member.role in (Role.ADMIN, Role.EDITOR)


def workload(*, workspace: Workspace, period: Period) -> Figure:
    """Per active member: claims in hand now, and in the period verdicts published as author,
    reviews given and replies written to tipsters."""
    members = list(
        Member.objects.filter(workspace=workspace, is_active=True).select_related("user")
        .order_by("user__username")
    )
    user_ids = [m.user_id for m in members]
    in_hand = Counter(dict(
        _claims(workspace, period).filter(state__in=OPEN_STATES, assignee_id__in=user_ids)
        .values("assignee_id").annotate(n=Count("pk")).values_list("assignee_id", "n")
    ))
    authored = Counter(dict(
        _published(workspace, period).values("author_id").annotate(n=Count("pk"))
        .values_list("author_id", "n")
    ))
    reviews = Review.objects.filter(
        factcheck__claim__workspace=workspace, created_at__gte=period.start,
        created_at__lt=period.end,
    )
    if period.topic:
        reviews = reviews.filter(factcheck__claim__topic=period.topic)
    reviewed = Counter(dict(reviews.values("reviewer_id").annotate(n=Count("pk"))
                            .values_list("reviewer_id", "n")))
    replies = Counter(dict(
        Message.objects.filter(
            conversation__workspace=workspace, direction=MessageDirection.OUT,
            author_id__in=user_ids, created_at__gte=period.start, created_at__lt=period.end,
        ).values("author_id").annotate(n=Count("pk")).values_list("author_id", "n")
    ))
    rows = [
        (m.user.get_full_name() or m.user.get_username(), in_hand[m.user_id],
         authored[m.user_id], reviewed[m.user_id], replies[m.user_id])
        for m in members
    ]
    return Figure(
        key="workload",
        title=_("Khối lượng việc của từng thành viên"),
        columns=(_("Thành viên"), _("Đang phụ trách"), _("Đã công bố"), _("Đã duyệt"),
                 _("Trả lời tin báo")),
        rows=rows,
    )


FIGURES: dict[str, Callable[..., Figure]] = {
    "claims": claims_over_time,
    "time_to_verdict": time_to_verdict,
    "verdicts": verdict_mix,
    "topics": topics,
    "sources": checked_sources,
    "platforms": checked_platforms,
    "returning": returning_rumours,
    "tips": tips_by_channel,
    "instant_answers": instant_answers,
    "reply_times": reply_times,
    "backlog": backlog,
    "workload": workload,
}
RESTRICTED = frozenset({"workload"})


# The dashboard's pages, each a few figures, so that a page stays quick on a large workspace.
SECTIONS: dict[str, tuple[str, ...]] = {
    "work": ("claims", "time_to_verdict", "verdicts", "topics", "sources", "platforms"),
    "tips": ("returning", "tips", "instant_answers", "reply_times"),
    "backlog": ("backlog", "workload"),
}


def figure_keys(*, member: Member | None, section: str | None = None) -> list[str]:
    """The figures this member may see (of one section, or all), in the dashboard's order."""
    keys = SECTIONS[section] if section else tuple(FIGURES)
    return [key for key in keys if key not in RESTRICTED or may_see_workload(member)]


def dashboard(
    *, workspace: Workspace, period: Period, member: Member | None, section: str = "work"
) -> list[Figure]:
    return [FIGURES[key](workspace=workspace, period=period)
            for key in figure_keys(member=member, section=section)]


def topic_choices(*, workspace: Workspace) -> list[str]:
    return sorted(
        t for t in Claim.objects.filter(workspace=workspace).exclude(topic="")
        .order_by().values_list("topic", flat=True).distinct()
    )
