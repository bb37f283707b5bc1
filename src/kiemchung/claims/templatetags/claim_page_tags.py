"""`{% claim_next_step %}`: the claim page's line that says what to do next."""

from __future__ import annotations

from typing import Any

from django import template

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
