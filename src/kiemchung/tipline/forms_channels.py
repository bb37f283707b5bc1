"""The form of the channel screen: a channel's name, its settings and the secrets the admin
pastes from the platform. Stored secrets are never put back into the form."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kiemchung.tipline.services_channels import CONFIG, GENERATED, NAME_MAX, channel_fields

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise as StrOrPromise

# Each value an admin pastes: its label, and where on the platform it is found.
FIELDS: dict[str, tuple[StrOrPromise, StrOrPromise]] = {
    "bot_token": (
        _("Mã bot (bot token)"),
        _("Mã @BotFather đưa khi tạo bot, dạng 123456789:AAF…"),
    ),
    "app_id": (
        _("ID ứng dụng (App ID)"),
        _("Trang Zalo for Developers, phần thông tin của ứng dụng."),
    ),
    "oa_secret_key": (
        _("Khóa bí mật của OA (OA Secret Key)"),
        _("Trang Zalo for Developers, mục Webhook: để kiểm tra chữ ký của tin Zalo gửi tới."),
    ),
    "access_token": (
        _("Mã truy cập OA (access token)"),
        _("Trang Zalo for Developers, mục Official Account: mã cho phép OA trả lời tin."),
    ),
    "app_secret": (
        _("Khóa bí mật ứng dụng (App Secret)"),
        _("Ứng dụng Meta, mục Cài đặt ứng dụng → Thông tin cơ bản."),
    ),
    "page_access_token": (
        _("Mã truy cập Trang (page access token)"),
        _("Ứng dụng Meta, mục Messenger → Cài đặt API: tạo mã cho Trang của nhóm."),
    ),
}
# The secrets the server makes up, by the name the platform gives them.
GENERATED_LABELS: dict[str, StrOrPromise] = {
    "secret_token": _("Mã bí mật webhook (secret token)"),
    "verify_token": _("Mã xác minh (verify token)"),
}

# What a new webhook secret asks of the admin on the platform.
REGENERATE_HELP: dict[str, StrOrPromise] = {
    "telegram": _("Mã cũ thôi dùng ngay: bấm lại “Đăng ký với Telegram” sau khi lưu."),
    "messenger": _(
        "Mã cũ thôi dùng ngay: dán mã xác minh mới vào phần Webhook của ứng dụng Meta và "
        "xác minh lại."
    ),
}


class ChannelForm(forms.Form):
    """A channel's name, then what its platform needs; a secret left empty keeps the stored
    one, and the page only says which are stored."""

    name = forms.CharField(
        label=_("Tên kênh"),
        required=False,
        max_length=NAME_MAX,
        help_text=_("Tên nhân viên thấy trong hộp tin báo. Để trống để dùng tên nền tảng."),
    )

    def __init__(
        self,
        *args: Any,
        kind: str,
        stored: frozenset[str],
        config: Mapping[str, Any],
        exists: bool,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        for name in self.pasted_fields:
            label, where = FIELDS[name]
            if name in CONFIG.get(kind, ()):
                self.fields[name] = forms.CharField(
                    label=label, help_text=where, required=False, max_length=100,
                    initial=config.get(name, ""),
                )
                continue
            self.fields[name] = forms.CharField(
                label=label,
                help_text=_("Đã lưu. Để trống để giữ nguyên.") if name in stored else where,
                required=False,
                max_length=2000,
                # Never rendered back: a stored secret does not travel to the browser again.
                widget=forms.PasswordInput(
                    render_value=False,
                    attrs={"autocomplete": "new-password", "spellcheck": "false"},
                ),
            )
        if exists and kind in REGENERATE_HELP:
            self.fields["regenerate"] = forms.BooleanField(
                label=_("Tạo mã bí mật webhook mới"),
                required=False,
                help_text=REGENERATE_HELP[kind],
            )

    @property
    def pasted_fields(self) -> tuple[str, ...]:
        """The values the admin pastes; the webhook secrets are made up by the server."""
        return tuple(n for n in channel_fields(self.kind) if n not in GENERATED)

    def values(self) -> dict[str, str]:
        return {name: self.cleaned_data.get(name) or "" for name in self.pasted_fields}
