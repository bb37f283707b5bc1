"""Writes for claims, appearances, evidence, comments and the rating scale.

The verdict writes (save, submit, review, publish, correct) live in `verdicts.py`, corrections
that need a second person in `corrections.py`; both are re-exported here, so every write of
the app is `kiemchung.claims.services.<name>`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import Storage
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from kiemchung.accounts.models import Member, Workspace
from kiemchung.accounts.permissions import Action, can, require
from kiemchung.accounts.selectors import member_for
from kiemchung.audit.services import audit_record
from kiemchung.claims.corrections import (
    correction_propose,
    correction_review,
    proposal_changes,
)
from kiemchung.claims.documents import DocumentType, document_type, stored_name
from kiemchung.claims.evidence_images import (
    IMAGE_TYPES,
    evidence_image_reading_request,
    evidence_image_text_correct,
)
from kiemchung.claims.matching import KIND_APPEARANCE, index_changed, index_touch, record_id
from kiemchung.claims.merge import claim_merge
from kiemchung.claims.models import (
    Appearance,
    ArchiveStatus,
    Claim,
    ClaimState,
    Comment,
    Evidence,
    EvidenceKind,
    FactCheck,
    Snapshot,
)
from kiemchung.claims.ratings import (
    DEFAULT_RATINGS,
    NEUTRAL_COLOURS,
    TONE_COLOURS,
    ToneColours,
    ratings_ensure_default,
    ratings_update,
    tone_css,
)
from kiemchung.claims.verdicts import (
    factcheck_correct,
    factcheck_publish,
    factcheck_save,
    factcheck_submit,
    review_submit,
    slug_for_title,
)
from kiemchung.claims.workflow import (
    CLAIM_TRANSITIONS,
    acting_member,
    acting_user,
    clean_required_text,
    clean_url,
    limited,
    locked,
    moves_from,
    snapshot,
    username,
)
from kiemchung.core import events
from kiemchung.core.tasks import enqueue_on_commit

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from kiemchung.claims.workflow import Actor

__all__ = [
    "DEFAULT_RATINGS",
    "NEUTRAL_COLOURS",
    "TONE_COLOURS",
    "ToneColours",
    "appearance_add",
    "claim_assign",
    "claim_create",
    "claim_delete",
    "claim_dismiss",
    "claim_merge",
    "claim_reopen",
    "claim_start",
    "claim_update",
    "comment_add",
    "correction_propose",
    "correction_review",
    "evidence_add",
    "evidence_image_text_correct",
    "evidence_rearchive",
    "factcheck_correct",
    "factcheck_publish",
    "factcheck_save",
    "factcheck_submit",
    "proposal_changes",
    "ratings_ensure_default",
    "ratings_update",
    "review_submit",
    "slug_for_title",
    "tone_css",
]

CLAIM_TEXT_MAX = 2000
TOPIC_MAX = 80
PLATFORM_MAX = 40
TAG_MAX = 40
TAGS_MAX = 20
EVIDENCE_TITLE_MAX = 300
COMMENT_MAX = 5000
# Django user names may hold letters, digits and @ . + - _; a mention never ends on a full stop.
_MENTION_RE = re.compile(r"(?<![\w@.])@([\w.+-]*[\w+-])")

_CLAIM_FIELDS = ("text", "topic", "tags", "state", "assignee")


def _clean_claim_text(text: str | None) -> str:
    value = clean_required_text(
        text, field="text", message=_("Hãy nhập nội dung nhận định cần kiểm chứng.")
    )
    return limited(value, field="text", limit=CLAIM_TEXT_MAX)


def _clean_tags(tags: Iterable[str]) -> list[str]:
    if isinstance(tags, str):
        tags = tags.split(",")
    cleaned: list[str] = []
    seen: set[str] = set()
    for raw in tags:
        tag = limited(str(raw), field="tags", limit=TAG_MAX)
        if tag and tag.casefold() not in seen:
            seen.add(tag.casefold())
            cleaned.append(tag)
    if len(cleaned) > TAGS_MAX:
        raise ValidationError({"tags": _("Tối đa %(max)d thẻ.") % {"max": TAGS_MAX}})
    return cleaned


def _check_assignable(*, workspace: Workspace, assignee: User) -> None:
    if not can(member_for(user=assignee, workspace=workspace), Action.WRITE_VERDICT):
        raise ValidationError(
            {
                "assignee": _(
                    "Chỉ có thể phân công cho thành viên đang hoạt động của nhóm "
                    "có quyền viết kết luận."
                )
            }
        )


def claim_create(
    *,
    workspace: Workspace,
    actor: Actor,
    text: str,
    topic: str = "",
    tags: Sequence[str] = (),
    assignee: User | None = None,
    appearance_url: str = "",
    platform: str = "",
) -> Claim:
    """Record a checkable claim; a checker's own claims are assigned to them."""
    member = acting_member(actor=actor, workspace=workspace, action=Action.CREATE_CLAIM)
    user = member.user
    clean_text = _clean_claim_text(text)
    clean_topic = limited(topic, field="topic", limit=TOPIC_MAX)
    clean_tags = _clean_tags(tags)
    url = clean_url(appearance_url, field="appearance_url")
    clean_platform = limited(platform, field="platform", limit=PLATFORM_MAX)
    if assignee is not None and assignee.pk != user.pk:
        require(member, Action.ASSIGN)
    if assignee is None and not can(member, Action.ASSIGN) and can(member, Action.WRITE_VERDICT):
        assignee = user
    if assignee is not None:
        _check_assignable(workspace=workspace, assignee=assignee)

    claim = Claim.objects.create(
        workspace=workspace,
        text=clean_text,
        topic=clean_topic,
        tags=clean_tags,
        assignee=assignee,
        created_by=user,
    )
    after = snapshot(claim, _CLAIM_FIELDS)
    if url or clean_platform:
        Appearance.objects.create(claim=claim, url=url, platform=clean_platform, added_by=user)
        after["appearance"] = {"url": url, "platform": clean_platform}
    audit_record(workspace=workspace, actor=user, action="claim.create", obj=claim, after=after)
    events.claim_created(claim=claim)
    index_touch(claims=[claim])
    return claim


