"""Forms of the monitoring pages: queue filters, sources, imports and pasted links."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from kiemchung.accounts.models import Workspace
from kiemchung.monitoring.importers import FIELDS
from kiemchung.monitoring.models import (
    TOPIC_LABELS,
    ImportFormat,
    ItemState,
    Source,
    SourceKind,
)

TOPIC_CHOICES = [("", _("Mọi chủ đề")), *TOPIC_LABELS.items(), ("none", _("Chưa rõ"))]
PERIOD_CHOICES = [
    ("", _("Mọi lúc")),
    ("24h", _("24 giờ qua")),
    ("7d", _("7 ngày qua")),
    ("30d", _("30 ngày qua")),
]
LANGUAGE_CHOICES = [("", _("Mọi ngôn ngữ")), ("vi", _("Tiếng Việt")), ("other", _("Ngôn ngữ khác"))]
ANSWERED_CHOICES = [
    ("", _("Tất cả")),
    ("no", _("Chưa có bài kiểm chứng")),
    ("yes", _("Đã có bài kiểm chứng")),
]


class QueueFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("Trạng thái"), required=False,
        choices=[("", _("Mọi trạng thái")), *ItemState.choices],
    )
    source = forms.TypedChoiceField(label=_("Nguồn"), required=False, coerce=int,
                                    empty_value=None)
    topic = forms.ChoiceField(label=_("Chủ đề"), required=False, choices=TOPIC_CHOICES)
    language = forms.ChoiceField(label=_("Ngôn ngữ"), required=False, choices=LANGUAGE_CHOICES)
    period = forms.ChoiceField(label=_("Thời gian"), required=False, choices=PERIOD_CHOICES)
    answered = forms.ChoiceField(label=_("Đã kiểm chứng?"), required=False,
                                 choices=ANSWERED_CHOICES)

    def __init__(self, *args: Any, workspace: Workspace, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        source_field = self.fields["source"]
        assert isinstance(source_field, forms.ChoiceField)
        source_field.choices = [("", _("Mọi nguồn"))] + [
            (s.pk, s.name) for s in Source.objects.filter(workspace=workspace).order_by("name")
        ]


class SourceForm(forms.Form):
    name = forms.CharField(label=_("Tên nguồn"), max_length=120)
    kind = forms.ChoiceField(
        label=_("Loại"),
        choices=[
            (SourceKind.FEED, SourceKind.FEED.label),
            (SourceKind.PAGE, SourceKind.PAGE.label),
        ],
    )
    url = forms.URLField(label=_("Đường dẫn"), max_length=2000, assume_scheme="https")
    platform = forms.CharField(label=_("Nền tảng"), max_length=40, required=False)
    interval_minutes = forms.IntegerField(label=_("Chu kỳ (phút)"), initial=30, min_value=5,
                                          max_value=7 * 24 * 60)
    fetch_full_text = forms.BooleanField(
        label=_("Lấy toàn văn bài viết khi nguồn tin chỉ có tóm tắt"), required=False,
        initial=True,
    )


class PasteForm(forms.Form):
    urls = forms.CharField(
        label=_("Đường dẫn (mỗi dòng một đường dẫn)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=20_000,
    )


class UploadForm(forms.Form):
    file = forms.FileField(label=_("Tệp xuất từ nền tảng (CSV, JSON, JSONL)"))
    source = forms.CharField(label=_("Tên nguồn"), max_length=120)
    platform = forms.ChoiceField(
        label=_("Nền tảng"),
        choices=[("facebook", "Facebook"), ("youtube", "YouTube"), ("tiktok", "TikTok"),
                 ("web", "Web"), ("other", _("Khác"))],
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > settings.UPLOAD_MAX_MB * 1024 * 1024:
            raise forms.ValidationError(
                _(
                    "Tệp lớn hơn %(mb)d MB. Hãy chia nhỏ tệp, hoặc nhờ quản trị viên nhập bằng "
                    "lệnh `kiemchung ingest`."
                )
                % {"mb": settings.UPLOAD_MAX_MB}
            )
        return upload


FIELD_LABELS = {
    "text": _("Nội dung"),
    "title": _("Tiêu đề"),
    "url": _("Đường dẫn công khai"),
    "time": _("Thời gian đăng"),
    "reactions": _("Lượt cảm xúc"),
    "comments": _("Lượt bình luận"),
    "shares": _("Lượt chia sẻ"),
    "views": _("Lượt xem"),
    "id": _("Mã bài trên nền tảng"),
    "image": _("Ảnh (đường dẫn)"),
}


class MappingForm(forms.Form):
    """Which column holds each field; the choices are the columns found in the file."""

    format = forms.ChoiceField(label=_("Định dạng"), choices=ImportFormat.choices)

    def __init__(self, *args: Any, columns: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", _("— không dùng —")), *((c, c) for c in columns)]
        for name in FIELDS:
            self.fields[name] = forms.ChoiceField(
                label=FIELD_LABELS[name], choices=choices, required=name == "text"
            )

    def mapping(self) -> dict[str, str]:
        return {name: self.cleaned_data[name] for name in FIELDS if self.cleaned_data.get(name)}
