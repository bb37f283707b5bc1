"""The dashboard's backlog page: what waits today and for how long, and each member's
workload (editors and admins only)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kiemchung.accounts.models import Member, Role, Workspace
from kiemchung.claims.selectors import reviews_in
from kiemchung.insights.figures import (
    AGE_BOUNDS,
    OPEN_STATES,
    WAITING_TIPS,
    Figure,
    Period,
    claims_in,
    published_in,
)
from kiemchung.tipline.selectors import replies_in, tips_in_workspace


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
    claims = _age_counts(claims_in(workspace, period).filter(state__in=OPEN_STATES), now, "state")
    tips = _age_counts(tips_in_workspace(workspace=workspace).filter(state__in=WAITING_TIPS),
                       now, None)[""]
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
        claims_in(workspace, period).filter(state__in=OPEN_STATES, assignee_id__in=user_ids)
        .values("assignee_id").annotate(n=Count("pk")).values_list("assignee_id", "n")
    ))
    authored = Counter(dict(
        published_in(workspace, period).values("author_id").annotate(n=Count("pk"))
        .values_list("author_id", "n")
    ))
    reviews = reviews_in(workspace=workspace).filter(
        created_at__gte=period.start, created_at__lt=period.end
    )
    if period.topic:
        reviews = reviews.filter(factcheck__claim__topic=period.topic)
    reviewed = Counter(dict(reviews.values("reviewer_id").annotate(n=Count("pk"))
                            .values_list("reviewer_id", "n")))
    replies = Counter(dict(
        replies_in(workspace=workspace).filter(
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
