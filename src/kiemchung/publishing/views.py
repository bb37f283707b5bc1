"""The public site: a team's published fact-checks, readable by anyone, no login."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from kiemchung.accounts.models import Workspace
from kiemchung.claims.models import FactCheck
from kiemchung.publishing import selectors
from kiemchung.publishing.archive import snapshot_response
from kiemchung.publishing.jsonld import absolute_url, claim_review, factcheck_path, script_json

PAGE_SIZE = 20


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


@require_GET
def workspace_index(request: HttpRequest, workspace_slug: str) -> HttpResponse:
    """The team's published fact-checks, newest first."""
    workspace = _workspace(workspace_slug)
    page = Paginator(selectors.public_factchecks(workspace=workspace), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "publishing/workspace_index.html",
        {"team": workspace, "page": page, "canonical": absolute_url(request.path)},
    )


@require_GET
def factcheck_short(request: HttpRequest, workspace_slug: str, pk: int) -> HttpResponse:
    """/p/<team>/<id>/ leads to the canonical address with the slug."""
    return redirect(factcheck_path(_published(_workspace(workspace_slug), pk)), permanent=True)


@require_GET
def factcheck_detail(request: HttpRequest, workspace_slug: str, pk: int, slug: str) -> HttpResponse:
    """A published fact-check with its sources, corrections and ClaimReview data."""
    workspace = _workspace(workspace_slug)
    factcheck = _published(workspace, pk)
    path = factcheck_path(factcheck)
    if request.path != path:
        return redirect(path, permanent=True)
    context = {
        "team": workspace,
        "factcheck": factcheck,
        "claim": factcheck.claim,
        "sources": selectors.public_sources(factcheck=factcheck),
        "corrections": selectors.public_corrections(factcheck=factcheck),
        "earlier_versions": selectors.earlier_versions(factcheck=factcheck),
        "canonical": absolute_url(path),
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
