"""Background work for the images tipsters send on the chat apps; ids only, never a reference."""

from __future__ import annotations

from django.db import transaction

from kiemchung.core.tasks import RetryableError, retryable_task, task_attempt
from kiemchung.tipline import media
from kiemchung.tipline.models import MediaDownloadState


@retryable_task()
def tip_media_download(download_id: int) -> str:
    """Download one image onto its tip, retried while the platform may recover."""
    fetched = media.media_fetch(download_id=download_id)
    if fetched is None:
        return "nothing to do"
    with transaction.atomic():
        state = media.media_store(
            download_id=download_id, fetched=fetched, last_attempt=task_attempt().is_last
        )
    if state == MediaDownloadState.RETRYING:
        # A note for staff, never the image's address.
        raise RetryableError(fetched.note)
    return state
