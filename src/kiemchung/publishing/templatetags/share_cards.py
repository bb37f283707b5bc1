"""{% share_card_meta factcheck %}: the og:image and twitter:image tags of a fact-check's card."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from kiemchung.claims.models import FactCheck
from kiemchung.publishing.cards import SIZES, card_url

register = template.Library()


@register.simple_tag
def share_card_meta(factcheck: FactCheck) -> SafeString:
    size = SIZES["og"]
    return format_html(
        '<meta property="og:image" content="{url}">\n'
        '  <meta property="og:image:type" content="image/png">\n'
        '  <meta property="og:image:width" content="{width}">\n'
        '  <meta property="og:image:height" content="{height}">\n'
        '  <meta property="og:image:alt" content="{alt}">\n'
        '  <meta name="twitter:card" content="summary_large_image">\n'
        '  <meta name="twitter:image" content="{url}">',
        url=card_url(factcheck, "og"),
        width=size.width,
        height=size.height,
        alt=factcheck.claim.text[:300],
    )


@register.simple_tag
def share_card_url(factcheck: FactCheck, size: str = "og") -> str:
    return card_url(factcheck, size)
