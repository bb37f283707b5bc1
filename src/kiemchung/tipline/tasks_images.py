"""Background work on the images of tips: ids only, never the words read."""

from __future__ import annotations

from django.db import transaction
from django_tasks import task

from kiemchung.tipline import images_read
from kiemchung.tipline.models import TipImageText, TipMedia


@task()
def tip_image_read(media_id: int) -> str:
    """Read the words of a tip's image and fingerprint it, then let the tip look again."""
    media = TipMedia.objects.select_related("tip").filter(pk=media_id).first()
    row = TipImageText.objects.filter(media_id=media_id).first()
    if media is None or row is None:
        return "gone"
    reading = images_read.image_reading_make(media=media)
    with transaction.atomic():
        tip_id = images_read.image_reading_store(media_id=media_id, reading=reading)
    if tip_id is None:
        return "gone or done"
    images_read.tip_image_words_arrived(tip_id=tip_id)
    return str(reading.state)
