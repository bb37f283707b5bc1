"""What the tipline knows of a sender: a keyed hash, a pseudonym, a rate and a block flag."""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

PSEUDONYM_SPACE = 10_000
_RATE_WINDOW_SECONDS = 60
_BLOCKLIST_TTL_SECONDS = 300


def sender_hash(platform: str, platform_id: str) -> str:
    """HMAC-SHA256(KIEMCHUNG_TIPLINE_SENDER_KEY, platform:id) in hex; the id itself is not kept."""
    message = f"{platform}:{platform_id}".encode()
    return hmac.new(settings.TIPLINE_SENDER_KEY.encode(), message, hashlib.sha256).hexdigest()


def album_key(conversation_id: int, group: str) -> str:
    """A keyed digest naming one chat album of one conversation."""
    message = f"album:{conversation_id}:{group}".encode()
    return hmac.new(settings.TIPLINE_SENDER_KEY.encode(), message, hashlib.sha256).hexdigest()


def pseudonym_candidates(hash_hex: str) -> list[int]:
    """Pseudonym numbers to try for a sender, in order: the first free one is kept for good.

    The first is derived from the hash, so a sender usually gets the same number in every
    workspace; later ones walk the space in a hash-dependent order when that number is taken.
    """
    start = int(hash_hex[:8], 16) % PSEUDONYM_SPACE
    step = (int(hash_hex[8:16], 16) % (PSEUDONYM_SPACE - 1)) | 1
    # An odd step is coprime with 10 000 only when it is not a multiple of 5.
    while step % 5 == 0:
        step += 2
    return [(start + i * step) % PSEUDONYM_SPACE for i in range(PSEUDONYM_SPACE)]


@dataclass(frozen=True)
class RateDecision:
    """Whether a sender is over the per-minute rate, and when their next window opens."""

    over_limit: bool
    count: int
    window_ends_at: float


def sender_rate_hit(workspace_id: int, hash_hex: str) -> RateDecision:
    """Count one message from a sender in the current minute window (the shared cache)."""
    now = time.time()
    window = int(now // _RATE_WINDOW_SECONDS)
    key = f"tipline:rate:{workspace_id}:{hash_hex}:{window}"
    if cache.add(key, 1, timeout=_RATE_WINDOW_SECONDS * 2):
        count = 1
    else:
        try:
            count = cache.incr(key)
        except ValueError:
            cache.set(key, 1, timeout=_RATE_WINDOW_SECONDS * 2)
            count = 1
    return RateDecision(
        over_limit=count > settings.TIPLINE_SENDER_RATE,
        count=count,
        window_ends_at=(window + 1) * _RATE_WINDOW_SECONDS,
    )


def slowed_delay_seconds(decision: RateDecision) -> float:
    """How long a message over the rate waits: one more window for each rate's worth of excess."""
    excess_windows = (decision.count - 1) // settings.TIPLINE_SENDER_RATE
    return max(0.0, decision.window_ends_at - time.time()) + (
        (excess_windows - 1) * _RATE_WINDOW_SECONDS
    )


def _blocklist_key(workspace_id: int) -> str:
    return f"tipline:blocked:{workspace_id}"


def blocked_hashes(workspace_id: int) -> frozenset[str]:
    """The workspace's blocked sender hashes, cached; services clear the cache on change."""
    cached = cache.get(_blocklist_key(workspace_id))
    if cached is not None:
        return frozenset(cached)
    from kiemchung.tipline.models import Sender

    hashes = frozenset(
        Sender.objects.filter(workspace_id=workspace_id, blocked_at__isnull=False).values_list(
            "sender_hash", flat=True
        )
    )
    cache.set(_blocklist_key(workspace_id), list(hashes), timeout=_BLOCKLIST_TTL_SECONDS)
    return hashes


def blocklist_forget(workspace_id: int) -> None:
    cache.delete(_blocklist_key(workspace_id))


def web_client_key(remote_addr: str) -> str:
    """A short-lived key for rate-limiting the web form by address, never stored in the database."""
    return sender_hash("web-addr", remote_addr)
