"""Reads about workspaces and members."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet

from kiemchung.accounts.models import Member, Workspace


def member_for(*, user: AbstractBaseUser | AnonymousUser, workspace: Workspace) -> Member | None:
    """The user's active membership in the workspace, if any."""
    if not user.is_authenticated:
        return None
    return (
        Member.objects.select_related("user", "workspace")
        .filter(workspace=workspace, user=user, is_active=True)
        .first()
    )


def memberships_of(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[Member]:
    if not user.is_authenticated:
        return Member.objects.none()
    return (
        Member.objects.select_related("workspace")
        .filter(user=user, is_active=True)
        .order_by("workspace__name")
    )


def workspace_members(*, workspace: Workspace) -> QuerySet[Member]:
    return Member.objects.select_related("user").filter(workspace=workspace).order_by(
        "user__username"
    )
