"""Forms of the staff inbox; they only parse input, the services check and write."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kiemchung.tipline.models import ReplyKind, TipCategory

CATEGORY_CHOICES = [("", _("Mọi loại tin")), *TipCategory.choices]


# What each kind of reply does to the tip, as the reply form says it.
REPLY_KIND_CHOICES = [
    (ReplyKind.ANSWER, _("Trả lời xong: tin chuyển sang “Đã trả lời”")),
    (ReplyKind.HOLDING, _("Báo đang xử lý: tin vẫn chờ nhóm trả lời")),
]


class ReplyForm(forms.Form):
    text = forms.CharField(
        label=_("Trả lời người gửi"), max_length=4000, widget=forms.Textarea(attrs={"rows": 6})
    )
    # Left out (an older page), a reply is an answer, as it always was.
    kind = forms.ChoiceField(
        label=_("Câu trả lời này"),
        choices=REPLY_KIND_CHOICES,
        widget=forms.RadioSelect,
        required=False,
        initial=ReplyKind.ANSWER,
    )

    def clean_kind(self) -> str:
        return self.cleaned_data.get("kind") or ReplyKind.ANSWER


class AttachForm(forms.Form):
    """A claim chosen in the picker (`claim`) or typed by its number (`number`)."""

    claim = forms.IntegerField(label=_("Nhận định"), min_value=1, required=False)
    number = forms.IntegerField(
        label=_("Hoặc số nhận định"),
        min_value=1,
        required=False,
        help_text=_("Nếu bạn đã biết số của nhận định, ví dụ 42."),
    )
    url = forms.CharField(
        label=_("Đường dẫn nơi thông tin xuất hiện"), max_length=2000, required=False
    )
    note = forms.CharField(label=_("Ghi chú"), max_length=300, required=False)

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        chosen, typed = data.get("claim"), data.get("number")
        if chosen and typed and chosen != typed:
            raise forms.ValidationError(
                _("Chọn một nhận định trong danh sách hoặc nhập số của nó, không phải cả hai.")
            )
        if not (chosen or typed) and not self.has_error("claim") and not self.has_error("number"):
            raise forms.ValidationError(
                _("Hãy chọn một nhận định trong danh sách hoặc nhập số của nó.")
            )
        data["claim"] = chosen or typed
        return data


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
    kind = forms.ChoiceField(
        label=_("Loại trả lời"),
        choices=REPLY_KIND_CHOICES,
        widget=forms.RadioSelect,
        required=False,
        initial=ReplyKind.ANSWER,
        help_text=_(
            "Chọn “Báo đang xử lý” cho mẫu chỉ báo rằng nhóm đã nhận tin và đang xem xét."
        ),
    )

    def clean_kind(self) -> str:
        return self.cleaned_data.get("kind") or ReplyKind.ANSWER
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
