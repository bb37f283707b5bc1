"""The dashboard's figures: each one a table read from the other apps' records for a period.

The figures live one module per page of the dashboard (`selectors_work`, `selectors_tips`,
`selectors_backlog`) on the parts in `figures`; this module gathers them, says which page
shows which, and who may see each.
"""

from __future__ import annotations

from collections.abc import Callable

from kiemchung.accounts.models import Member, Workspace
from kiemchung.claims.selectors import claims_in_workspace
from kiemchung.insights.figures import Figure, Period, median_p90
from kiemchung.insights.selectors_backlog import backlog, may_see_workload, workload
from kiemchung.insights.selectors_tips import (
    instant_answers,
    reply_times,
    returning_rumours,
    tips_by_channel,
)
from kiemchung.insights.selectors_work import (
    checked_platforms,
    checked_sources,
    claims_over_time,
    time_to_verdict,
    topics,
    verdict_mix,
)

__all__ = [
    "FIGURES", "RESTRICTED", "SECTIONS", "Figure", "Period", "backlog", "checked_platforms",
    "checked_sources", "claims_over_time", "dashboard", "figure_keys", "instant_answers",
    "may_see_workload", "median_p90", "reply_times", "returning_rumours", "time_to_verdict",
    "tips_by_channel", "topic_choices", "topics", "verdict_mix", "workload",
]

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
        t for t in claims_in_workspace(workspace=workspace, include_merged=True).exclude(topic="")
        .order_by().values_list("topic", flat=True).distinct()
    )
