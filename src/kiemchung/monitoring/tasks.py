"""Background work for monitoring: fetching sources, import chunks, reading the images posts
carry, the full matching search of new items, and retraining the triage learner. Tasks carry
ids only."""

from __future__ import annotations

import time

from django.db import transaction
from django_tasks import task

from kiemchung.accounts.models import Workspace
from kiemchung.core.tasks import RetryableError, retryable_task, task_attempt
from kiemchung.monitoring import images, importers, learner, matchers
from kiemchung.monitoring.models import ImportChunk, ImportStatus, Source
from kiemchung.monitoring.sources import source_fetch, source_lease, sources_due

# One run of the matching task stops after this long and queues the next run, so a large
# backlog never holds a worker past its lease.
MATCH_RUN_SECONDS = 120.0


@task()
def source_fetch_now(source_id: int) -> int:
    """Fetch one source (its lease is taken first, so two workers never fetch it together)."""
    source = Source.objects.filter(pk=source_id).select_related("workspace").first()
    if source is None or not source_lease(source):
        return 0
    return source_fetch(source).added


@task()
def sources_round() -> int:
    """Queue a fetch of every source that is due; returns how many were queued."""
    ids = list(sources_due().values_list("pk", flat=True))
    for source_id in ids:
        source_fetch_now.enqueue(source_id)
    return len(ids)


@task()
def import_chunk(chunk_id: int) -> str:
    """Import one chunk of a file from its saved offset; the last chunk to end finishes the job."""
    chunk = ImportChunk.objects.select_related("job", "job__source", "job__workspace").filter(
        pk=chunk_id
    ).first()
    if chunk is None or chunk.status == ImportStatus.DONE:
        return "gone"
    try:
        status = importers.chunk_run(chunk)
    except Exception:
        # Left as it was, the chunk would look like it runs for ever; resuming the import
        # runs it again from its last stored batch.
        ImportChunk.objects.filter(pk=chunk.pk).update(status=ImportStatus.FAILED)
        importers.job_refresh(chunk.job)
        raise
    job = importers.job_refresh(chunk.job)
    if job.status == ImportStatus.DONE:
        from kiemchung.monitoring.services import enqueue_match

        with transaction.atomic():
            enqueue_match(job.workspace_id)
    return str(status)


@retryable_task(max_attempts=images.FETCH_ATTEMPTS)
def item_image_read(image_id: int) -> str:
    """Download one image of an item, read its words and fingerprint it; fold the item with
    one carrying the same picture, and look at it again when its words changed."""
    reading = images.image_reading_make(image_id=image_id)
    if reading is None:
        return "gone or done"
    with transaction.atomic():
        stored = images.image_reading_store(
            image_id=image_id, reading=reading, last_attempt=task_attempt().is_last
        )
    if stored.retry:
        # The download may work later (a timeout, a 503); the note is for staff.
        raise RetryableError(reading.note)
    if stored.changed_item is not None:
        images.item_image_words_apply(item_id=stored.changed_item)
    return stored.state


@task()
def items_match(workspace_id: int) -> int:
    """The full "already checked?" search for items that only had the lexical look."""
    workspace = Workspace.objects.filter(pk=workspace_id).first()
    if workspace is None:
        return 0
    started = time.monotonic()
    done = 0
    while time.monotonic() - started < MATCH_RUN_SECONDS:
        matched = matchers.items_match_pending(workspace=workspace)
        if not matched:
            return done
        done += matched
    items_match.enqueue(workspace_id)
    return done


@task()
def triage_retrain(workspace_id: int) -> int:
    """Train the workspace's triage learner on all its decisions; returns how many."""
    workspace = Workspace.objects.filter(pk=workspace_id).first()
    if workspace is None:
        return 0
    model = learner.learner_retrain(workspace=workspace)
    return model.decisions if model is not None else 0
