"""The life of an outbound send's Delivery row: taken for an attempt, then sent, retried or
failed. Announcements and newsletter e-mails go through the same steps."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kiemchung.core.models import Delivery, DeliveryStatus
from kiemchung.core.tasks import backoff_delay
from kiemchung.publishing.outlets.base import OutletError

OPEN_STATUSES = (DeliveryStatus.PENDING, DeliveryStatus.RETRYING)
ERROR_MAX = 2000


@dataclass(frozen=True)
class SendOutcome:
    """How an attempt ended; `retry_in` is set when the send should be tried again later."""

    status: str
    retry_in: float | None = None


def delivery_take(delivery_id: int) -> Delivery | None:
    """Count one more attempt on a delivery still to send; None when it is not (already sent,
    failed, or taken by a run of the same task that got there first)."""
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update()
            .filter(pk=delivery_id, status__in=OPEN_STATUSES)
            .first()
        )
        if delivery is None:
            return None
        delivery.attempts += 1
        delivery.save(update_fields=["attempts", "updated_at"])
    return delivery


def delivery_sent(delivery: Delivery, *, external_id: str, detail: str = "") -> SendOutcome:
    delivery.status = DeliveryStatus.SENT
    delivery.external_id = external_id[:200]
    delivery.error = detail[:ERROR_MAX]
    delivery.sent_at = timezone.now()
    delivery.save(update_fields=["status", "external_id", "error", "sent_at", "updated_at"])
    return SendOutcome(DeliveryStatus.SENT)


def delivery_skipped(delivery: Delivery, *, reason: str) -> SendOutcome:
    delivery.status = DeliveryStatus.SKIPPED
    delivery.error = reason[:ERROR_MAX]
    delivery.save(update_fields=["status", "error", "updated_at"])
    return SendOutcome(DeliveryStatus.SKIPPED)


def delivery_failed(delivery: Delivery, error: OutletError) -> SendOutcome:
    """Retry later when the error may pass and attempts remain, after the wait the service
    asked for if it is longer than the backoff; otherwise the send has failed."""
    allowed = settings.TASK_MAX_ATTEMPTS
    if error.retryable and delivery.attempts < allowed:
        wait = max(error.retry_after or 0.0, backoff_delay(delivery.attempts - 1))
        delivery.status = DeliveryStatus.RETRYING
        delivery.error = error.message[:ERROR_MAX]
        delivery.save(update_fields=["status", "error", "updated_at"])
        return SendOutcome(DeliveryStatus.RETRYING, retry_in=wait)
    message = error.message
    if error.retryable:
        message = _("%(error)s (đã thử %(attempts)d lần)") % {
            "error": message,
            "attempts": delivery.attempts,
        }
    delivery.status = DeliveryStatus.FAILED
    delivery.error = message[:ERROR_MAX]
    delivery.save(update_fields=["status", "error", "updated_at"])
    return SendOutcome(DeliveryStatus.FAILED)
