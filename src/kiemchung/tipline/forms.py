"""The public tip form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kiemchung.tipline.images import (
    WEB_FORM_MAX_IMAGES,
    CleanImage,
    ImageRefused,
    image_clean,
)
from kiemchung.tipline.models import TipCategory

MAX_IMAGES = WEB_FORM_MAX_IMAGES
MAX_TEXT = 5000


class _MultipleImages(forms.ClearableFileInput):
    allow_multiple_selected = True


class _ImagesField(forms.FileField):
    widget = _MultipleImages

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        uploads = data if isinstance(data, list | tuple) else ([data] if data else [])
        return [super(_ImagesField, self).clean(upload, initial) for upload in uploads]


class TipForm(forms.Form):
    category = forms.ChoiceField(
        label=gettext_lazy("Bạn muốn"),
        choices=TipCategory.choices,
        initial=TipCategory.CHECK,
        widget=forms.RadioSelect,
    )
    text = forms.CharField(
        label=gettext_lazy("Nội dung"),
        max_length=MAX_TEXT,
        error_messages={
            "required": gettext_lazy("Hãy viết thông tin, đường dẫn hoặc câu hỏi bạn muốn gửi.")
        },
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=gettext_lazy("Thông tin, đường dẫn hoặc câu hỏi. Đừng ghi tên hay số điện "
                               "thoại của bạn nếu không cần."),
    )
    images = _ImagesField(
        label=gettext_lazy("Ảnh (không bắt buộc)"),
        required=False,
        widget=_MultipleImages(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    # Left empty by people; filled by bots that fill every field.
    website = forms.CharField(
        required=False,
        label=gettext_lazy("Để trống ô này"),
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def clean_images(self) -> list[CleanImage]:
        uploads: list[UploadedFile] = self.cleaned_data.get("images") or []
        if len(uploads) > MAX_IMAGES:
            raise forms.ValidationError(
                _("Gửi tối đa %(count)d ảnh mỗi lần.") % {"count": MAX_IMAGES}
            )
        limit = settings.TIP_IMAGE_MAX_MB * 1024 * 1024
        cleaned: list[CleanImage] = []
        for upload in uploads:
            if (upload.size or 0) > limit:
                raise forms.ValidationError(
                    _("Mỗi ảnh không được lớn hơn %(mb)d MB.") % {"mb": settings.TIP_IMAGE_MAX_MB}
                )
            try:
                cleaned.append(image_clean(upload.read(limit + 1)))
            except ImageRefused as exc:
                raise forms.ValidationError(exc.message) from None
        return cleaned

    def clean_website(self) -> str:
        if self.cleaned_data.get("website"):
            raise forms.ValidationError(_("Ô này phải để trống."))
        return ""


class CodeForm(forms.Form):
    code = forms.RegexField(
        label=gettext_lazy("Mã theo dõi"),
        regex=r"^\s*[Kk][Cc]-?[2-9A-Za-z]{6}\s*$",
        max_length=12,
        error_messages={"invalid": gettext_lazy("Mã theo dõi có dạng KC-7F3Q9M.")},
    )

    def clean_code(self) -> str:
        raw = self.cleaned_data["code"].strip().upper().replace("-", "")
        return "KC-" + raw[2:]
