"""Evidence on the claim page: adding it, archiving it again, and serving what was stored."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kiemchung.claims import forms, services
from kiemchung.claims.claim_page import claim_button_response, claim_form_response
from kiemchung.claims.models import Claim, Evidence, EvidenceKind, Snapshot
from kiemchung.claims.view_helpers import get_claim, newsroom
from kiemchung.publishing.archive import document_response, snapshot_response


def _evidence(claim: Claim, evidence_pk: int) -> Evidence:
    return get_object_or_404(claim.evidence.all(), pk=evidence_pk)


@require_POST
@newsroom
def evidence_add(request: HttpRequest, pk: int) -> HttpResponse:
    """A URL (archived in the background), an uploaded document or a note."""
    claim = get_claim(request, pk)
    form = forms.EvidenceForm(request.POST, request.FILES)
    kind = request.POST.get("kind")

    def act(data: dict[str, Any]) -> None:
        services.evidence_add(
            claim=claim,
            actor=request.user,
            kind=data["kind"],
            url=data["url"] if data["kind"] == EvidenceKind.URL else "",
            title=data["title"],
            note=data["note"],
            document=data["document"] if data["kind"] == EvidenceKind.DOCUMENT else None,
        )

    done = (
        _("Đã thêm nguồn; trang đang được lưu trữ.")
        if kind == EvidenceKind.URL
        else _("Đã thêm bằng chứng.")
    )
    return claim_form_response(
        request, claim, name="evidence_form", form=form, act=act, done=done, anchor="evidence"
    )


@require_POST
@newsroom
def evidence_rearchive(request: HttpRequest, pk: int, evidence_pk: int) -> HttpResponse:
    claim = get_claim(request, pk)
    evidence = _evidence(claim, evidence_pk)
    return claim_button_response(
        request,
        claim,
        act=lambda: services.evidence_rearchive(evidence=evidence, actor=request.user),
        done=_("Đang lưu trữ lại trang."),
        anchor="evidence",
    )


@require_POST
@newsroom
def evidence_remove(request: HttpRequest, pk: int, evidence_pk: int) -> HttpResponse:
    claim = get_claim(request, pk)
    evidence = _evidence(claim, evidence_pk)
    return claim_button_response(
        request,
        claim,
        act=lambda: services.evidence_remove(evidence=evidence, actor=request.user),
        done=_("Đã gỡ nguồn khỏi nhận định."),
        anchor="evidence",
    )


@require_GET
@newsroom
def evidence_snapshot(request: HttpRequest, pk: int, evidence_pk: int) -> HttpResponseBase:
    """The archived copy, as plain text or a download: never live HTML on our origin."""
    evidence = _evidence(get_claim(request, pk), evidence_pk)
    try:
        snapshot = evidence.snapshot
    except Snapshot.DoesNotExist:
        raise Http404 from None
    return snapshot_response(snapshot, download=request.GET.get("download") == "1")


@require_GET
@newsroom
def evidence_document(request: HttpRequest, pk: int, evidence_pk: int) -> FileResponse:
    """An uploaded document, always as a download."""
    evidence = _evidence(get_claim(request, pk), evidence_pk)
    if evidence.kind != EvidenceKind.DOCUMENT or not evidence.document:
        raise Http404
    return document_response(evidence.document.name or "", evidence.document.open("rb"))
