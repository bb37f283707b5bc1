"""The filter form of the audit log page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from kiemchung.accounts.models import Workspace
from kiemchung.audit import selectors


class DateInput(forms.DateInput):
    input_type = "date"


class AuditFilterForm(forms.Form):
    actor = forms.ModelChoiceField(
        queryset=get_user_model().objects.none(),
        required=False,
        label=_("Người thực hiện"),
        empty_label=_("Tất cả"),
        to_field_name="username",
    )
    action = forms.ChoiceField(required=False, label=_("Hành động"))
    object_type = forms.ChoiceField(required=False, label=_("Loại đối tượng"))
    since = forms.DateField(required=False, label=_("Từ ngày"), widget=DateInput)
    until = forms.DateField(required=False, label=_("Đến ngày"), widget=DateInput)

    def __init__(self, *args: Any, workspace: Workspace, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        users = get_user_model().objects.filter(memberships__workspace=workspace)
        self.fields["actor"].queryset = users.order_by("username")  # type: ignore[attr-defined]
        all_label = str(_("Tất cả"))
        self.fields["action"].choices = [  # type: ignore[attr-defined]
            ("", all_label),
            *selectors.audit_actions(workspace=workspace),
        ]
        self.fields["object_type"].choices = [  # type: ignore[attr-defined]
            ("", all_label),
            *selectors.audit_object_types(workspace=workspace),
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            raise forms.ValidationError(_("“Từ ngày” phải trước hoặc bằng “Đến ngày”."))
        return data
