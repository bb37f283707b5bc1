"""The public site: a team's published fact-checks, readable by anyone, no login.

Every page here that is the same for everyone is marked `public_page`: it is kept whole in the
cache until a change drops it (see cache.py). Search and the contact form are not kept.
"""

from __future__ import annotations

from typing import Any

from django.contrib.sitemaps.views import sitemap as sitemap_view
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from kiemchung.accounts.models import Workspace
from kiemchung.claims.models import FactCheck
from kiemchung.publishing import selectors, services
from kiemchung.publishing.archive import snapshot_response
from kiemchung.publishing.cache import public_headers, public_page
from kiemchung.publishing.feeds import LatestFactChecksAtom, LatestFactChecksRss
from kiemchung.publishing.forms import ContactForm
from kiemchung.publishing.jsonld import (
    claim_review,
    claim_review_feed,
    factcheck_meta,
    factcheck_path,
    page_meta,
    script_json,
)
from kiemchung.publishing.models import ContactKind
from kiemchung.publishing.sitemaps import team_sitemaps


def _workspace(slug: str) -> Workspace:
    workspace = selectors.workspace_by_slug(slug=slug)
    if workspace is None:
        raise Http404
    return workspace


def _published(workspace: Workspace, pk: int) -> FactCheck:
    factcheck = selectors.public_factcheck(workspace=workspace, pk=pk)
    if factcheck is None:
        raise Http404
    return factcheck


def _page(
    request: HttpRequest, template: str, workspace: Workspace, title: str, **context: Any
) -> HttpResponse:
    """Render a page of the team's site with its metadata (title, canonical address)."""
    context.setdefault(
        "meta", page_meta(workspace=workspace, title=title, path=request.path)
    )
    return render(request, template, {"team": workspace, "title": title, **context})


def _list_page(
    request: HttpRequest,
    workspace: Workspace,
    template: str,
    title: str,
    factchecks: Any,
    number: int,
    *,
    first_page: str,
    page_view: str,
    page_kwargs: dict[str, Any],
    **context: Any,
) -> HttpResponse:
    """Page `number` of a list; page 1 lives at the list's own address, the others at
    .../page/<n>/ (plain paths, so that the static export keeps them apart)."""
    if number == 1 and request.path != first_page:
        return redirect(first_page, permanent=True)
    page = selectors.list_page(factchecks, number)
    if page is None:
        raise Http404

    def url(n: int) -> str:
        return first_page if n == 1 else reverse(page_view, kwargs={**page_kwargs, "number": n})

    return _page(
        request,
        template,
        workspace,
        title,
        page=page,
        previous_url=url(page.previous_number) if page.has_previous else "",
        next_url=url(page.next_number) if page.has_next else "",
        **context,
    )


@require_GET
@public_page
def workspace_index(request: HttpRequest, workspace_slug: str, number: int = 1) -> HttpResponse:
    """The team's published fact-checks, newest first, a page at a time."""
    workspace = _workspace(workspace_slug)
    first = reverse("publishing:workspace_index", kwargs={"workspace_slug": workspace.slug})
    old_style = request.GET.get("page", "")
    if old_style.isdigit() and int(old_style) > 1:
        return redirect(
            "publishing:workspace_page", workspace_slug=workspace.slug, number=int(old_style)
        )
    return _list_page(
        request,
        workspace,
        "publishing/workspace_index.html",
        _("Bài kiểm chứng của %(team)s") % {"team": workspace.name},
        selectors.public_factchecks(workspace=workspace),
        number,
        first_page=first,
        page_view="publishing:workspace_page",
        page_kwargs={"workspace_slug": workspace.slug},
    )


@require_GET
def factcheck_short(request: HttpRequest, workspace_slug: str, pk: int) -> HttpResponse:
    """/p/<team>/<id>/ leads to the canonical address with the slug."""
    return redirect(factcheck_path(_published(_workspace(workspace_slug), pk)), permanent=True)


