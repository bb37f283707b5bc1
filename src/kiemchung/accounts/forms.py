"""Forms for logging in, two-factor codes, passwords, API tokens, members and the workspace."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib.auth import authenticate
from django.db.models import Field
from django.http import HttpRequest
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from kiemchung.accounts import ratelimit, selectors
from kiemchung.accounts.models import ApiScope, Role, Workspace
from kiemchung.matching.thresholds import DEFAULT_AUTO, DEFAULT_SUGGEST

if TYPE_CHECKING:
    from django.contrib.auth.models import User

EMAIL_ERRORS = {"invalid": _("Địa chỉ e-mail không hợp lệ.")}
PAUSED_MESSAGE = _(
    "Đăng nhập tạm dừng vì có quá nhiều lần thử không thành công. Vui lòng thử lại sau 15 phút."
)


def _attrs(**attrs: Any) -> dict[str, Any]:
    return {key.replace("_", "-"): value for key, value in attrs.items()}


class LoginForm(forms.Form):
    """Username or e-mail and password, with failed attempts counted per account and client."""

    login = forms.CharField(
        label=_("Tên đăng nhập hoặc e-mail"),
        max_length=254,
        widget=forms.TextInput(
            attrs=_attrs(autofocus=True, autocomplete="username", autocapitalize="none")
        ),
    )
    password = forms.CharField(
        label=_("Mật khẩu"),
        strip=False,
        widget=forms.PasswordInput(attrs=_attrs(autocomplete="current-password")),
    )

    def __init__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        self.request = request
        self.user: User | None = None
        self.account_key = ""
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        login, password = cleaned.get("login"), cleaned.get("password")
        if not login or password is None:
            return cleaned
        known = selectors.user_by_login(login=login)
        self.account_key = ratelimit.account_key(login, known.pk if known else None)
        keys = (self.account_key, ratelimit.client_key(self.request))
        if ratelimit.is_paused(*keys):
            raise forms.ValidationError(PAUSED_MESSAGE, code="paused")
        user = authenticate(self.request, username=login, password=password)
        if user is None:
            ratelimit.record_failure(*keys)
            raise forms.ValidationError(
                _("Tên đăng nhập/e-mail hoặc mật khẩu không đúng."), code="invalid_login"
            )
        self.user = user
        return cleaned


class TotpCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Mã 6 chữ số trong ứng dụng xác thực"),
        max_length=12,
        widget=forms.TextInput(
            attrs=_attrs(
                autofocus=True,
                autocomplete="one-time-code",
                inputmode="numeric",
                pattern=r"[0-9 ]*",
                size=8,
            )
        ),
    )


class PasswordConfirmForm(forms.Form):
    """The current password, asked again before a sensitive change."""

    password = forms.CharField(
        label=_("Mật khẩu hiện tại"),
        strip=False,
        widget=forms.PasswordInput(attrs=_attrs(autocomplete="current-password")),
    )


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(
        label=_("Mật khẩu hiện tại"),
        strip=False,
        widget=forms.PasswordInput(attrs=_attrs(autocomplete="current-password")),
    )
    new_password = forms.CharField(
        label=_("Mật khẩu mới"),
        strip=False,
        help_text=_("Mật khẩu nên dài, khó đoán, không giống tên đăng nhập hay e-mail."),
        widget=forms.PasswordInput(attrs=_attrs(autocomplete="new-password")),
    )
    new_password_confirm = forms.CharField(
        label=_("Nhập lại mật khẩu mới"),
        strip=False,
        widget=forms.PasswordInput(attrs=_attrs(autocomplete="new-password")),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        new, again = cleaned.get("new_password"), cleaned.get("new_password_confirm")
        if new and again and new != again:
            self.add_error("new_password_confirm", _("Hai mật khẩu mới không khớp nhau."))
        return cleaned


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Tên mã truy cập"),
        max_length=80,
        help_text=_("Để nhớ mã này dùng cho việc gì, ví dụ: “Tập lệnh nhập nguồn tin”."),
        widget=forms.TextInput(attrs=_attrs(autocomplete="off")),
    )
    scopes = forms.MultipleChoiceField(
        label=_("Phạm vi"),
        choices=ApiScope.choices,
        initial=[ApiScope.READ],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Hãy chọn ít nhất một phạm vi cho mã truy cập.")},
        help_text=_(
            "Mã chỉ làm được những việc trong phạm vi đã chọn, và không quá quyền của vai trò "
            "của bạn."
        ),
    )


ROLE_CHOICES = Role.choices


class MemberCreateForm(forms.Form):
    """A new account, added to the workspace with a temporary password the admin passes on."""

    username = forms.CharField(
        label=_("Tên đăng nhập"),
        max_length=150,
        widget=forms.TextInput(
            attrs=_attrs(autofocus=True, autocomplete="off", autocapitalize="none")
        ),
    )
    email = forms.EmailField(
        label=_("E-mail"),
        error_messages=EMAIL_ERRORS,
        widget=forms.EmailInput(attrs=_attrs(autocomplete="off")),
    )
    role = forms.ChoiceField(label=_("Vai trò"), choices=ROLE_CHOICES, initial=Role.CHECKER)
    password = forms.CharField(
        label=_("Mật khẩu tạm thời"),
        strip=False,
        help_text=_("Gửi cho người đó qua một kênh riêng; họ nên đổi ngay khi đăng nhập."),
        widget=forms.PasswordInput(attrs=_attrs(autocomplete="new-password")),
    )


class MemberAddExistingForm(forms.Form):
    """Someone who already has an account (in another workspace), found by name or e-mail."""

    login = forms.CharField(
        label=_("Tên đăng nhập hoặc e-mail của tài khoản đã có"),
        max_length=254,
        widget=forms.TextInput(attrs=_attrs(autocomplete="off", autocapitalize="none")),
    )
    role = forms.ChoiceField(label=_("Vai trò"), choices=ROLE_CHOICES, initial=Role.CHECKER)


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Vai trò"), choices=ROLE_CHOICES)


def _field_label(name: str) -> Any:
    """A Workspace field's name as a form label: capitalised, still translated when shown."""
    field = Workspace._meta.get_field(name)
    assert isinstance(field, Field)
    return capfirst(field.verbose_name)


