"""Perceptual hashes of images and their search by Hamming distance.

An image's fingerprint is two perceptual hashes of its grey pixels (`imagehash`): the DCT hash
and the gradient hash, 16x16 bits each, 512 bits in all. A picture re-saved or resized keeps
nearly all of them; screenshots of different chats, alike in layout, still differ in dozens.

Cropping and captions move the content inside the frame, which a perceptual hash does not
forgive, so both sides carry more than one view: an image kept is indexed whole and with 5 %
cut off each edge (`kept_fingerprints`); an image looked up is also tried without a band of
up to a fifth of its height at the bottom or top, where a reshare adds its caption
(`query_fingerprints`). `HashIndex` keeps fingerprints as rows of 64-bit words and compares a
query with all of them at once (XOR and a population count per word): exact, no tree to keep.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

import imagehash
import numpy as np
from PIL import Image

HASH_SIZE = 16
BITS = 2 * HASH_SIZE * HASH_SIZE
WORDS = BITS // 64
# At most this many of the 512 bits may differ for two images to be the same picture
# (fitted on the project's variants and unrelated images: docs/IMAGES.md).
MAX_DISTANCE = 30
EDGE_CUT = 0.05
BOTTOM_BANDS = (0.02, 0.04, 0.06, 0.08, 0.10, 0.12, 0.14, 0.16, 0.18, 0.20)
TOP_BANDS = (0.04, 0.08, 0.12, 0.16, 0.20)

Key = TypeVar("Key")


def image_hash(image: Image.Image) -> bytes:
    """The 512-bit fingerprint of IMAGE as it is, 64 bytes."""
    gray = image.convert("L")
    bits = np.concatenate([
        imagehash.phash(gray, hash_size=HASH_SIZE).hash.flatten(),
        imagehash.dhash(gray, hash_size=HASH_SIZE).hash.flatten(),
    ])
    return np.packbits(bits.astype(np.uint8)).tobytes()


def _cut(image: Image.Image, left: float, top: float, right: float, bottom: float) -> Image.Image:
    w, h = image.size
    return image.crop(
        (round(w * left), round(h * top), round(w * (1 - right)), round(h * (1 - bottom)))
    )


def _gray(image: Image.Image) -> Image.Image:
    """Grey and at most 512 pixels a side: the hashes read 64x64 pixels, so this changes
    next to nothing and makes each of the many views cheap."""
    gray = image.convert("L")
    longest = max(gray.size)
    if longest > 512:
        factor = 512 / longest
        gray = gray.resize(
            (max(1, round(gray.width * factor)), max(1, round(gray.height * factor))),
            Image.Resampling.BOX,
        )
    return gray


def kept_fingerprints(image: Image.Image) -> list[bytes]:
    """The fingerprints an image kept is indexed under: whole, and without its edges."""
    gray = _gray(image)
    return [image_hash(gray), image_hash(_cut(gray, EDGE_CUT, EDGE_CUT, EDGE_CUT, EDGE_CUT))]


def query_fingerprints(image: Image.Image) -> list[bytes]:
    """The fingerprints an image is looked up with: whole, and without a caption's band."""
    gray = _gray(image)
    views = [gray]
    views += [_cut(gray, 0, 0, 0, band) for band in BOTTOM_BANDS]
    views += [_cut(gray, 0, band, 0, 0) for band in TOP_BANDS]
    return [image_hash(view) for view in views]


def hash_hex(fingerprint: bytes) -> str:
    return fingerprint.hex()


def hash_from_hex(text: str) -> bytes:
    value = bytes.fromhex(text)
    if len(value) != BITS // 8:
        raise ValueError("not an image fingerprint")
    return value


def _words(fingerprint: bytes) -> np.ndarray:
    return np.frombuffer(fingerprint, dtype=">u8").astype(np.uint64)


def hamming(a: bytes, b: bytes) -> int:
    """How many bits of two fingerprints differ."""
    return int(np.bitwise_count(_words(a) ^ _words(b)).sum())


