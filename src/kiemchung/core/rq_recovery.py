"""RQ jobs whose worker died while running them are run again.

RQ notices a dead worker when the heartbeat of its job runs out (about 90 s after the last
one) and then moves the job to its failed-job registry as abandoned. The `rq_recover` periodic
job puts such jobs back in their queue, each at most KIEMCHUNG_TASK_MAX_ATTEMPTS times in all,
the same guarantee the leases give the database queue. Jobs that failed by raising stay failed.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django_tasks import task

logger = logging.getLogger(__name__)

ABANDONED = "AbandonedJobError"
META_KEY = "kiemchung_abandoned"


def _was_abandoned(job: object) -> bool:
    result = job.latest_result()  # type: ignore[attr-defined]
    return result is not None and ABANDONED in (result.exc_string or "")


def abandoned_requeue() -> dict[str, int]:
    """Look for abandoned jobs now and requeue those with attempts left; what was done."""
    import django_rq
    from django_tasks_rq import Job
    from rq.registry import FailedJobRegistry, StartedJobRegistry

    requeued = given_up = 0
    for name in settings.RQ_QUEUES:
        queue = django_rq.get_queue(name, job_class=Job)
        # Expired executions become abandoned jobs now, not at a worker's next maintenance.
        StartedJobRegistry(queue=queue).cleanup()
        failed = FailedJobRegistry(queue=queue)
        for job_id in failed.get_job_ids():
            job = queue.fetch_job(job_id)
            if job is None or not _was_abandoned(job):
                continue
            runs = int(job.meta.get(META_KEY, 0)) + 1
            if runs >= settings.TASK_MAX_ATTEMPTS:
                given_up += 1
                continue
            job.meta[META_KEY] = runs
            job.save_meta()
            failed.requeue(job_id)
            requeued += 1
            logger.warning(
                "job %s was abandoned by its worker; queued again (%d of %d runs)",
                job_id, runs + 1, settings.TASK_MAX_ATTEMPTS,
            )
    return {"requeued": requeued, "given_up": given_up}


@task()
def rq_recover() -> dict[str, int]:
    """Put back in the queue the RQ jobs whose worker died while running them."""
    return abandoned_requeue()
