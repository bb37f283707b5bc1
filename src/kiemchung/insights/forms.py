"""The dashboard's period and topic, the public page switch, and the reach import's forms."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kiemchung.insights.figures import Period
from kiemchung.insights.models import ReachPlatform

MAX_DAYS = 3 * 366


class PeriodForm(forms.Form):
    """From, to and topic; a missing or unreadable value falls back to the last 90 days."""

    start = forms.DateField(label=_("Từ ngày"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("Đến ngày"), required=False,
                          widget=forms.DateInput(attrs={"type": "date"}))
    topic = forms.CharField(label=_("Chủ đề"), required=False, max_length=80)

    def __init__(self, data: Any = None, *, topics: list[str] | None = None) -> None:
        if data is not None:
            data = {"start": data.get("from", ""), "end": data.get("to", ""),
                    "topic": data.get("topic", "")}
        super().__init__(data)
        choices = [("", _("Mọi chủ đề")), *((t, t) for t in topics or [])]
        self.fields["topic"].widget = forms.Select(choices=choices)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            raise forms.ValidationError(_("Ngày bắt đầu phải trước ngày kết thúc."))
        if start and end and (end - start).days >= MAX_DAYS:
            raise forms.ValidationError(_("Chọn khoảng thời gian không quá ba năm."))
        return data

    def period(self) -> Period:
        default = Period.default()
        if not self.is_bound or not self.is_valid():
            return default
        end: date = self.cleaned_data.get("end") or timezone.localdate()
        start: date = self.cleaned_data.get("start") or end - timedelta(days=default.days - 1)
        return Period(first=start, last=end, topic=self.cleaned_data.get("topic") or "")


class PublicFiguresForm(forms.Form):
    public_figures = forms.BooleanField(
        label=_("Công khai trang “Số liệu của chúng tôi”"), required=False,
        help_text=_("Trang công khai chỉ có số liệu tổng hợp: số bài kiểm chứng, kết luận, "
                    "thời gian xử lý, lượt tiếp cận. Không có tên thành viên hay người báo tin."),
    )


class ReachUploadForm(forms.Form):
    file = forms.FileField(label=_("Tệp CSV xuất từ nền tảng"))
    platform = forms.ChoiceField(label=_("Nền tảng"), choices=ReachPlatform.choices)
    page = forms.CharField(label=_("Tên trang hoặc kênh của nhóm"), max_length=120)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".csv", ".txt")):
            raise forms.ValidationError(
                _("Cần một tệp CSV (.csv); tệp này là “%(name)s”. Với tệp Excel, hãy lưu lại "
                  "dưới dạng CSV UTF-8.") % {"name": upload.name[:120]}
            )
        return upload


class ReachMappingForm(forms.Form):
    """One choice of column per figure; the day is required."""

    def __init__(self, data: Any = None, *, columns: list[str], labels: dict[str, str],
                 initial: dict[str, str] | None = None) -> None:
        super().__init__(data, initial=initial)
        choices = [("", _("(không dùng)")), *((c, c) for c in columns)]
        for name, label in labels.items():
            self.fields[name] = forms.ChoiceField(label=label, choices=choices,
                                                  required=name == "day")

    def mapping(self) -> dict[str, str]:
        return {name: value for name, value in self.cleaned_data.items() if value}
