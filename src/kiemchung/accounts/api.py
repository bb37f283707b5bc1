"""JSON API about the caller: who the token belongs to."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from kiemchung.accounts.auth import ApiTokenAuth
from kiemchung.accounts.models import ApiToken, Member
from kiemchung.core.api import check_query, errors

router = Router(auth=ApiTokenAuth(), tags=["accounts"])


class MeOut(Schema):
    username: str
    workspace: str
    workspace_name: str
    role: str


@router.get("/me", response=MeOut, summary="The member the API token belongs to")
def me(request: HttpRequest) -> MeOut:
    member: Member = request.auth  # type: ignore[attr-defined]
    return MeOut(
        username=member.user.get_username(),
        workspace=member.workspace.slug,
        workspace_name=member.workspace.name,
        role=member.role,
    )


router_v1 = Router(auth=ApiTokenAuth(), tags=["accounts"])


class TokenOut(Schema):
    name: str
    prefix: str
    scopes: list[str]


class MeV1Out(MeOut):
    token: TokenOut


@router_v1.get(
    "/me",
    response={200: MeV1Out, **errors()},
    summary="The member the API token belongs to, and the token's scopes",
)
def me_v1(request: HttpRequest) -> dict[str, Any]:
    check_query(request, ())
    token: ApiToken = request.api_token  # type: ignore[attr-defined]
    return {
        **me(request).dict(),
        "token": {"name": token.name, "prefix": token.prefix, "scopes": list(token.scopes)},
    }
