"""Background work for claims: archiving evidence pages."""

from __future__ import annotations

from kiemchung.claims.archive import evidence_snapshot_take
from kiemchung.core.tasks import retryable_task


@retryable_task()
def evidence_archive(evidence_id: int) -> str:
    """Fetch an evidence URL and keep a snapshot of it, retrying while the site may recover."""
    return evidence_snapshot_take(evidence_id=evidence_id)
