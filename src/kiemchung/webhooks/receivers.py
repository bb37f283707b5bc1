"""Every recorded event is handed out to the endpoints that want it, in its own transaction."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from kiemchung.core.events import WEBHOOK_TEST, event_recorded
from kiemchung.core.models import Event
from kiemchung.webhooks.services import event_hand_out


@receiver(event_recorded, sender=Event, dispatch_uid="webhooks_event_hand_out")
def _event_recorded(sender: type, event: Event, **kwargs: Any) -> None:
    # A test event goes to the one endpoint that asked for it (endpoint_test_send).
    if event.kind != WEBHOOK_TEST:
        event_hand_out(event=event)
