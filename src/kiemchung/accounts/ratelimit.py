"""Counting in the cache: failed logins per account and per client address, API requests per
token.

Only keyed hashes and token ids go to the cache, so neither addresses nor login names are
stored anywhere.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.crypto import salted_hmac

WINDOW_SECONDS = 15 * 60
_SALT = "kiemchung.accounts.ratelimit"


def _key(kind: str, value: str) -> str:
    return f"login-failures:{kind}:" + salted_hmac(_SALT, value).hexdigest()


def account_key(login: str, user_id: int | None) -> str:
    """One counter per account, whichever name (username or e-mail) was typed for it."""
    return _key("account", f"user:{user_id}" if user_id else f"name:{login.strip().lower()}")


def client_key(request: HttpRequest) -> str:
    # REMOTE_ADDR is the client as the WSGI server sees it; a trusted reverse proxy must be
    # configured in the server (e.g. waitress trusted_proxy) to pass the real address through.
    return _key("client", request.META.get("REMOTE_ADDR", ""))


def is_paused(*keys: str) -> bool:
    """Whether any of these counters has reached KIEMCHUNG_LOGIN_ATTEMPTS in the window."""
    counts = cache.get_many(list(keys))
    return any(int(count) >= settings.LOGIN_ATTEMPTS for count in counts.values())


def record_failure(*keys: str) -> None:
    """Count one failed attempt; the window starts at the first failure."""
    for key in keys:
        cache.add(key, 0, timeout=WINDOW_SECONDS)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=WINDOW_SECONDS)


def clear(*keys: str) -> None:
    cache.delete_many(list(keys))


API_WINDOW_SECONDS = 60


def api_request_allowed(token_id: int, *, now: float | None = None) -> int | None:
    """Count one API request for this token; None if within KIEMCHUNG_API_RATE_LIMIT a minute,
    else how many seconds until the next window opens."""
    now = time.time() if now is None else now
    window = int(now // API_WINDOW_SECONDS)
    key = f"api-requests:{token_id}:{window}"
    cache.add(key, 0, timeout=API_WINDOW_SECONDS + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=API_WINDOW_SECONDS + 5)
        count = 1
    if count <= settings.API_RATE_LIMIT:
        return None
    return max(1, int((window + 1) * API_WINDOW_SECONDS - now))
