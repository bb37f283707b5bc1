"""Background work for claims: archiving evidence pages, reading evidence images, keeping the
matching index current."""

from __future__ import annotations

from django.db import transaction
from django_tasks import task

from kiemchung.accounts.models import Workspace
from kiemchung.claims import matching
from kiemchung.claims.archive import evidence_snapshot_take
from kiemchung.claims.models import Evidence
from kiemchung.core.tasks import retryable_task


@retryable_task()
def evidence_archive(evidence_id: int) -> str:
    """Fetch an evidence URL and keep a snapshot of it, retrying while the site may recover."""
    return evidence_snapshot_take(evidence_id=evidence_id)


@task()
def evidence_image_read(evidence_id: int) -> str:
    """Read the words of an evidence image and fingerprint it."""
    from kiemchung.claims import evidence_images

    evidence = Evidence.objects.filter(pk=evidence_id).first()
    if evidence is None:
        return "gone"
    reading = evidence_images.evidence_image_reading_make(evidence=evidence)
    with transaction.atomic():
        kept = evidence_images.evidence_image_reading_store(
            evidence_id=evidence_id, reading=reading
        )
    return str(reading.state) if kept else "gone or done"


@task()
def match_index_sync(workspace_id: int) -> int:
    """Apply a workspace's recorded index changes in this worker and save its copy."""
    workspace = Workspace.objects.filter(pk=workspace_id).first()
    if workspace is None:
        return -1
    return matching.index_sync(workspace=workspace)


@task()
def match_index_rebuild(workspace_id: int) -> int:
    """Rebuild a workspace's index from the database, with a progress bar on stderr.

    Embeddings already in the cache are not computed again, so a rebuild cut short (a worker
    stopped, a lease that expired) resumes where it stopped when it runs again.
    """
    workspace = Workspace.objects.filter(pk=workspace_id).first()
    if workspace is None:
        return -1
    return matching.index_rebuild(
        workspace=workspace, progress=matching.tqdm_progress(f"index {workspace.slug}")
    )
