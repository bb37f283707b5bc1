"""Writes for workspaces, members, API tokens, passwords and two-factor devices.

Every write checks the permission matrix and appends an audit event; the caller owns the
transaction.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from kiemchung.accounts import selectors, totp
from kiemchung.accounts.models import (
    LEGACY_SCOPES,
    ApiScope,
    ApiToken,
    Member,
    Role,
    TotpDevice,
    Workspace,
)
from kiemchung.accounts.permissions import Action, require
from kiemchung.audit.services import audit_record
from kiemchung.claims.services import ratings_ensure_default

if TYPE_CHECKING:
    from django.contrib.auth.models import User

TOKEN_SCHEME = "kc"  # noqa: S105 (the public scheme of the token, not a secret)
WORKSPACE_FIELDS = (
    "name",
    "description",
    "corrections_email",
    "require_2fa",
    "match_suggest_threshold",
    "match_auto_threshold",
    "tipline_answers_reviewed",
)
# last_used_at is bookkeeping, not an audit trail: writing it at most once a minute keeps a
# busy API client from turning every read into a database write.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def _acting_member(actor: User, workspace: Workspace, action: Action) -> Member:
    """The actor's active membership in the workspace, if its role allows the action."""
    member = selectors.member_for(user=actor, workspace=workspace)
    require(member, action)
    assert member is not None
    return member


def _valid_role(role: str) -> Role:
    if role not in Role.values:
        raise ValidationError({"role": _("Vai trò không hợp lệ.")})
    return Role(role)


def _audit_for_user(user: User, action: str, obj: models.Model) -> None:
    """Record a change to the user's own account in every workspace the user belongs to."""
    memberships = list(selectors.memberships_of(user=user))
    for member in memberships:
        audit_record(workspace=member.workspace, actor=user, action=action, obj=obj)
    if not memberships:
        audit_record(workspace=None, actor=user, action=action, obj=obj)


# Django's own wording for these is not always translated; these are the newsroom's.
_PASSWORD_MESSAGES = {
    "password_too_short": gettext_noop("Mật khẩu quá ngắn: cần ít nhất %(min_length)d ký tự."),
    "password_too_common": gettext_noop("Mật khẩu này quá phổ biến, dễ bị đoán ra."),
    "password_entirely_numeric": gettext_noop("Mật khẩu không được chỉ gồm chữ số."),
    "password_too_similar": gettext_noop("Mật khẩu quá giống với %(verbose_name)s."),
}


def password_problems(password: str, user: User | None = None) -> list[str]:
    """The password validators' objections to this password, in the user's language."""
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        problems = []
        for error in exc.error_list:
            template = _PASSWORD_MESSAGES.get(error.code or "")
            if template is None:
                problems.extend(error.messages)
            else:
                params = dict(error.params or {})
                if "verbose_name" in params:  # a field name inside a sentence
                    params["verbose_name"] = str(params["verbose_name"]).lower()
                problems.append(_(template) % params)
        return problems
    return []


def _new_user_errors(*, username: str, email: str, password: str) -> dict[str, list[str]]:
    """What is wrong with these details for a new account, by field; empty when all is well."""
    User = get_user_model()
    errors: dict[str, list[str]] = {}
    if not username:
        errors["username"] = [_("Hãy nhập tên đăng nhập.")]
    elif len(username) > 150:
        errors["username"] = [_("Tên đăng nhập dài tối đa 150 ký tự.")]
    else:
        try:
            UnicodeUsernameValidator()(username)
        except ValidationError:
            errors["username"] = [
                _("Tên đăng nhập chỉ gồm chữ, số và các ký tự @ . + - _ (không có dấu cách).")
            ]
        else:
            if User._default_manager.filter(username__iexact=username).exists():
                errors["username"] = [_("Tên đăng nhập này đã có người dùng.")]
    if not email:
        errors["email"] = [_("Hãy nhập địa chỉ e-mail.")]
    else:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = [_("Địa chỉ e-mail không hợp lệ.")]
        else:
            if User._default_manager.filter(email__iexact=email).exists():
                errors["email"] = [_("Địa chỉ e-mail này đã gắn với một tài khoản khác.")]
    problems = password_problems(password, User(username=username, email=email))
    if problems:
        errors["password"] = problems
    return errors


