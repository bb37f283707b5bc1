"""One attempt to deliver an event to an endpoint: take the row, sign, send, record the answer.

The row is taken (attempts + 1, `sending_since` set) and committed before the request leaves,
and updated after the answer; a worker that dies in between leaves the row open, and the
task, run again, sends it again with the same `webhook-id`. Only the one outbound call,
`kiemchung.core.http.fetch`, talks to the receiver, so its guard (no private addresses,
timeouts, size limit) applies to every attempt.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from standardwebhooks.webhooks import Webhook

from kiemchung.core.crypto import decrypt
from kiemchung.core.http import FetchError, fetch
from kiemchung.core.models import DeliveryStatus, Event
from kiemchung.core.tasks import backoff_delay
from kiemchung.webhooks.models import Endpoint, WebhookDelivery

logger = logging.getLogger(__name__)

EXCERPT_MAX = 300
ERROR_MAX = 300
# Control characters, zero-width and direction marks: a receiver's answer is shown in a table.
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]+")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class SendOutcome:
    """How an attempt ended; `retry_in` (seconds) when the task should run again later."""

    status: str
    retry_in: float | None = None


def excerpt(content: bytes) -> str:
    """The start of a receiver's answer as one short line of printable text."""
    text = content[: EXCERPT_MAX * 4].decode("utf-8", errors="replace")
    text = _SPACES.sub(" ", _UNPRINTABLE.sub(" ", text)).strip()
    return text if len(text) <= EXCERPT_MAX else text[: EXCERPT_MAX - 1] + "…"


def body_of(event: Event) -> bytes:
    """The JSON body receivers get: the event's type, time and data."""
    document = {
        "type": event.kind,
        "timestamp": event.occurred_at.isoformat(),
        "data": event.payload,
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def signed_headers(
    *, secret: str, msg_id: str, at: datetime, body: bytes, also: Sequence[str] = ()
) -> dict[str, str]:
    """The three Standard Webhooks headers for one attempt; with ALSO, one signature per secret,
    separated by spaces, any of which a receiver may verify."""
    text = body.decode("utf-8")
    signatures = [Webhook(key).sign(msg_id, at, text) for key in (secret, *also)]
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": " ".join(signatures),
        "Content-Type": "application/json",
    }


def secrets_of(endpoint: Endpoint) -> tuple[str, list[str]]:
    """The endpoint's secret, and the one it replaced while that one still signs."""
    older = []
    until = endpoint.previous_secret_until
    if endpoint.previous_secret_enc and until is not None and until > timezone.now():
        older.append(decrypt(endpoint.previous_secret_enc))
    return decrypt(endpoint.secret_enc), older


def in_flight_limit() -> timedelta:
    """How long an attempt can last; a row sending for longer was left by a dead worker."""
    return timedelta(seconds=float(settings.FETCH_TIMEOUT_SECONDS) + 5.0)


def delivery_take(delivery_id: int) -> WebhookDelivery | str:
    """Count one more attempt on a delivery that is due and not being sent; otherwise say why
    not ("done", "not_due" or "in_flight")."""
    now = timezone.now()
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update()
            .select_related("endpoint", "event")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None or delivery.status not in (
            DeliveryStatus.PENDING,
            DeliveryStatus.RETRYING,
        ):
            return "done"
        if not delivery.endpoint.is_active:
            return "endpoint_off"
        if delivery.next_attempt_at is not None and delivery.next_attempt_at > now:
            return "not_due"
        if delivery.sending_since is not None and now - delivery.sending_since < in_flight_limit():
            return "in_flight"
        delivery.attempts += 1
        delivery.sending_since = now
        delivery.last_attempt_at = now
        delivery.save(update_fields=["attempts", "sending_since", "last_attempt_at", "updated_at"])
    return delivery


def _succeeded(delivery: WebhookDelivery) -> None:
    now = timezone.now()
    delivery.status = DeliveryStatus.SENT
    delivery.sent_at = now
    delivery.error = ""
    Endpoint.objects.filter(pk=delivery.endpoint_id).update(
        consecutive_failures=0, last_success_at=now
    )


def _failed(delivery: WebhookDelivery, message: str) -> float | None:
    now = timezone.now()
    delivery.error = message[:ERROR_MAX]
    Endpoint.objects.filter(pk=delivery.endpoint_id).update(
        consecutive_failures=F("consecutive_failures") + 1, last_failure_at=now
    )
    if delivery.attempts < settings.WEBHOOK_MAX_ATTEMPTS:
        wait = backoff_delay(delivery.attempts - 1)
        delivery.status = DeliveryStatus.RETRYING
        delivery.next_attempt_at = now + timedelta(seconds=wait)
        return wait
    delivery.status = DeliveryStatus.FAILED
    delivery.next_attempt_at = None
    delivery.error = (
        _("%(error)s (đã thử %(attempts)d lần)")
        % {"error": message, "attempts": delivery.attempts}
    )[:ERROR_MAX]
    return None


def delivery_send(*, delivery_id: int) -> SendOutcome:
    """Make one attempt at a delivery if it is due; say when to try again if it failed."""
    taken = delivery_take(delivery_id)
    if isinstance(taken, str):
        if taken == "in_flight":
            return SendOutcome(taken, retry_in=in_flight_limit().total_seconds())
        return SendOutcome(taken)
    delivery = taken
    endpoint, event = delivery.endpoint, delivery.event
    body = body_of(event)
    secret, older = secrets_of(endpoint)
    headers = signed_headers(
        secret=secret, msg_id=event.public_id, at=timezone.now(), body=body, also=older
    )
    started = time.monotonic()
    retry_in: float | None = None
    try:
        answer = fetch(
            endpoint.url,
            method="POST",
            headers=headers,
            content=body,
            raise_for_status=False,
            follow_redirects=False,
        )
    except FetchError as exc:
        delivery.status_code = exc.status_code
        delivery.response_excerpt = ""
        retry_in = _failed(delivery, exc.message)
        logger.info(
            "webhook delivery %s to endpoint %s: %s", delivery.pk, endpoint.pk, exc.reason
        )
    else:
        delivery.status_code = answer.status_code
        delivery.response_excerpt = excerpt(answer.content)
        if 200 <= answer.status_code < 300:
            _succeeded(delivery)
        else:
            retry_in = _failed(
                delivery, _("Máy chủ nhận trả mã %(status)d") % {"status": answer.status_code}
            )
            logger.info(
                "webhook delivery %s to endpoint %s: status %d",
                delivery.pk, endpoint.pk, answer.status_code,
            )
    delivery.duration_ms = int((time.monotonic() - started) * 1000)
    delivery.sending_since = None
    delivery.save(
        update_fields=[
            "status", "status_code", "response_excerpt", "error", "duration_ms",
            "sending_since", "next_attempt_at", "sent_at", "updated_at",
        ]
    )
    return SendOutcome(delivery.status, retry_in=retry_in)


def deliveries_lost(*, older_than: timedelta) -> list[int]:
    """Open deliveries whose task seems lost: due (or left sending) for longer than OLDER_THAN."""
    limit = timezone.now() - older_than
    stale_sending = Q(sending_since__lt=timezone.now() - in_flight_limit() - older_than)
    due = Q(sending_since__isnull=True) & (
        Q(next_attempt_at__lt=limit) | Q(next_attempt_at__isnull=True, updated_at__lt=limit)
    )
    found = WebhookDelivery.objects.filter(
        status__in=(DeliveryStatus.PENDING, DeliveryStatus.RETRYING), endpoint__is_active=True
    ).filter(due | stale_sending)
    return list(found.values_list("pk", flat=True)[:1000])
