"""Public pages of mine that readers reach: share card images and the e-mail newsletter."""

from __future__ import annotations

from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseNotModified
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.utils.http import quote_etag
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from kiemchung.accounts.models import Workspace
from kiemchung.publishing import newsletter, selectors
from kiemchung.publishing.cards import SIZES, card_file
from kiemchung.publishing.forms_outlets import NewsletterSignupForm

CARD_MAX_AGE = 60 * 60


def _team(slug: str) -> Workspace:
    workspace = selectors.workspace_by_slug(slug=slug)
    if workspace is None:
        raise Http404
    return workspace


@require_GET
def factcheck_card(
    request: HttpRequest, workspace_slug: str, pk: int, size: str
) -> HttpResponse | FileResponse:
    """The share card of a published fact-check, drawn once per change of what it shows."""
    if size not in SIZES:
        raise Http404
    factcheck = selectors.public_factcheck(workspace=_team(workspace_slug), pk=pk)
    if factcheck is None:
        raise Http404
    path, digest = card_file(factcheck, SIZES[size])
    etag = quote_etag(digest)
    if etag in request.headers.get("If-None-Match", ""):
        response: HttpResponse | FileResponse = HttpResponseNotModified()
    else:
        response = FileResponse(path.open("rb"), content_type="image/png")
    response["ETag"] = etag
    patch_cache_control(response, public=True, max_age=CARD_MAX_AGE)
    return response


def newsletter_subscribe(request: HttpRequest, workspace_slug: str) -> HttpResponse:
    """Sign up for the team's e-mails; a link in an e-mail confirms it (double opt-in)."""
    team = _team(workspace_slug)
    form = NewsletterSignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            newsletter.subscriber_request(workspace=team, email=form.cleaned_data["email"])
        return render(request, "publishing/newsletter/check_inbox.html", {"team": team})
    return render(
        request,
        "publishing/newsletter/subscribe.html",
        {"team": team, "form": form},
        status=400 if form.errors else 200,
    )


@require_GET
def newsletter_confirm(request: HttpRequest, workspace_slug: str, token: str) -> HttpResponse:
    team = _team(workspace_slug)
    subscriber = newsletter.subscriber_confirm(workspace=team, token=token)
    return render(
        request,
        "publishing/newsletter/confirmed.html",
        {"team": team, "subscriber": subscriber},
        status=200 if subscriber is not None else 400,
    )


# Mail clients unsubscribe with a POST that carries no CSRF token (RFC 8058); the token in
# the address is the secret that authorises it.
@csrf_exempt
def newsletter_unsubscribe(request: HttpRequest, workspace_slug: str, token: str) -> HttpResponse:
    """GET asks to confirm (link scanners must not unsubscribe anyone); POST unsubscribes."""
    team = _team(workspace_slug)
    subscriber = newsletter.subscriber_by_token(workspace=team, token=token)
    if subscriber is None:
        raise Http404
    if request.method == "POST":
        newsletter.subscriber_unsubscribe(subscriber=subscriber)
        return render(request, "publishing/newsletter/unsubscribed.html", {"team": team})
    if request.method != "GET":
        return HttpResponse(status=405, headers={"Allow": "GET, POST"})
    return render(
        request,
        "publishing/newsletter/unsubscribe.html",
        {"team": team, "subscriber": subscriber},
    )
