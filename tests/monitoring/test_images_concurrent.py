"""Three workers storing the readings of one picture, carried by three posts with other
captions, at the same moment keep one item, on SQLite and on PostgreSQL: each reading is made
before any is stored, then all are stored at once."""

from __future__ import annotations

import pytest
from tests.core.support import (
    Instance,
    migrated_instance,
    postgres_database,
    postgres_instance,
    sqlite_template,
)

pytestmark = pytest.mark.slow

# Worker 0 stores its reading and keeps its transaction open for a while; the others store
# theirs in that while, with readings made before worker 0 stored anything.
THREE_WORKERS_SCRIPT = """
import threading, time
from io import BytesIO
from django.db import connection, transaction
from PIL import Image, ImageDraw
from kiemchung.accounts.models import Workspace
from kiemchung.monitoring import images, services
from kiemchung.monitoring.models import Item, ItemImage

images.default_engine = lambda: None
picture = Image.new("RGB", (640, 480), (250, 250, 245))
draw = ImageDraw.Draw(picture)
for n in range(12):
    draw.rectangle((20 + 50 * n, 40 + 15 * n, 60 + 50 * n, 460 - 10 * n), fill=(20 * n, 90, 160))
files = []
for size, kind in [((640, 480), "PNG"), ((320, 240), "JPEG"), ((480, 360), "JPEG")]:
    out = BytesIO()
    picture.resize(size).save(out, format=kind)
    files.append(out.getvalue())
captions = [
    "Mọi người xem ảnh này rồi chia sẻ cho người thân trong gia đình biết nhé",
    "Thông tin quá bất ngờ, các bác sĩ đã xác nhận điều này từ hôm qua rồi đó",
    "Bạn có tin không? Mình vừa nhận được tin nhắn này trong nhóm của trường",
]
workspace = Workspace.objects.create(name="Nhóm", slug="nhom")
source = services.source_for_kind(workspace=workspace, kind="import", name="Nhóm công khai")
with transaction.atomic():
    services.items_ingest(source=source, posts=[
        services.Post(text=text, url=f"https://facebook.com/p/{n}",
                      images=(f"https://cdn.example.org/{n}.jpg",))
        for n, text in enumerate(captions)
    ])
rows = list(ItemImage.objects.order_by("pk").values_list("pk", flat=True))
readings = [images.image_reading_of(data) for data in files]
ready = threading.Barrier(3, timeout=30)
stored_first = threading.Event()
errors = []

def worker(n):
    try:
        ready.wait()
        if n:
            stored_first.wait(30)
        with transaction.atomic():
            images.image_reading_store(image_id=rows[n], reading=readings[n], last_attempt=True)
            if n == 0:
                stored_first.set()
                time.sleep(1)
    except Exception as exc:
        errors.append(repr(exc))
        stored_first.set()
    finally:
        connection.close()

threads = [threading.Thread(target=worker, args=(n,)) for n in range(3)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join(60)
items = [
    {"text": item.text, "copies": item.copies, "image_copies": item.image_copies,
     "sightings": item.sightings.count(), "images": item.images.count()}
    for item in Item.objects.order_by("pk")
]
print(json.dumps({"errors": errors, "items": items,
                  "states": sorted(set(ItemImage.objects.values_list("state", flat=True)))}))
"""


def _assert_one_item(instance: Instance) -> None:
    result = instance.python(THREE_WORKERS_SCRIPT, timeout=180)
    assert result["errors"] == []
    assert result["states"] == ["off"]
    assert result["items"] == [{
        "text": "Mọi người xem ảnh này rồi chia sẻ cho người thân trong gia đình biết nhé",
        "copies": 3, "image_copies": 3, "sightings": 3, "images": 3,
    }]


def test_one_picture_read_for_three_posts_at_once_is_one_item_on_sqlite(
    tmp_path, tmp_path_factory
):
    _assert_one_item(migrated_instance(sqlite_template(tmp_path_factory), tmp_path))


@pytest.mark.postgres
def test_one_picture_read_for_three_posts_at_once_is_one_item_on_postgresql(tmp_path):
    var_dir = tmp_path / "var"
    var_dir.mkdir()
    with postgres_database() as url:
        _assert_one_item(postgres_instance(url, var_dir, tmp_path))
