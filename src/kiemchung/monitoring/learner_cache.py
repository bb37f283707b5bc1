"""What retraining read of each decided post, kept in a file between retrainings.

A post's words do not change between retrainings, and reading them (cleaning, cues, form,
hashing) is half of retraining's work; the team retrains every few decisions, so all but those
few were read last time. Kept per post, by a hash of its text: its hashed n-gram counts and the
dense features its words alone decide (`postfeatures.WORD_DENSE`). Engagement, time, images and
similarity are worked out afresh at each retraining, as they may have changed.

The file names the reading code that wrote it: a fingerprint of the modules that clean, fold,
find the cues and hash, and of the library versions they rely on. A file from other code, or one
that cannot be read, is not used: everything is read again. It is written whole after each
retraining with exactly the posts read (posts no longer decided drop out), to a temporary file
renamed over the old one, so a reader never sees half a file.
"""

from __future__ import annotations

import hashlib
import importlib
import logging
import os
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["PostCache", "reading_fingerprint"]

logger = logging.getLogger(__name__)

# The layout of the file; the reading code is in the fingerprint.
LAYOUT = 1
# What turns a post into counts and word features.
READING_MODULES = (
    "kiemchung.text.normalize",
    "kiemchung.text.social",
    "kiemchung.text.abbreviations",
    "kiemchung.monitoring.triage",
    "kiemchung.monitoring.postfeatures",
    "kiemchung.monitoring.stacking",
)

Reader = Callable[[Sequence[str]], tuple[Any, np.ndarray]]


@lru_cache(maxsize=1)
def reading_fingerprint() -> str:
    """A hash of the code that reads a post into counts and word features."""
    import emoji
    import scipy
    import sklearn

    digest = hashlib.blake2b(digest_size=16)
    for name in READING_MODULES:
        digest.update(Path(str(importlib.import_module(name).__file__)).read_bytes())
    versions = (LAYOUT, emoji.__version__, sklearn.__version__, scipy.__version__,
                np.__version__)
    digest.update(repr(versions).encode())
    return digest.hexdigest()


def _key(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest() \
        .encode("ascii")


@dataclass
class _Saved:
    rows: dict[bytes, int]
    counts: Any
    words: np.ndarray


class PostCache:
    """The counts and word features of the posts a workspace's last retraining read."""

    def __init__(self, path: Path) -> None:
        self.path = path
        # Of the last texts asked for: how many were in the file, how many were read anew.
        self.kept = 0
        self.read_now = 0

    def _load(self, width: int, words: int) -> _Saved | None:
        from scipy import sparse

        try:
            with np.load(self.path, allow_pickle=False) as data:
                if str(data["fingerprint"][()]) != reading_fingerprint():
                    return None
                keys = data["keys"]
                counts = sparse.csr_matrix(
                    (data["data"].astype(np.float64), data["indices"], data["indptr"]),
                    shape=(len(keys), width))
                found = np.asarray(data["words"], dtype=np.float64)
        except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile) as exc:
            if not isinstance(exc, FileNotFoundError):
                logger.warning("triage learner: %s not used: %s", self.path, exc)
            return None
        if found.shape != (len(keys), words):
            return None
        return _Saved({bytes(k): i for i, k in enumerate(keys)}, counts, found)

    def _save(self, keys: list[bytes], counts: Any, words: np.ndarray) -> None:
        unique = np.unique(np.asarray(keys, dtype="S32"), return_index=True)[1]
        kept = counts[unique]
        # Counts are whole numbers below 2^16 (a post is read up to 20,000 characters).
        data = kept.data.astype(np.uint16) if kept.nnz and kept.data.max() < 2**16 \
            else kept.data.astype(np.float32)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            partial = self.path.with_name(f"{self.path.stem}.{os.getpid()}.tmp.npz")
            np.savez(partial, fingerprint=np.asarray(reading_fingerprint()),
                     keys=np.asarray(keys, dtype="S32")[unique], data=data,
                     indices=kept.indices.astype(np.int32), indptr=kept.indptr,
                     words=words[unique])
            partial.replace(self.path)
        except OSError as exc:
            logger.warning("triage learner: %s not saved: %s", self.path, exc)

    def corpus_parts(self, texts: Sequence[str], reader: Reader, *, width: int,
                     words: int) -> tuple[Any, np.ndarray]:
        """Counts and word features of every text, in order: those read last time from the
        file, the others by `reader`; then the file holds exactly these texts."""
        from scipy import sparse

        keys = [_key(text) for text in texts]
        saved = self._load(width, words)
        where = [saved.rows.get(k, -1) if saved is not None else -1 for k in keys]
        known = [i for i, row in enumerate(where) if row >= 0]
        missing = [i for i, row in enumerate(where) if row < 0]
        self.kept, self.read_now = len(known), len(missing)
        counts_parts, word_parts = [], []
        if known and saved is not None:
            rows = [where[i] for i in known]
            counts_parts.append(saved.counts[rows])
            word_parts.append(saved.words[rows])
        if missing or not known:
            new_counts, new_words = reader([texts[i] for i in missing])
            counts_parts.append(new_counts)
            word_parts.append(new_words)
        # Rows stacked as known + missing; `order` puts each text's row back in its place.
        order = np.empty(len(texts), dtype=np.int64)
        order[np.asarray(known + missing, dtype=np.int64)] = np.arange(len(texts))
        counts = sparse.vstack(counts_parts, format="csr")[order]
        found = np.vstack(word_parts)[order]
        self._save(keys, counts, found)
        return counts, found
