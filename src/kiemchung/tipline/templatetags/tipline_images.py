"""The words read from a tip's images, and the earlier tips and the claims' evidence that carried
the same picture."""

from __future__ import annotations

from typing import Any

from django import template

from kiemchung.tipline.images_read import (
    INSTALL_COMMAND,
    image_reading_enabled,
    tip_image_seen_before,
    tip_images_in_claims,
)
from kiemchung.tipline.models import TipImageText, TipMedia

register = template.Library()


@register.inclusion_tag("tipline/staff/_image_words.html", takes_context=True)
def tip_image_words(context: dict[str, Any], media: list[TipMedia]) -> dict[str, Any]:
    in_claims = tip_images_in_claims(media=list(media))
    readings = {
        row.media_id: row for row in TipImageText.objects.filter(media__in=media)
    }
    items = [
        {
            "media": item,
            "number": number,
            "reading": readings.get(item.pk),
            "seen": tip_image_seen_before(media=item),
            "claims": in_claims.get(item.pk, []),
        }
        for number, item in enumerate(media, 1)
    ]
    return {
        "tip": context.get("tip"),
        "items": items,
        "enabled": image_reading_enabled(),
        "install_command": INSTALL_COMMAND,
        "csrf_token": context.get("csrf_token"),
    }
