"""ClaimReview in: other fact-checkers' reviews from a feed, a page's JSON-LD or a file.

Each review is parsed strictly (claimreview_parse). One with a missing or malformed field is
reported with what is wrong and where it was, and skipped; the others are imported. A review
is known by its URL: importing it again updates it when its content changed (compared by a
hash of the parsed fields) and leaves it alone otherwise.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kiemchung.accounts.models import Member, Workspace
from kiemchung.accounts.permissions import Action, require
from kiemchung.accounts.selectors import member_for
from kiemchung.audit.services import audit_record
from kiemchung.claims import matching
from kiemchung.core import http
from kiemchung.core.tasks import enqueue_on_commit
from kiemchung.publishing.claimreview_parse import (
    ITEMS_MAX,
    ImportReport,
    Problem,
    Review,
    check_url,
    parse_claim_review,
    read_document,
)
from kiemchung.publishing.models import (
    ClaimReviewSource,
    ClaimReviewSourceKind,
    ExternalFactCheck,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

logger = logging.getLogger(__name__)

__all__ = ["ImportReport", "Problem", "Review", "document_import", "file_import", "source_import"]


# Storing.


def _store(source: ClaimReviewSource, review: Review, report: ImportReport) -> int | None:
    digest = review.content_hash()
    values = {
        "source": source,
        "publisher_name": review.publisher_name,
        "publisher_url": review.publisher_url,
        "claim_reviewed": review.claim_reviewed,
        "rating_label": review.rating_label,
        "rating_value": review.rating_value,
        "best_rating": review.best_rating,
        "worst_rating": review.worst_rating,
        "date_published": review.date_published,
        "appearance_url": review.appearance_url,
        "language": review.language,
        "raw": review.raw,
        "content_hash": digest,
    }
    existing = ExternalFactCheck.objects.filter(
        workspace_id=source.workspace_id, url=review.url
    ).first()
    if existing is None:
        created = ExternalFactCheck.objects.create(
            workspace_id=source.workspace_id, url=review.url, **values
        )
        report.created += 1
        return created.pk
    if existing.content_hash == digest:
        report.unchanged += 1
        return None
    for name, value in values.items():
        setattr(existing, name, value)
    existing.save()
    report.updated += 1
    return existing.pk


# The matching index holds imported fact-checks as records "external:<pk>"; these two
# functions are what it reads them through.
KIND_EXTERNAL = "external"

IndexRecord = tuple[str, str, dict[str, Any]]


def external_record(item: ExternalFactCheck) -> IndexRecord:
    """An imported fact-check as a record of the matching index: its claim is the text."""
    meta = {
        "kind": KIND_EXTERNAL,
        "external": item.pk,
        "publisher": item.publisher_name,
        "url": item.url,
    }
    return f"{KIND_EXTERNAL}:{item.pk}", item.claim_reviewed, meta


def external_records(*, workspace_id: int, pks: Iterable[int] | None = None) -> list[IndexRecord]:
    """The index records of a workspace's imported fact-checks (or of these ones, if given)."""
    found = ExternalFactCheck.objects.filter(workspace_id=workspace_id)
    if pks is not None:
        found = found.filter(pk__in=list(pks))
    return [external_record(item) for item in found.order_by("pk")]


def _index_changed(workspace_id: int, pks: list[int]) -> None:
    """Record in the matching index's change log which imported fact-checks to read again."""
    if pks:
        matching.index_changed(
            workspace_id=workspace_id, records=[f"{KIND_EXTERNAL}:{pk}" for pk in pks]
        )


Progress = Callable[[int, int], None]


