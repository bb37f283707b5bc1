"""Writes for verdicts: drafting, sending to review, the review itself, publishing, corrections.

Reached as `kiemchung.claims.services.<name>`; kept apart only to keep each module short.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from kiemchung.accounts.permissions import Action
from kiemchung.audit.services import audit_record
from kiemchung.claims.checklist import build_checklist, missing_required
from kiemchung.claims.matching import index_touch
from kiemchung.claims.models import (
    Claim,
    ClaimState,
    Correction,
    FactCheck,
    FactCheckState,
    FactCheckVersion,
    ProposalState,
    Rating,
    Review,
    ReviewDecision,
    VersionReason,
)
from kiemchung.claims.workflow import (
    CLAIM_TRANSITIONS,
    FACTCHECK_TRANSITIONS,
    acting_user,
    clean_required_text,
    factcheck_writers,
    locked,
    moves_from,
    snapshot,
)
from kiemchung.core import events
from kiemchung.text.normalize import fold

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from kiemchung.claims.workflow import Actor

TITLE_MAX = 300
SLUG_MAX = 100
TWO_PERSON_REVIEW = _lazy(
    "Quy tắc hai người: bạn đã viết, sửa hoặc gửi duyệt một phần của bản kết luận này (mức "
    "kết luận, tiêu đề, tóm tắt hoặc nội dung) nên không thể duyệt nó. Hãy nhờ một người chưa "
    "sửa bài duyệt."
)
TWO_PERSON_PUBLISH = _lazy(
    "Quy tắc hai người: bạn đã viết, sửa hoặc gửi duyệt một phần của bản kết luận này nên "
    "không thể công bố nó. Hãy nhờ người đã duyệt hoặc một biên tập viên khác công bố."
)
_VERDICT_FIELDS = ("rating", "title", "summary", "body")
# What readers take away as the verdict: changing it after publication needs a second person.
CONCLUSION_FIELDS = frozenset({"rating", "summary"})
CONCLUSION_NEEDS_SECOND_PERSON = _lazy(
    "Đính chính này đổi mức kết luận hoặc phần tóm tắt nên cần một người thứ hai duyệt trước "
    "khi công khai: hãy gửi đề nghị đính chính."
)


def slug_for_title(title: str, *, exclude_pk: int | None = None) -> str:
    """An ASCII slug, unique among fact-checks: "Sai sự thật" → "sai-su-that"."""
    base = slugify(fold(title), allow_unicode=False)[:SLUG_MAX].strip("-") or "kiem-chung"
    others = FactCheck.objects.filter(slug__startswith=base)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    taken = set(others.values_list("slug", flat=True))
    slug, n = base, 2
    while slug in taken:
        suffix = f"-{n}"
        slug = base[: SLUG_MAX - len(suffix)].rstrip("-") + suffix
        n += 1
    return slug


def _check_rating(*, claim: Claim, rating: Rating | None, current_id: int | None) -> None:
    if rating is None:
        return
    if rating.workspace_id != claim.workspace_id:
        raise ValidationError({"rating": _("Kết luận phải thuộc thang kết luận của nhóm.")})
    if not rating.is_active and rating.pk != current_id:
        raise ValidationError({"rating": _("Mức kết luận này đã ngừng sử dụng.")})


def _clean_title(title: str | None) -> str:
    value = (title or "").strip()
    if len(value) > TITLE_MAX:
        raise ValidationError({"title": _("Tiêu đề tối đa %(max)d ký tự.") % {"max": TITLE_MAX}})
    return value


def _version_save(factcheck: FactCheck, *, actor: User, reason: str) -> FactCheckVersion:
    last = factcheck.versions.aggregate(last=Max("number"))["last"] or 0
    version = FactCheckVersion.objects.create(
        factcheck=factcheck,
        number=last + 1,
        rating_label=factcheck.rating.label if factcheck.rating else "",
        title=factcheck.title,
        summary=factcheck.summary,
        body=factcheck.body,
        saved_by=actor,
        reason=reason,
    )
    factcheck.version = version.number
    return version


def _set_claim_state(claim: Claim, state: str) -> None:
    claim.state = state
    claim.save(update_fields=["state", "assignee", "updated_at"])


def factcheck_save(
    *,
    claim: Claim,
    actor: Actor,
    rating: Rating | None,
    title: str,
    summary: str,
    body: str,
) -> FactCheck:
    """Write or rewrite the draft verdict; whoever writes it first is its author."""
    user = acting_user(actor=actor, workspace=claim.workspace, action=Action.WRITE_VERDICT)
    locked(claim)
    if claim.state == ClaimState.DISMISSED:
        raise ValidationError(_("Nhận định đã bị bỏ qua; hãy mở lại trước khi viết kết luận."))
    if claim.state == ClaimState.PUBLISHED:
        raise ValidationError(_("Kết luận đã công bố; muốn thay đổi hãy đăng một đính chính."))
    factcheck = FactCheck.objects.filter(claim=claim).first()
    if factcheck is not None:
        locked(factcheck)
        if factcheck.state == FactCheckState.IN_REVIEW:
            raise ValidationError(
                _("Kết luận đang chờ duyệt; hãy chờ người duyệt trả lời trước khi sửa.")
            )
    _check_rating(
        claim=claim, rating=rating, current_id=factcheck.rating_id if factcheck else None
    )
    values: dict[str, Any] = {
        "rating": rating,
        "title": _clean_title(title),
        "summary": (summary or "").strip(),
        "body": (body or "").strip(),
    }

    fields = (*_VERDICT_FIELDS, "state")
    before: dict[str, Any] | None = None
    if factcheck is None:
        factcheck = FactCheck(claim=claim, author=user, **values)
        action = "factcheck.create"
    else:
        before = {**snapshot(factcheck, fields), "claim_state": claim.state}
        action = "factcheck.update"
        for name, value in values.items():
            setattr(factcheck, name, value)
        draft = FactCheckState.DRAFT
        if factcheck.state in moves_from(FACTCHECK_TRANSITIONS, "factcheck_save", draft):
            # The approval was for the words the reviewer read, not for these.
            factcheck.state = draft
            factcheck.reviewer = None
    factcheck.save()

    working = ClaimState.IN_PROGRESS
    if claim.state in moves_from(CLAIM_TRANSITIONS, "factcheck_save", working):
        if claim.state == ClaimState.OPEN:
            claim.assignee = claim.assignee or user
        _set_claim_state(claim, working)

    after = {**snapshot(factcheck, fields), "claim_state": claim.state}
    if before is not None:
        changed = [name for name in after if before[name] != after[name]]
        if not changed:
            return factcheck
        before = {name: before[name] for name in changed}
        after = {name: after[name] for name in changed}
    audit_record(
        workspace=claim.workspace,
        actor=user,
        action=action,
        obj=factcheck,
        before=before,
        after=after,
    )
    return factcheck


def factcheck_submit(*, factcheck: FactCheck, actor: Actor) -> FactCheck:
    """Send the verdict to review once the checklist's required items are done."""
    claim = factcheck.claim
    user = acting_user(actor=actor, workspace=claim.workspace, action=Action.WRITE_VERDICT)
    locked(factcheck)
    locked(claim)
    to = FactCheckState.IN_REVIEW
    if factcheck.state not in moves_from(FACTCHECK_TRANSITIONS, "factcheck_submit", to):
        raise ValidationError(
            _("Kết luận đang ở trạng thái “%(state)s”, không thể gửi duyệt.")
            % {"state": factcheck.get_state_display()}
        )
    if claim.state not in moves_from(CLAIM_TRANSITIONS, "factcheck_submit", ClaimState.IN_REVIEW):
        raise ValidationError(
            _("Nhận định đang ở trạng thái “%(state)s”, không thể gửi duyệt.")
            % {"state": claim.get_state_display()}
        )
    missing = missing_required(build_checklist(factcheck))
    if missing:
        raise ValidationError(
            _("Chưa thể gửi duyệt, còn thiếu: %(items)s.")
            % {"items": "; ".join(str(item.label) for item in missing)}
        )
    before_state = factcheck.state
    version = _version_save(factcheck, actor=user, reason=VersionReason.SUBMITTED)
    factcheck.state = FactCheckState.IN_REVIEW
    factcheck.save(update_fields=["state", "version", "updated_at"])
    _set_claim_state(claim, ClaimState.IN_REVIEW)
    audit_record(
        workspace=claim.workspace,
        actor=user,
        action="factcheck.submit",
        obj=factcheck,
        before={"state": before_state},
        after={"state": factcheck.state, "version": version.number},
    )
    return factcheck


