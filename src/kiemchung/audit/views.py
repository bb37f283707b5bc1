"""The audit log page: every write in the workspace, for its admins."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from kiemchung.accounts.permissions import Action, require
from kiemchung.audit import labels, selectors
from kiemchung.audit.forms import AuditFilterForm

PAGE_SIZE = 50


@require_GET
@login_required
def event_list(request: HttpRequest) -> HttpResponse:
    """Filterable, paginated audit events; an htmx request gets only the table."""
    workspace = getattr(request, "workspace", None)
    if workspace is None:
        raise PermissionDenied(_("Tài khoản của bạn chưa thuộc nhóm nào."))
    require(getattr(request, "member", None), Action.VIEW_AUDIT)
    form = AuditFilterForm(request.GET or None, workspace=workspace)
    criteria: dict[str, Any] = {}
    if form.is_bound and form.is_valid():
        criteria = {
            name: value for name, value in form.cleaned_data.items() if value not in (None, "")
        }
    events = selectors.audit_events(workspace=workspace, user=request.user, **criteria)
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            "event": event,
            "action": labels.action_label(event.action, event.object_type),
            "type_name": selectors.object_type_name(event.object_type),
            "changes": selectors.event_changes(event),
        }
        for event in page.object_list
    ]
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "rows": rows, "query": query.urlencode()}
    template = "audit/_event_table.html" if request.htmx else "audit/event_list.html"  # type: ignore[attr-defined]
    return render(request, template, context)
