"""The audit log in people's words: what each recorded action, field and value means.

Events keep their codes (`claim.dismiss`, `dismiss_reason`, `open`), which are data and are
filtered on; the page shows these words instead, in the reader's language.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# Translated in the context "audit log": the same words elsewhere may name a permission
# ("Tạo nhận định", "Create claims") where here they tell one act ("Create claim").
ACTIONS: dict[str, Promise] = {
    "api_token.create": pgettext_lazy("audit log", "Tạo khóa API"),
    "api_token.revoke": pgettext_lazy("audit log", "Thu hồi khóa API"),
    "appearance.add": pgettext_lazy("audit log", "Thêm nơi xuất hiện"),
    "authority_unit.create": pgettext_lazy("audit log", "Thêm cơ quan tiếp nhận"),
    "authority_unit.update": pgettext_lazy("audit log", "Sửa cơ quan tiếp nhận"),
    "channel.check": pgettext_lazy("audit log", "Thử kênh nhận tin"),
    "channel.create": pgettext_lazy("audit log", "Thêm kênh nhận tin"),
    "channel.disable": pgettext_lazy("audit log", "Tắt kênh nhận tin"),
    "channel.enable": pgettext_lazy("audit log", "Bật kênh nhận tin"),
    "channel.update": pgettext_lazy("audit log", "Sửa kênh nhận tin"),
    "channel.webhook_register": pgettext_lazy("audit log", "Đăng ký địa chỉ nhận tin với Telegram"),
    "claim.assign": pgettext_lazy("audit log", "Phân công nhận định"),
    "claim.create": pgettext_lazy("audit log", "Tạo nhận định"),
    "claim.delete": pgettext_lazy("audit log", "Xóa nhận định"),
    "claim.dismiss": pgettext_lazy("audit log", "Bỏ qua nhận định"),
    "claim.merge": pgettext_lazy("audit log", "Gộp nhận định vào nhận định khác"),
    "claim.merge_in": pgettext_lazy("audit log", "Nhận một nhận định gộp vào"),
    "claim.reopen": pgettext_lazy("audit log", "Mở lại nhận định"),
    "claim.start": pgettext_lazy("audit log", "Bắt đầu kiểm chứng"),
    "claim.update": pgettext_lazy("audit log", "Sửa nhận định"),
    "claimreview_source.create": pgettext_lazy("audit log", "Thêm nguồn ClaimReview"),
    "claimreview_source.delete": pgettext_lazy("audit log", "Xóa nguồn ClaimReview"),
    "claimreview_source.import": pgettext_lazy("audit log", "Nhập ClaimReview"),
    "claimreview_source.update": pgettext_lazy("audit log", "Sửa nguồn ClaimReview"),
    "comment.add": pgettext_lazy("audit log", "Bình luận"),
    "contact.handle": pgettext_lazy("audit log", "Xử lý thư bạn đọc"),
    "contact.receive": pgettext_lazy("audit log", "Nhận thư bạn đọc"),
    "contact.reopen": pgettext_lazy("audit log", "Mở lại thư bạn đọc"),
    "conversation.release": pgettext_lazy("audit log", "Trả cuộc trò chuyện cho hệ thống"),
    "conversation.reply": pgettext_lazy("audit log", "Trả lời trong cuộc trò chuyện"),
    "conversation.take_over": pgettext_lazy("audit log", "Nhận trả lời cuộc trò chuyện"),
    "conversation.view": pgettext_lazy("audit log", "Xem cuộc trò chuyện"),
    "delivery.resend": pgettext_lazy("audit log", "Gửi lại"),
    "evidence.add": pgettext_lazy("audit log", "Thêm bằng chứng"),
    "evidence.image_text.correct": pgettext_lazy("audit log", "Sửa chữ đọc từ ảnh bằng chứng"),
    "evidence.rearchive": pgettext_lazy("audit log", "Lưu lại bản sao bằng chứng"),
    "evidence.remove": pgettext_lazy("audit log", "Gỡ bằng chứng"),
    "factcheck.announce": pgettext_lazy("audit log", "Đăng thông báo bài kiểm chứng"),
    "factcheck.approve": pgettext_lazy("audit log", "Duyệt kết luận"),
    "factcheck.correct": pgettext_lazy("audit log", "Đính chính bài kiểm chứng"),
    "factcheck.correction_propose": pgettext_lazy("audit log", "Đề nghị đính chính kết luận"),
    "factcheck.correction_reject": pgettext_lazy("audit log", "Từ chối đề nghị đính chính"),
    "factcheck.create": pgettext_lazy("audit log", "Viết kết luận"),
    "factcheck.publish": pgettext_lazy("audit log", "Công bố bài kiểm chứng"),
    "factcheck.request_changes": pgettext_lazy("audit log", "Yêu cầu sửa kết luận"),
    "factcheck.submit": pgettext_lazy("audit log", "Gửi duyệt kết luận"),
    "factcheck.update": pgettext_lazy("audit log", "Sửa kết luận"),
    "insights.public_figures": pgettext_lazy("audit log", "Bật hoặc tắt trang số liệu công khai"),
    "insights.reach_import": pgettext_lazy("audit log", "Nhập số liệu tiếp cận"),
    "items.attach": pgettext_lazy("audit log", "Gắn mục theo dõi vào nhận định"),
    "items.dismiss": pgettext_lazy("audit log", "Bỏ qua mục theo dõi"),
    "items.promote": pgettext_lazy("audit log", "Tạo nhận định từ mục theo dõi"),
    "legal_answer.create": pgettext_lazy("audit log", "Thêm câu trả lời pháp lý"),
    "legal_answer.delete": pgettext_lazy("audit log", "Xóa câu trả lời pháp lý"),
    "legal_answer.update": pgettext_lazy("audit log", "Sửa câu trả lời pháp lý"),
    "member.add": pgettext_lazy("audit log", "Thêm thành viên"),
    "member.deactivate": pgettext_lazy("audit log", "Ngừng kích hoạt thành viên"),
    "member.reactivate": pgettext_lazy("audit log", "Kích hoạt lại thành viên"),
    "member.set_role": pgettext_lazy("audit log", "Đổi vai trò thành viên"),
    "outlet.create": pgettext_lazy("audit log", "Thêm kênh đăng"),
    "outlet.delete": pgettext_lazy("audit log", "Xóa kênh đăng"),
    "outlet.update": pgettext_lazy("audit log", "Sửa kênh đăng"),
    "ratings.update": pgettext_lazy("audit log", "Sửa thang kết luận"),
    "reply_template.create": pgettext_lazy("audit log", "Thêm mẫu trả lời"),
    "reply_template.delete": pgettext_lazy("audit log", "Xóa mẫu trả lời"),
    "reply_template.update": pgettext_lazy("audit log", "Sửa mẫu trả lời"),
    "sender.block": pgettext_lazy("audit log", "Chặn người gửi"),
    "sender.unblock": pgettext_lazy("audit log", "Bỏ chặn người gửi"),
    "source.create": pgettext_lazy("audit log", "Thêm nguồn theo dõi"),
    "source.update": pgettext_lazy("audit log", "Sửa nguồn theo dõi"),
    "source.url_submit": pgettext_lazy("audit log", "Gửi đường dẫn để theo dõi"),
    "tip.attach": pgettext_lazy("audit log", "Gắn tin báo vào nhận định"),
    "tip.auto_answer_approve": pgettext_lazy("audit log", "Duyệt câu trả lời tự động"),
    "tip.auto_answer_reject": pgettext_lazy("audit log", "Từ chối câu trả lời tự động"),
    "tip.close": pgettext_lazy("audit log", "Đóng tin báo"),
    "tip.forward": pgettext_lazy("audit log", "Chuyển tin báo cho cơ quan"),
    "tip.image_text.correct": pgettext_lazy("audit log", "Sửa chữ đọc từ ảnh của tin báo"),
    "tip.media.view": pgettext_lazy("audit log", "Xem ảnh của tin báo"),
    "tip.reopen": pgettext_lazy("audit log", "Mở lại tin báo"),
    "tip.reply": pgettext_lazy("audit log", "Trả lời tin báo"),
    "tip.view": pgettext_lazy("audit log", "Xem tin báo"),
    "webhook.create": pgettext_lazy("audit log", "Thêm địa chỉ webhook"),
    "webhook.delete": pgettext_lazy("audit log", "Xóa địa chỉ webhook"),
    "webhook.resend": pgettext_lazy("audit log", "Gửi lại sự kiện webhook"),
    "webhook.rotate_secret": pgettext_lazy("audit log", "Đổi khóa bí mật webhook"),
    "webhook.switch": pgettext_lazy("audit log", "Bật hoặc tắt địa chỉ webhook"),
    "webhook.test": pgettext_lazy("audit log", "Gửi sự kiện webhook thử"),
    "webhook.update": pgettext_lazy("audit log", "Sửa địa chỉ webhook"),
    "totp.reset": pgettext_lazy("audit log", "Đặt lại xác thực hai bước"),
    "workspace.create": pgettext_lazy("audit log", "Tạo nhóm"),
    "workspace.update": pgettext_lazy("audit log", "Sửa cài đặt nhóm"),
}

# What an action does to its object when the action itself has no words above.
VERBS: dict[str, Promise] = {
    "add": _("Thêm"),
    "create": _("Tạo"),
    "delete": _("Xóa"),
    "update": _("Sửa"),
}

# Values recorded about an event that are not a field of its object.
FIELDS: dict[str, Promise] = {
    "address": _("Địa chỉ"),
    "admin": _("Quản trị viên"),
    "archive_status": _("Lưu bản sao"),
    "assignee": _("Người phụ trách"),
    "body": _("Nội dung"),
    "is_active": _("Đang dùng"),
    "kind": _("Loại"),
    "name": _("Tên"),
    "platform": _("Nền tảng"),
    "published_at": _("Công bố lúc"),
    "role": _("Vai trò"),
    "slug": _("Đường dẫn rút gọn"),
    "state": _("Trạng thái"),
    "status": _("Trạng thái"),
    "text": _("Nội dung"),
    "title": _("Tiêu đề"),
    "url": _("Đường dẫn"),
    "username": _("Tên đăng nhập"),
    "announce_on_publish": _("Đăng thông báo khi công bố"),
    "answer": _("Câu trả lời"),
    "api_tokens_revoked": _("Khóa API bị thu hồi"),
    "appearance": _("Nơi xuất hiện"),
    "claim": _("Nhận định"),
    "claims": _("Nhận định"),
    "comment": _("Nhận xét"),
    "config": _("Cấu hình"),
    "factchecks": _("Bài kiểm chứng"),
    "items": _("Mục theo dõi"),
    "media": _("Ảnh"),
    "merged_from": _("Gộp từ"),
    "messages": _("Tin nhắn"),
    "new_account": _("Tài khoản mới"),
    "note": _("Ghi chú"),
    "ok": _("Kết quả tốt"),
    "outlets": _("Kênh đăng"),
    "ratings": _("Thang kết luận"),
    "reference": _("Số tham chiếu"),
    "secrets_changed": _("Đổi khóa bí mật"),
    "unit": _("Cơ quan tiếp nhận"),
    "version": _("Phiên bản"),
}


def _model(object_type: str) -> type[models.Model] | None:
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def _field(object_type: str, name: str) -> models.Field[Any, Any] | None:
    model = _model(object_type)
    if model is None:
        return None
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return field if isinstance(field, models.Field) else None


def action_label(action: str, object_type: str = "") -> str:
    """What was done, in words: "Bỏ qua nhận định" for claim.dismiss.

    An action without words of its own is told by its verb and its object's name; one that is
    neither is shown as recorded.
    """
    known = ACTIONS.get(action)
    if known is not None:
        return str(known)
    verb = VERBS.get(action.rsplit(".", 1)[-1])
    if verb is not None and object_type and _model(object_type) is not None:
        noun = str(_model(object_type)._meta.verbose_name)  # type: ignore[union-attr]
        return f"{verb} {noun}"
    return action


def field_label(object_type: str, name: str) -> str:
    """A recorded field's name for people: the model field's own name, or one from FIELDS."""
    field = _field(object_type, name)
    if field is not None and str(field.verbose_name).replace(" ", "_") != name:
        return capfirst(str(field.verbose_name))
    known = FIELDS.get(name)
    if known is not None:
        return str(known)
    return capfirst(name.replace("_", " "))


def value_label(object_type: str, name: str, value: Any) -> Any:
    """A recorded value in words when the field has named choices ("open" -> "Mới")."""
    if not isinstance(value, str):
        return value
    field = _field(object_type, name)
    if field is None or not field.choices:
        return value
    names = {str(key): label for key, label in field.flatchoices}
    return str(names.get(value, value))
