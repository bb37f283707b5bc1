"""The newsroom's "Kênh nhận tin" screen (admins): the team's tipline channels and, for each
platform, a guided set-up with the address to give it, the secrets, turning the channel on and
off, and "Gửi thử", a check against the platform."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kiemchung.core.crypto import decrypt, encrypt
from kiemchung.tipline import selectors_channels, services_channels
from kiemchung.tipline.channels.base import ChannelCheck, ChannelError
from kiemchung.tipline.forms_channels import GENERATED_LABELS, ChannelForm
from kiemchung.tipline.models import Channel, ChannelKind
from kiemchung.tipline.selectors_channels import ChannelState
from kiemchung.tipline.views_staff import staff, user_of, workspace_of

# Where the secrets made up by a save wait, encrypted, for the one page that shows them.
ONCE_KEY = "tipline_channel_secrets_once"


def _state(request: HttpRequest, kind: str) -> ChannelState:
    if kind not in ChannelKind.values:
        raise Http404
    return selectors_channels.channel_state(
        workspace=workspace_of(request), user=user_of(request), kind=ChannelKind(kind)
    )


def _channel(request: HttpRequest, kind: str) -> tuple[ChannelState, Channel]:
    state = _state(request, kind)
    if state.channel is None:
        raise Http404
    return state, state.channel


def _form(state: ChannelState, data: Any = None) -> ChannelForm:
    channel = state.channel
    return ChannelForm(
        data,
        kind=state.kind,
        stored=selectors_channels.stored_secrets(channel),
        config=channel.config if channel is not None else {},
        exists=channel is not None,
        initial={"name": channel.name if channel is not None else ""},
    )


def _errors_to(form: ChannelForm, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            for message in errors:
                form.add_error(name if name in form.fields else None, message)
    else:
        for message in exc.messages:
            form.add_error(None, message)


def _is_fragment(request: HttpRequest) -> bool:
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request  # type: ignore[union-attr]


def _page(
    request: HttpRequest,
    state: ChannelState,
    *,
    form: ChannelForm | None = None,
    generated: dict[str, str] | None = None,
    checked: list[ChannelCheck] | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "state": state,
        "form": form or _form(state),
        # Shown in this answer only: the page never shows them again.
        "generated": [
            (name, GENERATED_LABELS[name], value) for name, value in (generated or {}).items()
        ],
        "checked": checked or [],
        "site_is_https": settings.SITE_URL.startswith("https://"),
        "steps": f"tipline/channels/steps_{state.kind}.html",
    }
    if checked is not None and _is_fragment(request):
        return render(request, "tipline/channels/_check.html", context, status=status)
    return render(request, "tipline/channels/setup.html", context, status=status)


@staff
@never_cache
@require_GET
def channels(request: HttpRequest) -> HttpResponse:
    states = selectors_channels.channel_states(
        workspace=workspace_of(request), user=user_of(request)
    )
    return render(request, "tipline/channels/index.html", {"states": states})


def _shown_once(request: HttpRequest, kind: str) -> dict[str, str]:
    """The secrets the last save of this platform's channel made up, if they have not been
    shown yet; taken out of the session as they are read, so no later page shows them."""
    waiting = request.session.pop(ONCE_KEY, None)
    if not isinstance(waiting, dict) or waiting.get("kind") != kind:
        return {}
    found = json.loads(decrypt(str(waiting.get("secrets", ""))) or "{}")
    return {str(k): str(v) for k, v in found.items()}


@staff
@never_cache
@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def channel(request: HttpRequest, kind: str) -> HttpResponse:
    """A platform's set-up: GET shows it; POST saves the channel and comes back to GET, which
    shows the secrets the save made up, once: reloading the page or coming back later does
    not show them again."""
    state = _state(request, kind)
    if request.method != "POST":
        return _page(request, state, generated=_shown_once(request, state.kind))
    form = _form(state, request.POST)
    if form.is_valid():
        try:
            with transaction.atomic():
                saved = services_channels.channel_save(
                    workspace=workspace_of(request),
                    actor=user_of(request),
                    kind=state.kind,
                    name=form.cleaned_data["name"],
                    values=form.values(),
                    regenerate=bool(form.cleaned_data.get("regenerate")),
                )
        except ValidationError as exc:
            _errors_to(form, exc)
        else:
            messages.success(
                request,
                _("Đã thêm kênh và bật kênh.") if saved.created else _("Đã lưu kênh."),
            )
            if saved.generated:
                request.session[ONCE_KEY] = {
                    "kind": state.kind,
                    "secrets": encrypt(json.dumps(saved.generated)),
                }
            return redirect("tipline_channels:channel", kind=state.kind)
    return _page(request, state, form=form, status=400)


@staff
@require_POST
def channel_switch(request: HttpRequest, kind: str) -> HttpResponse:
    channel_ = _channel(request, kind)[1]
    active = request.POST.get("active") == "1"
    with transaction.atomic():
        services_channels.channel_switch(channel=channel_, actor=user_of(request), active=active)
    messages.success(request, _("Đã bật kênh.") if active else _("Đã tắt kênh."))
    return redirect("tipline_channels:channel", kind=kind)


@staff
@never_cache
@require_POST
def channel_check(request: HttpRequest, kind: str) -> HttpResponse:
    """"Gửi thử", and for Telegram "Đăng ký với Telegram" first. No transaction around them:
    a platform may take seconds to answer, and nothing may hold the database meanwhile."""
    state, channel_ = _channel(request, kind)
    checked: list[ChannelCheck] = []
    if "register" in request.POST:
        try:
            answer = services_channels.telegram_webhook_register(
                channel=channel_, actor=user_of(request)
            )
        except ChannelError as exc:
            checked.append(ChannelCheck(ok=False, summary=_register_refused(exc.message)))
        except ValidationError as exc:
            checked.append(ChannelCheck(ok=False, summary=" ".join(exc.messages)))
        else:
            checked.append(
                ChannelCheck(
                    ok=True,
                    summary=_("Telegram đã nhận địa chỉ nhận tin (%(answer)s).")
                    % {"answer": answer},
                )
            )
    checked.append(services_channels.channel_check(channel=channel_, actor=user_of(request)))
    return _page(request, state, checked=checked)


def _register_refused(message: str) -> str:
    return _("Telegram không nhận địa chỉ: %(error)s") % {"error": message}
