"""The staff dashboard, its CSV exports, and the public "our work in figures" page."""

from __future__ import annotations

import csv
import io
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kiemchung.accounts.models import Workspace
from kiemchung.accounts.permissions import Action, require
from kiemchung.claims.view_helpers import newsroom
from kiemchung.insights import charts, forms, selectors, selectors_reach, services
from kiemchung.insights.figures import Figure, Period

# A cell that a spreadsheet would run as a formula is kept as text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _period(request: HttpRequest, workspace: Workspace) -> tuple[forms.PeriodForm, Period]:
    topics = selectors.topic_choices(workspace=workspace)
    form = forms.PeriodForm(request.GET if request.GET else None, topics=topics)
    return form, form.period()


def _shown(value: Any) -> Any:
    return value.strftime("%d/%m/%Y") if hasattr(value, "strftime") else value


def panels(figures: list[Figure], period: Period) -> list[dict[str, Any]]:
    """What the page shows of each figure: its chart, its rows as read, its CSV address."""
    query = urlencode(period.query())
    return [
        {"figure": f, "chart": charts.draw(f), "query": query,
         "labelled": [list(zip(f.columns, (_shown(v) for v in row), strict=False))
                      for row in f.rows]}
        for f in figures
    ]


@require_GET
@newsroom
def dashboard(request: HttpRequest, section: str = "work") -> HttpResponse:
    """The figures of one section for the period, each a chart with its table and CSV."""
    workspace, member = request.workspace, request.member  # type: ignore[attr-defined]
    form, period = _period(request, workspace)
    figures = selectors.dashboard(workspace=workspace, period=period, member=member,
                                  section=section)
    context = {
        "tab": section,
        "query": urlencode(period.query()) if request.GET else "",
        "form": form,
        "period": period,
        "panels": panels(figures, period),
        "public_form": forms.PublicFiguresForm(
            initial={"public_figures": services.public_figures_shown(workspace=workspace)}
        ),
        "public_shown": services.public_figures_shown(workspace=workspace),
    }
    return render(request, "insights/dashboard.html", context)


def _cell(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def figure_csv_response(figure: Figure, period: Period) -> HttpResponse:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(figure.columns)
    for row in figure.rows:
        writer.writerow([_cell(v) for v in row])
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    name = f"kiemchung-{figure.key}-{period.first:%Y%m%d}-{period.last:%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_GET
@newsroom
def figure_csv(request: HttpRequest, key: str) -> HttpResponse:
    """One figure's rows as CSV (UTF-8 with a byte order mark, so spreadsheets read Vietnamese)."""
    workspace, member = request.workspace, request.member  # type: ignore[attr-defined]
    _form, period = _period(request, workspace)
    if key in selectors.FIGURES:
        if key not in selectors.figure_keys(member=member):
            raise Http404
        figure = selectors.FIGURES[key](workspace=workspace, period=period)
    elif key in selectors_reach.REACH_FIGURES:
        figure = selectors_reach.REACH_FIGURES[key](workspace=workspace, period=period)
    else:
        raise Http404
    return figure_csv_response(figure, period)


@require_POST
@newsroom
def public_switch(request: HttpRequest) -> HttpResponse:
    require(request.member, Action.MANAGE_WORKSPACE)  # type: ignore[attr-defined]
    form = forms.PublicFiguresForm(request.POST)
    if form.is_valid():
        shown = form.cleaned_data["public_figures"]
        with transaction.atomic():
            services.public_figures_set(workspace=request.workspace,  # type: ignore[attr-defined]
                                        shown=shown, actor=request.user)
        messages.success(request, _("Đã công khai trang số liệu.") if shown
                         else _("Đã ẩn trang số liệu."))
    return redirect("insights:dashboard")


@require_GET
def public_page(request: HttpRequest, slug: str) -> HttpResponse:
    """The team's figures for anyone, when the team chose to show them."""
    workspace = get_object_or_404(Workspace, slug=slug)
    if not services.public_figures_shown(workspace=workspace):
        raise Http404
    period = Period.default()
    figures = selectors_reach.public_figures(workspace=workspace, period=period)
    return render(request, "insights/public.html", {
        "team": workspace, "period": period, "panels": panels(figures, period),
    })
