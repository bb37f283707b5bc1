"""RFC 6238 time-based one-time codes and the QR code an authenticator app scans."""

from __future__ import annotations

import hmac
import time

import pyotp
import segno
from django.utils.safestring import SafeString, mark_safe

ISSUER = "kiemchung"
DRIFT_STEPS = 1  # accept the previous and the next 30-second step, for clocks that drift


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(*, secret: str, account: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=ISSUER)


def normalise_code(code: str) -> str:
    return "".join(code.split()).replace("-", "")


def matching_step(*, secret: str, code: str, at: float | None = None) -> int | None:
    """The time step whose code equals `code` (compared in constant time), or None."""
    code = normalise_code(code)
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = int((time.time() if at is None else at) // totp.interval)
    found = None
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            found = step
    return found


def qr_svg(*, uri: str, title: str) -> SafeString:
    """The otpauth URI as an inline SVG (no external asset, no style attribute)."""
    svg = segno.make(uri, error="m").svg_inline(
        scale=5, dark="#000", light="#fff", svgclass="qr", lineclass=None, title=title
    )
    # segno writes the markup from the QR matrix and escapes the title itself.
    return mark_safe(svg)  # noqa: S308


def grouped(secret: str) -> str:
    """The secret in groups of four, easier to type by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
