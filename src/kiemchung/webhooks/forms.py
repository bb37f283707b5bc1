"""The endpoint form of the webhooks screen; the services check the values."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kiemchung.core.events import KINDS


class EndpointForm(forms.Form):
    # A text field, not a URLField: the service says in words what is wrong with an address.
    url = forms.CharField(
        label=_("Địa chỉ nhận"),
        max_length=2000,
        help_text=_("Địa chỉ https:// của công cụ nhận sự kiện."),
        widget=forms.TextInput(attrs={"inputmode": "url", "autocomplete": "off",
                                      "placeholder": "https://example.org/webhook"}),
    )
    description = forms.CharField(label=_("Mô tả"), max_length=200, required=False)
    kinds = forms.MultipleChoiceField(
        label=_("Gửi khi"),
        choices=(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Hãy chọn ít nhất một loại sự kiện.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kinds"].choices = [  # type: ignore[attr-defined]
            (name, f"{kind.label} ({name})") for name, kind in KINDS.items()
        ]
