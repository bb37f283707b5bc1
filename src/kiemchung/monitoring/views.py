"""Monitoring pages: the triage queue, source health, file imports and pasted links.

Every view is thin: it reads a form, calls one service inside a transaction, and redirects.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from kiemchung.accounts.permissions import Action, can, require
from kiemchung.claims.models import Claim
from kiemchung.claims.view_helpers import flash_errors, newsroom, wants_fragment
from kiemchung.core.tasks import enqueue_on_commit
from kiemchung.monitoring import forms, importers, selectors, services, tasks
from kiemchung.monitoring.matchers import pending_count
from kiemchung.monitoring.models import ImportStatus, ItemState, SourceKind
from kiemchung.monitoring.triage import CUE_LABELS

PAGE_SIZE = 50
UPLOAD_SESSION_KEY = "kiemchung_monitoring_upload"


def _workspace(request: HttpRequest) -> Any:
    return request.workspace  # type: ignore[attr-defined]


def _member(request: HttpRequest) -> Any:
    return request.member  # type: ignore[attr-defined]


@require_http_methods(["GET", "POST"])
@newsroom
def triage_queue(request: HttpRequest) -> HttpResponse:
    """Ranked items with the reasons for their rank; promote, attach or dismiss, in bulk too."""
    if request.method == "POST":
        return _decide(request)
    workspace = _workspace(request)
    data = request.GET.copy()
    if "state" not in data:
        data["state"] = ItemState.NEW
    filters = forms.QueueFilterForm(data, workspace=workspace)
    criteria: dict[str, Any] = {"state": ItemState.NEW}
    if filters.is_valid():
        criteria = {key: value for key, value in filters.cleaned_data.items()}
    items = selectors.triage_queue(workspace=workspace, **criteria)
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    for item in page.object_list:
        item.cue_rows = [  # type: ignore[attr-defined]
            {**cue, "label": CUE_LABELS.get(cue["cue"], cue["cue"])}
            for cue in (item.reasons or {}).get("cues", [])[:8]
        ]
    member = _member(request)
    context = {
        "filters": filters,
        "page": page,
        "query": query.urlencode(),
        "may_promote": can(member, Action.CREATE_CLAIM),
        "may_decide": can(member, Action.EDIT),
        "pending_matches": pending_count(workspace),
        "learner": selectors.triage_learner(workspace=workspace),
    }
    template = "monitoring/_queue.html" if wants_fragment(request) else "monitoring/queue.html"
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request",))
    return response


def _decide(request: HttpRequest) -> HttpResponse:
    workspace = _workspace(request)
    action, _sep, single = request.POST.get("act", "").partition(":")
    if single.isdigit():
        ids = [int(single)]
    else:
        ids = [int(v) for v in request.POST.getlist("items") if v.isdigit()]
    items = selectors.items_by_ids(workspace=workspace, ids=ids)
    claim = None
    if action == services.Decision.ATTACH:
        raw = request.POST.get(f"claim_{single}" if single else "claim", "").strip().lstrip("#")
        claim = Claim.objects.filter(workspace=workspace, pk=int(raw)).first() if raw.isdigit() \
            else None
    back = request.POST.get("next", "")
    try:
        with transaction.atomic():
            claims = services.items_decide(
                workspace=workspace, actor=request.user, items=items, decision=action,
                claim=claim,
            )
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        if action == services.Decision.PROMOTE:
            messages.success(
                request,
                ngettext("Đã tạo %(n)d nhận định.", "Đã tạo %(n)d nhận định.", len(claims))
                % {"n": len(claims)},
            )
        elif action == services.Decision.ATTACH:
            messages.success(
                request,
                ngettext(
                    "Đã gắn %(n)d mục vào nhận định #%(claim)d.",
                    "Đã gắn %(n)d mục vào nhận định #%(claim)d.",
                    len(items),
                )
                % {"n": len(items), "claim": claim.pk if claim else 0},
            )
        else:
            messages.success(
                request,
                ngettext("Đã bỏ qua %(n)d mục.", "Đã bỏ qua %(n)d mục.", len(items))
                % {"n": len(items)},
            )
    target = "monitoring:queue"
    if back.startswith("?"):
        return redirect(f"{redirect(target).url}{back}")
    return redirect(target)


@require_http_methods(["GET", "POST"])
@newsroom
def source_list(request: HttpRequest) -> HttpResponse:
    """Each source's health: last success, last error, item counts; add a feed or a page."""
    workspace = _workspace(request)
    may_manage = can(_member(request), Action.MANAGE_WORKSPACE)
    form = forms.SourceForm(request.POST or None)
    if request.method == "POST":
        require(_member(request), Action.MANAGE_WORKSPACE)
        if form.is_valid():
            data = form.cleaned_data
            try:
                with transaction.atomic():
                    created = services.source_create(
                        workspace=workspace, actor=request.user, name=data["name"],
                        kind=data["kind"], url=data["url"], platform=data["platform"],
                        interval_minutes=data["interval_minutes"],
                        fetch_full_text=data["fetch_full_text"],
                    )
                    enqueue_on_commit(tasks.source_fetch_now, created.pk)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    for message in errors:
                        form.add_error(field if field in form.fields else None, message)
            else:
                messages.success(request, _("Đã thêm nguồn %(name)s.") % {"name": created.name})
                return redirect("monitoring:sources")
    sources = selectors.source_health(workspace=workspace)
    return render(request, "monitoring/sources.html",
                  {"sources": sources, "form": form, "may_manage": may_manage,
                   "imports": selectors.recent_imports(workspace=workspace)})