@dataclass
class HashIndex(Generic[Key]):
    """Fingerprints and what each belongs to, searched by Hamming distance.

    The words are kept column by column: the first two words (128 bits) of every row are
    compared first, and only rows that can still be within the distance are compared whole.
    """

    keys: list[Key] = field(default_factory=list)
    _columns: np.ndarray = field(default_factory=lambda: np.zeros((WORDS, 0), dtype=np.uint64))
    _pending: list[np.ndarray] = field(default_factory=list)

    def add(self, key: Key, fingerprint: bytes) -> None:
        self.keys.append(key)
        self._pending.append(_words(fingerprint))

    def extend(self, items: Iterable[tuple[Key, bytes]]) -> None:
        for key, fingerprint in items:
            self.add(key, fingerprint)

    def extend_packed(self, keys: Sequence[Key], fingerprints: bytes) -> None:
        """Add one row per key at once: FINGERPRINTS holds their fingerprints end to end
        (a store read back thousands of rows, where adding them one by one is the cost)."""
        if len(fingerprints) != len(keys) * (BITS // 8):
            raise ValueError("one fingerprint per key")
        rows = np.frombuffer(fingerprints, dtype=">u8").astype(np.uint64)
        columns = self._matrix()
        self._columns = np.ascontiguousarray(
            np.hstack([columns, rows.reshape(len(keys), WORDS).T])
        )
        self.keys.extend(keys)

    def __len__(self) -> int:
        return len(self.keys)

    def _matrix(self) -> np.ndarray:
        if self._pending:
            added = np.stack(self._pending, axis=1)
            self._columns = np.ascontiguousarray(np.hstack([self._columns, added]))
            self._pending = []
        return self._columns

    def distances(self, fingerprint: bytes) -> np.ndarray:
        """The distance of FINGERPRINT to every row."""
        columns = self._matrix()
        query = _words(fingerprint)
        total = np.zeros(columns.shape[1], dtype=np.int32)
        for word in range(WORDS):
            total += np.bitwise_count(columns[word] ^ query[word])
        return total

    def _close(self, fingerprint: bytes, max_distance: int) -> tuple[np.ndarray, np.ndarray]:
        """Rows within MAX_DISTANCE of FINGERPRINT and their distances."""
        columns = self._matrix()
        query = _words(fingerprint)
        partial = np.bitwise_count(columns[0] ^ query[0]).astype(np.int32)
        partial += np.bitwise_count(columns[1] ^ query[1])
        rows = np.flatnonzero(partial <= max_distance)
        found = partial[rows]
        for word in range(2, WORDS):
            found += np.bitwise_count(columns[word, rows] ^ query[word])
        keep = found <= max_distance
        return rows[keep], found[keep]

    def search(
        self, fingerprint: bytes, *, max_distance: int = MAX_DISTANCE, limit: int = 5
    ) -> list[tuple[Key, int]]:
        """The nearest entries within MAX_DISTANCE bits, nearest first."""
        return self.search_any([fingerprint], max_distance=max_distance, limit=limit)

    def search_any(
        self, fingerprints: Sequence[bytes], *, max_distance: int = MAX_DISTANCE, limit: int = 5
    ) -> list[tuple[Key, int]]:
        """The entries nearest to any of FINGERPRINTS (views of one image), each key once."""
        if not self.keys or not fingerprints:
            return []
        hits: list[tuple[int, int]] = []
        for fingerprint in fingerprints:
            rows, found = self._close(fingerprint, max_distance)
            hits += zip(found.tolist(), rows.tolist(), strict=True)
        best: dict[Key, int] = {}
        for distance, row in sorted(hits):
            if self.keys[row] not in best:
                best[self.keys[row]] = distance
                if len(best) == limit:
                    break
        return list(best.items())

    def image_search(
        self, image: Image.Image, *, max_distance: int = MAX_DISTANCE, limit: int = 5
    ) -> list[tuple[Key, int]]:
        """The kept images IMAGE is a copy of, nearest first."""
        return self.search_any(query_fingerprints(image), max_distance=max_distance, limit=limit)
