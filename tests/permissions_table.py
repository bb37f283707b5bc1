"""The permission matrix as test cases: every role of the `team` fixture × every action.

Both halves of the permission tests walk this table: tests/test_permissions.py through the
services, the view tests through the pages. The expected answer always comes from MATRIX.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import reverse

from kiemchung.accounts.permissions import MATRIX, Action

# The outsider is an admin, but of another workspace: they may do nothing in ours.
ROLES: tuple[str, ...] = ("admin", "editor", "checker", "viewer", "outsider")


@dataclass(frozen=True)
class ServiceCase:
    """`prepare` sets the scene as someone allowed; `act` is the one call under test."""

    prepare: Callable[[Any], Any]
    act: Callable[[Any, Any, Any], Any]
    writes: bool = True


@dataclass(frozen=True)
class ViewCase:
    """`prepare` sets the scene as someone allowed; `url` and `form` are the one request under
    test (no form: a GET); `observe` reads what the action would change and `after` is what
    it must read once the action went through (given what it read before)."""

    prepare: Callable[[Any], Any]
    url: Callable[[Any, Any], str]
    form: Callable[[Any, Any], dict[str, Any]] | None
    observe: Callable[[Any, Any], Any]
    after: Callable[[Any, Any, Any, Any], Any]
    # The URL names an object of our workspace by its id (a claim, a member, a tip, an image,
    # a conversation...), which the outsider's workspace has no such thing of: a 404 for them.
    # Otherwise the page acts on "the current workspace", which for the outsider is theirs.
    names_an_object: bool = True
    # For a page that only reads: whether what it shows is our workspace's.
    shows_ours: Callable[[Any, str], bool] | None = None

    @property
    def writes(self) -> bool:
        return self.form is not None


def nothing(team: Any) -> None:
    """A scene with nothing in it beyond the team."""
    return None


def unchanged(team: Any, subject: Any, user: Any, before: Any) -> Any:
    """`after` of a page that changes nothing."""
    return before


def becomes(value: Any) -> Callable[[Any, Any, Any, Any], Any]:
    """`after`: what `observe` reads once the action went through, whatever it read before."""
    return lambda team, subject, user, before: value


def becomes_rows(*rows: tuple[Any, ...]) -> Callable[[Any, Any, Any, Any], list[tuple[Any, ...]]]:
    """`after` for an `observe` that reads rows: exactly these rows."""
    return lambda team, subject, user, before: list(rows)


def page_url(name: str) -> Callable[[Any, Any], str]:
    """`url` of a page about the current workspace."""
    return lambda team, _: reverse(name)


def object_url(name: str) -> Callable[[Any, Any], str]:
    """`url` of a page about the scene's object, named by its id."""
    return lambda team, subject: reverse(name, args=[subject.pk])


def merged(*tables: dict[Action, dict[str, Any]]) -> dict[Action, dict[str, Any]]:
    """Case tables joined action by action (a name given twice is a mistake)."""
    joined: dict[Action, dict[str, Any]] = {}
    for table in tables:
        for action, named in table.items():
            into = joined.setdefault(action, {})
            assert not set(into) & set(named), f"cases named twice: {set(into) & set(named)}"
            into.update(named)
    return joined


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
