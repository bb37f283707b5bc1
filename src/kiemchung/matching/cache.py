"""Embedding caches keyed by content hash, so that no text is embedded twice."""

from __future__ import annotations

import hashlib
import hmac
import sqlite3
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

import numpy as np

__all__ = [
    "EmbeddingCache",
    "MemoryEmbeddingCache",
    "SqliteEmbeddingCache",
    "cache_key",
    "key_scheme",
]

# What the keys of a cache file were made with when nothing says otherwise: plain SHA-256.
UNKEYED = "sha256"


def cache_key(model: str, kind: str, text: str, secret: bytes = b"") -> str:
    """Key of one embedding: the model name, ``query`` or ``passage``, and the exact text.

    With a secret the key is an HMAC: a copy of the cache then does not confirm a guessed text
    to someone who does not also hold the secret.
    """
    message = f"{model}\x00{kind}\x00{text}".encode()
    if secret:
        return hmac.new(secret, message, hashlib.sha256).hexdigest()
    return hashlib.sha256(message).hexdigest()


def key_scheme(secret: bytes) -> str:
    """How a cache's keys are made, recorded in the file: `sha256`, or `hmac-sha256:` and a
    fingerprint of the secret (which says nothing about the secret itself)."""
    if not secret:
        return UNKEYED
    fingerprint = hmac.new(secret, b"kiemchung embedding cache", hashlib.sha256).hexdigest()
    return f"hmac-sha256:{fingerprint[:16]}"


class EmbeddingCache(Protocol):
    """A store of float32 vectors by key; implementations must be safe to share across threads."""

    def get_many(self, keys: list[str]) -> dict[str, np.ndarray]: ...

    def put_many(self, items: Iterable[tuple[str, np.ndarray]]) -> None: ...


class MemoryEmbeddingCache:
    """An in-process cache; bounded by ``max_items`` (oldest entries dropped first)."""

    def __init__(self, max_items: int = 200_000) -> None:
        self._data: dict[str, np.ndarray] = {}
        self._max = max_items
        self._lock = threading.Lock()

    def get_many(self, keys: list[str]) -> dict[str, np.ndarray]:
        with self._lock:
            return {k: self._data[k] for k in keys if k in self._data}

    def put_many(self, items: Iterable[tuple[str, np.ndarray]]) -> None:
        with self._lock:
            for key, vec in items:
                self._data[key] = np.asarray(vec, dtype=np.float32)
            while len(self._data) > self._max:
                self._data.pop(next(iter(self._data)))

    def __len__(self) -> int:
        return len(self._data)


class SqliteEmbeddingCache:
    """A persistent cache in one SQLite file (WAL), usable by several processes.

    The file records the `scheme` its keys were made with (see `key_scheme`). Opened with
    another scheme (an older file of plain SHA-256 keys, a changed secret), it is emptied
    first, its deleted rows overwritten, and fills again as texts are embedded. Opened without
    a scheme (to count or read it), it is left as it is.
    """

    def __init__(self, path: str | Path, scheme: str | None = None) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.scheme = scheme
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(str(self.path), check_same_thread=False, timeout=30)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        # Deleted keys and vectors are overwritten with zeros, not left in free pages.
        self._conn.execute("PRAGMA secure_delete=ON")
        self._conn.execute(
            "CREATE TABLE IF NOT EXISTS embedding (key TEXT PRIMARY KEY, dim INTEGER, vec BLOB)"
        )
        self._conn.execute("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT)")
        self._conn.commit()
        if scheme is not None:
            self._adopt_scheme(scheme)

    def _adopt_scheme(self, scheme: str) -> None:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            row = self._conn.execute("SELECT value FROM meta WHERE name = 'scheme'").fetchone()
            # A file that records no scheme was written before schemes: plain SHA-256 keys.
            current = row[0] if row else UNKEYED
            if current == scheme:
                self._conn.execute("INSERT OR IGNORE INTO meta VALUES ('scheme', ?)", (scheme,))
                self._conn.commit()
                return
            self._conn.execute("DELETE FROM embedding")
            self._conn.execute("INSERT OR REPLACE INTO meta VALUES ('scheme', ?)", (scheme,))
            self._conn.commit()
            # The old keys must not linger in the write-ahead log either.
            self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def get_many(self, keys: list[str]) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        with self._lock:
            for start in range(0, len(keys), 500):
                chunk = keys[start : start + 500]
                marks = ",".join("?" * len(chunk))
                rows = self._conn.execute(
                    f"SELECT key, dim, vec FROM embedding WHERE key IN ({marks})",  # noqa: S608
                    chunk,
                ).fetchall()
                for key, dim, blob in rows:
                    vec = np.frombuffer(blob, dtype=np.float32)
                    if vec.shape[0] == dim:
                        out[key] = vec
        return out

    def put_many(self, items: Iterable[tuple[str, np.ndarray]]) -> None:
        rows = [
            (key, int(np.asarray(vec).shape[0]), np.asarray(vec, dtype=np.float32).tobytes())
            for key, vec in items
        ]
        if not rows:
            return
        with self._lock:
            self._conn.executemany(
                "INSERT OR REPLACE INTO embedding (key, dim, vec) VALUES (?, ?, ?)", rows
            )
            self._conn.commit()

    def __len__(self) -> int:
        with self._lock:
            row = self._conn.execute("SELECT COUNT(*) FROM embedding").fetchone()
        return int(row[0])

    def close(self) -> None:
        with self._lock:
            self._conn.close()
