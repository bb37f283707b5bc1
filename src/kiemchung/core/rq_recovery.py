"""RQ jobs whose worker died while running them are run again.

RQ notices a dead worker when the heartbeat of its job runs out (about 90 s after the last
one): cleaning its started-job registry, it calls the exception handlers with
`AbandonedJobError`, then queues the job again if it has retries left, or fails it. The
`abandoned_retry` handler, given to every RQ worker and to the `rq_recover` periodic job that
cleans the registries each minute, grants that retry while the job has run fewer than
KIEMCHUNG_TASK_MAX_ATTEMPTS times in all: the guarantee the leases give the database queue.
Jobs that failed by raising stay failed.
"""

from __future__ import annotations

import logging
from types import TracebackType
from typing import Any

from django.conf import settings
from django_tasks import task

logger = logging.getLogger(__name__)

META_KEY = "kiemchung_abandoned"


def abandoned_retry(
    job: Any,
    exc_type: type[BaseException] | None,
    exc_value: BaseException | None,
    tb: TracebackType | None,
) -> None:
    """RQ exception handler: let RQ queue again a job abandoned by its worker while it has
    runs left; anything else goes on to the other handlers untouched."""
    from rq.exceptions import AbandonedJobError

    if exc_type is not AbandonedJobError:
        return None
    abandoned = int(job.meta.get(META_KEY, 0)) + 1
    if abandoned >= settings.TASK_MAX_ATTEMPTS:
        logger.error("job %s failed: its worker died %d times", job.id, abandoned)
        return None
    job.meta[META_KEY] = abandoned
    job.save_meta()
    job.retries_left = 1
    logger.warning(
        "job %s was abandoned by its worker; queued again (%d of %d runs)",
        job.id, abandoned + 1, settings.TASK_MAX_ATTEMPTS,
    )
    return None


def abandoned_recover() -> None:
    """Clean the started-job registry of every queue now, so an abandoned job is queued again
    (or failed) without waiting for a worker's next maintenance."""
    import django_rq
    from django_tasks_rq import Job
    from rq.registry import StartedJobRegistry

    for name in settings.RQ_QUEUES:
        queue = django_rq.get_queue(name, job_class=Job)
        StartedJobRegistry(queue=queue).cleanup(exception_handlers=[abandoned_retry])


@task()
def rq_recover() -> None:
    """Put back in the queue the RQ jobs whose worker died while running them."""
    abandoned_recover()
