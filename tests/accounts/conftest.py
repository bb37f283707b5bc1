"""Accounts tests: a clean failed-login cache for each test, and two-factor login on demand."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from tests.accounts.helpers import code_for


@pytest.fixture(autouse=True)
def _fresh_login_counters():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def with_2fa():
    """Turn two-factor login on for a user, as if they had scanned the QR code; returns the
    secret. The confirming code is the previous step's, so the current one is still unused."""
    from kiemchung.accounts import services

    def turn_on(user) -> str:
        device = services.totp_begin(user=user)
        services.totp_confirm(user=user, code=code_for(device.secret, steps_from_now=-1))
        return device.secret

    return turn_on
