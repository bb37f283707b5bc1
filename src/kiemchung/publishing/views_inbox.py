"""The newsroom's inbox of messages from readers: corrections asked for, rights of reply."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kiemchung.accounts.models import Member
from kiemchung.accounts.permissions import Action, require
from kiemchung.publishing import selectors, services

PAGE_SIZE = 30


def _member(request: HttpRequest) -> Member:
    """The member whose workspace's inbox this is; 403 unless they may handle corrections."""
    member = getattr(request, "member", None)
    if member is None:
        raise PermissionDenied(_("Tài khoản của bạn chưa thuộc nhóm nào."))
    require(member, Action.CORRECT)
    return member


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    """Messages sent through the public contact form, open ones first by default."""
    member = _member(request)
    show = request.GET.get("show", "open")
    if show not in selectors.INBOX_FILTERS:
        show = "open"
    messages = selectors.contact_messages(workspace=member.workspace, show=show)
    page = Paginator(messages, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "show": show,
        "open_count": selectors.open_contact_count(workspace=member.workspace),
    }
    return render(request, "publishing/inbox.html", context)


@login_required
@require_POST
def inbox_handle(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark a message handled, or open again; htmx gets the message's row back."""
    member = _member(request)
    message = selectors.contact_message(workspace=member.workspace, pk=pk)
    if message is None:
        raise Http404
    with transaction.atomic():
        services.contact_message_handle(
            message=message, actor=request.user, handled=request.POST.get("handled") != "0"  # type: ignore[arg-type]
        )
    if getattr(request, "htmx", False):
        return render(request, "publishing/_inbox_message.html", {"message": message})
    show = request.POST.get("show", "open")
    target = redirect("publishing_inbox:inbox")
    if show in selectors.INBOX_FILTERS and show != "open":
        target["Location"] += f"?show={show}"
    return target
