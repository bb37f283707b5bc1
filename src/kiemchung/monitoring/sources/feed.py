"""RSS and Atom feeds: feedparser, with the article's full text through trafilatura when an
entry carries only a summary, and the pictures an entry carries (enclosures, media:content and
media:thumbnail of an image type), read later by images.py."""

from __future__ import annotations

import calendar
import codecs
import logging
import re
import xml.sax
from collections import Counter
from datetime import UTC, datetime
from email.message import Message
from typing import Any

from django.utils.translation import gettext as _

from kiemchung.monitoring.images import image_urls
from kiemchung.monitoring.models import Sighting, Source
from kiemchung.monitoring.services import Post, sighting_key
from kiemchung.monitoring.sources.base import Adapter, Harvest, SourceError, polite_fetch
from kiemchung.monitoring.sources.page import main_text

logger = logging.getLogger(__name__)

ENTRIES_MAX = 200
# An entry whose text is shorter than this (in characters) is taken for a summary.
SUMMARY_CHARS = 600
FULL_TEXT_MAX = 10
_XML_ENCODING_RE = re.compile(rb"""^\s*<\?xml[^>]*encoding=["']([A-Za-z0-9._-]+)["']""")
_TAG_RE = re.compile(r"<[^>]+>")
_IMAGE_PATH_RE = re.compile(r"\.(?:jpe?g|png|webp|gif)$", re.IGNORECASE)


def _declared_encoding(content: bytes, content_type: str) -> str:
    header = Message()
    header["content-type"] = content_type
    charset = header.get_content_charset()
    if charset:
        return charset
    match = _XML_ENCODING_RE.match(content[:200])
    return match.group(1).decode("ascii") if match else "utf-8"


def check_encoding(content: bytes, content_type: str) -> None:
    """Refuse a body whose bytes are not in the encoding it declares (UTF-8 when silent)."""
    encoding = _declared_encoding(content, content_type)
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise SourceError(
            _("Nguồn tin khai báo bảng mã không biết: %(encoding)s") % {"encoding": encoding},
            retryable=False,
        ) from None
    try:
        content.decode(encoding)
    except UnicodeDecodeError as exc:
        raise SourceError(
            _("Nguồn tin gửi dữ liệu sai bảng mã %(encoding)s (byte %(position)d)")
            % {"encoding": encoding.upper(), "position": exc.start},
            retryable=False,
        ) from None


def _plain(html: str) -> str:
    import html as html_lib

    return " ".join(html_lib.unescape(_TAG_RE.sub(" ", html or "")).split())


def _published(entry: Any) -> datetime | None:
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    if not parsed:
        return None
    return datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC)


def _entry_text(entry: Any) -> tuple[str, bool]:
    """The entry's text, and whether it is the whole article (not only a summary)."""
    contents = entry.get("content") or []
    body = " ".join(_plain(c.get("value", "")) for c in contents).strip()
    if body:
        return body, len(body) >= SUMMARY_CHARS
    summary = _plain(entry.get("summary", ""))
    return summary, False


def _is_image(kind: str, medium: str, url: str) -> bool:
    if kind:
        return kind.lower().startswith("image/")
    if medium:
        return medium.lower() == "image"
    return bool(_IMAGE_PATH_RE.search(url.split("?", 1)[0]))


def entry_images(entry: Any) -> list[str]:
    """The addresses of the pictures an entry carries, in the order the feed gives them."""
    found: list[str] = []
    for enclosure in entry.get("enclosures") or []:
        url = str(enclosure.get("href") or enclosure.get("url") or "")
        if _is_image(str(enclosure.get("type") or ""), "", url):
            found.append(url)
    for media in entry.get("media_content") or []:
        url = str(media.get("url") or "")
        if _is_image(str(media.get("type") or ""), str(media.get("medium") or ""), url):
            found.append(url)
    # A thumbnail is a picture by definition.
    found += [str(thumb.get("url") or "") for thumb in entry.get("media_thumbnail") or []]
    return [url for url in found if url]


def parse_feed(content: bytes, content_type: str = "") -> Any:
    """The parsed feed; SourceError when the bytes are not a well-formed RSS or Atom feed."""
    import feedparser

    check_encoding(content, content_type)
    parsed = feedparser.parse(content)
    problem = parsed.get("bozo_exception")
    if parsed.get("bozo") and isinstance(problem, xml.sax.SAXException):
        raise SourceError(
            _("Nguồn tin không phải XML hợp lệ: %(error)s") % {"error": problem},
            retryable=False,
        )
    if not parsed.get("version") and not parsed.entries:
        raise SourceError(_("Đây không phải nguồn tin RSS hay Atom"), retryable=False)
    return parsed


class FeedSource(Adapter):
    def harvest(self, source: Source) -> Harvest:
        answer = polite_fetch(source.url, etag=source.etag, last_modified=source.last_modified)
        harvest = Harvest(
            etag=answer.headers.get("etag", ""),
            last_modified=answer.headers.get("last-modified", ""),
        )
        if answer.status_code == 304:
            harvest.not_modified = True
            harvest.etag = harvest.etag or source.etag
            harvest.last_modified = harvest.last_modified or source.last_modified
            return harvest
        parsed = parse_feed(answer.content, answer.content_type)
        entries = list(parsed.entries[:ENTRIES_MAX])
        links = [e.get("link", "") for e in entries if e.get("link")]
        known = set(
            Sighting.objects.filter(
                workspace_id=source.workspace_id,
                key__in=[sighting_key(source=source, url=link) for link in links],
            ).values_list("key", flat=True)
        )
        full_texts = 0
        pictures = [entry_images(entry) for entry in entries]
        # A picture on several entries of one feed is its default picture (a logo), not
        # the entry's own: it would fold unrelated articles into one item.
        used = Counter(url for urls in pictures for url in set(urls))
        for entry, urls in zip(entries, pictures, strict=True):
            link = entry.get("link", "")
            if link and sighting_key(source=source, url=link) in known:
                continue
            text, whole = _entry_text(entry)
            if (
                not whole
                and link
                and source.fetch_full_text
                and full_texts < FULL_TEXT_MAX
            ):
                full_texts += 1
                try:
                    article = polite_fetch(link)
                    extracted = main_text(article.text, url=link)
                except SourceError as exc:
                    logger.info("full text of %s not fetched: %s", link, exc.message)
                else:
                    if extracted and len(extracted) > len(text):
                        text = extracted
            title = _plain(entry.get("title", ""))
            if not text:
                text = title
            if not text:
                continue
            harvest.posts.append(
                Post(
                    text=text,
                    title=title,
                    url=link if link.startswith(("http://", "https://")) else "",
                    platform=source.platform or "web",
                    published_at=_published(entry),
                    images=image_urls(url for url in urls if used[url] == 1),
                )
            )
        return harvest
