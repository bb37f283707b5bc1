"""The permission matrix as test cases: every role of the `team` fixture × every action.

Both halves of the permission tests walk this table: tests/test_permissions.py through the
services, the view tests through the pages. The expected answer always comes from MATRIX.
"""

from __future__ import annotations

from typing import Any

import pytest

from kiemchung.accounts.permissions import MATRIX, Action

# The outsider is an admin, but of another workspace: they may do nothing in ours.
ROLES: tuple[str, ...] = ("admin", "editor", "checker", "viewer", "outsider")


def expected(role: str, action: Action) -> bool:
    """Whether MATRIX lets this role of the team's workspace do the action."""
    if role == "outsider":
        return False
    return action in MATRIX[role]


def user_for(team: Any, role: str) -> Any:
    return getattr(team, role)


def cases(names_by_action: dict[Action, list[str]] | None = None) -> list[Any]:
    """pytest params (role, action, allowed[, name]) for every role × action [× name]."""
    params = []
    for role in ROLES:
        for action in Action:
            allowed = expected(role, action)
            verdict = "allowed" if allowed else "denied"
            if names_by_action is None:
                params.append(
                    pytest.param(role, action, allowed, id=f"{role}-{action.value}-{verdict}")
                )
                continue
            for name in names_by_action[action]:
                params.append(
                    pytest.param(
                        role, action, allowed, name, id=f"{role}-{action.value}-{name}-{verdict}"
                    )
                )
    return params
