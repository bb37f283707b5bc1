"""Reach: the figures of the team's own pages and channels, and importing their exports
(upload, choose the columns with a preview, then follow the import's progress)."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from kiemchung.accounts.permissions import Action, require
from kiemchung.claims.view_helpers import flash_errors, newsroom, wants_fragment
from kiemchung.core.tasks import enqueue_on_commit
from kiemchung.insights import forms, selectors, selectors_reach, services, tasks
from kiemchung.insights.models import ReachImportStatus
from kiemchung.insights.views import panels
from kiemchung.monitoring.readers import ImportError_

UPLOAD_SESSION_KEY = "kiemchung_reach_upload"


@require_GET
@newsroom
def reach(request: HttpRequest) -> HttpResponse:
    workspace = request.workspace  # type: ignore[attr-defined]
    form = forms.PeriodForm(request.GET if request.GET else None,
                            topics=selectors.topic_choices(workspace=workspace))
    period = form.period()
    figures = [make(workspace=workspace, period=period)
               for make in selectors_reach.REACH_FIGURES.values()]
    return render(request, "insights/reach.html", {
        "form": form, "period": period, "panels": panels(figures, period), "tab": "reach",
        "query": urlencode(period.query()) if request.GET else "",
        "imports": selectors_reach.reach_imports(workspace=workspace),
        "readings": selectors_reach.outlet_readings(workspace=workspace),
    })


@require_http_methods(["GET", "POST"])
@newsroom
def reach_upload(request: HttpRequest) -> HttpResponse:
    require(request.member, Action.EDIT)  # type: ignore[attr-defined]
    form = forms.ReachUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        path = services.store_upload(upload.chunks(), name=upload.name)
        try:
            services.read_columns(path)
        except ImportError_ as exc:
            path.unlink(missing_ok=True)
            form.add_error("file", exc.message)
        else:
            request.session[UPLOAD_SESSION_KEY] = {
                "path": str(path), "name": upload.name[:300],
                "platform": form.cleaned_data["platform"], "page": form.cleaned_data["page"],
            }
            return redirect("insights:reach_map")
    return render(request, "insights/reach_upload.html", {"form": form})


@require_http_methods(["GET", "POST"])
@newsroom
def reach_map(request: HttpRequest) -> HttpResponse:
    """Choose the column of each figure, see the first rows read, then import."""
    require(request.member, Action.EDIT)  # type: ignore[attr-defined]
    upload = request.session.get(UPLOAD_SESSION_KEY)
    if not upload or not Path(upload["path"]).exists():
        messages.error(request, _("Hãy tải tệp lên trước."))
        return redirect("insights:reach_upload")
    path = Path(upload["path"])
    columns = services.read_columns(path)
    guessed = services.guess_mapping(columns)
    labels = {name: str(label) for name, label in services.FIGURE_LABELS.items()}
    form = forms.ReachMappingForm(request.POST or None, columns=columns, labels=labels,
                                  initial=guessed)
    mapping = guessed
    if request.method == "POST" and form.is_valid():
        mapping = form.mapping()
        if request.POST.get("go") == "import":
            return _start(request, upload, path, mapping)
    metrics = [name for name in services.COUNTS if mapping.get(name)]
    rows = services.preview(path, mapping) if mapping.get("day") else []
    context: dict[str, Any] = {
        "form": form, "upload": upload, "columns": columns,
        "metric_labels": [labels[name] for name in metrics],
        "preview": [
            {"line": r.line, "problem": r.problem, "skipped": r.skipped, "day": r.day,
             "post": r.external_id or r.url,
             "labelled": [(r.values.get(n), labels[n]) for n in metrics]}
            for r in rows
        ],
    }
    return render(request, "insights/reach_map.html", context)


def _start(request: HttpRequest, upload: dict[str, str], path: Path,
           mapping: dict[str, str]) -> HttpResponse:
    workspace = request.workspace  # type: ignore[attr-defined]
    try:
        with transaction.atomic():
            page = services.page_for(workspace=workspace, platform=upload["platform"],
                                     name=upload["page"])
            job = services.import_create(workspace=workspace, page=page, path=path,
                                         original_name=upload["name"], mapping=mapping,
                                         actor=request.user)
            enqueue_on_commit(tasks.reach_import_run, job.pk)
    except ValidationError as exc:
        flash_errors(request, exc)
        return redirect("insights:reach_map")
    request.session.pop(UPLOAD_SESSION_KEY, None)
    return redirect("insights:reach_import", pk=job.pk)


@require_GET
@newsroom
def reach_import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """An import's progress, what it stored, and its problems by line."""
    job = selectors_reach.reach_import(workspace=request.workspace, pk=pk)  # type: ignore[attr-defined]
    if job is None:
        raise Http404
    percent = 100 if job.status == ReachImportStatus.DONE else (
        min(100, round(100 * job.rows_done / job.rows_total)) if job.rows_total else 0
    )
    context = {
        "job": job, "percent": percent,
        "running": job.status in (ReachImportStatus.PENDING, ReachImportStatus.RUNNING),
    }
    template = "insights/_import_progress.html" if wants_fragment(request) \
        else "insights/reach_import.html"
    return render(request, template, context)