def review_submit(
    *, factcheck: FactCheck, actor: Actor, decision: str, comment: str = ""
) -> Review:
    """A second person approves the verdict or sends it back; nobody reviews their own."""
    claim = factcheck.claim
    user = acting_user(actor=actor, workspace=claim.workspace, action=Action.REVIEW)
    locked(factcheck)
    locked(claim)
    if decision not in ReviewDecision.values:
        raise ValidationError({"decision": _("Quyết định duyệt không hợp lệ.")})
    to = (
        FactCheckState.APPROVED
        if decision == ReviewDecision.APPROVE
        else FactCheckState.CHANGES_REQUESTED
    )
    if factcheck.state not in moves_from(FACTCHECK_TRANSITIONS, "review_submit", to):
        raise ValidationError(
            _("Kết luận đang ở trạng thái “%(state)s”, không có gì để duyệt.")
            % {"state": factcheck.get_state_display()}
        )
    if user.pk in factcheck_writers(factcheck):
        raise ValidationError(TWO_PERSON_REVIEW)
    note = (comment or "").strip()
    if decision == ReviewDecision.REQUEST_CHANGES and not note:
        raise ValidationError({"comment": _("Hãy ghi rõ cần sửa những gì.")})

    review = Review.objects.create(
        factcheck=factcheck,
        reviewer=user,
        decision=decision,
        comment=note,
        version=factcheck.version,
    )
    factcheck.state = to
    if decision == ReviewDecision.APPROVE:
        factcheck.reviewer = user
    elif claim.state in moves_from(CLAIM_TRANSITIONS, "review_submit", ClaimState.IN_PROGRESS):
        _set_claim_state(claim, ClaimState.IN_PROGRESS)
    factcheck.save(update_fields=["state", "reviewer", "updated_at"])
    audit_record(
        workspace=claim.workspace,
        actor=user,
        action=f"factcheck.{decision}",
        obj=factcheck,
        before={"state": FactCheckState.IN_REVIEW},
        after={"state": factcheck.state, "version": review.version, "comment": note},
    )
    return review