def _user_create(*, username: str, email: str, password: str) -> User:
    User = get_user_model()
    user = User(username=username, email=email)
    user.set_password(password)
    user.save()
    return user


def _existing_user(*, username: str, email: str) -> User:
    login = username.strip() or email.strip()
    user = selectors.user_by_login(login=login) if login else None
    if user is None:
        raise ValidationError(_("Không tìm thấy tài khoản nào có tên đăng nhập hoặc e-mail này."))
    return user


def _keep_an_admin(member: Member) -> None:
    """Refuse to remove the workspace's last active admin."""
    # Locking every active admin row serialises two admins demoting each other at once.
    admins = list(selectors.active_admins(workspace=member.workspace).select_for_update())
    if not [admin for admin in admins if admin.pk != member.pk]:
        raise ValidationError(
            _("Nhóm cần ít nhất một quản trị viên đang hoạt động; hãy chỉ định người khác trước.")
        )


def member_add(
    *,
    workspace: Workspace,
    actor: User,
    username: str,
    email: str,
    role: str,
    password: str | None = None,
) -> Member:
    """Add someone: a new account when a password is given, else one found by name or e-mail."""
    _acting_member(actor, workspace, Action.MANAGE_MEMBERS)
    role = _valid_role(role)
    username, email = username.strip(), email.strip()
    if password is None:
        user = _existing_user(username=username, email=email)
    else:
        errors = _new_user_errors(username=username, email=email, password=password)
        if errors:
            raise ValidationError(errors)
        user = _user_create(username=username, email=email, password=password)
    member = Member.objects.filter(workspace=workspace, user=user).first()
    if member is not None and member.is_active:
        raise ValidationError(
            _("%(name)s đã là thành viên của nhóm.") % {"name": user.get_username()}
        )
    before = None
    if member is None:
        member = Member.objects.create(workspace=workspace, user=user, role=role)
    else:
        before = {"role": member.role, "is_active": False}
        member.role, member.is_active = role, True
        member.save(update_fields=["role", "is_active", "updated_at"])
    audit_record(
        workspace=workspace,
        actor=actor,
        action="member.add",
        obj=member,
        before=before,
        after={"username": user.get_username(), "role": role, "new_account": password is not None},
    )
    return member


def member_set_role(*, member: Member, actor: User, role: str) -> Member:
    """Give a member another role; the last active admin keeps theirs."""
    _acting_member(actor, member.workspace, Action.MANAGE_MEMBERS)
    new_role = _valid_role(role)
    if new_role == member.role:
        return member
    if member.role == Role.ADMIN and member.is_active:
        _keep_an_admin(member)
    before = member.role
    member.role = new_role
    member.save(update_fields=["role", "updated_at"])
    audit_record(
        workspace=member.workspace,
        actor=actor,
        action="member.set_role",
        obj=member,
        before={"role": before},
        after={"role": new_role},
    )
    return member