@require_GET
@public_page
def factcheck_detail(request: HttpRequest, workspace_slug: str, pk: int, slug: str) -> HttpResponse:
    """A published fact-check with its sources, corrections and ClaimReview data."""
    workspace = _workspace(workspace_slug)
    factcheck = _published(workspace, pk)
    path = factcheck_path(factcheck)
    if request.path != path:
        return redirect(path, permanent=True)
    topic = factcheck.claim.topic
    context = {
        "team": workspace,
        "factcheck": factcheck,
        "claim": factcheck.claim,
        "topic_slug": selectors.topic_slug(topic) if topic else "",
        "sources": selectors.public_sources(factcheck=factcheck),
        "corrections": selectors.public_corrections(factcheck=factcheck),
        "earlier_versions": selectors.earlier_versions(factcheck=factcheck),
        "meta": factcheck_meta(factcheck),
        "claim_review_json": script_json(claim_review(factcheck)),
    }
    return render(request, "publishing/factcheck_detail.html", context)


@require_GET
def source_archive(
    request: HttpRequest, workspace_slug: str, pk: int, evidence_pk: int
) -> HttpResponse | FileResponse:
    """Our archived copy of a source of a published fact-check, served as inert text."""
    factcheck = _published(_workspace(workspace_slug), pk)
    snapshot = selectors.public_source_snapshot(factcheck=factcheck, evidence_pk=evidence_pk)
    if snapshot is None:
        raise Http404
    return snapshot_response(snapshot, download=request.GET.get("download") == "1")


@require_GET
@public_page
def topics(request: HttpRequest, workspace_slug: str) -> HttpResponse:
    """The topics the team has published on, with how many fact-checks each."""
    workspace = _workspace(workspace_slug)
    return _page(
        request,
        "publishing/topics.html",
        workspace,
        _("Chủ đề"),
        topics=selectors.public_topics(workspace=workspace),
    )


@require_GET
@public_page
def topic(request: HttpRequest, workspace_slug: str, topic: str, number: int = 1) -> HttpResponse:
    """The team's fact-checks on one topic, newest first."""
    workspace = _workspace(workspace_slug)
    found = selectors.public_topic(workspace=workspace, slug=topic)
    if found is None:
        raise Http404
    kwargs = {"workspace_slug": workspace.slug, "topic": found.slug}
    return _list_page(
        request,
        workspace,
        "publishing/topic.html",
        _("Chủ đề: %(topic)s") % {"topic": found.name},
        selectors.topic_factchecks(workspace=workspace, topic=found),
        number,
        first_page=reverse("publishing:topic", kwargs=kwargs),
        topic=found,
        page_view="publishing:topic_page",
        page_kwargs=kwargs,
    )


@require_GET
def search(request: HttpRequest, workspace_slug: str) -> HttpResponse:
    """Has the team already checked this? Works without accents and with abbreviations."""
    workspace = _workspace(workspace_slug)
    error = ""
    try:
        query = selectors.clean_search_query(request.GET.get("q"))
    except ValidationError as exc:
        query, error = "", exc.messages[0]
    results = selectors.public_search(workspace=workspace, query=query) if query else []
    response = _page(
        request,
        "publishing/search.html",
        workspace,
        _("Tìm kiếm"),
        query=query,
        raw_query=request.GET.get("q", "")[: selectors.SEARCH_QUERY_MAX + 50],
        results=results,
        error=error,
        searched=bool(query),
    )
    if error:
        response.status_code = 400
    else:
        public_headers(response)
    return response


@require_GET
@public_page
def methodology(request: HttpRequest, workspace_slug: str) -> HttpResponse:
    """How the team works and what each step of its rating scale means."""
    workspace = _workspace(workspace_slug)
    return _page(
        request,
        "publishing/methodology.html",
        workspace,
        _("Phương pháp và thang kết luận"),
        scale=selectors.rating_scale(workspace=workspace),
    )


