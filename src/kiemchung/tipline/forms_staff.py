"""Forms of the staff inbox; they only parse input, the services check and write."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kiemchung.tipline.models import TipCategory

CATEGORY_CHOICES = [("", _("Mọi loại tin")), *TipCategory.choices]


class ReplyForm(forms.Form):
    text = forms.CharField(
        label=_("Trả lời người gửi"), max_length=4000, widget=forms.Textarea(attrs={"rows": 6})
    )


class AttachForm(forms.Form):
    claim = forms.IntegerField(label=_("Số nhận định"), min_value=1)
    url = forms.CharField(
        label=_("Đường dẫn nơi thông tin xuất hiện"), max_length=2000, required=False
    )
    note = forms.CharField(label=_("Ghi chú"), max_length=300, required=False)


class ClaimFromTipForm(forms.Form):
    text = forms.CharField(
        label=_("Nội dung nhận định"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Viết lại thành một câu kiểm chứng được; bỏ mọi chi tiết về người gửi."),
    )
    topic = forms.CharField(label=_("Chủ đề"), max_length=80, required=False)
    url = forms.CharField(
        label=_("Đường dẫn nơi thông tin xuất hiện"), max_length=2000, required=False
    )


class ForwardForm(forms.Form):
    unit = forms.IntegerField(label=_("Cơ quan nhận"), min_value=1)


class ReplyTemplateForm(forms.Form):
    title = forms.CharField(label=_("Tên mẫu"), max_length=120)
    category = forms.ChoiceField(label=_("Dùng cho"), choices=CATEGORY_CHOICES, required=False)
    text = forms.CharField(
        label=_("Nội dung"), max_length=4000, widget=forms.Textarea(attrs={"rows": 6})
    )
    is_active = forms.BooleanField(label=_("Đang dùng"), required=False, initial=True)


class LegalAnswerForm(forms.Form):
    question = forms.CharField(
        label=_("Câu hỏi"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    answer = forms.CharField(
        label=_("Trả lời"), max_length=4000, widget=forms.Textarea(attrs={"rows": 6})
    )
    source = forms.CharField(label=_("Căn cứ"), max_length=300)
    source_url = forms.URLField(
        label=_("Đường dẫn căn cứ"), max_length=2000, required=False, assume_scheme="https"
    )
    is_published = forms.BooleanField(
        label=_("Dùng để gợi ý trả lời"), required=False, initial=True
    )


class CommaListField(forms.CharField):
    """A list shown as text, its entries separated by commas (the service splits it again)."""

    def prepare_value(self, value: object) -> object:
        return ", ".join(value) if isinstance(value, list) else value


class AuthorityUnitForm(forms.Form):
    name = forms.CharField(label=_("Tên cơ quan"), max_length=200)
    email = forms.EmailField(label=_("E-mail nhận báo cáo"))
    categories = CommaListField(
        label=_("Lĩnh vực"),
        max_length=500,
        required=False,
        help_text=_("Các loại vi phạm cơ quan này xử lý, cách nhau bằng dấu phẩy."),
    )
    note = forms.CharField(
        label=_("Ghi chú"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    is_active = forms.BooleanField(label=_("Đang dùng"), required=False, initial=True)
