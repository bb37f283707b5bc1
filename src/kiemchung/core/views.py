"""Error pages in the person's language, inside the site's layout."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """403 with the reason the service gave (it is already in the user's language)."""
    reason = str(exception) if exception is not None and str(exception) else ""
    return render(
        request,
        "403.html",
        {"reason": reason or _("Bạn không có quyền làm việc này.")},
        status=403,
    )


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)
