"""Newsroom pages of the matching index: the "already checked?" search and merging duplicates."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kiemchung.claims import forms, matching, services
from kiemchung.claims.claim_page import redirect_to_claim
from kiemchung.claims.view_helpers import flash_errors, get_claim, newsroom, wants_fragment

PAGE_RESULTS = 10
LIVE_RESULTS = 5


@require_GET
@newsroom
def already_checked(request: HttpRequest) -> HttpResponse:
    """Claims and fact-checks like the text typed, the team's own and those it imported from
    other teams: the whole page, or for htmx the results."""
    workspace = request.workspace  # type: ignore[attr-defined]
    fragment = wants_fragment(request)
    q = request.GET.get("q", "")
    # A cleared box asks for nothing: no results and no error.
    form = forms.AlreadyCheckedForm({"q": q} if q.strip() else None, initial={"q": q})
    results: list[matching.Similar] = []
    if form.is_bound and form.is_valid():
        try:
            results = matching.similar_records(
                workspace=workspace,
                text=form.cleaned_data["q"],
                k=LIVE_RESULTS if fragment else PAGE_RESULTS,
                external=True,
            )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error("q", message)
    context = {
        "form": form,
        "q": q,
        "results": results,
        "searched": form.is_bound and form.is_valid(),
        "thresholds": workspace.match_thresholds,
    }
    template = "claims/_already_checked.html" if fragment else "claims/already_checked.html"
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request",))
    return response


@require_POST
@newsroom
def claim_merge(request: HttpRequest, pk: int) -> HttpResponse:
    """Fold this claim into the one named in the form; the page of that one comes next."""
    source = get_claim(request, pk)
    form = forms.MergeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Hãy chọn nhận định để gộp vào."))
        return redirect_to_claim(source)
    target = get_claim(request, form.cleaned_data["target"])
    try:
        with transaction.atomic():
            services.claim_merge(source=source, target=target, actor=request.user)
    except ValidationError as exc:
        flash_errors(request, exc)
        return redirect_to_claim(source)
    messages.success(
        request,
        _("Đã gộp nhận định #%(source)d vào nhận định này.") % {"source": source.pk},
    )
    return redirect_to_claim(target)
