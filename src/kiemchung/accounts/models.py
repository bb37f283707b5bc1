"""Workspaces (teams), their members and roles, API tokens and two-factor devices."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from kiemchung.core.models import TimeStamped
from kiemchung.matching.thresholds import DEFAULT_AUTO, DEFAULT_SUGGEST, Thresholds

_SCORE = [MinValueValidator(0.0), MaxValueValidator(1.0)]


class Role(models.TextChoices):
    ADMIN = "admin", _("Quản trị")
    EDITOR = "editor", _("Biên tập viên")
    CHECKER = "checker", _("Người kiểm chứng")
    VIEWER = "viewer", _("Người xem")


class Workspace(TimeStamped):
    name = models.CharField(_("tên nhóm"), max_length=120)
    slug = models.SlugField(_("định danh"), max_length=60, unique=True)
    description = models.TextField(_("giới thiệu"), blank=True)
    corrections_email = models.EmailField(
        _("e-mail nhận yêu cầu đính chính"),
        blank=True,
        help_text=_("Hiển thị trên mỗi bài kiểm chứng công khai."),
    )
    require_2fa = models.BooleanField(
        _("bắt buộc xác thực hai bước cho quản trị và biên tập viên"), default=False
    )
    # Empty means the calibrated default of the matching engine, so a recalibration reaches
    # every workspace that did not choose its own value.
    match_suggest_threshold = models.FloatField(
        _("ngưỡng “liên quan”"),
        null=True,
        blank=True,
        validators=_SCORE,
        help_text=_(
            "Từ 0 đến 1, trên điểm khớp. Kết quả từ mức này trở lên được liệt kê là liên quan "
            "(để đọc thêm; kết luận của nó không áp dụng). Để trống để dùng mức mặc định đã "
            "hiệu chỉnh."
        ),
    )
    tipline_answers_reviewed = models.BooleanField(
        _("duyệt câu trả lời tự động của đường dây nhận tin"),
        default=False,
        db_default=False,
        help_text=_(
            "Khi bật, câu trả lời tự động (kết luận đã có, hoặc bài liên quan để tham khảo) chờ "
            "nhân viên duyệt rồi mới gửi cho người báo tin."
        ),
    )
    match_auto_threshold = models.FloatField(
        _("ngưỡng “cùng nhận định”"),
        null=True,
        blank=True,
        validators=_SCORE,
        help_text=_(
            "Từ 0 đến 1, trên điểm cùng nhận định (mô hình thứ hai, xét cả các chi tiết then "
            "chốt). Kết quả liên quan có điểm từ mức này trở lên, và không có chi tiết nào khác "
            "(số, ngày, nơi chốn), được coi là cùng nhận định: kết luận của nó được gửi ngay. "
            "Để trống để dùng mức mặc định đã hiệu chỉnh."
        ),
    )

    class Meta:
        verbose_name = _("nhóm")
        verbose_name_plural = _("nhóm")

    def __str__(self) -> str:
        return self.name

    @property
    def match_thresholds(self) -> Thresholds:
        """The workspace's two decision thresholds (related, same claim), defaults filled in."""
        chosen_suggest, chosen_auto = self.match_suggest_threshold, self.match_auto_threshold
        suggest = DEFAULT_SUGGEST if chosen_suggest is None else chosen_suggest
        auto = DEFAULT_AUTO if chosen_auto is None else chosen_auto
        return Thresholds(suggest=suggest, auto=auto)


class Member(TimeStamped):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("vai trò"), max_length=16, choices=Role.choices)
    is_active = models.BooleanField(_("đang hoạt động"), default=True)

    class Meta:
        verbose_name = _("thành viên")
        verbose_name_plural = _("thành viên")
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "user"], name="member_unique_per_workspace"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.role})"


class ApiScope(models.TextChoices):
    """What a token may do, on top of what its member's role allows."""

    READ = "read", _("Đọc nhận định, kết luận, mục tin, nguồn")
    WRITE = "write", _("Ghi: nhận định, mục tin, bằng chứng, bản nháp, gửi duyệt, duyệt")
    PUBLISH = "publish", _("Công bố và đính chính")
    TIPLINE = "tipline", _("Đọc tin báo (không có danh tính người gửi)")


# Tokens made before scopes existed could read and write, and keep doing so.
LEGACY_SCOPES = [ApiScope.READ.value, ApiScope.WRITE.value]


class ApiToken(TimeStamped):
    """A token for the JSON API; only its SHA-256 digest is stored."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="api_tokens")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("tên"), max_length=80)
    prefix = models.CharField(max_length=12, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    scopes = models.JSONField(_("phạm vi"), default=list, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def has_scope(self, scope: str) -> bool:
        return scope in (self.scopes or [])


class TotpDevice(TimeStamped):
    """A member's authenticator app (RFC 6238 TOTP)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="totp_device"
    )
    secret = models.CharField(max_length=64)
    confirmed = models.BooleanField(default=False)
    last_used_step = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"TOTP for {self.user}"
