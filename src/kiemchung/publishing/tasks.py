"""Background work for publishing: announcements on outlets, newsletter e-mails, ClaimReview
imports. Each task carries an id only."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone
from django_tasks import task

from kiemchung.publishing.announce import announcement_send
from kiemchung.publishing.deliveries import SendOutcome
from kiemchung.publishing.imports import source_import, sources_due
from kiemchung.publishing.newsletter import confirmation_send


def _again_later(send_task: Any, delivery_id: int, outcome: SendOutcome) -> None:
    """Queue the next attempt of a send that may pass, after the wait the outcome asks for."""
    if outcome.retry_in is None:
        return
    later = send_task
    if outcome.retry_in > 0 and send_task.get_backend().supports_defer:
        later = send_task.using(run_after=timezone.now() + timedelta(seconds=outcome.retry_in))
    # A backend that cannot defer (the inline one of the tests) runs the next attempt at once.
    later.enqueue(delivery_id)


@task()
def outlet_delivery_send(delivery_id: int) -> str:
    """Send one announcement to its outlet; retried with backoff while the error may pass."""
    outcome = announcement_send(delivery_id=delivery_id)
    _again_later(outlet_delivery_send, delivery_id, outcome)
    return outcome.status


@task()
def email_delivery_send(delivery_id: int) -> str:
    """Send one newsletter confirmation e-mail; retried while the mail server may recover."""
    outcome = confirmation_send(delivery_id=delivery_id)
    _again_later(email_delivery_send, delivery_id, outcome)
    return outcome.status


@task()
def claimreview_source_import(source_id: int) -> dict[str, Any]:
    """Fetch a subscribed ClaimReview feed or page again and import what changed."""
    return source_import(source_id=source_id).summary()


@task()
def claimreview_sources_round() -> int:
    """Queue an import of every active subscribed ClaimReview feed and page (the schedule's
    hourly job); returns how many were queued."""
    ids = list(sources_due().values_list("pk", flat=True))
    for source_id in ids:
        claimreview_source_import.enqueue(source_id)
    return len(ids)
