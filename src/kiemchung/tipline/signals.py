"""Media files go with their rows, however the row is deleted (retention, tipster, cascade)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete
from django.dispatch import receiver

from kiemchung.tipline.models import TipMedia


@receiver(post_delete, sender=TipMedia)
def _delete_media_file(sender: type[TipMedia], instance: TipMedia, **kwargs: Any) -> None:
    if instance.file:
        instance.file.delete(save=False)
