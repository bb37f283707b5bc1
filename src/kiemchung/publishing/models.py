"""Outlets the team announces to, newsletter readers, messages from the public, and
fact-checks imported from other teams' ClaimReview."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kiemchung.core.models import TimeStamped, WorkspaceScoped


class OutletKind(models.TextChoices):
    FACEBOOK_PAGE = "facebook_page", _("Trang Facebook")
    ZALO_OA = "zalo_oa", _("Zalo Official Account")
    TELEGRAM_CHANNEL = "telegram_channel", _("Kênh Telegram")
    EMAIL_NEWSLETTER = "email_newsletter", _("Bản tin e-mail")


class Outlet(WorkspaceScoped):
    """An official channel of the team where published fact-checks are announced."""

    kind = models.CharField(_("loại"), max_length=24, choices=OutletKind.choices)
    name = models.CharField(_("tên"), max_length=120)
    config = models.JSONField(_("cấu hình"), default=dict, blank=True)
    credentials = models.TextField(_("khóa truy cập (đã mã hóa)"), blank=True)
    is_active = models.BooleanField(_("đang dùng"), default=True)
    announce_on_publish = models.BooleanField(_("tự đăng khi công bố"), default=False)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("kênh đăng")
        verbose_name_plural = _("kênh đăng")

    def __str__(self) -> str:
        return self.name


class Announcement(TimeStamped):
    """One version of a fact-check announced on one outlet; `delivery` is its send.

    The delivery's key is made of the outlet, the fact-check and the version, so the same
    version is never posted twice to the same outlet. `progress` keeps what a send of several
    steps has already done (a Zalo article waiting to be broadcast), so a retry goes on from
    there instead of starting again.
    """

    outlet = models.ForeignKey(Outlet, on_delete=models.CASCADE, related_name="announcements")
    factcheck = models.ForeignKey(
        "claims.FactCheck", on_delete=models.CASCADE, related_name="announcements"
    )
    version = models.PositiveIntegerField()
    delivery = models.OneToOneField(
        "core.Delivery", on_delete=models.CASCADE, related_name="announcement"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    progress = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-version", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["outlet", "factcheck", "version"], name="announcement_once_per_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.outlet} · {self.factcheck_id} v{self.version}"


class NewsletterSubscriber(WorkspaceScoped):
    email = models.EmailField(_("e-mail"))
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribe_token = models.CharField(max_length=64, unique=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "email"], name="subscriber_unique_email")
        ]

    def __str__(self) -> str:
        return self.email


class ContactKind(models.TextChoices):
    CORRECTION = "correction", _("Đề nghị đính chính")
    RIGHT_OF_REPLY = "right_of_reply", _("Quyền phản hồi")
    OTHER = "other", _("Khác")


class ContactMessage(WorkspaceScoped):
    """A request for a correction or a right of reply sent from the public site."""

    kind = models.CharField(_("loại"), max_length=16, choices=ContactKind.choices)
    factcheck = models.ForeignKey(
        "claims.FactCheck", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    name = models.CharField(_("họ tên"), max_length=120)
    email = models.EmailField(_("e-mail"))
    message = models.TextField(_("nội dung"))
    handled_at = models.DateTimeField(null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.created_at:%Y-%m-%d})"


class ClaimReviewSourceKind(models.TextChoices):
    FEED = "feed", _("Nguồn dữ liệu ClaimReview")
    PAGE = "page", _("Trang có JSON-LD")
    FILE = "file", _("Tệp tải lên")


class ClaimReviewSource(WorkspaceScoped):
    """Another fact-checking team's ClaimReview, subscribed to or uploaded."""

    name = models.CharField(_("tên nhóm"), max_length=160)
    kind = models.CharField(_("loại"), max_length=8, choices=ClaimReviewSourceKind.choices)
    url = models.URLField(_("đường dẫn"), max_length=2000, blank=True)
    is_active = models.BooleanField(default=True)
    last_imported_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    # Counts of the last import and each item skipped with what was wrong with it.
    last_report = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class ExternalFactCheck(WorkspaceScoped):
    """A fact-check published by another team, kept with its publisher and link."""

    source = models.ForeignKey(
        ClaimReviewSource, on_delete=models.CASCADE, related_name="factchecks"
    )
    url = models.URLField(max_length=2000)
    publisher_name = models.CharField(max_length=200)
    publisher_url = models.URLField(max_length=2000, blank=True)
    claim_reviewed = models.TextField()
    rating_label = models.CharField(max_length=120, blank=True)
    rating_value = models.FloatField(null=True, blank=True)
    best_rating = models.FloatField(null=True, blank=True)
    worst_rating = models.FloatField(null=True, blank=True)
    date_published = models.DateField(null=True, blank=True)
    appearance_url = models.URLField(max_length=2000, blank=True)
    language = models.CharField(max_length=12, blank=True)
    raw = models.JSONField(default=dict)
    content_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["-date_published", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "url"], name="external_factcheck_url")
        ]

    def __str__(self) -> str:
        return f"{self.publisher_name}: {self.claim_reviewed[:60]}"

    @property
    def attribution(self) -> str:
        """"Kiểm chứng bởi <publisher>", as shown next to a match."""
        return gettext("Kiểm chứng bởi %(publisher)s") % {"publisher": self.publisher_name}
