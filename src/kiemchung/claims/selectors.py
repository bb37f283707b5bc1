"""Reads for claims and verdicts: my work, the claim list, a claim, the published fact-checks,
and the workspace-wide querysets that other apps' figures are counted from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db.models import F, Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from kiemchung.accounts.models import Member, Workspace
from kiemchung.accounts.permissions import Action, can
from kiemchung.claims.checklist import ChecklistItem, build_checklist
from kiemchung.claims.evidence_images import claim_text_or_images_has
from kiemchung.claims.models import (
    Appearance,
    Claim,
    ClaimState,
    Comment,
    Correction,
    Evidence,
    FactCheck,
    FactCheckState,
    FactCheckVersion,
    Review,
    VersionReason,
)
from kiemchung.text.normalize import fold

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# The states are re-exported so that other apps filter by them without importing claims' models.
__all__ = [
    "ClaimState", "FactCheckState", "HistoryEntry", "MyWork", "appearances_in", "appearances_of",
    "appearances_of_claims", "claim_detail", "claim_list", "claims_in_workspace",
    "factcheck_checklist", "factcheck_history", "factchecks_published_in", "my_work",
    "published_factchecks", "reviews_in",
]

_UNFINISHED = (ClaimState.OPEN, ClaimState.IN_PROGRESS, ClaimState.IN_REVIEW)


@dataclass(frozen=True)
class MyWork:
    """A member's home page: what is theirs to do now."""

    assigned: QuerySet[Claim]
    to_review: QuerySet[FactCheck]

    @property
    def is_empty(self) -> bool:
        return not self.assigned.exists() and not self.to_review.exists()


@dataclass(frozen=True)
class HistoryEntry:
    """One saved version of a verdict, with the correction that produced it, if any."""

    version: FactCheckVersion
    correction: Correction | None


def _claims(workspace: Workspace) -> QuerySet[Claim]:
    return Claim.objects.filter(workspace=workspace).select_related(
        "assignee", "factcheck", "factcheck__rating"
    )


def my_work(*, member: Member | None) -> MyWork:
    """Claims assigned to me and not finished; verdicts by others waiting for my review."""
    if member is None or not member.is_active:
        return MyWork(assigned=Claim.objects.none(), to_review=FactCheck.objects.none())
    assigned = (
        _claims(member.workspace)
        .filter(assignee_id=member.user_id, state__in=_UNFINISHED)
        .order_by("-updated_at", "-id")
    )
    to_review = FactCheck.objects.none()
    if can(member, Action.REVIEW):
        to_review = (
            FactCheck.objects.filter(
                claim__workspace=member.workspace, state=FactCheckState.IN_REVIEW
            )
            .exclude(author_id=member.user_id)
            .select_related("claim", "author", "rating")
            .order_by("updated_at", "id")
        )
    return MyWork(assigned=assigned, to_review=to_review)


def claim_list(
    *,
    workspace: Workspace,
    state: str | None = None,
    assignee: User | None = None,
    topic: str | None = None,
    q: str | None = None,
) -> QuerySet[Claim]:
    """The workspace's claims, newest activity first; `q` ignores case and diacritics, and
    finds its words in the claim's text or in the words read from its evidence images."""
    claims = _claims(workspace)
    if state:
        claims = claims.filter(state=state)
    if assignee is not None:
        claims = claims.filter(assignee=assignee)
    if topic:
        claims = claims.filter(topic__iexact=topic.strip())
    if q and q.strip():
        for word in fold(q).split():
            claims = claims.filter(claim_text_or_images_has(word))
    return claims.order_by("-updated_at", "-id")