@require_POST
@newsroom
def source_action(request: HttpRequest, pk: int) -> HttpResponse:
    """Pause, resume or fetch now."""
    source = selectors.source_detail(workspace=_workspace(request), pk=pk)
    action = request.POST.get("action", "")
    try:
        with transaction.atomic():
            if action == "pause":
                services.source_update(source=source, actor=request.user, is_active=False)
            elif action == "resume":
                services.source_update(source=source, actor=request.user, is_active=True)
            elif action == "fetch":
                services.source_update(source=source, actor=request.user, fetch_now=True)
                enqueue_on_commit(tasks.source_fetch_now, source.pk)
    except ValidationError as exc:
        flash_errors(request, exc)
    return redirect("monitoring:sources")


@require_http_methods(["GET", "POST"])
@newsroom
def paste(request: HttpRequest) -> HttpResponse:
    """Members paste public links; each is fetched once and becomes an item."""
    require(_member(request), Action.EDIT)
    form = forms.PasteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        urls = [line.strip() for line in form.cleaned_data["urls"].splitlines() if line.strip()]
        try:
            with transaction.atomic():
                for url in urls[:50]:
                    source = services.url_submit(workspace=_workspace(request),
                                                 actor=request.user, url=url)
                    enqueue_on_commit(tasks.source_fetch_now, source.pk)
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error("urls", message)
        else:
            received = min(len(urls), 50)
            messages.success(
                request,
                ngettext(
                    "Đã nhận %(n)d đường dẫn; nội dung sẽ vào hàng chờ sau khi được tải về.",
                    "Đã nhận %(n)d đường dẫn; nội dung sẽ vào hàng chờ sau khi được tải về.",
                    received,
                )
                % {"n": received},
            )
            return redirect("monitoring:queue")
    return render(request, "monitoring/paste.html", {"form": form})


