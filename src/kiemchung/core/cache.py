"""A cache every process of one machine shares: files under the var folder."""

from __future__ import annotations

import os
import threading
import time
from typing import Any

from django.core.cache.backends.filebased import FileBasedCache

# When each cache folder may next be culled, for every thread of this process.
_next_cull: dict[str, float] = {}
_lock = threading.Lock()


class SharedFileCache(FileBasedCache):
    """Django's file cache, culled at most once every `CULL_SECONDS` in a process.

    The stock backend lists its whole folder on every write to see whether it is full: with a
    few thousand pages kept, dropping a team's pages (two writes a page) took seconds. Between
    two culls the folder may pass MAX_ENTRIES by what was written meanwhile.
    """

    CULL_SECONDS = 30.0

    def __init__(self, dir: str, params: dict[str, Any]) -> None:
        super().__init__(dir, params)
        self.folder = os.path.abspath(dir)

    def _cull(self) -> None:
        now = time.monotonic()
        with _lock:
            if now < _next_cull.get(self.folder, 0.0):
                return
            _next_cull[self.folder] = now + self.CULL_SECONDS
        super()._cull()  # type: ignore[misc]  # Django's own, left out of its type stubs
