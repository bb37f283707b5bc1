"""`{% claim_next_step %}`: the claim page's line that says what to do next;
`{% evidence_image_words item %}`: an evidence image, its words and the claims it was seen in."""

from __future__ import annotations

from typing import Any

from django import template

from kiemchung.claims.evidence_images import reading_of
from kiemchung.claims.models import Evidence
from kiemchung.claims.next_step import NextStep, next_step

register = template.Library()


@register.simple_tag(takes_context=True)
def claim_next_step(context: Any) -> NextStep | None:
    """The next step for the person looking at the claim page (None: nothing waits on them)."""
    return next_step(
        claim=context["claim"],
        factcheck=context.get("factcheck"),
        may=context["may"],
        evidence_count=len(context.get("evidence") or []),
    )


@register.inclusion_tag("claims/_evidence_image.html", takes_context=True)
def evidence_image_words(context: Any, item: Evidence) -> dict[str, Any]:
    """Under an evidence image: the image, the words read from it (with the form that corrects
    them) and the other claims whose evidence is the same picture."""
    return {
        "claim": context["claim"],
        "item": item,
        "reading": reading_of(item),
        "same": (context.get("same_picture") or {}).get(item.pk, []),
        "may": context["may"],
        "most": context.get("image_words_max"),
        "csrf_token": context.get("csrf_token"),
    }
