"""Reads for the public site, all starting from the one published queryset."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet

from kiemchung.accounts.models import Workspace
from kiemchung.claims import selectors as claim_selectors
from kiemchung.claims.models import (
    ArchiveStatus,
    Correction,
    Evidence,
    EvidenceKind,
    FactCheck,
    FactCheckVersion,
    Snapshot,
)


def workspace_by_slug(*, slug: str) -> Workspace | None:
    return Workspace.objects.filter(slug=slug).first()


def public_factchecks(*, workspace: Workspace) -> QuerySet[FactCheck]:
    """The team's published fact-checks, newest first."""
    return claim_selectors.published_factchecks(workspace=workspace)


def public_factcheck(*, workspace: Workspace, pk: int) -> FactCheck | None:
    """One published fact-check of the team; None when it is not (or no longer) public."""
    return public_factchecks(workspace=workspace).filter(pk=pk).first()


@dataclass(frozen=True)
class PublicSource:
    """A web source as readers see it: the original address and, when kept, our copy."""

    evidence: Evidence
    snapshot: Snapshot | None

    @property
    def archived_at(self) -> datetime | None:
        return self.snapshot.fetched_at if self.snapshot is not None else None


def public_sources(*, factcheck: FactCheck) -> list[PublicSource]:
    """The web sources of the verdict; documents and internal notes are not published."""
    sources: list[PublicSource] = []
    evidence = (
        Evidence.objects.filter(claim_id=factcheck.claim_id, kind=EvidenceKind.URL)
        .select_related("snapshot")
        .order_by("created_at", "id")
    )
    for item in evidence:
        kept = None
        if item.archive_status == ArchiveStatus.ARCHIVED:
            try:
                kept = item.snapshot
            except Snapshot.DoesNotExist:
                kept = None
        sources.append(PublicSource(evidence=item, snapshot=kept))
    return sources


def public_source_snapshot(*, factcheck: FactCheck, evidence_pk: int) -> Snapshot | None:
    """The archived copy of one of the verdict's web sources, if there is one."""
    return (
        Snapshot.objects.filter(
            evidence__pk=evidence_pk,
            evidence__claim_id=factcheck.claim_id,
            evidence__kind=EvidenceKind.URL,
            evidence__archive_status=ArchiveStatus.ARCHIVED,
        )
        .select_related("evidence")
        .first()
    )


def public_corrections(*, factcheck: FactCheck) -> list[Correction]:
    return list(factcheck.corrections.order_by("created_at", "id"))


def earlier_versions(*, factcheck: FactCheck) -> list[FactCheckVersion]:
    """Versions readers saw before the current one (published or corrected), newest first."""
    versions = factcheck.versions.filter(number__lt=factcheck.version).order_by("-number")
    return [version for version in versions if version.is_public]