class WorkspaceSettingsForm(forms.Form):
    name = forms.CharField(
        label=_field_label("name"),
        max_length=120,
        widget=forms.TextInput(attrs=_attrs(autofocus=True, autocomplete="organization")),
    )
    description = forms.CharField(
        label=_field_label("description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    corrections_email = forms.EmailField(
        label=_field_label("corrections_email"),
        required=False,
        help_text=Workspace._meta.get_field("corrections_email").help_text,
        error_messages=EMAIL_ERRORS,
        widget=forms.EmailInput(attrs=_attrs(autocomplete="email")),
    )
    require_2fa = forms.BooleanField(
        label=_field_label("require_2fa"),
        required=False,
        help_text=_(
            "Quản trị viên và biên tập viên chưa bật sẽ được đưa đến trang cài đặt trước khi "
            "làm việc tiếp."
        ),
    )
    tipline_answers_reviewed = forms.BooleanField(
        label=_field_label("tipline_answers_reviewed"),
        required=False,
        help_text=Workspace._meta.get_field("tipline_answers_reviewed").help_text,
    )
    match_suggest_threshold = forms.FloatField(
        label=_field_label("match_suggest_threshold"),
        required=False,
        min_value=0.0,
        max_value=1.0,
        help_text=Workspace._meta.get_field("match_suggest_threshold").help_text,
        widget=forms.NumberInput(
            attrs={"step": "0.01", "placeholder": f"{DEFAULT_SUGGEST}", "inputmode": "decimal"}
        ),
    )
    match_auto_threshold = forms.FloatField(
        label=_field_label("match_auto_threshold"),
        required=False,
        min_value=0.0,
        max_value=1.0,
        help_text=Workspace._meta.get_field("match_auto_threshold").help_text,
        widget=forms.NumberInput(
            attrs={"step": "0.01", "placeholder": f"{DEFAULT_AUTO}", "inputmode": "decimal"}
        ),
    )
