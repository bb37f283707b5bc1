"""Forms of the newsroom's outlet and ClaimReview pages, and of the newsletter signup."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kiemchung.publishing.models import ClaimReviewSourceKind, Outlet
from kiemchung.publishing.outlets import adapter_class


class OutletForm(forms.Form):
    """An outlet's name and switches, then the settings its kind asks for."""

    name = forms.CharField(label=_("Tên kênh"), max_length=120)
    is_active = forms.BooleanField(label=_("Đang dùng"), required=False, initial=True)
    announce_on_publish = forms.BooleanField(
        label=_("Tự đăng khi công bố"),
        required=False,
        help_text=_("Mỗi bài vừa công bố được đăng lên kênh này mà không cần bấm gửi."),
    )
    api_url = forms.URLField(
        label=_("Địa chỉ API riêng"),
        required=False,
        assume_scheme="https",
        help_text=_("Để trống để dùng địa chỉ mặc định trong cài đặt của máy chủ."),
    )

    def __init__(self, *args: Any, kind: str, outlet: Outlet | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.kind = kind
        adapter = adapter_class(kind)
        if not adapter.base_url_setting:
            del self.fields["api_url"]
        for field in adapter.fields:
            if field.boolean:
                self.fields[field.name] = forms.BooleanField(
                    label=field.label, help_text=field.help, required=False
                )
            elif field.secret:
                stored = outlet is not None and bool(outlet.credentials)
                help_text = field.help
                if stored:
                    help_text = _("Đã lưu. Để trống để giữ nguyên.")
                self.fields[field.name] = forms.CharField(
                    label=field.label,
                    help_text=help_text,
                    required=field.required and not stored,
                    widget=forms.PasswordInput(render_value=False),
                    max_length=2000,
                )
            else:
                self.fields[field.name] = forms.CharField(
                    label=field.label, help_text=field.help, required=field.required,
                    max_length=500,
                )
        if outlet is not None and not self.is_bound:
            self.initial.update(
                {
                    "name": outlet.name,
                    "is_active": outlet.is_active,
                    "announce_on_publish": outlet.announce_on_publish,
                    "api_url": outlet.config.get("api_url", ""),
                }
            )
            for field in adapter.fields:
                if not field.secret:
                    value = outlet.config.get(field.name, "")
                    self.initial[field.name] = bool(value) if field.boolean else value

    def setting_values(self) -> dict[str, Any]:
        adapter = adapter_class(self.kind)
        values = {f.name: self.cleaned_data.get(f.name) for f in adapter.fields}
        values["api_url"] = self.cleaned_data.get("api_url", "")
        return values


class ClaimReviewSourceForm(forms.Form):
    name = forms.CharField(label=_("Tên nhóm kiểm chứng"), max_length=160)
    kind = forms.ChoiceField(
        label=_("Loại nguồn"),
        choices=[
            (ClaimReviewSourceKind.FEED, ClaimReviewSourceKind.FEED.label),
            (ClaimReviewSourceKind.PAGE, ClaimReviewSourceKind.PAGE.label),
        ],
    )
    url = forms.URLField(label=_("Đường dẫn"), max_length=2000, assume_scheme="https")


class ClaimReviewUploadForm(forms.Form):
    name = forms.CharField(label=_("Tên nhóm kiểm chứng"), max_length=160)
    file = forms.FileField(
        label=_("Tệp ClaimReview"),
        help_text=_("JSON (một DataFeed, một mảng hoặc một ClaimReview), JSON Lines hoặc HTML."),
    )


class NewsletterSignupForm(forms.Form):
    email = forms.EmailField(label=_("E-mail của bạn"), max_length=254)