def claim_update(
    *,
    claim: Claim,
    actor: Actor,
    text: str | None = None,
    topic: str | None = None,
    tags: Sequence[str] | None = None,
) -> Claim:
    """Change a claim's wording, topic or tags; the wording is frozen once published."""
    user = acting_user(actor=actor, workspace=claim.workspace, action=Action.EDIT)
    locked(claim)
    new: dict[str, Any] = {}
    if text is not None:
        new["text"] = _clean_claim_text(text)
    if topic is not None:
        new["topic"] = limited(topic, field="topic", limit=TOPIC_MAX)
    if tags is not None:
        new["tags"] = _clean_tags(tags)
    changed = {name: value for name, value in new.items() if getattr(claim, name) != value}
    if not changed:
        return claim
    if "text" in changed and claim.state == ClaimState.PUBLISHED:
        raise ValidationError(
            {"text": _("Nhận định đã công bố; muốn sửa nội dung hãy đăng một đính chính.")}
        )
    before = snapshot(claim, tuple(changed))
    for name, value in changed.items():
        setattr(claim, name, value)
    claim.save(update_fields=[*changed, "updated_at"])
    audit_record(
        workspace=claim.workspace,
        actor=user,
        action="claim.update",
        obj=claim,
        before=before,
        after=snapshot(claim, tuple(changed)),
    )
    if "text" in changed:
        index_touch(claims=[claim])
    return claim


def claim_assign(*, claim: Claim, actor: Actor, assignee: User | None) -> Claim:
    """Give the claim to a member who may write verdicts, or to nobody (None)."""
    user = acting_user(actor=actor, workspace=claim.workspace, action=Action.ASSIGN)
    locked(claim)
    if claim.is_finished:
        raise ValidationError(
            _("Nhận định đã kết thúc (đã công bố hoặc bỏ qua), không cần phân công.")
        )
    if assignee is not None:
        _check_assignable(workspace=claim.workspace, assignee=assignee)
    if claim.assignee_id == (assignee.pk if assignee is not None else None):
        return claim
    before = {"assignee": username(claim.assignee)}
    claim.assignee = assignee
    claim.save(update_fields=["assignee", "updated_at"])
    audit_record(
        workspace=claim.workspace,
        actor=user,
        action="claim.assign",
        obj=claim,
        before=before,
        after={"assignee": username(assignee)},
    )
    return claim


