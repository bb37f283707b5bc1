"""The nav's count of new tips: how many, nothing else about them."""

from __future__ import annotations

from typing import Any

from django import template

from kiemchung.tipline.inbox_selectors import new_count

register = template.Library()


@register.inclusion_tag("tipline/staff/_badge.html", takes_context=True)
def new_tips_badge(context: dict[str, Any]) -> dict[str, Any]:
    workspace = context.get("workspace")
    perms = context.get("perms_ws") or {}
    if workspace is None or not perms.get("handle_tips"):
        return {"new_tips": 0}
    return {"new_tips": new_count(workspace=workspace)}
