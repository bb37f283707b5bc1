"""The tipline listens for verdicts being published, to send them to the tipsters waiting."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from kiemchung.claims.models import FactCheck
from kiemchung.core.tasks import enqueue_on_commit


@receiver(post_save, sender=FactCheck, dispatch_uid="tipline.receivers.factcheck_published")
def _factcheck_published(sender: type, instance: FactCheck, **kwargs: Any) -> None:
    update_fields = kwargs.get("update_fields")
    # Publication sets published_at; a later correction does not notify again.
    if not instance.is_published or update_fields is None or "published_at" not in update_fields:
        return
    from kiemchung.tipline.tasks_inbox import verdict_notify

    enqueue_on_commit(verdict_notify, instance.pk)
