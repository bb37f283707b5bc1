"""Small helpers the accounts tests share."""

from __future__ import annotations

import time

import pyotp

PASSWORD = "mat-khau-dai-123"  # the team fixture's password for everyone


def code_for(secret: str, *, steps_from_now: int = 0) -> str:
    """The code an authenticator app shows for this secret, now or a few 30-second steps away."""
    return pyotp.TOTP(secret).at(time.time() + 30 * steps_from_now)
