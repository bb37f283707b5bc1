"""{% outlet_panel factcheck %}: each outlet's status for a fact-check, with announce and
resend buttons for those who may publish. Renders nothing until the fact-check is published."""

from __future__ import annotations

from typing import Any

from django import template

from kiemchung.claims.models import FactCheck
from kiemchung.publishing import selectors_outlets

register = template.Library()


@register.inclusion_tag("publishing/outlets/_panel_slot.html", takes_context=True)
def outlet_panel(context: template.Context, factcheck: FactCheck | None) -> dict[str, Any]:
    if factcheck is None or not factcheck.is_published:
        return {"show": False}
    panel = selectors_outlets.outlet_panel(factcheck=factcheck, member=context.get("member"))
    return {"show": True, "request": context.get("request"), "csrf_token": context.get(
        "csrf_token"), **panel}
