"""The dashboard's tipline page: rumours that came back after a fact-check, tips by channel
and kind, instant answers and what tipsters said of them, reply times."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime

from django.db.models import Count, F, Max, OuterRef, Q, Subquery
from django.utils.translation import gettext as _

from kiemchung.accounts.models import Workspace
from kiemchung.claims.selectors import FactCheckState, appearances_in, factchecks_published_in
from kiemchung.insights.figures import (
    Epoch,
    Figure,
    Period,
    claims_in,
    duration_rows,
    hours_label,
    local_zone,
    median_p90,
    seconds_between,
    tips_in,
)
from kiemchung.monitoring.selectors import sightings_in
from kiemchung.tipline.selectors import (
    AutoAnswerState,
    ChannelKind,
    TipCategory,
    member_replies_on,
)


def returning_rumours(*, workspace: Workspace, period: Period) -> Figure:
    """Claims seen again in the period after their fact-check was published: new sightings of
    their items, new appearances and new tips about them."""
    in_period = {"gte": period.start, "lt": period.end}
    published = Q(claim__factcheck__state=FactCheckState.PUBLISHED)
    # Driven from the published claims (through the item and sighting foreign keys), not
    # from every sighting of the workspace.
    checked = factchecks_published_in(workspace=workspace, until=period.end).values("claim_id")
    sightings = (
        sightings_in(workspace=workspace).filter(
            item__claim_id__in=checked,
            item__claim__factcheck__state=FactCheckState.PUBLISHED,
            seen_at__gt=F("item__claim__factcheck__published_at"),
            seen_at__gte=in_period["gte"], seen_at__lt=in_period["lt"],
        )
        .values("item__claim_id").annotate(n=Count("pk"), last=Max(Epoch("seen_at")))
        .values_list("item__claim_id", "n", "last")
    )
    appearances = (
        appearances_in(workspace=workspace).filter(
            published,
            seen_at__gt=F("claim__factcheck__published_at"),
            seen_at__gte=in_period["gte"], seen_at__lt=in_period["lt"],
        )
        .values("claim_id").annotate(n=Count("pk"), last=Max(Epoch("seen_at")))
        .values_list("claim_id", "n", "last")
    )
    tips = (
        tips_in(workspace, period).filter(
            published, created_at__gt=F("claim__factcheck__published_at"),
        )
        .values("claim_id").annotate(n=Count("pk"), last=Max(Epoch("created_at")))
        .values_list("claim_id", "n", "last")
    )
    seen_again: Counter[int] = Counter()
    tipped: Counter[int] = Counter()
    last: dict[int, float] = {}  # seconds since 1970
    for source, counter in ((sightings, seen_again), (appearances, seen_again), (tips, tipped)):
        for claim_id, n, when in source:
            counter[claim_id] += n
            last[claim_id] = max(last.get(claim_id, when), when)
    # Claims of the period's topic (and not merged away) only; the text of the first 20 only.
    kept = set(claims_in(workspace, period).filter(pk__in=list(last))
               .values_list("pk", flat=True))
    ids = sorted(kept, key=lambda pk: (-(seen_again[pk] + tipped[pk]), pk))
    texts = dict(claims_in(workspace, period).filter(pk__in=ids[:20]).values_list("pk", "text"))
    rows = [
        (f"#{pk} {texts.get(pk, '')[:80]}", seen_again[pk], tipped[pk],
         datetime.fromtimestamp(last[pk], tz=local_zone()).date())
        for pk in ids[:20]
    ]
    return Figure(
        key="returning",
        title=_("Tin đồn quay lại sau khi đã có bài kiểm chứng"),
        columns=(_("Nhận định"), _("Lần thấy lại"), _("Tin báo mới"), _("Lần cuối")),
        rows=rows,
        summary=(
            (_("Nhận định quay lại"), str(len(ids))),
            (_("Lần thấy lại"), str(sum(seen_again[pk] for pk in ids))),
            (_("Tin báo mới"), str(sum(tipped[pk] for pk in ids))),
        ),
    )


def tips_by_channel(*, workspace: Workspace, period: Period) -> Figure:
    """Tips received in the period, by channel and kind."""
    rows = (
        tips_in(workspace, period).values("conversation__channel__kind", "category")
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
    tips = tips_in(workspace, period).exclude(auto_state="")
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
        member_replies_on(tip=OuterRef("pk")).order_by("created_at").values("created_at")[:1]
    )
    waits = tips_in(workspace, period).annotate(
        wait=seconds_between("created_at", Subquery(first_reply))
    ).values_list("wait", flat=True)
    hours, unanswered = [], 0
    for seconds in waits:
        if seconds is None:
            unanswered += 1
        else:
            hours.append(max(0.0, seconds / 3600))
    median, p90 = median_p90(hours)
    return Figure(
        key="reply_times",
        title=_("Thời gian trả lời tin báo"),
        columns=(_("Khoảng thời gian"), _("Tin báo")),
        rows=duration_rows(hours),
        summary=(
            (_("Đã trả lời"), str(len(hours))),
            (_("Chưa trả lời"), str(unanswered)),
            (_("Trung vị"), hours_label(median)),
            (_("90% trong"), hours_label(p90)),
        ),
        extra={"median_hours": median, "p90_hours": p90, "answered": len(hours),
               "unanswered": unanswered},
    )
