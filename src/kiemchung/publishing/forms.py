"""The public contact form: corrections and right of reply, with plain Vietnamese errors."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kiemchung.publishing.models import ContactKind
from kiemchung.publishing.services import EMAIL_MAX, MESSAGE_MAX, NAME_MAX


class ContactForm(forms.Form):
    """What a reader sends; the service checks it again and stores it."""

    kind = forms.ChoiceField(
        label=_("Bạn muốn"),
        choices=ContactKind.choices,
        initial=ContactKind.CORRECTION,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Hãy chọn loại yêu cầu."),
            "invalid_choice": _("Hãy chọn loại yêu cầu."),
        },
    )
    factcheck = forms.IntegerField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(
        label=_("Tên của bạn"),
        max_length=NAME_MAX,
        error_messages={
            "required": _("Hãy cho biết tên của bạn."),
            "max_length": _("Tên dài quá %(limit_value)d ký tự."),
        },
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label=_("E-mail để nhóm trả lời"),
        max_length=EMAIL_MAX,
        error_messages={
            "required": _("Hãy nhập một địa chỉ e-mail để nhóm trả lời bạn."),
            "invalid": _("Hãy nhập một địa chỉ e-mail đúng để nhóm trả lời bạn."),
            "max_length": _("Địa chỉ e-mail dài quá %(limit_value)d ký tự."),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    message = forms.CharField(
        label=_("Nội dung"),
        help_text=_(
            "Chỉ rõ điều bạn thấy chưa đúng và nguồn giúp nhóm kiểm tra lại. Tối đa %(max)d ký tự."
        )
        % {"max": MESSAGE_MAX},
        # The length is checked after the form is sent so that the reader sees how much to cut
        # instead of a browser stopping the typing at the limit.
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"required": _("Hãy viết nội dung yêu cầu.")},
    )
    # Hidden from people by the stylesheet and from screen readers; robots fill it in.
    website = forms.CharField(
        label=_("Để trống ô này"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        # Shown above the form, where a person who filled the hidden box by accident sees it.
        if str(self.cleaned_data.get("website", "")).strip():
            raise forms.ValidationError(
                _("Không gửi được: ô “Để trống ô này” phải để trống."), code="spam"
            )
        return cleaned
