"""Template context: the current workspace, membership and what the member may do."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from kiemchung.accounts.permissions import Action, can


def workspace(request: HttpRequest) -> dict[str, Any]:
    member = getattr(request, "member", None)
    return {
        "workspace": getattr(request, "workspace", None),
        "member": member,
        "perms_ws": {action.value: can(member, action) for action in Action},
    }
