"""A URL a member pasted: fetched once, its main text becomes an item."""

from __future__ import annotations

from kiemchung.monitoring.sources.page import PageSource


class UrlSource(PageSource):
    """Read like a watched page, once; the source is paused after its first success."""
