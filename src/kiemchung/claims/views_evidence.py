"""Evidence on the claim page: adding it, archiving it again, serving what was stored, and
correcting the words read from an evidence image."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kiemchung.claims import forms, services
from kiemchung.claims.claim_page import claim_button_response, claim_form_response
from kiemchung.claims.documents import document_type
from kiemchung.claims.evidence_images import IMAGE_TYPES, reading_of
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


# What an evidence image is served as, by what its bytes are (never by its name).
_IMAGE_CONTENT_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif",
                        "WebP": "image/webp"}


@require_GET
@newsroom
def evidence_image(request: HttpRequest, pk: int, evidence_pk: int) -> FileResponse:
    """An evidence image, shown on the claim page: served as the image its first bytes say it
    is, in a sandbox, so that no other kind of file is ever rendered from our origin."""
    evidence = _evidence(get_claim(request, pk), evidence_pk)
    if reading_of(evidence) is None or not evidence.document:
        raise Http404
    opened = evidence.document.open("rb")
    kind = document_type(opened)
    if kind is None or kind not in IMAGE_TYPES:
        opened.close()
        raise Http404
    response = FileResponse(opened, content_type=_IMAGE_CONTENT_TYPES[kind.name])
    name = f"bang-chung-{evidence.pk}.{kind.extensions[0]}"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    # As an archived page is served (publishing/archive.py): opened on its own, it runs nothing.
    response["Content-Security-Policy"] = (
        "sandbox; default-src 'none'; frame-ancestors 'none'; form-action 'none'"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@newsroom
def evidence_image_text(request: HttpRequest, pk: int, evidence_pk: int) -> HttpResponse:
    """Staff correct the words read from an evidence image; the search reads the correction."""
    claim = get_claim(request, pk)
    evidence = _evidence(claim, evidence_pk)
    if reading_of(evidence) is None:
        raise Http404
    return claim_button_response(
        request,
        claim,
        act=lambda: services.evidence_image_text_correct(
            evidence=evidence, actor=request.user, text=request.POST.get("text", "")
        ),
        done=_("Đã lưu chữ đọc từ ảnh."),
        anchor=f"evidence-{evidence.pk}",
    )
