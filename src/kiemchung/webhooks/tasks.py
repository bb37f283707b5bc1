"""Background work for outgoing webhooks; each task carries a delivery id only."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django_tasks import task

from kiemchung.webhooks.sending import deliveries_lost, delivery_send
from kiemchung.webhooks.services import webhook_log_prune

# A delivery due for this long with no attempt has lost its task (a queue emptied by hand).
LOST_AFTER = timedelta(minutes=5)


@task()
def webhook_delivery_send(delivery_id: int) -> str:
    """Send one event to one endpoint; run again later, with backoff, while it fails."""
    outcome = delivery_send(delivery_id=delivery_id)
    if outcome.retry_in is not None:
        later = webhook_delivery_send
        if outcome.retry_in > 0 and later.get_backend().supports_defer:
            later = later.using(run_after=timezone.now() + timedelta(seconds=outcome.retry_in))
        # A backend that cannot defer (the inline one of the tests) runs the next attempt at once.
        later.enqueue(delivery_id)
    return outcome.status


@task()
def webhooks_sweep() -> int:
    """Queue again the deliveries whose task was lost; returns how many."""
    lost = deliveries_lost(older_than=LOST_AFTER)
    for delivery_id in lost:
        webhook_delivery_send.enqueue(delivery_id)
    return len(lost)


@task()
def webhooks_log_prune() -> dict[str, int]:
    """Delete finished deliveries and unneeded events past KIEMCHUNG_WEBHOOK_LOG_DAYS."""
    deliveries, events = webhook_log_prune()
    return {"deliveries": deliveries, "events": events}