@require_http_methods(["GET", "POST"])
@newsroom
def import_new(request: HttpRequest) -> HttpResponse:
    """Upload a platform export; the next page maps its columns and previews the result."""
    require(_member(request), Action.EDIT)
    form = forms.UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        folder = Path(settings.MEDIA_ROOT) / "imports"
        folder.mkdir(parents=True, exist_ok=True)
        suffix = Path(upload.name).suffix.lower()[:8]
        path = folder / f"{uuid.uuid4().hex}{suffix}"
        with path.open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        request.session[UPLOAD_SESSION_KEY] = {
            "path": str(path),
            "name": upload.name[:300],
            "source": form.cleaned_data["source"],
            "platform": form.cleaned_data["platform"],
            "format": importers.format_of(upload.name, importers.read_head(path)),
        }
        return redirect("monitoring:import_map")
    return render(request, "monitoring/import_new.html", {"form": form})


@require_http_methods(["GET", "POST"])
@newsroom
def import_map(request: HttpRequest) -> HttpResponse:
    """Choose the column of each field, see the first rows as items, then import."""
    require(_member(request), Action.EDIT)
    upload = request.session.get(UPLOAD_SESSION_KEY)
    if not upload or not Path(upload["path"]).exists():
        messages.error(request, _("Hãy tải tệp lên trước."))
        return redirect("monitoring:import_new")
    fmt = request.POST.get("format") or upload["format"]
    try:
        guessed = importers.preview(upload["path"], fmt=fmt, platform=upload["platform"])
    except importers.ImportError_ as exc:
        messages.error(request, exc.message)
        return redirect("monitoring:import_new")
    form = forms.MappingForm(
        request.POST or None, columns=guessed.columns,
        initial={"format": fmt, **guessed.mapping},
    )
    mapping = guessed.mapping
    if request.method == "POST" and form.is_valid():
        mapping = form.mapping()
        if request.POST.get("go") == "import":
            return _import_start(request, upload, fmt, mapping)
    shown = importers.preview(upload["path"], fmt=fmt, mapping=mapping,
                              platform=upload["platform"])
    return render(request, "monitoring/import_map.html",
                  {"form": form, "preview": shown, "upload": upload})


def _import_start(
    request: HttpRequest, upload: dict[str, str], fmt: str, mapping: dict[str, str]
) -> HttpResponse:
    workspace = _workspace(request)
    try:
        with transaction.atomic():
            source = services.source_for_kind(workspace=workspace, kind=SourceKind.IMPORT,
                                              name=upload["source"])
            if not source.platform:
                source.platform = upload["platform"]
                source.save(update_fields=["platform", "updated_at"])
            job = importers.import_create(
                workspace=workspace, source=source, path=upload["path"],
                original_name=upload["name"], fmt=fmt, mapping=mapping, actor=request.user,
            )
            for chunk in job.chunks.all():
                enqueue_on_commit(tasks.import_chunk, chunk.pk)
    except importers.ImportError_ as exc:
        messages.error(request, exc.message)
        return redirect("monitoring:import_map")
    except ValidationError as exc:
        flash_errors(request, exc)
        return redirect("monitoring:import_map")
    request.session.pop(UPLOAD_SESSION_KEY, None)
    return redirect("monitoring:import_detail", pk=job.pk)


@require_http_methods(["GET", "POST"])
@newsroom
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """An import's progress and its problems by line; stop it or resume it."""
    job = selectors.import_detail(workspace=_workspace(request), pk=pk)
    if request.method == "POST":
        require(_member(request), Action.EDIT)
        if request.POST.get("action") == "cancel":
            importers.import_cancel(job)
        elif request.POST.get("action") == "resume":
            with transaction.atomic():
                for chunk in importers.import_resume(job):
                    enqueue_on_commit(tasks.import_chunk, chunk.pk)
        return redirect("monitoring:import_detail", pk=job.pk)
    job = importers.job_refresh(job)
    summary = importers.import_summary(job)
    total = max(job.bytes_total, 1)
    context = {
        "job": job,
        "summary": summary,
        "percent": min(100, round(100 * summary["bytes_done"] / total)),
        "running": job.status in (ImportStatus.PENDING, ImportStatus.RUNNING),
    }
    template = "monitoring/_import_progress.html" if wants_fragment(request) \
        else "monitoring/import_detail.html"
    return render(request, template, context)
