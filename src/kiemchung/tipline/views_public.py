"""The public side of the tipline: the tip form (works without JavaScript), the status and
deletion pages by tracking code, and what each channel lets its platform see."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from kiemchung.tipline import selectors, services, services_retention
from kiemchung.tipline.flow import status_text
from kiemchung.tipline.forms import MAX_IMAGES, CodeForm, TipForm
from kiemchung.tipline.models import Channel, Tip, TipCategory
from kiemchung.tipline.privacy import web_client_key

# Form posts and code look-ups one address may make per hour (counted in the cache only).
WEB_POSTS_PER_HOUR = 20
WEB_LOOKUPS_PER_HOUR = 60
# How long the page a tipster lands on waits for the worker to look for an earlier fact-check,
# so the instant answer (or the holding message) is on that page, not one click away.
ANSWER_WAIT_SECONDS = 6.0


def _channel(workspace_slug: str) -> Channel:
    channel = selectors.web_channel(workspace_slug=workspace_slug)
    if channel is None:
        raise Http404
    return channel


def _over_rate(request: HttpRequest, what: str, limit: int) -> bool:
    # The address is only hashed into a cache key that expires; it is never stored.
    key = f"tipline:web:{what}:{web_client_key(request.META.get('REMOTE_ADDR', ''))}"
    if cache.add(key, 1, timeout=3600):
        return False
    try:
        return int(cache.incr(key)) > limit
    except ValueError:
        return False


def _max_request_bytes() -> int:
    return (settings.TIP_IMAGE_MAX_MB * MAX_IMAGES + 1) * 1024 * 1024


def _page(request: HttpRequest, template: str, channel: Channel, status: int = 200,
          **context: object) -> HttpResponse:
    context.update(
        {"team": channel.workspace, "channel": channel, "max_mb": settings.TIP_IMAGE_MAX_MB}
    )
    return render(request, template, context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def tip_form(request: HttpRequest, workspace_slug: str) -> HttpResponse:
    channel = _channel(workspace_slug)
    if request.method != "POST":
        return _page(request, "tipline/form.html", channel, form=TipForm())
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > _max_request_bytes():
        # Refused before Django reads (and spools) the upload.
        return _page(
            request, "tipline/refused.html", channel, status=413,
            reason=_("Tin gửi quá lớn: tối đa %(count)d ảnh, mỗi ảnh không quá %(mb)d MB.")
            % {"count": MAX_IMAGES, "mb": settings.TIP_IMAGE_MAX_MB},
        )
    if _over_rate(request, "post", WEB_POSTS_PER_HOUR):
        response = _page(
            request, "tipline/refused.html", channel, status=429,
            reason=_("Bạn đã gửi nhiều tin trong một giờ. Hãy thử lại sau."),
        )
        response["Retry-After"] = "3600"
        return response
    form = TipForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, "tipline/form.html", channel, status=400, form=form)
    with transaction.atomic():
        tip = services.web_tip_submit(
            channel=channel,
            category=form.cleaned_data["category"],
            text=form.cleaned_data["text"],
            images=form.cleaned_data["images"],
        )
    tip = _after_matching(tip)
    return _page(
        request, "tipline/received.html", channel, tip=tip, status_line=status_text(tip),
        replies=selectors.public_replies(tip=tip),
        looking=tip.category == TipCategory.CHECK and tip.match_checked_at is None
        and not _tasks_run_at_once(),
    )


def _tasks_run_at_once() -> bool:
    return "Immediate" in settings.TASKS["default"]["BACKEND"]


def _after_matching(tip: Tip) -> Tip:
    """The tip once the worker has looked for an earlier fact-check, or as it is after
    `ANSWER_WAIT_SECONDS` (a busy queue: the page then says where the answer will appear).

    With tasks run in the request (the immediate backend) the look already happened, or never
    will (no matcher installed): there is nothing to wait for.
    """
    if tip.category != TipCategory.CHECK or _tasks_run_at_once():
        tip.refresh_from_db()
        return tip
    deadline = time.monotonic() + ANSWER_WAIT_SECONDS
    while time.monotonic() < deadline:
        if Tip.objects.filter(pk=tip.pk, match_checked_at__isnull=False).exists():
            break
        time.sleep(0.2)
    tip.refresh_from_db()
    return tip


@never_cache
@require_GET
def tip_status(request: HttpRequest, workspace_slug: str) -> HttpResponse:
    channel = _channel(workspace_slug)
    if "code" not in request.GET:
        return _page(request, "tipline/status.html", channel, form=CodeForm())
    form = CodeForm(request.GET)
    if _over_rate(request, "lookup", WEB_LOOKUPS_PER_HOUR):
        return _page(request, "tipline/refused.html", channel, status=429,
                     reason=_("Bạn đã tra cứu nhiều lần trong một giờ. Hãy thử lại sau."))
    if not form.is_valid():
        return _page(request, "tipline/status.html", channel, status=400, form=form)
    tip = selectors.tip_by_code(workspace=channel.workspace, code=form.cleaned_data["code"])
    return _page(
        request, "tipline/status.html", channel, status=200 if tip else 404, form=form,
        searched=True, tip=tip, status_line=status_text(tip) if tip else "",
        replies=selectors.public_replies(tip=tip) if tip else [],
    )


@never_cache
@require_http_methods(["GET", "POST"])
def tip_delete(request: HttpRequest, workspace_slug: str) -> HttpResponse:
    channel = _channel(workspace_slug)
    if request.method != "POST":
        return _page(request, "tipline/delete.html", channel, form=CodeForm())
    if _over_rate(request, "lookup", WEB_LOOKUPS_PER_HOUR):
        return _page(request, "tipline/refused.html", channel, status=429,
                     reason=_("Bạn đã tra cứu nhiều lần trong một giờ. Hãy thử lại sau."))
    form = CodeForm(request.POST)
    if not form.is_valid():
        return _page(request, "tipline/delete.html", channel, status=400, form=form)
    with transaction.atomic():
        deleted = services_retention.tip_delete_by_code(
            workspace=channel.workspace, code=form.cleaned_data["code"]
        )
    return _page(
        request, "tipline/delete.html", channel, status=200 if deleted else 404, form=form,
        done=True, deleted=deleted, code=form.cleaned_data["code"],
    )


@require_GET
def privacy_page(request: HttpRequest, workspace_slug: str) -> HttpResponse:
    channel = _channel(workspace_slug)
    kinds = set(
        selectors.public_channels(workspace=channel.workspace).values_list("kind", flat=True)
    )
    return _page(
        request, "tipline/privacy.html", channel, kinds=kinds,
        retention_days=settings.TIP_RETENTION_DAYS,
    )
