"""JSON API about the caller: who the token belongs to."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from kiemchung.accounts.auth import ApiTokenAuth
from kiemchung.accounts.models import Member

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
