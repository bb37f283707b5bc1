"""Search results of the matching index, as the database has them when they are shown.

Reached through `kiemchung.claims.matching`; kept apart only to keep each module short.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.urls import reverse

from kiemchung.claims.matching_records import (
    INDEXED_CLAIM_STATES,
    KIND_CLAIM,
    KIND_EXTERNAL,
    KIND_FACTCHECK,
    indexed_claims,
    indexed_factchecks,
    parse_record,
    pks_of,
)
from kiemchung.claims.models import Claim, FactCheck, rating_text_display

if TYPE_CHECKING:
    from kiemchung.accounts.models import Workspace
    from kiemchung.matching.index import Match
    from kiemchung.publishing.models import ExternalFactCheck


@dataclass(frozen=True)
class SimilarRecord:
    """One claim or published fact-check that may say the same as the text searched for."""

    record_id: str
    kind: str
    score: float
    decision: str  # "auto", "suggest" or "none", by the workspace's thresholds
    claim: Claim
    factcheck: FactCheck | None

    is_external = False

    @property
    def percent(self) -> int:
        return round(self.score * 100)

    @property
    def is_factcheck(self) -> bool:
        return self.kind == KIND_FACTCHECK

    @property
    def text(self) -> str:
        """The claim's wording."""
        return self.claim.text

    @property
    def title(self) -> str:
        if self.factcheck is not None and self.factcheck.title:
            return self.factcheck.title
        return self.claim.text

    @property
    def rating(self) -> str | None:
        if self.factcheck is None or self.factcheck.rating is None:
            return None
        return self.factcheck.rating.label

    @property
    def display_rating(self) -> str | None:
        """The rating in the reader's language while it keeps the default wording."""
        return rating_text_display(self.rating) if self.rating else None

    @property
    def date(self) -> datetime:
        """When the fact-check was published, or when the claim was recorded."""
        if self.factcheck is not None and self.factcheck.published_at is not None:
            return self.factcheck.published_at
        return self.claim.created_at

    @property
    def newsroom_path(self) -> str:
        return reverse("claims:detail", kwargs={"pk": self.claim.pk})

    @property
    def public_path(self) -> str:
        if self.factcheck is None:
            return ""
        return reverse(
            "publishing:factcheck_detail",
            kwargs={
                "workspace_slug": self.claim.workspace.slug,
                "pk": self.factcheck.pk,
                "slug": self.factcheck.slug or "-",
            },
        )

    @property
    def url(self) -> str:
        """Where to read it: the public page of a fact-check, the newsroom page of a claim."""
        return f"{settings.SITE_URL}{self.public_path or self.newsroom_path}"

    @property
    def is_open_claim(self) -> bool:
        return self.kind == KIND_CLAIM and self.claim.state in INDEXED_CLAIM_STATES


@dataclass(frozen=True)
class ExternalMatch:
    """A fact-check another team published (imported as ClaimReview) that may say the same.

    It is theirs: shown with their name, their rating and a link to their page, and never
    a claim to merge into.
    """

    record_id: str
    score: float
    decision: str  # "auto", "suggest" or "none", by the workspace's thresholds
    external: ExternalFactCheck

    kind = KIND_EXTERNAL
    is_external = True
    is_factcheck = False
    is_open_claim = False

    @property
    def percent(self) -> int:
        return round(self.score * 100)

    @property
    def text(self) -> str:
        """The claim they reviewed."""
        return self.external.claim_reviewed

    @property
    def title(self) -> str:
        return self.external.claim_reviewed

    @property
    def rating(self) -> str | None:
        return self.external.rating_label or None

    @property
    def display_rating(self) -> str | None:
        """Their label, as they wrote it."""
        return self.rating

    @property
    def date(self) -> date | None:
        """When they published it, when the review says."""
        return self.external.date_published

    @property
    def publisher(self) -> str:
        return self.external.publisher_name

    @property
    def attribution(self) -> str:
        """The credit line, "Kiểm chứng bởi <publisher>"."""
        return self.external.attribution

    @property
    def url(self) -> str:
        """Their page of the fact-check."""
        return self.external.url


Similar = SimilarRecord | ExternalMatch


def _external_rows(workspace: Workspace, pks: list[int]) -> dict[int, ExternalFactCheck]:
    if not pks:
        return {}
    from kiemchung.publishing.selectors_outlets import external_factchecks

    return {row.pk: row for row in external_factchecks(workspace=workspace).filter(pk__in=pks)}


def hydrate(workspace: Workspace, matches: list[Match], k: int) -> list[Similar]:
    """The matches as the database has them now: rows gone or no longer indexed are dropped."""
    ids = [m.id for m in matches]
    claims = {
        c.pk: c
        for c in indexed_claims(workspace.pk)
        .filter(pk__in=pks_of(ids, KIND_CLAIM))
        .select_related("workspace", "assignee")
    }
    factchecks = {
        f.pk: f for f in indexed_factchecks(workspace).filter(pk__in=pks_of(ids, KIND_FACTCHECK))
    }
    externals = _external_rows(workspace, pks_of(ids, KIND_EXTERNAL))
    thresholds = workspace.match_thresholds
    out: list[Similar] = []
    for match in matches:
        key = parse_record(match.id)
        if key is None:
            continue
        kind, pk = key
        decision = thresholds.decide(match.score)
        found: Similar | None = None
        if kind == KIND_EXTERNAL:
            if pk in externals:
                found = ExternalMatch(match.id, match.score, decision, externals[pk])
        elif kind == KIND_FACTCHECK:
            if pk in factchecks:
                factcheck = factchecks[pk]
                found = SimilarRecord(
                    match.id, kind, match.score, decision, factcheck.claim, factcheck
                )
        elif pk in claims:
            found = SimilarRecord(match.id, kind, match.score, decision, claims[pk], None)
        if found is not None:
            out.append(found)
        if len(out) >= k:
            break
    return out
