"""`{{ delivery.error|in_reader_language }}`: a stored message in the reader's language."""

from __future__ import annotations

from django import template

from kiemchung.core.stored_text import in_reader_language as _in_reader_language

register = template.Library()


@register.filter
def in_reader_language(value: object) -> str:
    """A message the product stored, translated when the reader reads another language."""
    return _in_reader_language(str(value)) if value else ""
