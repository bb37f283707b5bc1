"""Search results of the matching index, as the database has them when they are shown.

Reached through `kiemchung.claims.matching`; kept apart only to keep each module short.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from kiemchung.claims.matching_records import (
    INDEXED_CLAIM_STATES,
    KIND_APPEARANCE,
    KIND_CLAIM,
    KIND_EXTERNAL,
    KIND_FACTCHECK,
    parse_record,
    pks_of,
    published_by_key,
    record_id,
)
from kiemchung.claims.models import Appearance, Claim, ClaimState, FactCheck, rating_text_display
from kiemchung.matching.decision import NONE, SAME, decide_plain
from kiemchung.text.keyfacts import KeyFact
from kiemchung.text.keyfacts_compare import Conflict

if TYPE_CHECKING:
    from kiemchung.accounts.models import Workspace
    from kiemchung.matching.index import Match
    from kiemchung.publishing.models import ExternalFactCheck


def conflict_words(conflict: Conflict) -> str:
    """One key fact that differs, as an editor reads it: "Khác năm: 2030 ≠ 2027"."""
    labels = {
        "money": _("Khác số tiền"),
        "percent": _("Khác tỉ lệ"),
        "quantity": _("Khác số lượng"),
        "number": _("Khác con số"),
        "date": _("Khác ngày tháng"),
        "year": _("Khác năm"),
        "place": _("Khác địa danh"),
        "organisation": _("Khác cơ quan"),
        "modality": _("Khác mức độ (sẽ / đã, cấm / cho phép)"),
    }
    if conflict.kind == "negation":
        said = conflict.left or conflict.right
        return _("Một bên phủ định (“%(word)s”), bên kia không") % {"word": said}
    label = labels.get(conflict.kind, _("Khác chi tiết"))
    return f"{label}: {conflict.right or '–'} ≠ {conflict.left or '–'}"


class _Decided:
    """What every result shows of its decision."""

    score: float
    decision: str
    conflicts: tuple[Conflict, ...]

    @property
    def percent(self) -> int:
        return round(self.score * 100)

    @property
    def is_same(self) -> bool:
        """Its verdict applies to the text searched for."""
        return self.decision == SAME

    @property
    def differences(self) -> list[str]:
        """The key facts that differ, in words ("Khác năm: 2030 ≠ 2027")."""
        return [conflict_words(c) for c in self.conflicts]


@dataclass(frozen=True)
class SimilarRecord(_Decided):
    """One claim or published fact-check that may say the same as the text searched for."""

    record_id: str
    kind: str
    score: float
    decision: str  # "same" (its verdict applies), "related" (reading only) or "none"
    claim: Claim
    factcheck: FactCheck | None
    # The known wording that matched (a post the claim appeared in, a claim merged into it),
    # when the text matched that rather than the claim or fact-check itself.
    wording: str = ""
    # The key facts that differ between the text and this record, and those both state.
    conflicts: tuple[Conflict, ...] = ()
    shared: tuple[KeyFact, ...] = ()

    is_external = False


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
class ExternalMatch(_Decided):
    """A fact-check another team published (imported as ClaimReview) that may say the same.

    It is theirs: shown with their name, their rating and a link to their page, and never
    a claim to merge into.
    """

    record_id: str
    score: float
    decision: str  # "same" (its verdict applies), "related" (reading only) or "none"
    external: ExternalFactCheck
    conflicts: tuple[Conflict, ...] = ()
    shared: tuple[KeyFact, ...] = ()

    kind = KIND_EXTERNAL
    is_external = True
    is_factcheck = False
    is_open_claim = False


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


# Merges chain (a claim merged into one that was merged in turn); no chain is this long.
MERGE_DEPTH = 20


def _final_claims(workspace_id: int, pks: set[int]) -> tuple[dict[int, Claim], dict[int, Claim]]:
    """Each of these claims as it is now, or the claim it was merged into, followed to the end;
    and the claims themselves."""
    fields = ("workspace", "assignee")
    rows = {
        c.pk: c
        for c in Claim.objects.filter(workspace_id=workspace_id, pk__in=pks).select_related(*fields)
    }
    final = {pk: rows[pk] for pk in pks if pk in rows}
    for _depth in range(MERGE_DEPTH):
        wanted = {c.merged_into_id for c in final.values() if c.merged_into_id} - rows.keys()
        if wanted:
            more = Claim.objects.filter(workspace_id=workspace_id, pk__in=wanted)
            rows.update((c.pk, c) for c in more.select_related(*fields))
        moved = {
            pk: rows[c.merged_into_id]
            for pk, c in final.items()
            if c.merged_into_id and c.merged_into_id in rows
        }
        if not moved:
            break
        final.update(moved)
    return final, rows


def resolve(
    workspace: Workspace,
    matches: list[Match],
    k: int,
    *,
    kinds: Collection[str] = (KIND_CLAIM, KIND_FACTCHECK, KIND_EXTERNAL),
    exclude_claim: int | None = None,
) -> list[Similar]:
    """The matches as the database has them now, best first, at most `k`.

    A known wording (an appearance's text, a merged claim) shows the claim it belongs to, or
    that claim's fact-check once published; so does a claim published since the index saw it.
    Each claim or fact-check is shown once, with its best score. Rows gone or set aside are
    dropped, and so are results of other `kinds` (claim, factcheck, external) and the claim
    `exclude_claim` with its fact-check and wordings.

    Matches are read back a few more at a time than wanted (room for rows dropped), each by
    key; only when those leave fewer than `k` (the wordings of one claim filling the room) is
    the next few read.
    """
    window = 2 * k + 5
    out: list[Similar] = []
    seen: set[str] = set()
    for start in range(0, len(matches), window):
        for found in _read_back(workspace, matches[start : start + window], kinds):
            if found.kind not in kinds or found.record_id in seen:
                continue
            if isinstance(found, SimilarRecord) and found.claim.pk == exclude_claim:
                continue
            seen.add(found.record_id)
            out.append(found)
            if len(out) >= k:
                return out
    return out


def _read_back(
    workspace: Workspace, matches: list[Match], kinds: Collection[str]
) -> list[Similar]:
    """Each match as it is shown now (see `resolve`), in order; rows gone are left out."""
    keys = [(m, key) for m in matches if (key := parse_record(m.id)) is not None]
    ids = [m.id for m in matches]
    # Read by key; the claims they name are read in the workspace only.
    appearances = {
        pk: (claim_pk, text)
        for pk, claim_pk, text in Appearance.objects.filter(
            pk__in=pks_of(ids, KIND_APPEARANCE), wording=True
        ).values_list("pk", "claim_id", "text")
    }
    claims, rows = _final_claims(
        workspace.pk, {*pks_of(ids, KIND_CLAIM), *(c for c, _text in appearances.values())}
    )
    published = [c.pk for c in claims.values() if c.state == ClaimState.PUBLISHED]
    by_pk = {
        f.pk: f
        for f in published_by_key(
            workspace, Q(pk__in=pks_of(ids, KIND_FACTCHECK)) | Q(claim_id__in=published)
        )
    }
    by_claim = {f.claim_id: f for f in by_pk.values()}
    external_pks = pks_of(ids, KIND_EXTERNAL) if KIND_EXTERNAL in kinds else []
    externals = _external_rows(workspace, external_pks)
    thresholds = workspace.match_thresholds
    out: list[Similar] = []
    for match, (kind, pk) in keys:
        # Labelled by the workspace's own thresholds.
        verdict = (match.decision or decide_plain(match.score, thresholds)).under(thresholds)
        decision = verdict.label
        if decision == NONE:
            # Below "related" a result says nothing useful: it is not shown at all.
            continue
        conflicts, shared = verdict.conflicts, verdict.shared
        if kind == KIND_EXTERNAL:
            if pk in externals:
                out.append(ExternalMatch(match.id, match.score, decision, externals[pk],
                                         conflicts=conflicts, shared=shared))
            continue
        if kind == KIND_FACTCHECK:
            if pk in by_pk:
                factcheck = by_pk[pk]
                out.append(SimilarRecord(
                    match.id, kind, match.score, decision, factcheck.claim, factcheck,
                    conflicts=conflicts, shared=shared,
                ))
            continue
        # The wording that matched, when it is not the shown claim's own.
        if kind == KIND_APPEARANCE:
            claim_pk, wording = appearances.get(pk, (0, ""))
        else:
            claim_pk, wording = pk, ""
        claim = claims.get(claim_pk)
        if claim is None:
            continue
        if kind == KIND_CLAIM and claim.pk != pk:
            wording = rows[pk].text
        published_as = by_claim.get(claim.pk)
        if published_as is not None:
            shown = record_id(KIND_FACTCHECK, published_as.pk)
        elif claim.state in INDEXED_CLAIM_STATES:
            shown = record_id(KIND_CLAIM, claim.pk)
        else:
            continue
        out.append(SimilarRecord(
            shown,
            KIND_FACTCHECK if published_as else KIND_CLAIM,
            match.score,
            decision,
            claim,
            published_as,
            wording,
            conflicts=conflicts,
            shared=shared,
        ))
    return out
