"""Serving an archived copy of a page so that it can never run as live HTML on our origin."""

from __future__ import annotations

import re

from django.http import FileResponse, HttpResponse

from kiemchung.claims.models import Snapshot

# Whatever the archived body is, the browser may not run script, load anything or frame it.
SANDBOX_CSP = "sandbox; default-src 'none'; frame-ancestors 'none'; form-action 'none'"

_TEXTUAL = re.compile(r"^(text/|application/(xhtml\+xml|xml|json|ld\+json|rss\+xml|atom\+xml))")
_CHARSET = re.compile(r"charset=([A-Za-z0-9._-]+)")
_EXTENSIONS = {
    "application/pdf": "pdf",
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/gif": "gif",
    "image/webp": "webp",
}


def _charset(content_type: str) -> str:
    match = _CHARSET.search(content_type or "")
    return match.group(1) if match else "utf-8"


def _harden(response: HttpResponse | FileResponse) -> HttpResponse | FileResponse:
    response.headers["Content-Security-Policy"] = SANDBOX_CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


def archive_extension(snapshot: Snapshot) -> str:
    """The extension of the stored body written out as a file; text stays inert as .txt."""
    content_type = (snapshot.content_type or "").lower()
    if _TEXTUAL.match(content_type):
        return "txt"
    return _EXTENSIONS.get(content_type.split(";")[0].strip(), "bin")


def snapshot_response(snapshot: Snapshot, *, download: bool = False) -> HttpResponse | FileResponse:
    """The stored body: text shown as text/plain, anything else (or on request) as a download."""
    content_type = (snapshot.content_type or "").lower()
    stem = f"kiemchung-archive-{snapshot.sha256[:16]}"
    body = snapshot.body.open("rb")
    if _TEXTUAL.match(content_type) and not download:
        response = FileResponse(body, content_type=f"text/plain; charset={_charset(content_type)}")
        response.headers["Content-Disposition"] = f'inline; filename="{stem}.txt"'
        return _harden(response)
    extension = _EXTENSIONS.get(content_type.split(";")[0].strip(), "bin")
    if _TEXTUAL.match(content_type):
        extension = "html" if "html" in content_type else "txt"
    response = FileResponse(body, content_type="application/octet-stream")
    response.headers["Content-Disposition"] = f'attachment; filename="{stem}.{extension}"'
    return _harden(response)


def document_response(file_name: str, opened: object) -> FileResponse:
    """An uploaded evidence document, always as a download, never rendered in our origin."""
    safe_name = re.sub(r"[^A-Za-z0-9._-]+", "_", file_name.rsplit("/", 1)[-1])[:120] or "document"
    response = FileResponse(opened, content_type="application/octet-stream")
    response.headers["Content-Disposition"] = f'attachment; filename="{safe_name}"'
    _harden(response)
    return response
