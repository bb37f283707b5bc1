"""Encryption at rest for private data (tipster contacts, tip texts, outlet credentials).

Values are Fernet tokens (AES-128-CBC + HMAC-SHA256). Several keys may be configured: the first
encrypts, all of them decrypt, so keys can be rotated without downtime.
"""

from __future__ import annotations

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class DecryptionError(Exception):
    """A stored value could not be decrypted with any configured key."""


@lru_cache(maxsize=4)
def _box(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except ValueError as exc:
        raise ValueError(
            "KIEMCHUNG_ENCRYPTION_KEYS holds a value that is not a Fernet key "
            "(32 url-safe base64-encoded bytes)"
        ) from exc


def _current() -> MultiFernet:
    return _box(tuple(settings.ENCRYPTION_KEYS))


def encrypt(plain: str) -> str:
    """The encrypted token for a text; empty stays empty."""
    if not plain:
        return ""
    return _current().encrypt(plain.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    """The text behind a token; raises DecryptionError (without the token) when no key fits."""
    if not token:
        return ""
    try:
        return _current().decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeError):
        raise DecryptionError("stored value cannot be decrypted with the configured keys") from None


def reencrypt(token: str) -> str:
    """The same text encrypted with the newest key (for key rotation)."""
    if not token:
        return ""
    try:
        return _current().rotate(token.encode("ascii")).decode("ascii")
    except InvalidToken:
        raise DecryptionError("stored value cannot be decrypted with the configured keys") from None


# Every Fernet token starts with its version byte 0x80, which base64 writes as "gA".
_TOKEN_START = b"gAAAAA"


def encrypt_bytes(plain: bytes) -> bytes:
    """The encrypted token for a file's bytes (an image): the same keys as the texts."""
    return _current().encrypt(plain)


def is_encrypted_bytes(data: bytes) -> bool:
    """Whether stored bytes are a token of encrypt_bytes (an image never starts like one)."""
    return data.startswith(_TOKEN_START)


def decrypt_bytes(token: bytes) -> bytes:
    """The bytes behind a token; raises DecryptionError when no key fits."""
    try:
        return _current().decrypt(token)
    except InvalidToken:
        raise DecryptionError("stored file cannot be decrypted with the configured keys") from None


def reencrypt_bytes(data: bytes) -> bytes | None:
    """Stored bytes under the newest key: plain bytes encrypted, a token under an older key
    re-encrypted; None when they already are under the newest key."""
    if not is_encrypted_bytes(data):
        return encrypt_bytes(data)
    newest = Fernet(settings.ENCRYPTION_KEYS[0].encode())
    try:
        newest.decrypt(data)
    except InvalidToken:
        try:
            return _current().rotate(data)
        except InvalidToken:
            raise DecryptionError(
                "stored file cannot be decrypted with the configured keys"
            ) from None
    return None
