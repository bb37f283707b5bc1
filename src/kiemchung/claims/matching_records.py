"""What a workspace's matching index holds, read from the database.

Reached through `kiemchung.claims.matching`; kept apart only to keep each module short.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db.models import Q

from kiemchung.claims.models import Appearance, Claim, ClaimState, FactCheck
from kiemchung.claims.selectors import published_factchecks
from kiemchung.matching.index import STATEMENT_CHARS

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from kiemchung.accounts.models import Workspace

# Bump when what a record holds (its text or its id) changes meaning: saved copies written
# under another version are rebuilt. 2: imported fact-checks of other teams joined. 3: known
# wordings joined (merged claims, the text of appearances). 4: a fact-check says how much of
# its text is the claim (the same-claim decision reads that part). 5: "kg" and "k" after a
# count stay units when teencode is expanded, so saved words of such records are read anew.
RECORDS_VERSION = 5
KIND_CLAIM = "claim"
KIND_FACTCHECK = "factcheck"
# Another team's fact-check imported as ClaimReview; publishing.imports writes these records.
KIND_EXTERNAL = "external"
# The text of a place where a claim was seen (a post, a merged duplicate's wording); a search
# that finds it shows the claim, or its fact-check once published.
KIND_APPEARANCE = "appearance"
KINDS = (KIND_CLAIM, KIND_FACTCHECK, KIND_EXTERNAL, KIND_APPEARANCE)
INDEXED_CLAIM_STATES = (ClaimState.OPEN, ClaimState.IN_PROGRESS, ClaimState.IN_REVIEW)

Record = tuple[str, str, dict[str, Any]]


def record_id(kind: str, pk: int) -> str:
    return f"{kind}:{pk}"


def parse_record(record: str) -> tuple[str, int] | None:
    """(kind, pk) of a record id; None for anything the index does not hold."""
    kind, _sep, pk = record.partition(":")
    if kind not in KINDS or not pk.isdigit():
        return None
    return kind, int(pk)


def pks_of(records: Iterable[str], kind: str) -> list[int]:
    """The primary keys of the records of one kind."""
    return [pk for k, pk in filter(None, map(parse_record, records)) if k == kind]


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    return text if not text or text[-1] in ".!?…" else f"{text}."


def _claim_record(claim: Claim) -> Record:
    meta = {"kind": KIND_CLAIM, "claim": claim.pk}
    return record_id(KIND_CLAIM, claim.pk), claim.text, meta


def _appearance_record(appearance: Appearance) -> Record:
    meta = {"kind": KIND_APPEARANCE, "claim": appearance.claim_id}
    return record_id(KIND_APPEARANCE, appearance.pk), appearance.text, meta


def _factcheck_record(factcheck: FactCheck) -> Record:
    # Each part ends a sentence, so the claim's own wording is also a passage of its own.
    parts = (factcheck.claim.text, factcheck.title, factcheck.summary)
    text = " ".join(_sentence(part) for part in parts if part.strip())
    # The verdict is on the claim: whether a text states the same claim is decided on the
    # claim's wording alone, not on the title and summary that refute it.
    meta = {"kind": KIND_FACTCHECK, "claim": factcheck.claim_id,
            STATEMENT_CHARS: len(_sentence(factcheck.claim.text))}
    return record_id(KIND_FACTCHECK, factcheck.pk), text, meta


# A merged claim whose claim was set aside in turn (dismissed, not merged): its wording has
# nothing left to find.
_SET_ASIDE_TARGET = Q(
    merged_into__state=ClaimState.DISMISSED, merged_into__merged_into__isnull=True
)


def indexed_claims(workspace_id: int) -> QuerySet[Claim]:
    """Claims the index holds: the unfinished ones, and those merged into another claim (their
    wording still finds the claim they went into)."""
    return Claim.objects.filter(workspace_id=workspace_id).filter(
        Q(state__in=INDEXED_CLAIM_STATES) | (Q(merged_into__isnull=False) & ~_SET_ASIDE_TARGET)
    )


def indexed_appearances(workspace_id: int) -> QuerySet[Appearance]:
    """Appearances whose text is a wording of a claim still in the newsroom's work (unfinished,
    published, or merged into another claim): not those of a claim set aside."""
    return (
        Appearance.objects.filter(claim__workspace_id=workspace_id, wording=True)
        .exclude(text="")
        .exclude(claim__state=ClaimState.DISMISSED, claim__merged_into__isnull=True)
        .exclude(
            claim__merged_into__state=ClaimState.DISMISSED,
            claim__merged_into__merged_into__isnull=True,
        )
    )


def indexed_factchecks(workspace: Workspace) -> QuerySet[FactCheck]:
    return published_factchecks(workspace=workspace)


def published_by_key(workspace: Workspace, keys: Q) -> list[FactCheck]:
    """The workspace's published fact-checks that `keys` (conditions on their own keys) name.

    Read by key, the workspace checked here: filtered by workspace in SQL, SQLite walks every
    claim of the workspace (51 ms at 10,000 fact-checks) instead of looking up a handful.
    """
    found = published_factchecks().filter(keys).order_by()
    return [f for f in found if f.claim.workspace_id == workspace.pk]


def _external_records(workspace_id: int, pks: Iterable[int] | None = None) -> list[Record]:
    from kiemchung.publishing.imports import external_records

    return external_records(workspace_id=workspace_id, pks=pks)


def workspace_records(
    workspace: Workspace, *, external: bool = False, wordings: bool = True
) -> list[Record]:
    """The workspace's own records, read from the database: its unfinished claims, its
    published fact-checks and, unless `wordings` is false, the known wordings of its claims
    (merged claims, the text of appearances); with `external`, also the fact-checks it
    imported from other teams (everything its index holds).

    Records of imported fact-checks carry no claim in their metadata, only the publisher and
    the link (`publishing.imports.external_record`).
    """
    claims = indexed_claims(workspace.pk).order_by("pk")
    if not wordings:
        claims = claims.filter(state__in=INDEXED_CLAIM_STATES)
    factchecks = indexed_factchecks(workspace).order_by("pk")
    records = [*(_claim_record(c) for c in claims), *(_factcheck_record(f) for f in factchecks)]
    if wordings:
        appearances = indexed_appearances(workspace.pk).order_by("pk")
        records += [_appearance_record(a) for a in appearances]
    if external:
        records += _external_records(workspace.pk)
    return records


def records_now(workspace: Workspace, records: Iterable[str]) -> tuple[list[Record], set[str]]:
    """Of these record ids, the ones to (re)add with their text now, and the ones to drop."""
    wanted = {r for r in records if parse_record(r) is not None}
    claim_pks = pks_of(wanted, KIND_CLAIM)
    fc_pks = pks_of(wanted, KIND_FACTCHECK)
    external_pks = pks_of(wanted, KIND_EXTERNAL)
    appearance_pks = pks_of(wanted, KIND_APPEARANCE)
    present = [_claim_record(c) for c in indexed_claims(workspace.pk).filter(pk__in=claim_pks)]
    present += [_factcheck_record(f) for f in published_by_key(workspace, Q(pk__in=fc_pks))]
    present += [
        _appearance_record(a)
        for a in indexed_appearances(workspace.pk).filter(pk__in=appearance_pks)
    ]
    if external_pks:
        present += _external_records(workspace.pk, external_pks)
    return present, wanted - {rid for rid, _text, _meta in present}
