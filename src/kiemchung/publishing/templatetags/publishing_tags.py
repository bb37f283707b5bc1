"""Template filters shared by the newsroom and the public site."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from kiemchung.publishing.markup import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str | None) -> SafeString:
    """`{{ factcheck.body|markdown }}`: Markdown rendered and sanitised."""
    return render_markdown(text or "")
