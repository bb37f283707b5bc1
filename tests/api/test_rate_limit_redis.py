"""On Redis: the per-token rate limit is counted in the cache every web node shares."""

from __future__ import annotations

import os
import uuid
from urllib.parse import urlsplit

import pytest

from core.support import service_missing

pytestmark = [pytest.mark.redis]

REDIS_URL = os.environ.get("KIEMCHUNG_TEST_REDIS_URL", "redis://127.0.0.1:6379/12")


@pytest.fixture
def redis_cache(settings):
    """The default cache on the test Redis, under a prefix of this test's own (Django drops
    its cache connections when CACHES changes)."""
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3)
    try:
        client.ping()
    except redis.RedisError as exc:
        parts = urlsplit(REDIS_URL)
        service_missing(f"Redis is unreachable at {parts.hostname}:{parts.port or 6379}: {exc}")
    prefix = f"kc-test-{uuid.uuid4().hex[:8]}"
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": prefix,
        },
    }
    yield client, prefix
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)
    client.close()


def test_the_rate_limit_is_counted_in_redis_for_every_node(team, v1, settings, redis_cache):
    from kiemchung.accounts import services as accounts_services

    client, prefix = redis_cache
    settings.API_RATE_LIMIT = 2
    token, raw = accounts_services.api_token_create(member=team.member(team.viewer), name="bot")

    answers = [v1("viewer", "get", "claims/", raw=raw).status_code for _ in range(3)]

    assert answers == [200, 200, 429]
    [key] = list(client.scan_iter(f"{prefix}:*api-requests:{token.pk}:*"))
    assert int(client.get(key)) == 3
    assert 0 < client.ttl(key) <= 65