def member_deactivate(*, member: Member, actor: User) -> Member:
    """Take away a member's access to the workspace and revoke their API tokens."""
    _acting_member(actor, member.workspace, Action.MANAGE_MEMBERS)
    if not member.is_active:
        return member
    if member.role == Role.ADMIN:
        _keep_an_admin(member)
    member.is_active = False
    member.save(update_fields=["is_active", "updated_at"])
    revoked = ApiToken.objects.filter(member=member, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    audit_record(
        workspace=member.workspace,
        actor=actor,
        action="member.deactivate",
        obj=member,
        before={"is_active": True},
        after={"is_active": False, "api_tokens_revoked": revoked},
    )
    return member


def member_reactivate(*, member: Member, actor: User) -> Member:
    """Give a deactivated member access again, with the role they had."""
    _acting_member(actor, member.workspace, Action.MANAGE_MEMBERS)
    if member.is_active:
        return member
    member.is_active = True
    member.save(update_fields=["is_active", "updated_at"])
    audit_record(
        workspace=member.workspace,
        actor=actor,
        action="member.reactivate",
        obj=member,
        before={"is_active": False},
        after={"is_active": True},
    )
    return member


def workspace_update(*, workspace: Workspace, actor: User, **fields: Any) -> Workspace:
    """Change the workspace's name, description, corrections e-mail, two-factor rule or the
    thresholds of its duplicate matching."""
    _acting_member(actor, workspace, Action.MANAGE_WORKSPACE)
    unknown = set(fields) - set(WORKSPACE_FIELDS)
    if unknown:
        raise TypeError(f"workspace_update cannot change {', '.join(sorted(unknown))}")
    cleaned: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for name, value in fields.items():
        try:
            cleaned[name] = Workspace._meta.get_field(name).clean(value, workspace)  # type: ignore[union-attr]
        except ValidationError as exc:
            errors[name] = list(exc.messages)
    if errors:
        raise ValidationError(errors)
    changed = {name: value for name, value in cleaned.items() if getattr(workspace, name) != value}
    if not changed:
        return workspace
    before = {name: getattr(workspace, name) for name in changed}
    for name, value in changed.items():
        setattr(workspace, name, value)
    workspace.save(update_fields=[*changed, "updated_at"])
    audit_record(
        workspace=workspace,
        actor=actor,
        action="workspace.update",
        obj=workspace,
        before=before,
        after=changed,
    )
    return workspace


def workspace_create(
    *, name: str, slug: str, admin_username: str, admin_email: str, admin_password: str
) -> Workspace:
    """A new workspace with its first admin (a new account) and the default rating scale."""
    workspace = Workspace(name=name.strip(), slug=slug.strip().lower())
    errors: dict[str, list[str]] = {}
    try:
        workspace.full_clean(validate_unique=False)
    except ValidationError as exc:
        errors.update({field: list(messages) for field, messages in exc.message_dict.items()})
    if Workspace.objects.filter(slug__iexact=workspace.slug).exists():
        errors["slug"] = [_("Định danh “%(slug)s” đã được dùng.") % {"slug": workspace.slug}]
    user_errors = _new_user_errors(
        username=admin_username.strip(), email=admin_email.strip(), password=admin_password
    )
    errors.update({f"admin_{field}": messages for field, messages in user_errors.items()})
    if errors:
        raise ValidationError(errors)
    workspace.save()
    user = _user_create(
        username=admin_username.strip(), email=admin_email.strip(), password=admin_password
    )
    Member.objects.create(workspace=workspace, user=user, role=Role.ADMIN)
    ratings_ensure_default(workspace=workspace)
    audit_record(
        workspace=workspace,
        actor=None,
        action="workspace.create",
        obj=workspace,
        after={"name": workspace.name, "slug": workspace.slug, "admin": user.get_username()},
    )
    return workspace


def _token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def api_token_create(
    *, member: Member, name: str, scopes: Iterable[str] = tuple(LEGACY_SCOPES)
) -> tuple[ApiToken, str]:
    """A new API token for the member; the returned secret is shown once and never stored.

    Scopes narrow what the token may do (read and write unless told, as before scopes
    existed); the member's role still decides every action.
    """
    if not member.is_active:
        raise PermissionDenied(_("Tài khoản của bạn không còn hoạt động trong nhóm này."))
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Hãy đặt tên cho mã truy cập.")})
    chosen = {str(scope) for scope in scopes}
    unknown = chosen - set(ApiScope.values)
    if unknown:
        names = ", ".join(sorted(unknown))
        raise ValidationError({"scopes": _("Phạm vi không hợp lệ: %(names)s.") % {"names": names}})
    if not chosen:
        raise ValidationError({"scopes": _("Hãy chọn ít nhất một phạm vi cho mã truy cập.")})
    prefix = secrets.token_hex(4)
    raw = f"{TOKEN_SCHEME}_{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        workspace=member.workspace,
        member=member,
        name=name[:80],
        prefix=prefix,
        digest=_token_digest(raw),
        scopes=[scope for scope in ApiScope.values if scope in chosen],
    )
    audit_record(
        workspace=member.workspace,
        actor=member.user,
        action="api_token.create",
        obj=token,
        after={"name": token.name, "prefix": prefix, "scopes": token.scopes},
    )
    return token, raw