@require_GET
@public_page
def corrections(request: HttpRequest, workspace_slug: str, number: int = 1) -> HttpResponse:
    """Every correction the team made, newest first, each linked to its fact-check."""
    workspace = _workspace(workspace_slug)
    first = reverse("publishing:corrections", kwargs={"workspace_slug": workspace.slug})
    return _list_page(
        request,
        workspace,
        "publishing/corrections.html",
        _("Nhật ký đính chính"),
        selectors.corrections_log(workspace=workspace),
        number,
        first_page=first,
        page_view="publishing:corrections_page",
        page_kwargs={"workspace_slug": workspace.slug},
    )


@require_GET
@public_page
def team(request: HttpRequest, workspace_slug: str) -> HttpResponse:
    """Who publishes here: the team and how to reach it (no one is listed by name)."""
    workspace = _workspace(workspace_slug)
    return _page(
        request,
        "publishing/team.html",
        workspace,
        _("Về %(team)s") % {"team": workspace.name},
        published_count=selectors.public_factchecks(workspace=workspace).count(),
    )


@never_cache
@require_http_methods(["GET", "POST"])
def contact(request: HttpRequest, workspace_slug: str) -> HttpResponse:
    """Ask for a correction or a right of reply; lands in the newsroom's inbox."""
    workspace = _workspace(workspace_slug)
    source = request.POST if request.method == "POST" else request.GET
    raw_pk = str(source.get("factcheck", "")).strip()
    factcheck = (
        selectors.public_factcheck(workspace=workspace, pk=int(raw_pk))
        if raw_pk.isdigit()
        else None
    )
    status = 200
    if request.method == "POST":
        form = ContactForm(request.POST)
        if raw_pk and factcheck is None:
            form.add_error(
                None, _("Bài kiểm chứng này không thuộc nhóm hoặc chưa được công bố.")
            )
        client_key = services.contact_client_key(request.META.get("REMOTE_ADDR", ""))
        if form.is_valid():
            try:
                with transaction.atomic():
                    services.contact_message_create(
                        workspace=workspace,
                        kind=form.cleaned_data["kind"],
                        name=form.cleaned_data["name"],
                        email=form.cleaned_data["email"],
                        message=form.cleaned_data["message"],
                        factcheck=factcheck,
                        client_key=client_key,
                    )
            except ValidationError as exc:
                if getattr(exc, "code", None) == "rate_limited":
                    status = 429
                form.add_error(None, exc)
            else:
                return redirect("publishing:contact_sent", workspace_slug=workspace.slug)
        status = status if status != 200 else 400
    else:
        kind = request.GET.get("kind", "")
        form = ContactForm(
            initial={
                "factcheck": factcheck.pk if factcheck is not None else None,
                "kind": kind if kind in ContactKind.values else ContactKind.CORRECTION,
            }
        )
    response = _page(
        request,
        "publishing/contact.html",
        workspace,
        _("Đề nghị đính chính hoặc phản hồi"),
        form=form,
        factcheck=factcheck,
    )
    response.status_code = status
    return response


@require_GET
@public_page
def contact_sent(request: HttpRequest, workspace_slug: str) -> HttpResponse:
    workspace = _workspace(workspace_slug)
    return _page(request, "publishing/contact_sent.html", workspace, _("Đã gửi"))


@require_GET
@public_page
def claimreview_feed(request: HttpRequest, workspace_slug: str) -> HttpResponse:
    """Every published fact-check of the team as ClaimReview, in the Data Commons feed format.

    Written with "<", ">" and "&" escaped, like the JSON-LD in the pages, so that the feed stays
    inert even when someone pastes it into a page.
    """
    workspace = _workspace(workspace_slug)
    published = selectors.with_appearances(selectors.public_factchecks(workspace=workspace))
    return HttpResponse(
        script_json(claim_review_feed(published)),
        content_type="application/ld+json; charset=utf-8",
    )


rss = require_GET(public_page(LatestFactChecksRss()))
atom = require_GET(public_page(LatestFactChecksAtom()))


@require_GET
@public_page
def sitemap(request: HttpRequest, workspace_slug: str) -> HttpResponse:
    workspace = _workspace(workspace_slug)
    return sitemap_view(request, sitemaps=team_sitemaps(workspace))