def claim_detail(*, workspace: Workspace, pk: int) -> Claim:
    """One claim of the workspace with all that its page shows; 404 if not in this workspace."""
    queryset = (
        Claim.objects.filter(workspace=workspace)
        .select_related(
            "workspace",
            "assignee",
            "created_by",
            "factcheck",
            "factcheck__rating",
            "factcheck__author",
            "factcheck__reviewer",
        )
        .prefetch_related(
            "appearances",
            Prefetch(
                "evidence",
                queryset=Evidence.objects.select_related("snapshot", "added_by", "reading"),
            ),
            Prefetch(
                "comments",
                queryset=Comment.objects.select_related("author").prefetch_related("mentions"),
            ),
            "factcheck__versions",
            "factcheck__reviews__reviewer",
            "factcheck__corrections",
        )
    )
    return get_object_or_404(queryset, pk=pk)


def factcheck_checklist(*, factcheck: FactCheck) -> list[ChecklistItem]:
    """The writing checklist shown to the author; `required` items must be done to submit."""
    return build_checklist(factcheck)


def published_factchecks(*, workspace: Workspace | None = None) -> QuerySet[FactCheck]:
    """The one queryset of published fact-checks behind the public pages, feeds and sitemaps."""
    published = FactCheck.objects.filter(
        state=FactCheckState.PUBLISHED, published_at__isnull=False
    ).select_related("claim", "claim__workspace", "rating", "author", "reviewer")
    if workspace is not None:
        published = published.filter(claim__workspace=workspace)
    return published.order_by("-published_at", "-id")


def factcheck_history(
    *, factcheck: FactCheck, include_review_versions: bool = False
) -> list[HistoryEntry]:
    """The verdict's versions, oldest first, each with the correction that made it.

    By default only what readers may see: the published version and every correction.
    The newsroom passes `include_review_versions=True` to see each version sent to review.
    """
    versions = FactCheckVersion.objects.filter(factcheck=factcheck).select_related("saved_by")
    if not include_review_versions:
        versions = versions.filter(
            reason__in=(VersionReason.PUBLISHED, VersionReason.CORRECTED)
        )
    corrections = {
        c.to_version: c
        for c in Correction.objects.filter(factcheck=factcheck).select_related("author")
    }
    return [
        HistoryEntry(version=version, correction=corrections.get(version.number))
        for version in versions.order_by("number", "id")
    ]


def claims_in_workspace(*, workspace: Workspace, include_merged: bool = False) -> QuerySet[Claim]:
    """The workspace's claims, unordered; those merged into another are left out (they are
    counted in the claim they joined) unless `include_merged`."""
    if include_merged:
        return Claim.objects.filter(workspace=workspace)
    return Claim.objects.filter(workspace=workspace, merged_into__isnull=True)


def factchecks_published_in(
    *, workspace: Workspace, since: datetime | None = None, until: datetime | None = None
) -> QuerySet[FactCheck]:
    """The workspace's published fact-checks, published from `since` (included) until `until`
    (excluded) when given; unordered and with no related rows loaded, for counting them (the
    public pages use `published_factchecks`)."""
    window: dict[str, Any] = {}
    if since is not None:
        window["published_at__gte"] = since
    if until is not None:
        window["published_at__lt"] = until
    if not window:
        window["published_at__isnull"] = False
    return FactCheck.objects.filter(
        claim__workspace=workspace, state=FactCheckState.PUBLISHED, **window
    )


def appearances_in(*, workspace: Workspace) -> QuerySet[Appearance]:
    """Every recorded appearance of the workspace's claims."""
    return Appearance.objects.filter(claim__workspace=workspace)


def appearances_of(*, claim: Claim | int | F) -> QuerySet[Appearance]:
    """The recorded appearances of one claim; `claim` may be an `OuterRef` to the claims of an
    outer query, already of one workspace, so that the subquery needs no join to it."""
    return Appearance.objects.filter(claim=claim)


def appearances_of_claims(*, claim_ids: QuerySet[Any]) -> QuerySet[Appearance]:
    """The recorded appearances of these claims: a queryset of their ids, already of one
    workspace, so that no join to it is needed."""
    return Appearance.objects.filter(claim_id__in=claim_ids)


def reviews_in(*, workspace: Workspace) -> QuerySet[Review]:
    """Every review given on the workspace's fact-checks."""
    return Review.objects.filter(factcheck__claim__workspace=workspace)