def api_token_revoke(*, token: ApiToken, actor: User) -> ApiToken:
    """Revoke a token: its owner may, and so may the workspace's admins."""
    if token.member.user_id != actor.pk:
        _acting_member(actor, token.workspace, Action.MANAGE_MEMBERS)
    if token.revoked_at is not None:
        return token
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at", "updated_at"])
    audit_record(
        workspace=token.workspace,
        actor=actor,
        action="api_token.revoke",
        obj=token,
        after={"name": token.name, "prefix": token.prefix},
    )
    return token


def api_token_use(*, raw: str) -> ApiToken | None:
    """The live token of an active member that this secret belongs to, its use noted."""
    raw = raw.strip()
    scheme, _sep, rest = raw.partition("_")
    prefix, _sep, secret = rest.partition("_")
    if scheme != TOKEN_SCHEME or not prefix or not secret:
        return None
    digest = _token_digest(raw)
    found = None
    for candidate in selectors.api_token_candidates(prefix=prefix):
        if hmac.compare_digest(candidate.digest, digest):
            found = candidate
    if found is None or not found.member.is_active or not found.member.user.is_active:
        return None
    now = timezone.now()
    if found.last_used_at is None or now - found.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        found.last_used_at = now
    return found


def totp_begin(*, user: User) -> TotpDevice:
    """The user's device waiting to be confirmed, created with a fresh secret if needed."""
    device = selectors.totp_device_of(user=user)
    if device is not None and device.confirmed:
        raise ValidationError(_("Xác thực hai bước đã được bật cho tài khoản này."))
    if device is None:
        device = TotpDevice.objects.create(user=user, secret=totp.new_secret())
    return device


def totp_confirm(*, user: User, code: str) -> TotpDevice:
    """Turn two-factor login on once the user proves the app shows the right code."""
    device = selectors.totp_device_of(user=user)
    if device is None or device.confirmed:
        raise ValidationError(_("Không có thiết bị nào đang chờ xác nhận."))
    step = totp.matching_step(secret=device.secret, code=code)
    if step is None:
        raise ValidationError({"code": _("Mã không đúng hoặc đã hết hạn.")})
    device.confirmed = True
    device.last_used_step = step
    device.save(update_fields=["confirmed", "last_used_step", "updated_at"])
    _audit_for_user(user, "totp.enable", device)
    return device


def totp_verify(*, user: User, code: str) -> bool:
    """Whether the code is right for the user's confirmed device and not used before."""
    device = TotpDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        return False
    step = totp.matching_step(secret=device.secret, code=code)
    if step is None:
        return False
    # A code works once: the step must be newer than the last one used, checked and stored in
    # one statement so two requests racing with the same code cannot both win.
    return (
        TotpDevice.objects.filter(pk=device.pk, last_used_step__lt=step).update(
            last_used_step=step, updated_at=timezone.now()
        )
        == 1
    )


def totp_disable(*, user: User, password: str) -> None:
    """Turn two-factor login off, after the user confirms with their password."""
    if not user.check_password(password):
        raise ValidationError({"password": _("Mật khẩu không đúng.")})
    device = selectors.totp_device_of(user=user)
    if device is None:
        raise ValidationError(_("Xác thực hai bước chưa được bật."))
    if device.confirmed:
        _audit_for_user(user, "totp.disable", device)
    device.delete()


def password_change(*, user: User, old_password: str, new_password: str) -> None:
    """Set a new password after checking the current one and the password rules."""
    if not user.check_password(old_password):
        raise ValidationError({"old_password": _("Mật khẩu hiện tại không đúng.")})
    problems = password_problems(new_password, user)
    if problems:
        raise ValidationError({"new_password": problems})
    user.set_password(new_password)
    user.save(update_fields=["password"])
    _audit_for_user(user, "password.change", user)
