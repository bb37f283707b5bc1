"""Forms of the newsroom pages; they check input shape, the services check the rules."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kiemchung.accounts.models import Role, Workspace
from kiemchung.claims.matching import QUERY_MAX_CHARS
from kiemchung.claims.models import (
    ClaimState,
    EvidenceKind,
    Rating,
    RatingTone,
    ReviewDecision,
)
from kiemchung.claims.services import CLAIM_TEXT_MAX

User = get_user_model()


def team_users(workspace: Workspace) -> QuerySet[Any]:
    """Active members of the workspace who may work on claims (viewers cannot)."""
    return (
        User._default_manager.filter(memberships__workspace=workspace, memberships__is_active=True)
        .exclude(memberships__workspace=workspace, memberships__role=Role.VIEWER)
        .order_by("username")
        .distinct()
    )


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        full = obj.get_full_name() if hasattr(obj, "get_full_name") else ""
        return f"{full} ({obj.get_username()})" if full else obj.get_username()


def split_tags(value: str) -> list[str]:
    """ "y tế, vắc-xin ,  y tế" -> ["y tế", "vắc-xin"]: trimmed, unique, in order."""
    seen: list[str] = []
    for part in value.split(","):
        tag = " ".join(part.split())
        if tag and tag not in seen:
            seen.append(tag)
    return seen


class TagsField(forms.CharField):
    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return ", ".join(value)
        return value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        return split_tags(super().to_python(value) or "")


class IdPrefixForm(forms.Form):
    """Ids (and help-text ids) start with the form's own prefix, unique on the claim page."""

    id_prefix = "form"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"{self.id_prefix}-%s")
        super().__init__(*args, **kwargs)


class ClaimTextField(forms.CharField):
    """The claim's wording, at most CLAIM_TEXT_MAX characters.

    No maxlength attribute: a browser would cut a long paste short without a word, where the
    form says how long the text is and how long it may be.
    """

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs = super().widget_attrs(widget)
        attrs.pop("maxlength", None)
        return attrs


