"""Background work of insights: reading a reach export, and reading the figures of the team's
outlet posts back from their platforms. Tasks carry ids only."""

from __future__ import annotations

from django.db import transaction
from django_tasks import task

from kiemchung.accounts.models import Workspace
from kiemchung.insights import services, services_engagement
from kiemchung.insights.models import ReachImport, ReachImportStatus
from kiemchung.publishing import selectors_outlets


@task()
def reach_import_run(import_id: int) -> str:
    """Read one reach export into its page's figures (again from the start if it was cut)."""
    job = ReachImport.objects.filter(pk=import_id).select_related("page", "workspace").first()
    if job is None or job.status == ReachImportStatus.DONE:
        return "gone"
    with transaction.atomic():
        job = services.import_run(job)
    return str(job.status)


@task()
def engagement_round() -> int:
    """Queue a reading of the outlet posts' figures for every workspace with an outlet whose
    platform gives them (the schedule's job); returns how many were queued."""
    ids = selectors_outlets.engagement_workspace_ids()
    for workspace_id in ids:
        engagement_workspace_refresh.enqueue(workspace_id)
    return len(ids)


@task()
def engagement_workspace_refresh(workspace_id: int) -> str:
    """Read again the figures of one workspace's recent outlet posts."""
    workspace = Workspace.objects.filter(pk=workspace_id).first()
    if workspace is None:
        return "gone"
    # No transaction around the round: it waits on the platform twice a post, and one held
    # that long would keep SQLite's write lock from every other writer. Each post's figures
    # are one statement, so a round cut short keeps what it had read.
    done = services_engagement.engagement_refresh(workspace=workspace)
    return f"{done.posts} read, {done.failed} failed"
