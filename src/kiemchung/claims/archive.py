"""Archiving evidence pages: fetched once, stored with their digest, or failed with a reason.

A snapshot exists exactly when the evidence ends up archived. Archiving again keeps the earlier
copy while the new fetch runs: a success replaces it, a failure keeps it (the evidence stays
archived and `archive_error` says why the new copy could not be made).
"""

from __future__ import annotations

import hashlib
import logging
import mimetypes

from django.core.files.base import ContentFile
from django.db import OperationalError, transaction
from django.db.models.fields.files import FileField
from django.utils import timezone
from django.utils.translation import gettext as _

from kiemchung.claims.models import ArchiveStatus, Evidence, EvidenceKind, Snapshot
from kiemchung.core import http
from kiemchung.core.tasks import RetryableError, enqueue_on_commit, task_attempt

logger = logging.getLogger(__name__)

_EXTENSIONS = {".html", ".htm", ".pdf", ".txt", ".json", ".xml", ".png", ".jpg", ".gif", ".webp"}


def archive_request(evidence: Evidence) -> Evidence:
    """Mark URL evidence pending; its fetch is enqueued when the caller commits."""
    # Imported here: the task module imports this one.
    from kiemchung.claims.tasks import evidence_archive

    if evidence.kind != EvidenceKind.URL or not evidence.url:
        raise ValueError("only evidence with a URL is archived")
    evidence.archive_status = ArchiveStatus.PENDING
    evidence.archive_error = ""
    evidence.save(update_fields=["archive_status", "archive_error", "updated_at"])
    enqueue_on_commit(evidence_archive, evidence.id)
    return evidence


def _file_name(evidence_id: int, digest: str, content_type: str) -> str:
    extension = mimetypes.guess_extension(content_type.split(";", 1)[0].strip()) or ""
    if extension not in _EXTENSIONS:
        extension = ".bin"
    return f"evidence-{evidence_id}-{digest[:16]}{extension}"


def _fail(evidence_id: int, message: str) -> None:
    with transaction.atomic():
        evidence = Evidence.objects.select_for_update().filter(pk=evidence_id).first()
        if evidence is None or evidence.archive_status != ArchiveStatus.PENDING:
            return
        if Snapshot.objects.filter(evidence_id=evidence_id).exists():
            evidence.archive_status = ArchiveStatus.ARCHIVED
            evidence.archive_error = _(
                "Lưu trữ lại không thành công, vẫn giữ bản lưu trước: %(reason)s"
            ) % {"reason": message}
        else:
            evidence.archive_status = ArchiveStatus.FAILED
            evidence.archive_error = message
        evidence.save(update_fields=["archive_status", "archive_error", "updated_at"])


def _store(evidence_id: int, page: http.FetchResult) -> str:
    """Write the body and record the snapshot: 'archived', or 'skipped' if another run was first."""
    digest = hashlib.sha256(page.content).hexdigest()
    field = Snapshot._meta.get_field("body")
    assert isinstance(field, FileField)
    file_name = _file_name(evidence_id, digest, page.content_type)
    # upload_to is a date pattern, not a callable, so no instance is needed to build the name.
    name = field.generate_filename(None, file_name)  # type: ignore[arg-type]
    # The file goes first: if the row is not written (another run won, or an error), it is
    # removed, so no row ever points at a missing file.
    stored = field.storage.save(name, ContentFile(page.content))
    kept = False
    try:
        with transaction.atomic():
            # The row lock (PostgreSQL) or the write transaction (SQLite) makes a second run
            # wait here, then find the evidence no longer pending.
            evidence = Evidence.objects.select_for_update().filter(pk=evidence_id).first()
            if evidence is None or evidence.archive_status != ArchiveStatus.PENDING:
                return "skipped"
            earlier = Snapshot.objects.filter(evidence_id=evidence_id).first()
            if earlier is not None:
                earlier_file = earlier.body.name or ""
                earlier.delete()
                if earlier_file:
                    transaction.on_commit(lambda: field.storage.delete(earlier_file))
            Snapshot.objects.create(
                evidence=evidence,
                final_url=page.url[:2000],
                status_code=page.status_code,
                content_type=page.content_type[:200],
                sha256=digest,
                size=len(page.content),
                body=stored,
                fetched_at=timezone.now(),
            )
            evidence.archive_status = ArchiveStatus.ARCHIVED
            evidence.archive_error = ""
            evidence.save(update_fields=["archive_status", "archive_error", "updated_at"])
            kept = True
    finally:
        if not kept:
            field.storage.delete(stored)
    return "archived"


def evidence_snapshot_take(*, evidence_id: int) -> str:
    """Archive one pending evidence URL; returns 'archived', 'failed', 'skipped' or 'missing'.

    Raises RetryableError when the site may answer later and attempts remain. Running it twice
    archives once: the second run finds the evidence no longer pending.
    """
    evidence = Evidence.objects.filter(pk=evidence_id).first()
    if evidence is None:
        return "missing"
    if evidence.archive_status != ArchiveStatus.PENDING:
        return "skipped"
    if evidence.kind != EvidenceKind.URL or not evidence.url:
        _fail(evidence_id, _("Bằng chứng này không có đường dẫn để lưu trữ"))
        return "failed"
    try:
        page = http.fetch(evidence.url)
        return _store(evidence_id, page)
    except http.FetchError as exc:
        if exc.retryable and not task_attempt().is_last:
            raise RetryableError(exc.message) from exc
        logger.info("archiving evidence %s failed: %s", evidence_id, exc.message)
        _fail(evidence_id, exc.message)
        return "failed"
    except OperationalError as exc:
        # A busy or restarting database: the page is worth fetching again later.
        if not task_attempt().is_last:
            raise RetryableError(str(exc)) from exc
        _fail(evidence_id, _("Không ghi được bản lưu trữ vào cơ sở dữ liệu"))
        raise
    except Exception:
        logger.exception("archiving evidence %s failed unexpectedly", evidence_id)
        _fail(evidence_id, _("Lỗi hệ thống khi lưu trữ trang; hãy thử lưu trữ lại"))
        raise