def _transition(
    *,
    claim: Claim,
    actor: User,
    action: str,
    service: str,
    to: str,
    error: str,
    extra: dict[str, Any] | None = None,
) -> Claim:
    if claim.state not in moves_from(CLAIM_TRANSITIONS, service, to):
        raise ValidationError(error % {"state": claim.get_state_display()})
    fields = ("state", "assignee", "dismiss_reason")
    before = snapshot(claim, fields)
    claim.state = to
    for name, value in (extra or {}).items():
        setattr(claim, name, value)
    claim.save(update_fields=["state", "assignee", "dismiss_reason", "merged_into", "updated_at"])
    after = snapshot(claim, fields)
    audit_record(
        workspace=claim.workspace,
        actor=actor,
        action=action,
        obj=claim,
        before={k: v for k, v in before.items() if after[k] != v},
        after={k: v for k, v in after.items() if before[k] != v},
    )
    return claim


def claim_start(*, claim: Claim, actor: Actor) -> Claim:
    """Begin verification (open → in progress); an unassigned claim goes to whoever starts it."""
    user = acting_user(actor=actor, workspace=claim.workspace, action=Action.WRITE_VERDICT)
    locked(claim)
    return _transition(
        claim=claim,
        actor=user,
        action="claim.start",
        service="claim_start",
        to=ClaimState.IN_PROGRESS,
        error=_("Chỉ bắt đầu kiểm chứng được nhận định mới; nhận định này đang ở trạng thái "
                "“%(state)s”."),
        extra={"assignee": claim.assignee or user},
    )


def claim_dismiss(*, claim: Claim, actor: Actor, reason: str) -> Claim:
    """Set a claim aside as not worth checking, saying why."""
    user = acting_user(actor=actor, workspace=claim.workspace, action=Action.EDIT)
    clean_reason = clean_required_text(
        reason, field="reason", message=_("Hãy ghi lý do bỏ qua nhận định này.")
    )
    locked(claim)
    _transition(
        claim=claim,
        actor=user,
        action="claim.dismiss",
        service="claim_dismiss",
        to=ClaimState.DISMISSED,
        error=_("Không thể bỏ qua nhận định đang ở trạng thái “%(state)s”."),
        extra={"dismiss_reason": clean_reason},
    )
    index_touch(claims=[claim])
    return claim


def claim_reopen(*, claim: Claim, actor: Actor) -> Claim:
    """Bring a dismissed claim back to the open list."""
    user = acting_user(actor=actor, workspace=claim.workspace, action=Action.EDIT)
    locked(claim)
    _transition(
        claim=claim,
        actor=user,
        action="claim.reopen",
        service="claim_reopen",
        to=ClaimState.OPEN,
        error=_("Chỉ mở lại được nhận định đã bỏ qua; nhận định này đang ở trạng thái "
                "“%(state)s”."),
        # A merged claim reopened stands on its own again; what was moved stays moved.
        extra={"dismiss_reason": "", "merged_into": None},
    )
    index_touch(claims=[claim])
    return claim


def _delete_files(names: list[tuple[Storage, str]]) -> None:
    for storage, name in names:
        storage.delete(name)


def claim_delete(*, claim: Claim, actor: Actor) -> None:
    """Delete a claim with everything attached to it; never once its verdict is published."""
    user = acting_user(actor=actor, workspace=claim.workspace, action=Action.DELETE)
    locked(claim)
    published = FactCheck.objects.filter(claim=claim, published_at__isnull=False).exists()
    if claim.state == ClaimState.PUBLISHED or published:
        raise ValidationError(
            _("Không thể xóa nhận định đã công bố kết luận; hãy đăng đính chính nếu cần.")
        )
    files: list[tuple[Storage, str]] = [
        (evidence.document.storage, evidence.document.name)
        for evidence in Evidence.objects.filter(claim=claim).exclude(document="")
        if evidence.document.name
    ]
    files += [
        (archived.body.storage, archived.body.name)
        for archived in Snapshot.objects.filter(evidence__claim=claim).exclude(body="")
        if archived.body.name
    ]
    audit_record(
        workspace=claim.workspace,
        actor=user,
        action="claim.delete",
        obj=claim,
        before=snapshot(claim, _CLAIM_FIELDS),
    )
    index_touch(claims=[claim])
    claim.delete()
    # Stored files go only once the rows are surely gone.
    transaction.on_commit(lambda: _delete_files(files))


