"""The one place kiemchung fetches URLs: timeouts, a size limit, checked redirects, no LAN hosts."""

from __future__ import annotations

import functools
import ipaddress
import socket
import ssl
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import Message
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import httpx
from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import gettext as _

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# Answers that may change if asked again later; other 4xx answers (404, 410, 403) will not.
RETRYABLE_STATUSES = frozenset({408, 425, 429})
FINAL_SERVER_STATUSES = frozenset({501, 505})

# Addresses that carry an IPv4 address inside an IPv6 one; the embedded address is checked too.
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


class FetchError(Exception):
    """A URL could not be fetched: `message` is for people, `retryable` says if later may work."""

    def __init__(
        self, message: str, *, retryable: bool, reason: str, status_code: int | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.retryable = retryable
        self.reason = reason
        self.status_code = status_code


@dataclass(frozen=True)
class FetchResult:
    """A fetched response: the URL it finally came from, its status, headers and whole body."""

    url: str
    status_code: int
    headers: httpx.Headers
    content: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")

    @property
    def text(self) -> str:
        header = Message()
        header["content-type"] = self.content_type
        charset = header.get_content_charset() or "utf-8"
        try:
            return self.content.decode(charset, errors="replace")
        except LookupError:
            return self.content.decode("utf-8", errors="replace")


def _user_agent() -> str:
    try:
        own_version = version("kiemchung")
    except PackageNotFoundError:
        own_version = "dev"
    return f"kiemchung/{own_version} (+{settings.SITE_URL})"


def _number(value: float) -> str:
    return number_format(int(value) if float(value).is_integer() else round(value, 1))


def _timeout_error() -> FetchError:
    seconds = _number(settings.FETCH_TIMEOUT_SECONDS)
    return FetchError(
        _("Trang không phản hồi trong %(seconds)s giây") % {"seconds": seconds},
        retryable=True,
        reason="timeout",
    )


def _too_large_error(max_bytes: int) -> FetchError:
    megabytes = _number(max_bytes / (1024 * 1024))
    return FetchError(
        _("Trang quá lớn (hơn %(megabytes)s MB)") % {"megabytes": megabytes},
        retryable=False,
        reason="too_large",
    )


def _private_error() -> FetchError:
    return FetchError(
        _("Địa chỉ nội bộ không được phép"), retryable=False, reason="private_address"
    )


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def address_is_public(address: IPAddress) -> bool:
    """Whether an address is on the public internet: not loopback, private, link-local, reserved."""
    if address.is_multicast or not address.is_global:
        return False
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            return address_is_public(embedded)
    return True


def _resolve(host: str, port: int) -> list[IPAddress]:
    """Every address HOST resolves to, refusing the host when any of them is not public."""
    # getaddrinfo has no timeout of its own; the system resolver's (a few seconds) applies.
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except UnicodeError as exc:  # a name no resolver can be asked about
        raise FetchError(
            _("Không tìm thấy máy chủ %(host)s") % {"host": host}, retryable=False, reason="dns"
        ) from exc
    except socket.gaierror as exc:
        # A resolver that is down or cut off answers "no such name" as readily as "try again":
        # a platform's API host that does not resolve now will most likely resolve later.
        raise FetchError(
            _("Không tìm thấy máy chủ %(host)s") % {"host": host},
            retryable=True,
            reason="dns",
        ) from exc
    addresses: list[IPAddress] = []
    for info in infos:
        # Drop an IPv6 zone ("fe80::1%eth0"); link-local addresses are refused anyway.
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    if not settings.ALLOW_PRIVATE_URLS and not all(address_is_public(a) for a in addresses):
        raise _private_error()
    if not addresses:
        raise FetchError(
            _("Không tìm thấy máy chủ %(host)s") % {"host": host}, retryable=True, reason="dns"
        )
    return addresses


def _checked_url(url: str | httpx.URL) -> httpx.URL:
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        raise FetchError(
            _("Đường dẫn không hợp lệ"), retryable=False, reason="invalid_url"
        ) from exc
    if parsed.scheme not in ("http", "https"):
        raise FetchError(
            _("Chỉ hỗ trợ đường dẫn http hoặc https"), retryable=False, reason="scheme"
        )
    if not parsed.host:
        raise FetchError(_("Đường dẫn không hợp lệ"), retryable=False, reason="invalid_url")
    return parsed


@functools.cache
def _default_ssl_context() -> ssl.SSLContext:
    """The verifying TLS context of every request, made once: building one loads the whole CA
    bundle, which took longer than a request to a nearby server."""
    return httpx.create_ssl_context()


def _caused_by_tls(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _transport_error(exc: httpx.TransportError) -> FetchError:
    if isinstance(exc, httpx.TimeoutException):
        return _timeout_error()
    if isinstance(exc, httpx.ConnectError) and _caused_by_tls(exc):
        return FetchError(
            _("Không xác minh được kết nối an toàn (HTTPS) tới trang"),
            retryable=False,
            reason="tls",
        )
    if isinstance(exc, httpx.ConnectError):
        return FetchError(
            _("Không kết nối được tới máy chủ"), retryable=True, reason="connect"
        )
    if isinstance(exc, httpx.UnsupportedProtocol):
        return FetchError(
            _("Chỉ hỗ trợ đường dẫn http hoặc https"), retryable=False, reason="scheme"
        )
    return FetchError(
        _("Máy chủ ngắt kết nối giữa chừng"), retryable=True, reason="network"
    )


@contextmanager
def _open(
    url: httpx.URL,
    *,
    method: str,
    headers: Mapping[str, str],
    body: dict[str, Any],
    deadline: float,
    ssl_context: ssl.SSLContext | None,
) -> Iterator[httpx.Response]:
    """Send one request to an address HOST resolved to and was checked, keeping Host and SNI."""
    host = url.raw_host.decode("ascii")
    addresses = _resolve(host, url.port or (443 if url.scheme == "https" else 80))
    last_error: httpx.TransportError | None = None
    for address in addresses:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise _timeout_error()
        # Connecting to the checked address, not the name, means a second DNS answer
        # (rebinding to 127.0.0.1) cannot slip past the check.
        pinned = url.copy_with(host=str(address))
        request_headers = {**headers, "Host": url.netloc.decode("ascii")}
        extensions = {"sni_hostname": host} if url.scheme == "https" else {}
        # A client per request: a pooled connection, keyed by address, could otherwise carry
        # a request for another host name over TLS that was verified for the first one.
        # trust_env=False: a proxy from the environment would bypass the address check.
        try:
            with (
                httpx.Client(
                    verify=ssl_context if ssl_context is not None else _default_ssl_context(),
                    trust_env=False,
                    follow_redirects=False,
                ) as client,
                client.stream(
                    method,
                    pinned,
                    headers=request_headers,
                    timeout=httpx.Timeout(remaining),
                    extensions=extensions,
                    **body,
                ) as response,
            ):
                yield response
                return
        except httpx.ConnectError as exc:
            if _caused_by_tls(exc):
                raise _transport_error(exc) from exc
            # Nothing was sent yet: the next address of the same host may answer.
            last_error = exc
        except httpx.TransportError as exc:
            raise _transport_error(exc) from exc
    assert last_error is not None
    raise _transport_error(last_error) from last_error


def _read_body(response: httpx.Response, *, max_bytes: int, deadline: float) -> bytes:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise _too_large_error(max_bytes)
    body = bytearray()
    try:
        # No chunk size: httpx would otherwise hold data back until a whole chunk has arrived.
        for chunk in response.iter_bytes():
            body += chunk
            if len(body) > max_bytes:
                raise _too_large_error(max_bytes)
            # A server dripping a byte at a time never trips the read timeout; this does.
            if time.monotonic() > deadline:
                raise _timeout_error()
    except httpx.DecodingError as exc:
        raise FetchError(
            _("Trang gửi dữ liệu nén bị hỏng"), retryable=False, reason="decoding"
        ) from exc
    except httpx.TransportError as exc:
        raise _transport_error(exc) from exc
    return bytes(body)


def _status_error(status_code: int) -> FetchError:
    return FetchError(
        _("Máy chủ trả lỗi %(status)d") % {"status": status_code},
        retryable=status_code in RETRYABLE_STATUSES
        or (status_code >= 500 and status_code not in FINAL_SERVER_STATUSES),
        reason="http_status",
        status_code=status_code,
    )


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return url.scheme, url.host, url.port


def fetch(
    url: str,
    *,
    method: str = "GET",
    headers: Mapping[str, str] | None = None,
    json: Any = None,
    data: Mapping[str, str] | None = None,
    content: bytes | None = None,
    max_bytes: int | None = None,
    raise_for_status: bool = True,
    follow_redirects: bool = True,
    ssl_context: ssl.SSLContext | None = None,
) -> FetchResult:
    """Fetch URL within the KIEMCHUNG_FETCH_* limits, or raise FetchError saying why not.

    `content` sends these exact bytes (a signed body must arrive as it was signed); with
    `follow_redirects=False` a redirect is returned as the answer instead of followed.
    """
    limit = settings.FETCH_MAX_BYTES if max_bytes is None else max_bytes
    deadline = time.monotonic() + settings.FETCH_TIMEOUT_SECONDS
    current = _checked_url(url)
    request_headers = {"User-Agent": _user_agent(), **(headers or {})}
    body: dict[str, Any] = {}
    if json is not None:
        body["json"] = json
    if data is not None:
        body["data"] = dict(data)
    if content is not None:
        body["content"] = content
    redirects = 0
    while True:
        with _open(
            current,
            method=method,
            headers=request_headers,
            body=body,
            deadline=deadline,
            ssl_context=ssl_context,
        ) as response:
            location = response.headers.get("location")
            if follow_redirects and response.status_code in REDIRECT_STATUSES and location:
                redirects += 1
                if redirects > settings.FETCH_MAX_REDIRECTS:
                    raise FetchError(
                        _("Quá nhiều lần chuyển hướng"), retryable=False, reason="redirects"
                    )
                target = _checked_url(current.join(location))
                if _origin(target) != _origin(current):
                    # The caller's headers (an API token such as Zalo's access_token) were
                    # meant for the host it named, not for wherever that host redirects.
                    request_headers = {"User-Agent": request_headers["User-Agent"]}
                current = target
                if response.status_code in (301, 302, 303) and method != "HEAD":
                    method, body = "GET", {}
                continue
            if raise_for_status and response.status_code >= 400:
                raise _status_error(response.status_code)
            content = _read_body(response, max_bytes=limit, deadline=deadline)
            return FetchResult(
                url=str(current),
                status_code=response.status_code,
                headers=response.headers,
                content=content,
            )
