"""Background work for claims: archiving evidence pages, keeping the matching index current."""

from __future__ import annotations

from django_tasks import task

from kiemchung.accounts.models import Workspace
from kiemchung.claims import matching
from kiemchung.claims.archive import evidence_snapshot_take
from kiemchung.core.tasks import retryable_task


@retryable_task()
def evidence_archive(evidence_id: int) -> str:
    """Fetch an evidence URL and keep a snapshot of it, retrying while the site may recover."""
    return evidence_snapshot_take(evidence_id=evidence_id)


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