def factcheck_publish(*, factcheck: FactCheck, actor: Actor) -> FactCheck:
    """Publish an approved verdict under a stable slug."""
    claim = factcheck.claim
    user = acting_user(actor=actor, workspace=claim.workspace, action=Action.PUBLISH)
    locked(factcheck)
    locked(claim)
    if factcheck.state == FactCheckState.PUBLISHED:
        raise ValidationError(_("Kết luận này đã được công bố."))
    writers = factcheck_writers(factcheck)
    if (
        factcheck.state
        not in moves_from(FACTCHECK_TRANSITIONS, "factcheck_publish", FactCheckState.PUBLISHED)
        or factcheck.reviewer_id is None
        or factcheck.reviewer_id in writers
    ):
        raise ValidationError(
            _("Chỉ công bố được kết luận đã được một người khác duyệt.")
        )
    if user.pk in writers:
        raise ValidationError(TWO_PERSON_PUBLISH)
    if claim.state not in moves_from(CLAIM_TRANSITIONS, "factcheck_publish", ClaimState.PUBLISHED):
        raise ValidationError(
            _("Nhận định đang ở trạng thái “%(state)s”, không thể công bố.")
            % {"state": claim.get_state_display()}
        )
    factcheck.slug = factcheck.slug or slug_for_title(factcheck.title, exclude_pk=factcheck.pk)
    factcheck.published_at = timezone.now()
    _version_save(factcheck, actor=user, reason=VersionReason.PUBLISHED)
    factcheck.state = FactCheckState.PUBLISHED
    factcheck.save(update_fields=["slug", "published_at", "version", "state", "updated_at"])
    _set_claim_state(claim, ClaimState.PUBLISHED)
    audit_record(
        workspace=claim.workspace,
        actor=user,
        action="factcheck.publish",
        obj=factcheck,
        before={"state": FactCheckState.APPROVED},
        after={
            "state": factcheck.state,
            "slug": factcheck.slug,
            "version": factcheck.version,
            "published_at": factcheck.published_at.isoformat(),
        },
    )
    events.factcheck_published(factcheck=factcheck)
    index_touch(claims=[claim])
    # Imported here: publishing builds on claims, not the other way round.
    from kiemchung.publishing.announce import factcheck_announce_on_publish

    factcheck_announce_on_publish(factcheck=factcheck)
    return factcheck


