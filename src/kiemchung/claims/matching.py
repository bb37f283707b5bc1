"""The matching index of each workspace, kept in step with the database.

The database is the source of truth. The index of a workspace holds its unfinished claims
(`claim:<pk>`, the wording), its published fact-checks (`factcheck:<pk>`, the claim with the
title and the summary), the fact-checks other teams published that it imported as
ClaimReview (`external:<pk>`, the claim they reviewed; written by `publishing.imports`), and
known wordings of its claims: claims merged into another (`claim:<pk>` still) and the text of
appearances (`appearance:<pk>`, a post the claim was seen in). A search that finds a known
wording shows the claim it belongs to, or that claim's fact-check once published (`resolve`). A
service that changes any of them calls `index_touch` or `index_changed` inside its
transaction: the workspace's `MatchIndexState` moves to the next generation and
`MatchIndexChange` rows say which records to read again. Every process (web or worker) keeps
its own copy of each index it searches; before a search it applies the changes recorded since
its generation, or loads the copy saved under `MATCHING_INDEX_ROOT`, or rebuilds from the
database when that copy is missing or stale. Embeddings go through one SQLite cache keyed by
content hash (`MATCHING_CACHE_PATH`), so a rebuild embeds only what it has never seen and an
interrupted one resumes where it stopped.

What records hold lives in `matching_records`, the copy each process keeps in
`matching_sync`, the results as shown in `matching_results`; every name is reached from here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Literal, overload

from django.core.exceptions import ValidationError
from django.db.models import F, Q
from django.utils.translation import gettext as _

from kiemchung.accounts.models import Workspace
from kiemchung.claims.matching_records import (
    INDEXED_CLAIM_STATES,
    KIND_APPEARANCE,
    KIND_CLAIM,
    KIND_EXTERNAL,
    KIND_FACTCHECK,
    KINDS,
    RECORDS_VERSION,
    Record,
    parse_record,
    record_id,
    records_now,
    workspace_records,
)
from kiemchung.claims.matching_results import ExternalMatch, Similar, SimilarRecord, resolve
from kiemchung.claims.matching_sync import (
    MARKER,
    ProgressFn,
    forget_replicas,
    index_folder,
    keep_replica,
    replica_build,
    replica_current,
    replica_save,
    shared_embedder,
    tqdm_progress,
    workspace_index,
    workspace_lock,
)
from kiemchung.claims.models import (
    Appearance,
    Claim,
    FactCheck,
    MatchIndexChange,
    MatchIndexState,
)
from kiemchung.claims.selectors import published_factchecks
from kiemchung.core.tasks import enqueue_on_commit

__all__ = [
    "CHANGES_KEPT",
    "INDEXED_CLAIM_STATES",
    "KINDS",
    "KIND_APPEARANCE",
    "KIND_CLAIM",
    "KIND_EXTERNAL",
    "KIND_FACTCHECK",
    "K_MAX",
    "MARKER",
    "QUERY_MAX_CHARS",
    "RECORDS_VERSION",
    "SAVE_EVERY_CHANGES",
    "ExternalMatch",
    "ProgressFn",
    "Record",
    "Similar",
    "SimilarRecord",
    "clean_k",
    "clean_query",
    "forget_replicas",
    "index_changed",
    "index_folder",
    "index_rebuild",
    "index_sync",
    "index_touch",
    "parse_record",
    "published_matches",
    "record_id",
    "records_now",
    "resolve",
    "shared_embedder",
    "similar_records",
    "tqdm_progress",
    "workspace_index",
    "workspace_records",
]

# Changes older than this many generations are deleted; a copy further behind is rebuilt.
CHANGES_KEPT = 1000
# Writing a copy takes seconds whatever its size (the diacritic model is saved with it), so the
# worker saves again only once its copy is this many changes ahead of the saved one; a process
# that loads the saved copy applies the recorded changes since.
SAVE_EVERY_CHANGES = 25
QUERY_MAX_CHARS = 5000
K_MAX = 50
OWN_KINDS = (KIND_CLAIM, KIND_FACTCHECK)


# Writes: services call these inside their transaction.


def index_changed(*, workspace_id: int, records: Sequence[str]) -> int:
    """Record that these index records changed; returns the workspace's new generation.

    The change is part of the caller's transaction; once it commits, a task brings the
    worker's copy up to date (other processes catch up at their next search).
    """
    if not records:
        raise ValueError("index_changed needs at least one record")
    state, _created = MatchIndexState.objects.get_or_create(workspace_id=workspace_id)
    # The row stays locked until commit, so generations become visible in their order.
    MatchIndexState.objects.filter(pk=state.pk).update(generation=F("generation") + 1)
    generation = MatchIndexState.objects.values_list("generation", flat=True).get(pk=state.pk)
    MatchIndexChange.objects.bulk_create(
        MatchIndexChange(workspace_id=workspace_id, generation=generation, record=record)
        for record in dict.fromkeys(records)
    )
    from kiemchung.claims.tasks import match_index_sync

    enqueue_on_commit(match_index_sync, workspace_id)
    return generation


def index_touch(*, claims: Iterable[Claim]) -> int:
    """Index records of these claims (and of their fact-checks and known wordings, the claims
    merged into them among these) must be read again."""
    claims = list(claims)
    workspaces = {claim.workspace_id for claim in claims}
    if len(workspaces) != 1:
        raise ValueError("index_touch takes claims of one workspace")
    pks = [claim.pk for claim in claims]
    # Claims merged into these are their wordings: they follow them out of the index (set
    # aside, deleted) and back in (reopened).
    pks += Claim.objects.filter(merged_into_id__in=pks).values_list("pk", flat=True)
    records = [record_id(KIND_CLAIM, pk) for pk in pks]
    records += [
        record_id(KIND_FACTCHECK, pk)
        for pk in FactCheck.objects.filter(claim_id__in=pks).values_list("pk", flat=True)
    ]
    # A claim set aside takes its wordings out of the index; reopened, it brings them back.
    records += [
        record_id(KIND_APPEARANCE, pk)
        for pk in Appearance.objects.filter(claim_id__in=pks, wording=True)
        .exclude(text="")
        .values_list("pk", flat=True)
    ]
    return index_changed(workspace_id=workspaces.pop(), records=records)


# The copy each process keeps.


def index_sync(*, workspace: Workspace) -> int:
    """Bring this process's copy up to date, save it when it is well ahead of the saved one,
    and prune old changes; returns the generation reached.

    Run as a task after every change, so the worker embeds new texts ahead of the searches
    (into the shared cache) and the saved copy stays recent.
    """
    with workspace_lock(workspace.pk):
        replica = replica_current(workspace)
        saved = replica.saved_generation
        if saved is None or replica.generation - saved >= SAVE_EVERY_CHANGES:
            replica_save(workspace, replica)
        generation = replica.generation
    MatchIndexChange.objects.filter(
        workspace_id=workspace.pk, generation__lte=generation - CHANGES_KEPT
    ).delete()
    return generation


def index_rebuild(
    *,
    workspace: Workspace,
    progress: ProgressFn | None = None,
    batch_size: int = 256,
) -> int:
    """Build the workspace's index afresh from the database and save it; returns its size.

    Searches keep using the current copy meanwhile. Every embedding goes to the cache as soon
    as it is computed, so a rebuild that is interrupted resumes where it stopped.
    """
    replica = replica_build(workspace, progress=progress, batch_size=batch_size)
    with workspace_lock(workspace.pk):
        replica_save(workspace, replica)
        keep_replica(workspace, replica)
    return len(replica.index)


# Reads.


def clean_query(text: str | None) -> str:
    """The text to search for; ValidationError when it is empty or too long."""
    query = (text or "").strip()
    if not query:
        raise ValidationError({"q": _("Hãy nhập nội dung cần tìm.")})
    if len(query) > QUERY_MAX_CHARS:
        raise ValidationError(
            {"q": _("Nội dung tìm dài quá %(max)d ký tự.") % {"max": QUERY_MAX_CHARS}}
        )
    return query


def clean_k(k: int) -> int:
    if not 1 <= k <= K_MAX:
        raise ValidationError({"k": _("Số kết quả phải từ 1 đến %(max)d.") % {"max": K_MAX}})
    return k


@overload
def similar_records(
    *,
    workspace: Workspace,
    text: str,
    k: int = ...,
    kinds: Iterable[str] | None = ...,
    exclude_claim: Claim | None = ...,
    external: Literal[False] = ...,
) -> list[SimilarRecord]: ...


@overload
def similar_records(
    *,
    workspace: Workspace,
    text: str,
    k: int = ...,
    kinds: Iterable[str] | None = ...,
    exclude_claim: Claim | None = ...,
    external: bool,
) -> list[Similar]: ...


def similar_records(
    *,
    workspace: Workspace,
    text: str,
    k: int = 5,
    kinds: Iterable[str] | None = None,
    exclude_claim: Claim | None = None,
    external: bool = False,
) -> list[Similar] | list[SimilarRecord]:
    """The `k` claims and fact-checks of the workspace most likely to say what `text` says.

    Best first, each with its calibrated score. `kinds` keeps only the workspace's claims or
    its fact-checks; `external` adds the fact-checks it imported from other teams
    (`ExternalMatch`, never a claim of its own); `exclude_claim` leaves out a claim and its
    own fact-check (the claim page's own).
    """
    query = clean_query(text)
    k = clean_k(k)
    wanted = set(kinds) if kinds is not None else set(OWN_KINDS)
    if not wanted <= set(OWN_KINDS):
        raise ValueError(f"kinds are {OWN_KINDS}; imported fact-checks come with external=True")
    if external:
        wanted.add(KIND_EXTERNAL)
    with workspace_index(workspace) as index:
        # Every candidate the index scores, so that filtering still leaves the true top k.
        matches = index.search(query, k=2 * index.candidates)
    excluded = exclude_claim.pk if exclude_claim is not None else None
    return resolve(workspace, matches, k, kinds=wanted, exclude_claim=excluded)


def published_matches(*, text: str, k: int = 5) -> list[Similar]:
    """What anyone may read that matches `text`: the published fact-checks of every workspace
    and the fact-checks they imported from other teams (each page once)."""
    query = clean_query(text)
    k = clean_k(k)
    from kiemchung.publishing.models import ExternalFactCheck

    readable = Q(pk__in=published_factchecks().values("claim__workspace_id")) | Q(
        pk__in=ExternalFactCheck.objects.values("workspace_id")
    )
    found: list[Similar] = []
    for workspace in Workspace.objects.filter(readable).order_by("pk"):
        found += similar_records(
            workspace=workspace, text=query, k=k, kinds=[KIND_FACTCHECK], external=True
        )
    found.sort(key=lambda record: -record.score)
    seen: set[str] = set()
    unique: list[Similar] = []
    for record in found:
        if record.url not in seen:
            seen.add(record.url)
            # The wording that matched is the newsroom's (a merged claim, a post): not for all.
            if isinstance(record, SimilarRecord) and record.wording:
                record = replace(record, wording="")
            unique.append(record)
    return unique[:k]
