"""Near-duplicate hashing for reshared posts (SimHash keys, MinHash similarity)."""

from __future__ import annotations

import hashlib
import re

from datasketch import MinHash

from kiemchung.text.normalize import fold

__all__ = ["key_distance", "minhash", "near_duplicate_key", "near_duplicate_similarity", "simhash"]

_WORD_RE = re.compile(r"[^\W_]+")


def _shingles(text: str, size: int = 3) -> list[str]:
    words = _WORD_RE.findall(fold(text))
    if len(words) < size:
        return [" ".join(words)] if words else []
    return [" ".join(words[i : i + size]) for i in range(len(words) - size + 1)]


def simhash(text: str, bits: int = 64) -> int:
    """SimHash of the folded word 3-shingles of ``text`` (accents and case do not matter)."""
    weights = [0] * bits
    for shingle in _shingles(text):
        digest = int.from_bytes(hashlib.blake2b(shingle.encode(), digest_size=8).digest(), "big")
        for bit in range(bits):
            weights[bit] += 1 if digest >> bit & 1 else -1
    return sum(1 << bit for bit in range(bits) if weights[bit] > 0)


def near_duplicate_key(text: str) -> str:
    """A 16-hex-digit SimHash key; reshared copies differ from the original in few bits."""
    return f"{simhash(text):016x}"


def minhash(text: str, num_perm: int = 128) -> MinHash:
    """datasketch MinHash of the folded word 3-shingles (usable with ``MinHashLSH``)."""
    sketch = MinHash(num_perm=num_perm)
    for shingle in _shingles(text):
        sketch.update(shingle.encode())
    return sketch


def near_duplicate_similarity(a: str, b: str) -> float:
    """Jaccard similarity of folded word 3-shingles, in [0, 1]; 1.0 for two empty texts."""
    sa, sb = set(_shingles(a)), set(_shingles(b))
    if not sa and not sb:
        return 1.0
    return len(sa & sb) / len(sa | sb)


def key_distance(key_a: str, key_b: str) -> int:
    """Number of differing bits between two :func:`near_duplicate_key` values."""
    return bin(int(key_a, 16) ^ int(key_b, 16)).count("1")