def correction_changes(
    *,
    factcheck: FactCheck,
    rating: Rating | None,
    title: str | None,
    summary: str | None,
    body: str | None,
) -> dict[str, Any]:
    """The fields a correction would change, cleaned; ValidationError on a bad value."""
    _check_rating(claim=factcheck.claim, rating=rating, current_id=factcheck.rating_id)
    new: dict[str, Any] = {}
    if rating is not None:
        new["rating"] = rating
    if title is not None:
        new["title"] = _clean_title(title)
        if not new["title"]:
            raise ValidationError({"title": _("Bài đã công bố cần có tiêu đề.")})
    if summary is not None:
        new["summary"] = summary.strip()
    if body is not None:
        new["body"] = body.strip()
    return {k: v for k, v in new.items() if getattr(factcheck, k) != v}


def correction_open_check(factcheck: FactCheck) -> None:
    """Refuse a correction of a verdict that is not published or already has one waiting."""
    published = FactCheckState.PUBLISHED
    if factcheck.state not in moves_from(FACTCHECK_TRANSITIONS, "factcheck_correct", published):
        raise ValidationError(_("Chỉ đính chính được kết luận đã công bố."))
    if factcheck.correction_proposals.filter(state=ProposalState.PENDING).exists():
        raise ValidationError(
            _(
                "Một đính chính khác của bài này đang chờ duyệt; hãy chờ nó được duyệt hoặc "
                "từ chối trước."
            )
        )


def factcheck_correct(
    *,
    factcheck: FactCheck,
    actor: Actor,
    note: str,
    rating: Rating | None = None,
    title: str | None = None,
    summary: str | None = None,
    body: str | None = None,
) -> Correction:
    """Correct a published verdict in the open: a new version, the earlier ones kept.

    One person may correct the title or the body; a change of the rating or the summary (the
    conclusion readers take away) goes through `correction_propose` and a second person.
    """
    claim = factcheck.claim
    user = acting_user(actor=actor, workspace=claim.workspace, action=Action.CORRECT)
    locked(factcheck)
    correction_open_check(factcheck)
    clean_note = clean_required_text(
        note, field="note", message=_("Hãy ghi nội dung đính chính cho người đọc.")
    )
    changed = correction_changes(
        factcheck=factcheck, rating=rating, title=title, summary=summary, body=body
    )
    if CONCLUSION_FIELDS & set(changed):
        raise ValidationError(CONCLUSION_NEEDS_SECOND_PERSON)
    return correction_apply(factcheck=factcheck, user=user, note=clean_note, changed=changed)


def correction_apply(
    *,
    factcheck: FactCheck,
    user: User,
    note: str,
    changed: dict[str, Any],
    approved_by: User | None = None,
) -> Correction:
    """Make a checked correction public: the caller has locked the verdict and checked who
    may. `user` wrote it; `approved_by` is the second person, when one was needed."""
    claim = factcheck.claim
    clean_note = note
    before = snapshot(factcheck, tuple(changed))
    from_version = factcheck.version
    for name, value in changed.items():
        setattr(factcheck, name, value)
    version = _version_save(factcheck, actor=user, reason=VersionReason.CORRECTED)
    factcheck.last_corrected_at = timezone.now()
    factcheck.save()
    correction = Correction.objects.create(
        factcheck=factcheck,
        note=clean_note,
        author=user,
        from_version=from_version,
        to_version=version.number,
    )
    after = {**snapshot(factcheck, tuple(changed)), "version": version.number, "note": clean_note}
    if approved_by is not None:
        after["approved_by"] = approved_by.get_username()
    audit_record(
        workspace=claim.workspace,
        actor=approved_by or user,
        action="factcheck.correct",
        obj=factcheck,
        before={**before, "version": from_version},
        after=after,
    )
    events.factcheck_corrected(factcheck=factcheck, correction=correction)
    index_touch(claims=[claim])
    return correction
