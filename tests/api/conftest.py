"""API v1 tests: a client that calls /api/v1/ with a token of a member of the team."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest


@pytest.fixture
def v1(team, client) -> Callable[..., Any]:
    """`v1(role, method, path, payload=None, scopes=(...))`: one call with a fresh token."""
    from kiemchung.accounts import services as accounts_services

    def call(
        role: str,
        method: str,
        path: str,
        payload: Any = None,
        *,
        scopes: tuple[str, ...] = ("read", "write", "publish", "tipline"),
        raw: str | None = None,
    ) -> Any:
        if raw is None:
            member = team.member(getattr(team, role))
            _token, raw = accounts_services.api_token_create(
                member=member, name=f"tích hợp {role}", scopes=scopes
            )
        kwargs: dict[str, Any] = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
        if payload is not None:
            kwargs.update(data=payload, content_type="application/json")
        return getattr(client, method)(f"/api/v1/{path}", **kwargs)

    return call


@pytest.fixture
def index_in_tmp(settings, tmp_path):
    """Saved matching indexes go to a folder of this test's own."""
    from kiemchung.claims import matching

    settings.MATCHING_INDEX_ROOT = tmp_path / "index"
    matching.forget_replicas()
    yield tmp_path / "index"
    matching.forget_replicas()
