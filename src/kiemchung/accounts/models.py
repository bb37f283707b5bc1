"""Workspaces (teams), their members and roles, API tokens and two-factor devices."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kiemchung.core.models import TimeStamped


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

    class Meta:
        verbose_name = _("nhóm")
        verbose_name_plural = _("nhóm")

    def __str__(self) -> str:
        return self.name


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


class ApiToken(TimeStamped):
    """A token for the JSON API; only its SHA-256 digest is stored."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="api_tokens")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("tên"), max_length=80)
    prefix = models.CharField(max_length=12, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


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
