"""The site's front door and its error pages, in the person's language, inside the layout of
the audience they were reading: a team's public site, its tipline, or the newsroom."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

NEWSROOM_LAYOUT = "base.html"
# The public layouts, by the start of the addresses they serve (a team's slug comes next).
PUBLIC_LAYOUTS = (
    ("publishing:workspace_index", "publishing/base_public.html"),
    ("tipline:form", "tipline/base_public.html"),
)


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """`/`: the newsroom for its members; for a visitor, the team's public site when the
    install has one team (with several, the newsroom's login, as no one team is the site)."""
    if request.user.is_authenticated:
        return redirect("claims:my_work")
    workspace_model = apps.get_model("accounts", "Workspace")
    teams = list(workspace_model.objects.order_by("pk").values_list("slug", flat=True)[:2])
    if len(teams) == 1:
        return redirect("publishing:workspace_index", workspace_slug=teams[0])
    return redirect("claims:my_work")


@require_safe
def language_switch(request: HttpRequest, code: str) -> HttpResponse:
    """A reader's choice of interface language, from a plain link (the public pages carry no
    form and no token, as they are cached whole): kept in the language cookie for a year, then
    back to the page they were reading."""
    if code not in dict(settings.LANGUAGES):
        raise Http404
    back = request.GET.get("next", "")
    safe = url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    response = redirect(back if safe and back.startswith("/") else "/")
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME, code, max_age=365 * 24 * 3600, samesite="Lax",
        secure=request.is_secure(), httponly=True,
    )
    response["Cache-Control"] = "no-store"
    return response


@dataclass(frozen=True)
class Place:
    """Where an error happened: the layout to draw it in and the way back home."""

    layout: str
    home: str
    team: Any = None

    def context(self, **extra: Any) -> dict[str, Any]:
        return {"layout": self.layout, "home_url": self.home, "team": self.team, **extra}


def _prefix(url_name: str) -> str:
    try:
        return reverse(url_name, kwargs={"workspace_slug": "-"}).removesuffix("-/")
    except NoReverseMatch:
        return ""


def place_of(request: HttpRequest) -> Place:
    """The audience of the address asked for: a team's public pages or tipline when the
    address names a team that exists, the newsroom otherwise."""
    for url_name, layout in PUBLIC_LAYOUTS:
        prefix = _prefix(url_name)
        if not prefix or not request.path.startswith(prefix):
            continue
        slug = request.path[len(prefix) :].split("/", 1)[0]
        workspace_model = apps.get_model("accounts", "Workspace")
        team = workspace_model.objects.filter(slug=slug).first() if slug else None
        if team is not None:
            home = reverse("publishing:workspace_index", kwargs={"workspace_slug": team.slug})
            return Place(layout=layout, home=home, team=team)
        return Place(layout=NEWSROOM_LAYOUT, home=reverse("home"))
    return Place(layout=NEWSROOM_LAYOUT, home=reverse("home"))


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """403 with the reason the service gave (it is already in the user's language)."""
    reason = str(exception) if exception is not None and str(exception) else ""
    return render(
        request,
        "403.html",
        place_of(request).context(reason=reason or _("Bạn không có quyền làm việc này.")),
        status=403,
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form refused by the CSRF check: almost always a page left open too long or a session
    that changed meanwhile, so the person is told to load the page again and resend.

    "Load again" leads to the page the form was on (the referrer, when it is this site's),
    else to the address posted to.
    """
    came_from = request.META.get("HTTP_REFERER", "")
    same_site = url_has_allowed_host_and_scheme(
        came_from, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    reload_url = came_from if came_from and same_site else request.path
    context = place_of(request).context(reload_url=reload_url)
    return render(request, "403_csrf.html", context, status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", place_of(request).context(), status=404)


@cache
def _favicon() -> bytes:
    found = finders.find("kiemchung/favicon.ico")
    assert isinstance(found, str), "kiemchung/favicon.ico is missing from the static files"
    return Path(found).read_bytes()


@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico, for the browsers and readers that ask for it whatever the page links."""
    response = HttpResponse(_favicon(), content_type="image/x-icon")
    response["Cache-Control"] = "public, max-age=86400"
    return response
