"""Reads about workspaces, members, API tokens and two-factor devices."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet

from kiemchung.accounts.models import ApiToken, Member, Role, TotpDevice, Workspace
from kiemchung.accounts.permissions import Action, require

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def member_for(*, user: User | AnonymousUser, workspace: Workspace) -> Member | None:
    """The user's active membership in the workspace, if any."""
    if not user.is_authenticated:
        return None
    return (
        Member.objects.select_related("user", "workspace")
        .filter(workspace=workspace, user=user, is_active=True)
        .first()
    )


def member_acting(
    *, actor: User | AnonymousUser, workspace_id: int, action: Action
) -> Member:
    """The actor's active membership of the workspace; PermissionDenied unless it allows
    `action`. Every service that acts for a member starts here."""
    member = (
        Member.objects.select_related("user", "workspace")
        .filter(workspace_id=workspace_id, user_id=actor.pk, is_active=True)
        .first()
        if actor.is_authenticated
        else None
    )
    require(member, action)
    assert member is not None  # require() refuses a missing membership
    return member


def memberships_of(*, user: User | AnonymousUser) -> QuerySet[Member]:
    if not user.is_authenticated:
        return Member.objects.none()
    return (
        Member.objects.select_related("workspace", "user")
        .filter(user=user, is_active=True)
        .order_by("workspace__name")
    )


def workspace_members(*, workspace: Workspace) -> QuerySet[Member]:
    return (
        Member.objects.select_related("user")
        .filter(workspace=workspace)
        .order_by("-is_active", "user__username")
    )


def active_admins(*, workspace: Workspace) -> QuerySet[Member]:
    """The workspace's active admins; a workspace must always keep at least one."""
    return Member.objects.filter(workspace=workspace, role=Role.ADMIN, is_active=True)


def user_by_login(*, login: str) -> User | None:
    """The account a login name designates: an e-mail address or a username, case-insensitive."""
    login = login.strip()
    if not login:
        return None
    field = "email__iexact" if "@" in login else "username__iexact"
    User = get_user_model()
    return User._default_manager.filter(**{field: login}).order_by("id").first()


def totp_device_of(*, user: User) -> TotpDevice | None:
    return TotpDevice.objects.filter(user=user).first()


def has_confirmed_totp(*, user: User | AnonymousUser) -> bool:
    if not user.is_authenticated:
        return False
    return TotpDevice.objects.filter(user=user, confirmed=True).exists()


def users_with_confirmed_totp(*, user_ids: list[int]) -> set[int]:
    """Which of these users have two-factor login turned on."""
    return set(
        TotpDevice.objects.filter(user_id__in=user_ids, confirmed=True).values_list(
            "user_id", flat=True
        )
    )


def api_tokens_of(*, member: Member) -> QuerySet[ApiToken]:
    """The member's tokens, live ones first, newest first."""
    return ApiToken.objects.filter(member=member).order_by("revoked_at", "-created_at", "-id")


def api_token_candidates(*, prefix: str) -> QuerySet[ApiToken]:
    """Live tokens with this public prefix, with their member, user and workspace."""
    return ApiToken.objects.select_related("member__user", "member__workspace").filter(
        prefix=prefix, revoked_at__isnull=True
    )
