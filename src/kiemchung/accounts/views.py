"""Pages for logging in and out, the member's own security settings, members and the workspace."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, update_session_auth_hash
from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from kiemchung.accounts import forms, ratelimit, selectors, services, totp
from kiemchung.accounts.middleware import SESSION_KEY, must_set_up_2fa
from kiemchung.accounts.models import ApiToken, Member
from kiemchung.accounts.permissions import Action, require

if TYPE_CHECKING:
    from django.contrib.auth.models import User

PENDING_2FA_KEY = "kiemchung_2fa_pending"
PENDING_2FA_SECONDS = 5 * 60


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _member(request: HttpRequest) -> Member | None:
    return getattr(request, "member", None)


def _current_member(request: HttpRequest) -> Member:
    """The current membership; 403 for someone who belongs to no workspace."""
    member = _member(request)
    if member is None:
        raise PermissionDenied(_("Bạn chưa thuộc nhóm nào."))
    return member


def _manager(request: HttpRequest, action: Action) -> Member:
    """The current member, if their role allows the action (403 otherwise)."""
    member = _member(request)
    require(member, action)
    assert member is not None
    return member


def _attach(form: Form, exc: ValidationError) -> None:
    """Show a service's validation errors on the form, by field where the form has one."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)


@sensitive_post_parameters("password")
@never_cache
def login_view(request: HttpRequest) -> HttpResponse:
    next_url = _next_url(request)
    if request.user.is_authenticated:
        return redirect(next_url)
    form = forms.LoginForm(request, data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        user = form.user
        assert user is not None
        if selectors.has_confirmed_totp(user=user):
            request.session.cycle_key()
            request.session[PENDING_2FA_KEY] = {
                "user_id": user.pk,
                "backend": getattr(user, "backend", settings.AUTHENTICATION_BACKENDS[0]),
                "since": time.time(),
                "next": next_url,
                "account_key": form.account_key,
            }
            return redirect("accounts:login_totp")
        ratelimit.clear(form.account_key)
        auth_login(request, user)
        return redirect(next_url)
    return render(request, "accounts/login.html", {"form": form, "next": next_url})


@sensitive_post_parameters("code")
@never_cache
def login_totp(request: HttpRequest) -> HttpResponse:
    """The second step of logging in, for accounts with two-factor login turned on."""
    pending = request.session.get(PENDING_2FA_KEY)
    if not pending or time.time() - pending["since"] > PENDING_2FA_SECONDS:
        request.session.pop(PENDING_2FA_KEY, None)
        messages.error(request, _("Phiên đăng nhập đã hết hạn. Hãy đăng nhập lại."))
        return redirect("accounts:login")
    user = get_user_model()._default_manager.filter(pk=pending["user_id"], is_active=True).first()
    if user is None:
        del request.session[PENDING_2FA_KEY]
        return redirect("accounts:login")
    form = forms.TotpCodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        keys = (pending["account_key"], ratelimit.client_key(request))
        if ratelimit.is_paused(*keys):
            form.add_error(None, forms.PAUSED_MESSAGE)
        elif services.totp_verify(user=user, code=form.cleaned_data["code"]):
            del request.session[PENDING_2FA_KEY]
            ratelimit.clear(pending["account_key"])
            auth_login(request, user, backend=pending["backend"])
            return redirect(pending["next"])
        else:
            ratelimit.record_failure(*keys)
            form.add_error("code", _("Mã không đúng, đã hết hạn hoặc vừa được dùng."))
    return render(request, "accounts/login_totp.html", {"form": form})


def _security_page(request: HttpRequest, status: int = 200, **context: Any) -> HttpResponse:
    user = _user(request)
    member = _member(request)
    context.setdefault("token_form", forms.ApiTokenForm())
    context.setdefault("password_form", forms.PasswordChangeForm())
    context.setdefault("disable_form", forms.PasswordConfirmForm())
    return render(
        request,
        "accounts/security.html",
        {
            "has_2fa": selectors.has_confirmed_totp(user=user),
            "tokens": selectors.api_tokens_of(member=member) if member else [],
            "memberships": selectors.memberships_of(user=user),
            **context,
        },
        status=status,
    )


@login_required
@never_cache
def security(request: HttpRequest) -> HttpResponse:
    """The current user's own page: two-factor login, API tokens, password, workspaces."""
    return _security_page(request)


@login_required
@never_cache
def totp_setup(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if selectors.has_confirmed_totp(user=user):
        messages.info(request, _("Xác thực hai bước đã được bật."))
        return redirect("accounts:security")
    with transaction.atomic():
        device = services.totp_begin(user=user)
    form = forms.TotpCodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                services.totp_confirm(user=user, code=form.cleaned_data["code"])
        except ValidationError as exc:
            _attach(form, exc)
        else:
            messages.success(request, _("Đã bật xác thực hai bước."))
            return redirect("accounts:security")
    uri = totp.provisioning_uri(secret=device.secret, account=user.email or user.get_username())
    return render(
        request,
        "accounts/totp_setup.html",
        {
            "form": form,
            "qr": totp.qr_svg(uri=uri, title=_("Mã QR để quét bằng ứng dụng xác thực")),
            "secret": totp.grouped(device.secret),
            "required": must_set_up_2fa(_member(request)),
        },
    )


@login_required
@require_POST
@sensitive_post_parameters("password")
def totp_disable(request: HttpRequest) -> HttpResponse:
    form = forms.PasswordConfirmForm(request.POST)
    if form.is_valid():
        try:
            with transaction.atomic():
                services.totp_disable(user=_user(request), password=form.cleaned_data["password"])
        except ValidationError as exc:
            _attach(form, exc)
        else:
            messages.success(request, _("Đã tắt xác thực hai bước."))
            return redirect("accounts:security")
    return _security_page(request, status=400, disable_form=form)


@login_required
@require_POST
@sensitive_post_parameters("old_password", "new_password", "new_password_confirm")
def password_change(request: HttpRequest) -> HttpResponse:
    form = forms.PasswordChangeForm(request.POST)
    if form.is_valid():
        user = _user(request)
        try:
            with transaction.atomic():
                services.password_change(
                    user=user,
                    old_password=form.cleaned_data["old_password"],
                    new_password=form.cleaned_data["new_password"],
                )
        except ValidationError as exc:
            _attach(form, exc)
        else:
            update_session_auth_hash(request, user)
            messages.success(request, _("Đã đổi mật khẩu."))
            return redirect("accounts:security")
    return _security_page(request, status=400, password_form=form)


@login_required
@require_POST
@never_cache
def token_create(request: HttpRequest) -> HttpResponse:
    member = _current_member(request)
    form = forms.ApiTokenForm(request.POST)
    if form.is_valid():
        try:
            with transaction.atomic():
                token, raw = services.api_token_create(
                    member=member,
                    name=form.cleaned_data["name"],
                    scopes=form.cleaned_data["scopes"],
                )
        except ValidationError as exc:
            _attach(form, exc)
        else:
            # The secret is shown in this response only; it is never stored or redirected with.
            return _security_page(request, new_token=raw, new_token_name=token.name)
    return _security_page(request, status=400, token_form=form)


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    member = _current_member(request)
    token = get_object_or_404(ApiToken, pk=pk, workspace=member.workspace)
    with transaction.atomic():
        services.api_token_revoke(token=token, actor=_user(request))
    messages.success(request, _("Đã thu hồi mã truy cập “%(name)s”.") % {"name": token.name})
    return redirect("accounts:security")


@login_required
@require_POST
def switch_workspace(request: HttpRequest) -> HttpResponse:
    chosen = request.POST.get("workspace", "")
    memberships = selectors.memberships_of(user=_user(request))
    member = get_object_or_404(memberships, workspace_id=int(chosen) if chosen.isdigit() else 0)
    request.session[SESSION_KEY] = member.workspace_id
    messages.success(
        request, _("Đang làm việc trong nhóm %(name)s.") % {"name": member.workspace.name}
    )
    return redirect("home")


def _members_page(request: HttpRequest, status: int = 200, **context: Any) -> HttpResponse:
    workspace = getattr(request, "workspace", None)
    assert workspace is not None
    context.setdefault("create_form", forms.MemberCreateForm())
    context.setdefault("existing_form", forms.MemberAddExistingForm())
    members = list(selectors.workspace_members(workspace=workspace))
    with_2fa = selectors.users_with_confirmed_totp(user_ids=[m.user_id for m in members])
    rows = [
        {
            "member": member,
            "has_2fa": member.user_id in with_2fa,
            "role_form": forms.MemberRoleForm(
                initial={"role": member.role}, auto_id=f"id_member{member.pk}_%s"
            ),
        }
        for member in members
    ]
    return render(request, "accounts/members.html", {"rows": rows, **context}, status=status)


@login_required
def members(request: HttpRequest) -> HttpResponse:
    _manager(request, Action.MANAGE_MEMBERS)
    return _members_page(request)


@login_required
@require_POST
@sensitive_post_parameters("password")
def member_create(request: HttpRequest) -> HttpResponse:
    manager = _manager(request, Action.MANAGE_MEMBERS)
    form = forms.MemberCreateForm(request.POST)
    if form.is_valid():
        try:
            with transaction.atomic():
                member = services.member_add(
                    workspace=manager.workspace,
                    actor=_user(request),
                    username=form.cleaned_data["username"],
                    email=form.cleaned_data["email"],
                    role=form.cleaned_data["role"],
                    password=form.cleaned_data["password"],
                )
        except ValidationError as exc:
            _attach(form, exc)
        else:
            messages.success(
                request, _("Đã thêm %(name)s vào nhóm.") % {"name": member.user.get_username()}
            )
            return redirect("accounts:members")
    return _members_page(request, status=400, create_form=form)


@login_required
@require_POST
def member_add_existing(request: HttpRequest) -> HttpResponse:
    manager = _manager(request, Action.MANAGE_MEMBERS)
    form = forms.MemberAddExistingForm(request.POST)
    if form.is_valid():
        login = form.cleaned_data["login"].strip()
        try:
            with transaction.atomic():
                member = services.member_add(
                    workspace=manager.workspace,
                    actor=_user(request),
                    username="" if "@" in login else login,
                    email=login if "@" in login else "",
                    role=form.cleaned_data["role"],
                )
        except ValidationError as exc:
            _attach(form, exc)
        else:
            messages.success(
                request, _("Đã thêm %(name)s vào nhóm.") % {"name": member.user.get_username()}
            )
            return redirect("accounts:members")
    return _members_page(request, status=400, existing_form=form)


def _member_action(request: HttpRequest, pk: int, change: str) -> HttpResponse:
    manager = _manager(request, Action.MANAGE_MEMBERS)
    member = get_object_or_404(
        Member.objects.select_related("user", "workspace"), pk=pk, workspace=manager.workspace
    )
    actor = _user(request)
    try:
        with transaction.atomic():
            if change == "role":
                form = forms.MemberRoleForm(request.POST)
                if not form.is_valid():
                    raise ValidationError(_("Vai trò không hợp lệ."))
                services.member_set_role(member=member, actor=actor, role=form.cleaned_data["role"])
                done = _("Đã đổi vai trò của %(name)s.")
            elif change == "deactivate":
                services.member_deactivate(member=member, actor=actor)
                done = _("%(name)s không còn truy cập được nhóm.")
            else:
                services.member_reactivate(member=member, actor=actor)
                done = _("%(name)s đã được kích hoạt lại.")
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, done % {"name": member.user.get_username()})
    return redirect("accounts:members")


@login_required
@require_POST
def member_role(request: HttpRequest, pk: int) -> HttpResponse:
    return _member_action(request, pk, "role")


@login_required
@require_POST
def member_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    return _member_action(request, pk, "deactivate")


@login_required
@require_POST
def member_reactivate(request: HttpRequest, pk: int) -> HttpResponse:
    return _member_action(request, pk, "reactivate")


@login_required
def workspace_settings(request: HttpRequest) -> HttpResponse:
    manager = _manager(request, Action.MANAGE_WORKSPACE)
    workspace = manager.workspace
    fields = services.WORKSPACE_FIELDS
    if request.method != "POST":
        form = forms.WorkspaceSettingsForm(initial={f: getattr(workspace, f) for f in fields})
        return render(request, "accounts/workspace_settings.html", {"form": form})
    form = forms.WorkspaceSettingsForm(request.POST)
    if form.is_valid():
        try:
            with transaction.atomic():
                services.workspace_update(
                    workspace=workspace, actor=_user(request), **form.cleaned_data
                )
        except ValidationError as exc:
            _attach(form, exc)
        else:
            messages.success(request, _("Đã lưu cài đặt của nhóm."))
            return redirect("accounts:workspace_settings")
    return render(request, "accounts/workspace_settings.html", {"form": form}, status=400)
