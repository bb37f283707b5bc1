"""Rules shared by the claim and verdict services: who is acting, and which moves are allowed."""

from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models, transaction
from django.utils.translation import gettext as _

from kiemchung.accounts.models import Member, Workspace
from kiemchung.accounts.permissions import Action
from kiemchung.accounts.selectors import member_acting
from kiemchung.audit.models import AuditEvent
from kiemchung.claims.models import ClaimState, FactCheck, FactCheckState

if TYPE_CHECKING:
    from typing import TypeAlias

    from django.contrib.auth.models import AnonymousUser, User

    # Whoever a view or the API hands over as request.user; services turn it into a member.
    Actor: TypeAlias = User | AnonymousUser

ModelT = TypeVar("ModelT", bound=models.Model)

# Every move a claim can make, and the service that makes it. docs/WORKFLOW.md describes
# the same table; tests/claims/test_workflow_docs.py keeps the two in step.
CLAIM_TRANSITIONS: list[tuple[str, tuple[str, ...], str]] = [
    ("claim_start", (ClaimState.OPEN,), ClaimState.IN_PROGRESS),
    ("factcheck_save", (ClaimState.OPEN,), ClaimState.IN_PROGRESS),
    ("claim_dismiss", (ClaimState.OPEN, ClaimState.IN_PROGRESS), ClaimState.DISMISSED),
    ("claim_merge", (ClaimState.OPEN, ClaimState.IN_PROGRESS), ClaimState.DISMISSED),
    ("claim_reopen", (ClaimState.DISMISSED,), ClaimState.OPEN),
    ("factcheck_submit", (ClaimState.OPEN, ClaimState.IN_PROGRESS), ClaimState.IN_REVIEW),
    ("review_submit", (ClaimState.IN_REVIEW,), ClaimState.IN_PROGRESS),
    ("factcheck_save", (ClaimState.IN_REVIEW,), ClaimState.IN_PROGRESS),
    ("factcheck_publish", (ClaimState.IN_REVIEW,), ClaimState.PUBLISHED),
]

FACTCHECK_TRANSITIONS: list[tuple[str, tuple[str, ...], str]] = [
    (
        "factcheck_submit",
        (FactCheckState.DRAFT, FactCheckState.CHANGES_REQUESTED),
        FactCheckState.IN_REVIEW,
    ),
    ("review_submit", (FactCheckState.IN_REVIEW,), FactCheckState.CHANGES_REQUESTED),
    ("review_submit", (FactCheckState.IN_REVIEW,), FactCheckState.APPROVED),
    ("factcheck_save", (FactCheckState.APPROVED,), FactCheckState.DRAFT),
    ("factcheck_publish", (FactCheckState.APPROVED,), FactCheckState.PUBLISHED),
    ("factcheck_correct", (FactCheckState.PUBLISHED,), FactCheckState.PUBLISHED),
]



def moves_from(
    table: list[tuple[str, tuple[str, ...], str]], service: str, to: str
) -> tuple[str, ...]:
    """The states from which `service` may move to `to`, as the table says."""
    sources = tuple(
        source
        for name, froms, target in table
        if name == service and target == to
        for source in froms
    )
    if not sources:
        raise LookupError(f"{service} never moves to {to}")
    return sources


# The parts of a verdict whose writers may not approve or publish it.
VERDICT_TEXT_FIELDS = frozenset({"rating", "title", "summary", "body"})
_WRITING_ACTIONS = ("factcheck.create", "factcheck.update", "factcheck.submit")


def factcheck_writers(factcheck: FactCheck) -> set[int]:
    """Ids of everyone who wrote part of the verdict as it now stands, or sent it to review,
    since it was last published (so far: ever, since a verdict is published once).

    Read from the audit trail, which every save writes in the same transaction and nobody can
    change: the first author, whoever rewrote the rating, title, summary or body, and whoever
    submitted a version. Saving words that were already there writes nothing.
    """
    events = AuditEvent.objects.filter(
        object_type=FactCheck._meta.label_lower, object_id=str(factcheck.pk)
    )
    last_published = (
        events.filter(action="factcheck.publish").order_by("-id").values_list("id", flat=True)
    ).first()
    if last_published is not None:
        events = events.filter(id__gt=last_published)
    writers = {factcheck.author_id}
    for actor_id, action, after in events.filter(action__in=_WRITING_ACTIONS).values_list(
        "actor_id", "action", "after"
    ):
        wrote = action == "factcheck.submit" or VERDICT_TEXT_FIELDS & set(after or {})
        if actor_id is not None and wrote:
            writers.add(actor_id)
    submitted = factcheck.versions.filter(number=factcheck.version).values_list(
        "saved_by_id", flat=True
    )
    writers.update(user_id for user_id in submitted if user_id is not None)
    return writers


_http_url = URLValidator(schemes=["http", "https"])
URL_MAX_LENGTH = 2000


def acting_member(*, actor: Actor, workspace: Workspace, action: Action) -> Member:
    """The actor's active membership in the workspace; PermissionDenied unless it allows action."""
    return member_acting(actor=actor, workspace_id=workspace.pk, action=action)


def acting_user(*, actor: Actor, workspace: Workspace, action: Action) -> User:
    """The acting user once their membership allows `action` (see acting_member)."""
    return acting_member(actor=actor, workspace=workspace, action=action).user


def locked(obj: ModelT) -> ModelT:
    """Reload `obj` from the database, locking its row when the caller holds a transaction.

    State checks then see what another request may just have written, and two reviewers
    cannot both act on the same verdict.
    """
    obj.refresh_from_db(from_queryset=lock_rows(type(obj)._default_manager.all()))
    return obj


def lock_rows(queryset: models.QuerySet[ModelT]) -> models.QuerySet[ModelT]:
    """The same rows, locked for the caller's transaction when there is one."""
    if transaction.get_connection().in_atomic_block:
        return queryset.select_for_update()
    return queryset


def clean_url(value: str, *, field: str = "url") -> str:
    """An http(s) URL, stripped; ValidationError with a Vietnamese message otherwise."""
    url = (value or "").strip()
    if not url:
        return ""
    if len(url) > URL_MAX_LENGTH:
        raise ValidationError(
            {field: _("Đường dẫn dài quá %(max)d ký tự.") % {"max": URL_MAX_LENGTH}}
        )
    try:
        _http_url(url)
    except ValidationError:
        raise ValidationError(
            {field: _("Đường dẫn phải bắt đầu bằng http:// hoặc https:// và hợp lệ.")}
        ) from None
    return url


def limited(value: str | None, *, field: str, limit: int) -> str:
    """Stripped NFC text of at most `limit` characters; ValidationError on `field` otherwise."""
    text = unicodedata.normalize("NFC", (value or "").strip())
    if len(text) > limit:
        raise ValidationError({field: _("Tối đa %(max)d ký tự.") % {"max": limit}})
    return text


def clean_required_text(value: str | None, *, field: str, message: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationError({field: message})
    return text


def username(user: User | None) -> str | None:
    return user.get_username() if user is not None else None


def snapshot(obj: models.Model, fields: tuple[str, ...]) -> dict[str, Any]:
    """Plain JSON values of some fields of `obj`, for the before/after of an audit event."""
    values: dict[str, Any] = {}
    for name in fields:
        value = getattr(obj, name)
        if isinstance(value, models.Model):
            value = value.get_username() if hasattr(value, "get_username") else str(value)
        elif isinstance(value, list | tuple):
            value = list(value)
        values[name] = value
    return values