def appearance_add(
    *,
    claim: Claim,
    actor: Actor,
    url: str = "",
    platform: str = "",
    seen_at: datetime | None = None,
    text: str = "",
    wording: bool = True,
) -> Appearance:
    """Record one more place where the claim was seen.

    Its `text`, when given, is the claim as it was worded there, and matching finds the claim
    by it; pass `wording=False` when the text is a note about the sighting instead.
    """
    user = acting_user(actor=actor, workspace=claim.workspace, action=Action.EDIT)
    clean = clean_url(url)
    body = (text or "").strip()
    if not clean and not body:
        raise ValidationError(_("Hãy nhập đường dẫn hoặc nội dung nơi nhận định xuất hiện."))
    clean_platform = limited(platform, field="platform", limit=PLATFORM_MAX)
    if clean and Appearance.objects.filter(claim=claim, url=clean).exists():
        raise ValidationError({"url": _("Đường dẫn này đã được ghi nhận cho nhận định.")})
    appearance = Appearance.objects.create(
        claim=claim,
        url=clean,
        platform=clean_platform,
        seen_at=seen_at,
        text=body,
        wording=wording,
        added_by=user,
    )
    audit_record(
        workspace=claim.workspace,
        actor=user,
        action="appearance.add",
        obj=appearance,
        after={
            "claim": claim.pk,
            "url": clean,
            "platform": clean_platform,
            "seen_at": seen_at.isoformat() if seen_at else None,
        },
    )
    if body and wording:
        index_changed(
            workspace_id=claim.workspace_id, records=[record_id(KIND_APPEARANCE, appearance.pk)]
        )
    return appearance


def _check_document(document: File | None) -> tuple[File, DocumentType]:
    """The uploaded file and what its content says it is; refused when it is empty, too big
    or not a kind of document the newsroom keeps (its name is not asked)."""
    if document is None or not getattr(document, "name", ""):
        raise ValidationError({"document": _("Hãy chọn tệp tài liệu để tải lên.")})
    limit_mb = settings.UPLOAD_MAX_MB
    size = document.size or 0
    if size <= 0:
        raise ValidationError({"document": _("Tệp tải lên đang trống.")})
    if size > limit_mb * 1024 * 1024:
        raise ValidationError(
            {"document": _("Tệp lớn hơn giới hạn %(max)d MB.") % {"max": limit_mb}}
        )
    kind = document_type(document)
    if kind is None:
        raise ValidationError(
            {
                "document": _(
                    "Tệp này không phải là một tài liệu được nhận. Các loại được nhận: "
                    "%(kinds)s, ảnh, âm thanh và video. Văn bản thuần hãy dán vào một ghi chú."
                )
                % {"kinds": "PDF, Word, Excel, PowerPoint, OpenDocument"}
            }
        )
    return document, kind


def _enqueue_archive(evidence: Evidence) -> None:
    from kiemchung.claims.tasks import evidence_archive

    enqueue_on_commit(evidence_archive, evidence.pk)


def evidence_add(
    *,
    claim: Claim,
    actor: Actor,
    kind: str,
    url: str = "",
    title: str = "",
    note: str = "",
    document: File | None = None,
) -> Evidence:
    """Attach a source to the claim; after commit, a web page is archived and the words of an
    image (a screenshot, a photo) are read, in the background."""
    user = acting_user(actor=actor, workspace=claim.workspace, action=Action.ADD_EVIDENCE)
    if kind not in EvidenceKind.values:
        raise ValidationError({"kind": _("Loại bằng chứng không hợp lệ.")})
    clean_title = limited(title, field="title", limit=EVIDENCE_TITLE_MAX)
    clean_note = (note or "").strip()
    clean = clean_url(url)
    status = ArchiveStatus.NOT_NEEDED
    document_kind: DocumentType | None = None
    if kind == EvidenceKind.URL:
        if not clean:
            raise ValidationError({"url": _("Hãy nhập đường dẫn của nguồn.")})
        status = ArchiveStatus.PENDING
    elif kind == EvidenceKind.DOCUMENT:
        document, document_kind = _check_document(document)
    elif not clean_note:
        raise ValidationError({"note": _("Hãy nhập nội dung ghi chú.")})

    evidence = Evidence(
        claim=claim,
        kind=kind,
        url=clean,
        title=clean_title,
        note=clean_note,
        added_by=user,
        archive_status=status,
    )
    if document_kind is not None and document is not None:
        name = stored_name(PurePath(str(document.name)).name, document_kind)
        evidence.document.save(name, document, save=False)
    evidence.save()
    audit_record(
        workspace=claim.workspace,
        actor=user,
        action="evidence.add",
        obj=evidence,
        after={
            "claim": claim.pk,
            "kind": kind,
            "url": clean,
            "title": clean_title,
            "document": evidence.document.name or "",
            "archive_status": status,
        },
    )
    if status == ArchiveStatus.PENDING:
        _enqueue_archive(evidence)
    if document_kind in IMAGE_TYPES:
        evidence_image_reading_request(evidence=evidence)
    return evidence


