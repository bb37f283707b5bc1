"""Markdown to safe HTML: one renderer for the newsroom preview and the public page."""

from __future__ import annotations

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = frozenset(
    {
        "p", "br", "hr", "h2", "h3", "h4", "h5", "h6",
        "strong", "em", "b", "i", "s", "del", "sub", "sup", "mark", "small",
        "a", "abbr", "q", "cite", "blockquote", "code", "pre", "kbd",
        "ul", "ol", "li", "dl", "dt", "dd",
        "table", "thead", "tbody", "tr", "th", "td", "caption",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "ol": {"start"},
    "th": {"align", "colspan", "rowspan", "scope"},
    "td": {"align", "colspan", "rowspan"},
}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
# Everything between these tags is dropped, not shown as text.
DROP_WITH_CONTENT = frozenset({"script", "style", "iframe", "object", "embed", "noscript"})

_EXTENSIONS = ["tables", "fenced_code", "sane_lists", "toc"]
# The page title is the only <h1>: a "# heading" in the body becomes an <h2>.
_EXTENSION_CONFIGS = {"toc": {"baselevel": 2}}


def render_markdown(text: str) -> SafeString:
    """Render Markdown written by members and sanitise the result; safe to put in any page."""
    if not text:
        return mark_safe("")
    html = markdown.markdown(
        text, extensions=_EXTENSIONS, extension_configs=_EXTENSION_CONFIGS, output_format="html"
    )
    cleaned = nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(DROP_WITH_CONTENT),
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    return mark_safe(cleaned)  # noqa: S308 - sanitised by nh3 just above
