"""What every outlet adapter shares: the post it sends, the figures it may read back, its one
error type, HTTP calls."""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlencode

from django.conf import settings
from django.utils.translation import gettext as _

from kiemchung.core import http

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise as StrOrPromise


class OutletError(Exception):
    """A send that did not go through: `message` is the service's own words where it gave any,
    `retryable` says whether trying again later can help, `retry_after` is the wait in seconds
    the service asked for, if it did."""

    def __init__(
        self, message: str, *, retryable: bool, retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.retryable = retryable
        self.retry_after = retry_after


@dataclass(frozen=True)
class ConfigField:
    """One setting of an outlet as the configuration form asks for it."""

    name: str
    label: StrOrPromise
    help: StrOrPromise = ""
    secret: bool = False
    required: bool = True
    # A yes/no setting, stored as "true" or "".
    boolean: bool = False


@dataclass(frozen=True)
class Post:
    """A published fact-check as an outlet announces it (the current version's text)."""

    team: str
    title: str
    claim: str
    rating: str
    summary: str
    url: str
    image_url: str
    # Labels in the site's language, so every outlet words the post the same way.
    claim_label: str
    rating_label: str
    read_more_label: str


@dataclass(frozen=True)
class Sent:
    """A send that went through: the id the service gave the post (or a count, for e-mail)."""

    external_id: str
    detail: str = ""


@dataclass(frozen=True)
class Engagement:
    """What a platform says about one of the team's posts now: lifetime counts, None for a
    figure it did not give. `note` says why one is missing when the platform said why."""

    reactions: int | None = None
    comments: int | None = None
    shares: int | None = None
    # People who saw the post (unique), and times it was seen.
    reach: int | None = None
    views: int | None = None
    note: str = ""

    @property
    def interactions(self) -> int | None:
        """Reactions, comments and shares together, as the platforms' exports count them."""
        given = [n for n in (self.reactions, self.comments, self.shares) if n is not None]
        return sum(given) if given else None


class OutletAdapter(ABC):
    """One kind of outlet: `send` posts and returns Sent, or raises OutletError.

    `config` holds the outlet's plain settings and `credentials` its secrets (decrypted only
    for the send). `progress` is kept between attempts of the same announcement, for sends of
    several steps; an adapter writes to it what it has done.
    """

    kind: ClassVar[str]
    fields: ClassVar[tuple[ConfigField, ...]] = ()
    # The setting whose value is the API's default base URL; an outlet may set `api_url`.
    base_url_setting: ClassVar[str] = ""
    # Whether `engagement` asks the platform for a post's figures. Most outlets' APIs give
    # none to the account that posted (docs/OUTLETS.md says which and why).
    offers_engagement: ClassVar[bool] = False

    def __init__(
        self,
        *,
        outlet_id: int,
        workspace_id: int,
        config: dict[str, Any],
        credentials: dict[str, str],
        progress: dict[str, Any] | None = None,
    ) -> None:
        self.outlet_id = outlet_id
        self.workspace_id = workspace_id
        self.config = config
        self.credentials = credentials
        self.progress = progress if progress is not None else {}

    @classmethod
    def clean(cls, values: dict[str, str]) -> dict[str, str]:
        """The outlet's settings checked and tidied; ValidationError by field name if not."""
        return values

    @abstractmethod
    def send(self, post: Post, *, delivery_key: str) -> Sent:
        """Announce POST; DELIVERY_KEY names this announcement (for sends made of several)."""

    def target(self) -> str:
        """Where posts go, as shown to editors (a page id, a channel name)."""
        return ""

    def engagement(self, external_id: str) -> Engagement | None:
        """The figures of the post EXTERNAL_ID (the id `send` returned) as the platform gives
        them now; None when this kind of outlet offers none. OutletError when asking failed."""
        return None

    @property
    def base_url(self) -> str:
        own = str(self.config.get("api_url") or "").strip()
        return (own or str(getattr(settings, self.base_url_setting, ""))).rstrip("/")

    def setting(self, name: str) -> str:
        return str(self.config.get(name) or self.credentials.get(name) or "").strip()


def plain_text(post: Post, *, escape: Callable[[str], str] | None = None) -> str:
    """The announcement as text; ESCAPE (e.g. html.escape) is applied to each value."""

    def esc(value: str) -> str:
        return escape(value) if escape is not None else value

    parts = [esc(post.title)] if post.title else []
    parts.append(f"{esc(post.claim_label)}: “{esc(post.claim)}”")
    if post.rating:
        parts.append(f"{esc(post.rating_label)}: {esc(post.rating)}")
    if post.summary:
        parts.append(esc(post.summary))
    parts.append(f"{esc(post.read_more_label)}: {esc(post.url)}")
    return "\n\n".join(parts)


def fitted(post: Post, *, limit: int, length: Callable[[str], int] = len) -> Post:
    """POST with its summary, then its claim, shortened (ending in "…") so that its plain text
    measures at most LIMIT; OutletError when even that cannot fit."""
    excess = length(plain_text(post)) - limit
    if excess <= 0:
        return post
    for name, keep_at_least in (("summary", 40), ("claim", 20)):
        value: str = getattr(post, name)
        room = len(value) - excess - 1
        if room >= keep_at_least:
            shorter = replace(post, **{name: value[:room].rstrip() + "…"})
            # Characters outside the BMP count twice for some services: shorten until it fits.
            while length(plain_text(shorter)) > limit and room > keep_at_least:
                room -= 1
                shorter = replace(post, **{name: value[:room].rstrip() + "…"})
            if length(plain_text(shorter)) <= limit:
                return shorter
        post = replace(post, **{name: ""}) if name == "summary" else post
        excess = length(plain_text(post)) - limit
        if excess <= 0:
            return post
    raise OutletError(
        _("Bài quá dài cho kênh này (tối đa %(limit)d ký tự)") % {"limit": limit}, retryable=False
    )


def http_error(exc: http.FetchError) -> OutletError:
    """A request that got no answer (timeout, refused connection) as an OutletError."""
    return OutletError(exc.message, retryable=exc.retryable)


def call_json(
    url: str,
    *,
    json_body: Any = None,
    form: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    method: str = "POST",
    query: dict[str, str] | None = None,
) -> tuple[int, Any]:
    """POST (or METHOD, with QUERY added to the address) through the one outbound HTTP
    wrapper; the status and the parsed JSON answer (None when the body is not JSON). Network
    failures become OutletError."""
    if query:
        url = f"{url}{'&' if '?' in url else '?'}{urlencode(query)}"
    try:
        result = http.fetch(
            url,
            method=method,
            json=json_body,
            data=form,
            headers={"Accept": "application/json", **(headers or {})},
            raise_for_status=False,
            max_bytes=1024 * 1024,
        )
    except http.FetchError as exc:
        raise http_error(exc) from exc
    try:
        data = json.loads(result.content.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        data = None
    return result.status_code, data


def status_error(status: int, message: str) -> OutletError:
    """An HTTP error status: 5xx, 408 and 429 may pass; any other 4xx will not."""
    retryable = status >= 500 or status in (408, 429)
    return OutletError(message, retryable=retryable)


def unexpected_answer(status: int) -> OutletError:
    return status_error(
        status, _("Dịch vụ trả lời không đúng định dạng (mã %(status)d)") % {"status": status}
    )