class ClaimForm(IdPrefixForm):
    id_prefix = "claim-edit"
    text = ClaimTextField(
        label=_("Nội dung nhận định"),
        max_length=CLAIM_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "max_length": _(
                "Nội dung nhận định dài %(show_value)d ký tự; tối đa %(limit_value)d ký tự. "
                "Hãy chỉ chép câu cần kiểm chứng."
            )
        },
    )
    topic = forms.CharField(
        label=_("Chủ đề"),
        max_length=80,
        required=False,
    )
    tags = TagsField(
        label=_("Thẻ"),
        required=False,
        help_text=_("Cách nhau bằng dấu phẩy."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["text"].help_text = gettext(
            "Chép đúng nguyên văn câu cần kiểm chứng, tối đa %(max)d ký tự."
        ) % {"max": CLAIM_TEXT_MAX}


class ClaimCreateForm(ClaimForm):
    id_prefix = "claim"
    assignee = MemberChoiceField(
        label=_("Người phụ trách"),
        queryset=User._default_manager.none(),
        required=False,
        empty_label=_("— chưa phân công —"),
        widget=forms.Select(attrs={"id": "claim-assignee"}),
    )
    appearance_url = forms.URLField(
        label=_("Nơi xuất hiện (đường dẫn)"),
        max_length=2000,
        required=False,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"id": "claim-appearance-url"}),
    )
    platform = forms.CharField(
        label=_("Nền tảng"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"id": "claim-platform", "placeholder": "Facebook, TikTok…"}),
    )

    def __init__(self, *args: Any, workspace: Workspace, may_assign: bool, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if may_assign:
            self.fields["assignee"].queryset = team_users(workspace)  # type: ignore[attr-defined]
        else:
            del self.fields["assignee"]


class AssignForm(IdPrefixForm):
    id_prefix = "assign"
    assignee = MemberChoiceField(
        label=_("Người phụ trách"),
        queryset=User._default_manager.none(),
        required=False,
        empty_label=_("— bỏ phân công —"),
    )

    def __init__(self, *args: Any, workspace: Workspace, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = team_users(workspace)  # type: ignore[attr-defined]


class DismissForm(IdPrefixForm):
    id_prefix = "dismiss"
    reason = forms.CharField(
        label=_("Lý do bỏ qua"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ClaimFilterForm(IdPrefixForm):
    id_prefix = "filter"
    q = forms.CharField(
        label=_("Tìm theo nội dung"),
        required=False,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    state = forms.ChoiceField(
        label=_("Trạng thái"),
        required=False,
        choices=[("", _("Tất cả")), *ClaimState.choices],
    )
    assignee = MemberChoiceField(
        label=_("Người phụ trách"),
        queryset=User._default_manager.none(),
        required=False,
        empty_label=_("Tất cả"),
    )
    topic = forms.CharField(
        label=_("Chủ đề"),
        required=False,
    )

    def __init__(self, *args: Any, workspace: Workspace, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = team_users(workspace)  # type: ignore[attr-defined]


class AlreadyCheckedForm(IdPrefixForm):
    """The "already checked?" search: any wording, with or without diacritics."""

    id_prefix = "already-checked"
    q = forms.CharField(
        label=_("Đã kiểm chứng chưa?"),
        max_length=QUERY_MAX_CHARS,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
        help_text=_("Dán nội dung đang lan truyền, có dấu hay không dấu đều được."),
    )


class MergeForm(forms.Form):
    target = forms.IntegerField(min_value=1)


class AppearanceForm(IdPrefixForm):
    id_prefix = "appearance"
    url = forms.URLField(
        label=_("Đường dẫn"),
        max_length=2000,
        required=False,
        assume_scheme="https",
    )
    platform = forms.CharField(
        label=_("Nền tảng"),
        max_length=40,
        required=False,
    )
    seen_at = forms.DateTimeField(
        label=_("Thời điểm xuất hiện"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M", "%d/%m/%Y"],
        widget=forms.DateTimeInput(
            attrs={"id": "appearance-seen-at", "type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
        ),
    )
    text = forms.CharField(
        label=_("Nội dung tại nơi xuất hiện"),
        help_text=_(
            "Chép nguyên văn lời bài đăng: khi nhận định quay lại với cách nói này, ô “Đã kiểm "
            "chứng chưa?” và đường dây tin báo sẽ nhận ra ngay."
        ),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("url") and not data.get("text"):
            raise ValidationError(_("Hãy nhập đường dẫn hoặc nội dung nơi nhận định xuất hiện."))
        return data


class EvidenceForm(IdPrefixForm):
    id_prefix = "evidence"
    kind = forms.ChoiceField(
        label=_("Loại bằng chứng"),
        choices=EvidenceKind.choices,
        initial=EvidenceKind.URL,
        widget=forms.RadioSelect,
    )
    url = forms.URLField(
        label=_("Đường dẫn nguồn"),
        max_length=2000,
        required=False,
        assume_scheme="https",
        help_text=_("Trang sẽ được lưu trữ lại đúng như lúc này."),
    )
    document = forms.FileField(
        label=_("Tệp tài liệu"),
        required=False,
        help_text=_("PDF, Word, Excel, PowerPoint, OpenDocument, ảnh, âm thanh hoặc video."),
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".pdf,.doc,.docx,.xls,.xlsx,.ppt,.pptx,.odt,.ods,.odp,"
                "image/png,image/jpeg,image/gif,image/webp,audio/*,video/*"
            }
        ),
    )
    title = forms.CharField(
        label=_("Tiêu đề"),
        max_length=300,
        required=False,
    )
    note = forms.CharField(
        label=_("Nội dung ghi chú"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Với đường dẫn hay tài liệu: nguồn này chứng minh điều gì."),
    )

    def clean_document(self) -> Any:
        document = self.cleaned_data.get("document")
        limit = settings.UPLOAD_MAX_MB * 1024 * 1024
        if document is not None and document.size > limit:
            raise ValidationError(
                _("Tệp quá lớn: tối đa %(mb)s MB.") % {"mb": settings.UPLOAD_MAX_MB}
            )
        return document

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("kind")
        # A field that already has its error (an address that is not one) needs no second.
        if kind == EvidenceKind.URL and not data.get("url") and "url" not in self.errors:
            self.add_error("url", _("Hãy nhập đường dẫn của nguồn."))
        elif (
            kind == EvidenceKind.DOCUMENT
            and not data.get("document")
            and "document" not in self.errors
        ):
            self.add_error("document", _("Hãy chọn tệp tài liệu."))
        elif kind == EvidenceKind.NOTE and not data.get("note"):
            self.add_error("note", _("Hãy viết nội dung ghi chú."))
        return data


class CommentForm(IdPrefixForm):
    id_prefix = "comment"
    body = forms.CharField(
        label=_("Bình luận"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Gõ @tên-đăng-nhập để nhắc một đồng nghiệp."),
    )


class VerdictForm(IdPrefixForm):
    id_prefix = "verdict"
    rating = forms.ModelChoiceField(
        label=_("Kết luận"),
        queryset=Rating.objects.none(),
        empty_label=_("— chọn kết luận —"),
    )
    title = forms.CharField(
        label=_("Tiêu đề"),
        max_length=300,
    )
    summary = forms.CharField(
        label=_("Tóm tắt"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Hai, ba câu: kết luận là gì và vì sao."),
    )
    body = forms.CharField(
        label=_("Nội dung (Markdown)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text=_("Trích đúng nhận định, dẫn mọi nguồn, giải thích kết luận."),
    )

    def __init__(self, *args: Any, workspace: Workspace, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["rating"].queryset = Rating.objects.filter(  # type: ignore[attr-defined]
            workspace=workspace, is_active=True
        ).order_by("position", "id")
        self.fields["rating"].label_from_instance = lambda rating: rating.display_label  # type: ignore[attr-defined]


class ReviewForm(IdPrefixForm):
    id_prefix = "review"
    decision = forms.ChoiceField(label=_("Quyết định"), choices=ReviewDecision.choices)
    comment = forms.CharField(
        label=_("Nhận xét"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == ReviewDecision.REQUEST_CHANGES and not data.get("comment"):
            self.add_error("comment", _("Hãy ghi rõ cần sửa những gì."))
        return data


class CorrectionForm(VerdictForm):
    id_prefix = "correction"
    note = forms.CharField(
        label=_("Ghi chú đính chính (công khai)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Đã sửa gì và vì sao; hiển thị trên trang công khai."),
    )

    field_order = ["note", "rating", "title", "summary", "body"]


class CorrectionReviewForm(ReviewForm):
    """A second editor's answer to a proposed correction: approve it, or refuse with why."""

    id_prefix = "correction-review"

    def clean(self) -> dict[str, Any]:
        data = forms.Form.clean(self) or {}
        if data.get("decision") == ReviewDecision.REQUEST_CHANGES and not data.get("comment"):
            self.add_error("comment", _("Hãy ghi rõ vì sao không duyệt đính chính này."))
        return data


class RatingStepForm(forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    label = forms.CharField(label=_("Nhãn"), max_length=60, required=False)
    description = forms.CharField(
        label=_("Giải thích"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    position = forms.IntegerField(label=_("Thứ tự"), min_value=1, required=False)
    is_active = forms.BooleanField(label=_("Đang dùng"), required=False, initial=True)
    tone = forms.ChoiceField(
        label=_("Ý nghĩa"),
        choices=RatingTone.choices,
        initial=RatingTone.UNPROVEN,
        required=False,  # a step sent without one keeps its own
        help_text=_("Cho mức này màu của nó trên trang và ảnh chia sẻ."),
    )


class BaseRatingFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        if any(self.errors):
            return
        labels = [f.cleaned_data.get("label") for f in self.forms if f.cleaned_data.get("label")]
        if not labels:
            raise ValidationError(_("Thang kết luận cần ít nhất một mức."))
        if len({label.casefold() for label in labels}) != len(labels):
            raise ValidationError(_("Hai mức không được trùng nhãn."))

    def ordered_steps(self) -> list[dict[str, Any]]:
        """The filled rows in the order asked for (by the number, then by row)."""
        rows = [
            (f.cleaned_data.get("position") or (i + 1) * 1000, i, f.cleaned_data)
            for i, f in enumerate(self.forms)
            if f.cleaned_data.get("label")
        ]
        return [data for _pos, _row, data in sorted(rows, key=lambda r: (r[0], r[1]))]

    def add_error(self, message: str) -> None:
        """Show an error from the service above the whole scale."""
        errors = self.non_form_errors()
        errors.append(message)


RatingFormSet = cast(
    type[BaseRatingFormSet],
    forms.formset_factory(
        RatingStepForm, formset=BaseRatingFormSet, extra=2, max_num=30, validate_max=True
    ),
)