def document_import(
    *,
    source: ClaimReviewSource,
    text: str,
    kind: str | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Import every well-formed review of a document into the source's workspace."""
    nodes, problems = read_document(text, kind=kind or source.kind)
    report = ImportReport(problems=list(problems))
    if len(nodes) > ITEMS_MAX:
        report.error = _("Tài liệu có %(count)d mục, nhiều hơn giới hạn %(max)d") % {
            "count": len(nodes),
            "max": ITEMS_MAX,
        }
        return report
    changed: list[int] = []
    with transaction.atomic():
        for done, (position, node) in enumerate(nodes, start=1):
            review, errors = parse_claim_review(node)
            if review is None:
                url = node.get("url") if isinstance(node, dict) else None
                report.problems.append(
                    Problem(position, tuple(errors), url if isinstance(url, str) else "")
                )
            else:
                pk = _store(source, review, report)
                if pk is not None:
                    changed.append(pk)
            if progress is not None:
                progress(done, len(nodes))
        _index_changed(source.workspace_id, changed)
    if not nodes and not report.problems:
        report.error = _("Không tìm thấy ClaimReview nào")
    return report


def _finish(source: ClaimReviewSource, report: ImportReport) -> ImportReport:
    source.last_imported_at = timezone.now()
    source.last_error = report.error
    source.last_report = report.as_dict()
    source.save(update_fields=["last_imported_at", "last_error", "last_report", "updated_at"])
    for problem in report.problems[:20]:
        logger.info("ClaimReview from %s skipped: %s", source.name, problem)
    return report


def source_import(*, source_id: int, progress: Progress | None = None) -> ImportReport:
    """Fetch a feed or page source through the HTTP wrapper and import it."""
    source = ClaimReviewSource.objects.select_related("workspace").get(pk=source_id)
    if source.kind == ClaimReviewSourceKind.FILE or not source.url:
        return _finish(
            source, ImportReport(error=_("Nguồn này là tệp tải lên, không tải lại được"))
        )
    try:
        page = http.fetch(source.url)
    except http.FetchError as exc:
        return _finish(source, ImportReport(error=exc.message))
    return _finish(source, document_import(source=source, text=page.text, progress=progress))


def file_import(
    *, source: ClaimReviewSource, content: bytes, progress: Progress | None = None
) -> ImportReport:
    """Import an uploaded JSON, JSON Lines or HTML file into a source."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return _finish(source, ImportReport(error=_("Tệp không phải văn bản UTF-8")))
    report = document_import(
        source=source, text=text, kind=ClaimReviewSourceKind.FILE, progress=progress
    )
    return _finish(source, report)


# Sources, as the newsroom manages them.


def _manager(*, actor: User | AnonymousUser, workspace: Workspace) -> Member:
    member = member_for(user=actor, workspace=workspace)
    require(member, Action.MANAGE_WORKSPACE)
    assert member is not None
    return member


def _clean_name(name: str | None) -> str:
    value = (name or "").strip()
    if not value:
        raise ValidationError({"name": _("Hãy ghi tên nhóm kiểm chứng.")})
    if len(value) > 160:
        raise ValidationError({"name": _("Tên tối đa %(max)d ký tự.") % {"max": 160}})
    return value


def claimreview_source_add(
    *,
    workspace: Workspace,
    actor: User | AnonymousUser,
    name: str,
    kind: str,
    url: str,
) -> ClaimReviewSource:
    """Subscribe to a feed or page of another team; its first import is queued at once."""
    member = _manager(actor=actor, workspace=workspace)
    if kind not in (ClaimReviewSourceKind.FEED, ClaimReviewSourceKind.PAGE):
        raise ValidationError({"kind": _("Chọn nguồn dữ liệu hoặc trang có JSON-LD.")})
    errors: list[str] = []
    clean_url = check_url((url or "").strip(), "url", errors, required=True)
    if errors:
        raise ValidationError({"url": _("Hãy nhập một địa chỉ http(s) hợp lệ.")})
    if ClaimReviewSource.objects.filter(workspace=workspace, url=clean_url).exists():
        raise ValidationError({"url": _("Nhóm đã theo dõi địa chỉ này.")})
    source = ClaimReviewSource.objects.create(
        workspace=workspace, name=_clean_name(name), kind=kind, url=clean_url
    )
    audit_record(
        workspace=workspace,
        actor=member.user,
        action="claimreview_source.create",
        obj=source,
        after={"name": source.name, "kind": kind, "url": clean_url},
    )
    claimreview_source_refresh_queue(source=source)
    return source


def claimreview_source_refresh_queue(*, source: ClaimReviewSource) -> None:
    from kiemchung.publishing.tasks import claimreview_source_import

    enqueue_on_commit(claimreview_source_import, source.pk)


def claimreview_source_refresh(
    *, source: ClaimReviewSource, actor: User | AnonymousUser
) -> None:
    """Import a subscribed source again now (in the background)."""
    _manager(actor=actor, workspace=source.workspace)
    if source.kind == ClaimReviewSourceKind.FILE:
        raise ValidationError(_("Nguồn này là tệp tải lên; hãy tải tệp mới lên."))
    claimreview_source_refresh_queue(source=source)


def claimreview_file_upload(
    *,
    workspace: Workspace,
    actor: User | AnonymousUser,
    name: str,
    content: bytes,
    source: ClaimReviewSource | None = None,
) -> tuple[ClaimReviewSource, ImportReport]:
    """Import an uploaded file, into a new file source or again into an existing one."""
    member = _manager(actor=actor, workspace=workspace)
    if len(content) > settings.UPLOAD_MAX_MB * 1024 * 1024:
        raise ValidationError(
            {"file": _("Tệp lớn hơn %(mb)d MB.") % {"mb": settings.UPLOAD_MAX_MB}}
        )
    if source is None:
        source = ClaimReviewSource.objects.create(
            workspace=workspace, name=_clean_name(name), kind=ClaimReviewSourceKind.FILE
        )
    elif source.workspace_id != workspace.pk or source.kind != ClaimReviewSourceKind.FILE:
        raise ValidationError(_("Chỉ tải tệp lên được cho một nguồn dạng tệp."))
    report = file_import(source=source, content=content)
    audit_record(
        workspace=workspace,
        actor=member.user,
        action="claimreview_source.import",
        obj=source,
        after=report.summary(),
    )
    return source, report


def claimreview_source_set_active(
    *, source: ClaimReviewSource, actor: User | AnonymousUser, active: bool
) -> ClaimReviewSource:
    member = _manager(actor=actor, workspace=source.workspace)
    source.is_active = active
    source.save(update_fields=["is_active", "updated_at"])
    audit_record(
        workspace=source.workspace,
        actor=member.user,
        action="claimreview_source.update",
        obj=source,
        after={"is_active": active},
    )
    return source


def claimreview_source_delete(*, source: ClaimReviewSource, actor: User | AnonymousUser) -> None:
    """Stop following a source and remove the fact-checks imported from it."""
    member = _manager(actor=actor, workspace=source.workspace)
    pks = list(source.factchecks.values_list("pk", flat=True))
    audit_record(
        workspace=source.workspace,
        actor=member.user,
        action="claimreview_source.delete",
        obj=source,
        before={"name": source.name, "url": source.url, "factchecks": len(pks)},
    )
    workspace_id = source.workspace_id
    source.delete()
    _index_changed(workspace_id, pks)


def sources_due(*, source_id: int | None = None) -> QuerySet[ClaimReviewSource]:
    """The subscribed sources a scheduled import fetches (or just the one asked for)."""
    sources = ClaimReviewSource.objects.select_related("workspace")
    if source_id is not None:
        return sources.filter(pk=source_id)
    return (
        sources.exclude(kind=ClaimReviewSourceKind.FILE)
        .filter(is_active=True)
        .order_by("workspace_id", "pk")
    )
