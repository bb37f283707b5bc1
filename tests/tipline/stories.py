"""Scenes the tipline's tests (and the permission tables) start from, and what they check."""

from __future__ import annotations

import json
from io import BytesIO
from typing import Any

from django.db import connection
from PIL import Image

from kiemchung.core.worker import LeasedWorker
from kiemchung.tipline import services
from kiemchung.tipline.images import image_clean
from kiemchung.tipline.models import Channel, ChannelKind, Tip, TipMedia

DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
TIP_TEXT = "Tin đồn: từ tháng sau xe máy cũ hơn 10 năm bị cấm lưu thông ở Hà Nội"


def web_channel(team: Any) -> Channel:
    channel = Channel.objects.filter(workspace=team.workspace, kind=ChannelKind.WEB).first()
    return channel or Channel.objects.create(
        workspace=team.workspace, kind=ChannelKind.WEB, name="Biểu mẫu"
    )


def tip_received(team: Any, text: str = TIP_TEXT, category: str = "check") -> Tip:
    """A tip sent through the team's web form."""
    return services.web_tip_submit(
        channel=web_channel(team), category=category, text=text, images=[]
    )


def jpeg_with_gps() -> bytes:
    """A photo as a phone takes it: the maker, the model and where it was taken in its EXIF."""
    image = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Model X"  # Model
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (21.0, 1.0, 30.0)  # latitude: Hà Nội
    gps[3], gps[4] = "E", (105.0, 51.0, 0.0)
    out = BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def tip_image_received(team: Any) -> TipMedia:
    """The image of a tip sent through the team's web form with a phone's photo (stored under
    MEDIA_ROOT, so the test points it at a temporary folder)."""
    tip = services.web_tip_submit(
        channel=web_channel(team), category="check", text=TIP_TEXT,
        images=[image_clean(jpeg_with_gps())],
    )
    return tip.media.get()


def assert_clean(media: TipMedia) -> Image.Image:
    """The stored image, checked to carry no EXIF at all (no maker, no place)."""
    with media.file.open("rb") as file:
        stored = file.read()
    assert b"PhoneMaker" not in stored and b"Exif" not in stored
    image = Image.open(BytesIO(stored))
    assert not image.getexif()
    return image


def raw_rows(table: str) -> str:
    """Every row of TABLE as the database holds it, as one string to search."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table}")  # noqa: S608
        return json.dumps(cursor.fetchall(), default=str, ensure_ascii=False)


def work_queue(capture: Any = None, *, rounds: int = 8) -> None:
    """Run the database queue in this thread until nothing is ready; given pytest-django's
    `django_capture_on_commit_callbacks`, also what each pass enqueues, until nothing is."""
    if capture is None:
        LeasedWorker(
            lease_seconds=60, queue_names=["default"], interval=0, batch=True,
            backend_name="default", startup_delay=False, max_tasks=None,
            worker_id="test-worker", excluded_queue_names=[],
        ).run()
        return
    for _round in range(rounds):
        with capture(execute=True) as callbacks:
            work_queue()
        if not callbacks:
            return
