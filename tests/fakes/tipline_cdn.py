"""The host a chat platform serves the images people send from, as tests see it: a real HTTP
server on 127.0.0.1 whose addresses are signed and expire, like Meta's CDN links.

Zalo's image links are plain (`signed=False`). The host refuses what the real ones refuse: an
address altered or past its expiry (403), an unknown one (404), and it flags any request that
carries a platform credential, which an image host must never be sent.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

from tests.fakes.tipline_api import Answer, FakeChatApi, Recorded, Served

_SIGNING_KEY = secrets.token_bytes(16)


@dataclass
class _Image:
    content: bytes
    content_type: str
    declare_length: bool
    signed: bool


def _signature(path: str, expires: str) -> str:
    return hmac.new(_SIGNING_KEY, f"{path}:{expires}".encode(), hashlib.sha256).hexdigest()[:32]


class FakeImageHost(FakeChatApi):
    """GET <path>?oh=<signature>&oe=<expiry, hex seconds> serves what `publish` put there."""

    def __init__(self) -> None:
        self.images: dict[str, _Image] = {}
        super().__init__()

    def publish(
        self,
        content: bytes,
        *,
        content_type: str = "image/jpeg",
        signed: bool = True,
        expires_in: int = 3600,
        declare_length: bool = True,
    ) -> str:
        """The address of CONTENT on this host, as the platform would put it in a webhook."""
        path = f"/v/t1.15752-9/{secrets.token_hex(12)}_n.jpg"
        self.images[path] = _Image(content, content_type, declare_length, signed)
        if not signed:
            return f"{self.url}{path}"
        expires = format(int(time.time()) + expires_in, "x")
        return f"{self.url}{path}?_nc_cat=101&oh={_signature(path, expires)}&oe={expires}"

    def answer(self, request: Recorded) -> Answer:
        return Answer(405, {"error": "method not allowed"})

    def answer_get(self, request: Recorded) -> Served:
        lowered = {k.lower() for k in request.query} | set(request.headers)
        if {"access_token", "authorization"} & lowered:
            self.problem("a platform credential was sent to the image host")
        image = self.images.get(request.path)
        if image is None:
            return Served(404, b"Not Found", "text/plain")
        if image.signed:
            expires = (request.query.get("oe") or [""])[0]
            given = (request.query.get("oh") or [""])[0]
            if not hmac.compare_digest(given, _signature(request.path, expires)):
                return Served(403, b"URL signature mismatch", "text/plain")
            if int(expires, 16) < time.time():
                return Served(403, b"URL signature expired", "text/plain")
        return Served(200, image.content, image.content_type, declare_length=image.declare_length)
