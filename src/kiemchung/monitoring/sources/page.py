"""Web pages watched for changes: a new item each time the page's main text changes."""

from __future__ import annotations

import hashlib

from django.utils.translation import gettext as _

from kiemchung.monitoring.models import Source
from kiemchung.monitoring.services import Post
from kiemchung.monitoring.sources.base import Adapter, Harvest, SourceError, polite_fetch
from kiemchung.text.normalize import normalize

PAGE_TEXT_MAX = 20_000


def main_text(html: str, *, url: str = "") -> str:
    """The main text of an HTML page (trafilatura), without menus, footers and comments."""
    import trafilatura

    extracted = trafilatura.extract(
        html, url=url or None, include_comments=False, include_tables=False, favor_precision=True
    )
    return normalize(extracted or "")[:PAGE_TEXT_MAX]


def page_title(html: str) -> str:
    import trafilatura

    metadata = trafilatura.extract_metadata(html)
    return (metadata.title or "") if metadata is not None else ""


class PageSource(Adapter):
    def harvest(self, source: Source) -> Harvest:
        answer = polite_fetch(source.url, etag=source.etag, last_modified=source.last_modified)
        harvest = Harvest(
            etag=answer.headers.get("etag", ""),
            last_modified=answer.headers.get("last-modified", ""),
            page_digest=source.page_digest,
        )
        if answer.status_code == 304:
            harvest.not_modified = True
            harvest.etag = harvest.etag or source.etag
            harvest.last_modified = harvest.last_modified or source.last_modified
            return harvest
        if "html" not in answer.content_type and "xml" not in answer.content_type:
            raise SourceError(
                _("Trang không phải HTML (%(type)s)") % {"type": answer.content_type or "?"},
                retryable=False,
            )
        text = main_text(answer.text, url=answer.url)
        if not text:
            raise SourceError(_("Không tìm thấy nội dung chính trên trang"), retryable=True)
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        harvest.page_digest = digest
        if digest != source.page_digest:
            harvest.posts.append(
                Post(
                    text=text,
                    title=page_title(answer.text),
                    url=answer.url,
                    platform=source.platform or "web",
                    key=f"page:{digest}",
                )
            )
        return harvest
