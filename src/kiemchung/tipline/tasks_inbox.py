"""Background work behind the answers and the inbox: verdict notifications and forwarded
violation reports. Every task carries ids only, never a tip's text."""

from __future__ import annotations

from django_tasks import task

from kiemchung.core.tasks import RetryableError, retryable_task, task_attempt
from kiemchung.tipline import forwarding, notifications


@task()
def verdict_notify(factcheck_id: int) -> int:
    """Send a newly published verdict to everyone waiting for it; how many were handled."""
    return notifications.verdict_notify(factcheck_id=factcheck_id)


@retryable_task()
def forward_send(delivery_id: int) -> str:
    """E-mail a forwarded violation report, retried while the mail server may recover."""
    outcome = forwarding.forward_send(delivery_id=delivery_id, last_attempt=task_attempt().is_last)
    if outcome.retry:
        # The mail server's own words, never the report.
        raise RetryableError(outcome.error)
    return outcome.status
