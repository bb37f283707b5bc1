"""The tipline listens for verdicts being published, to send them to the tipsters waiting,
tells the public site when a team opens or closes its web form (its pages link to it), and
has the words of each image stored on a tip read."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from kiemchung.claims.models import FactCheck
from kiemchung.core.tasks import enqueue_on_commit
from kiemchung.tipline.models import Channel, ChannelKind, TipMedia


@receiver(post_save, sender=FactCheck, dispatch_uid="tipline.receivers.factcheck_published")
def _factcheck_published(sender: type, instance: FactCheck, **kwargs: Any) -> None:
    update_fields = kwargs.get("update_fields")
    # Publication sets published_at; a later correction does not notify again.
    if not instance.is_published or update_fields is None or "published_at" not in update_fields:
        return
    from kiemchung.tipline.tasks_inbox import verdict_notify

    enqueue_on_commit(verdict_notify, instance.pk)


@receiver(post_save, sender=Channel, dispatch_uid="tipline.receivers.web_form_saved")
@receiver(post_delete, sender=Channel, dispatch_uid="tipline.receivers.web_form_deleted")
def _web_form_changed(sender: type, instance: Channel, **kwargs: Any) -> None:
    update_fields = kwargs.get("update_fields")
    if instance.kind != ChannelKind.WEB or (
        update_fields is not None and "is_active" not in update_fields
    ):
        return
    from kiemchung.publishing.cache import workspace_changed

    workspace_id = instance.workspace_id
    # The team's cached public pages show the link to the form, or do not.
    transaction.on_commit(lambda: workspace_changed(workspace_id))


@receiver(post_save, sender=TipMedia, dispatch_uid="tipline.receivers.tip_media_stored")
def _tip_media_stored(sender: type, instance: TipMedia, created: bool, **kwargs: Any) -> None:
    if not created or kwargs.get("raw"):
        return
    from kiemchung.tipline.images_read import tip_image_reading_request

    tip_image_reading_request(media=instance)
