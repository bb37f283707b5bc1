"""Background work of insights: reading a reach export. Tasks carry ids only."""

from __future__ import annotations

from django.db import transaction
from django_tasks import task

from kiemchung.insights import services
from kiemchung.insights.models import ReachImport, ReachImportStatus


@task()
def reach_import_run(import_id: int) -> str:
    """Read one reach export into its page's figures (again from the start if it was cut)."""
    job = ReachImport.objects.filter(pk=import_id).select_related("page", "workspace").first()
    if job is None or job.status == ReachImportStatus.DONE:
        return "gone"
    with transaction.atomic():
        job = services.import_run(job)
    return str(job.status)