def evidence_rearchive(*, evidence: Evidence, actor: Actor) -> Evidence:
    """Fetch and archive a web source again, e.g. after a failed attempt."""
    user = acting_user(actor=actor, workspace=evidence.claim.workspace, action=Action.ADD_EVIDENCE)
    locked(evidence)
    if evidence.kind != EvidenceKind.URL:
        raise ValidationError(_("Chỉ lưu trữ lại được bằng chứng dạng đường dẫn."))
    if evidence.archive_status == ArchiveStatus.PENDING:
        raise ValidationError(_("Nguồn này đang được lưu trữ; hãy chờ kết quả."))
    before = {"archive_status": evidence.archive_status, "archive_error": evidence.archive_error}
    evidence.archive_status = ArchiveStatus.PENDING
    evidence.archive_error = ""
    evidence.save(update_fields=["archive_status", "archive_error", "updated_at"])
    audit_record(
        workspace=evidence.claim.workspace,
        actor=user,
        action="evidence.rearchive",
        obj=evidence,
        before=before,
        after={"archive_status": evidence.archive_status},
    )
    _enqueue_archive(evidence)
    return evidence


def evidence_remove(*, evidence: Evidence, actor: Actor) -> None:
    """Take a source off a claim still being worked on, with its stored copy or document.

    Once the verdict is published, readers have seen its sources: they change only through a
    correction, never silently.
    """
    claim = evidence.claim
    user = acting_user(actor=actor, workspace=claim.workspace, action=Action.ADD_EVIDENCE)
    locked(claim)
    published = FactCheck.objects.filter(claim=claim, published_at__isnull=False).exists()
    if claim.state not in (ClaimState.OPEN, ClaimState.IN_PROGRESS, ClaimState.IN_REVIEW) or (
        published
    ):
        raise ValidationError(
            _("Nguồn của một kết luận đã công bố chỉ thay đổi qua đính chính, không xóa được.")
        )
    files: list[tuple[Storage, str]] = []
    if evidence.document.name:
        files.append((evidence.document.storage, evidence.document.name))
    kept = Snapshot.objects.filter(evidence=evidence).exclude(body="").first()
    if kept is not None and kept.body.name:
        files.append((kept.body.storage, kept.body.name))
    audit_record(
        workspace=claim.workspace,
        actor=user,
        action="evidence.remove",
        obj=evidence,
        before={"claim": claim.pk, "kind": evidence.kind, "url": evidence.url,
                "title": evidence.title, "document": evidence.document.name or ""},
    )
    evidence.delete()
    transaction.on_commit(lambda: _delete_files(files))


def _mentioned_members(*, workspace: Workspace, body: str) -> list[Member]:
    names = {name.casefold() for name in _MENTION_RE.findall(body)}
    if not names:
        return []
    query = Q()
    for name in names:
        query |= Q(user__username__iexact=name)
    return list(
        Member.objects.select_related("user")
        .filter(query, workspace=workspace, is_active=True)
        .order_by("user__username")
    )


def comment_add(*, claim: Claim, actor: Actor, body: str) -> Comment:
    """Comment on a claim; @username mentions of members of the workspace are recorded."""
    user = acting_user(actor=actor, workspace=claim.workspace, action=Action.COMMENT)
    text = clean_required_text(body, field="body", message=_("Bình luận đang trống."))
    text = limited(text, field="body", limit=COMMENT_MAX)
    comment = Comment.objects.create(claim=claim, author=user, body=text)
    mentioned = [member.user for member in _mentioned_members(workspace=claim.workspace, body=text)]
    comment.mentions.set(mentioned)
    audit_record(
        workspace=claim.workspace,
        actor=user,
        action="comment.add",
        obj=comment,
        after={
            "claim": claim.pk,
            "body": text,
            "mentions": [user.get_username() for user in mentioned],
        },
    )
    return comment
