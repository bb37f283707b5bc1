"""Public pages are kept in a cache every process of the machine shares: a page dropped by a
command in another process is gone for the web server at once."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from kiemchung.core.cache import SharedFileCache
from kiemchung.publishing.cache import drop_mark_key, page_cache, page_key

KIEMCHUNG = str(Path(sys.executable).with_name("kiemchung"))


def test_a_page_dropped_by_another_process_is_gone_here_at_once(tmp_path, settings):
    # The cache of a server started with this var folder, outside the tests.
    settings.CACHES = {
        **settings.CACHES,
        "pages": {
            "BACKEND": "kiemchung.core.cache.SharedFileCache",
            "LOCATION": str(tmp_path / "cache" / "pages"),
        },
    }
    cache = page_cache()
    assert isinstance(cache, SharedFileCache)
    kept, other = page_key("/p/nhom/", "vi"), page_key("/p/khac/", "vi")
    cache.set_many({kept: "trang chủ", other: "trang khác"}, 600)

    env = {k: v for k, v in os.environ.items() if not k.startswith("KIEMCHUNG_")}
    env.update(KIEMCHUNG_VAR_DIR=str(tmp_path), KIEMCHUNG_ENV="development")
    done = subprocess.run(
        [KIEMCHUNG, "shell", "-c",
         "from kiemchung.publishing.cache import drop_pages; drop_pages(['/p/nhom/'])"],
        env=env, capture_output=True, text=True, timeout=120,
    )

    assert done.returncode == 0, done.stderr
    assert cache.get(kept) is None
    assert cache.get(drop_mark_key(kept)) is not None, "a page drawn meanwhile is not kept"
    assert cache.get(other) == "trang khác"


def test_the_folder_is_culled_now_and_then_not_on_every_write(tmp_path):
    cache = SharedFileCache(str(tmp_path), {"OPTIONS": {"MAX_ENTRIES": 10, "CULL_FREQUENCY": 2}})
    cache.set_many({f"k{i}": i for i in range(30)}, 600)

    # Culled once (at the first write), then left to grow until the next cull is due.
    assert len(list(tmp_path.glob("*.djcache"))) == 30
