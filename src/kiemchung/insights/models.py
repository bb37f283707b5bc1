"""What the team's own pages and channels reached, imported from the platforms' exports or
read from the platform for the team's outlet posts, and whether the team shows its figures in
public."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kiemchung.core.models import WorkspaceScoped


class InsightsSettings(models.Model):
    """A workspace's choices about its figures; the public page is off until a team turns it on."""

    workspace = models.OneToOneField(
        "accounts.Workspace", on_delete=models.CASCADE, related_name="insights_settings"
    )
    public_figures = models.BooleanField(
        _("công khai trang “Số liệu của chúng tôi”"), default=False
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.workspace_id}: public={self.public_figures}"


class ReachPlatform(models.TextChoices):
    FACEBOOK = "facebook", "Facebook"
    YOUTUBE = "youtube", "YouTube"
    ZALO = "zalo", "Zalo OA"
    TELEGRAM = "telegram", "Telegram"


class ReachPage(WorkspaceScoped):
    """One of the team's own pages or channels whose platform statistics are imported, or
    whose posts' figures are read from the platform for the outlet it is (`outlet`)."""

    platform = models.CharField(_("nền tảng"), max_length=16, choices=ReachPlatform.choices)
    name = models.CharField(_("tên trang/kênh"), max_length=120)
    # The outlet whose posts' figures are read into this page; kept as history (null) when
    # the outlet is deleted.
    outlet = models.ForeignKey(
        "publishing.Outlet", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The last round of reading the outlet's posts: when it ended, how many posts it read,
    # how many it could not, and the platform's first error message.
    engagement_fetched_at = models.DateTimeField(null=True, blank=True)
    engagement_posts = models.PositiveIntegerField(default=0)
    engagement_failed = models.PositiveIntegerField(default=0)
    engagement_error = models.TextField(blank=True)

    class Meta:
        ordering = ["platform", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "platform", "name"], name="reach_page_unique"
            ),
            models.UniqueConstraint(fields=["outlet"], name="reach_page_one_per_outlet"),
        ]

    def __str__(self) -> str:
        return f"{self.get_platform_display()}: {self.name}"


class ReachImportStatus(models.TextChoices):
    PENDING = "pending", _("Chờ nhập")
    RUNNING = "running", _("Đang nhập")
    DONE = "done", _("Đã xong")
    FAILED = "failed", _("Thất bại")


class ReachImport(WorkspaceScoped):
    """One statistics export being imported into a page's figures."""

    page = models.ForeignKey(ReachPage, on_delete=models.CASCADE, related_name="imports")
    path = models.CharField(max_length=1000)
    original_name = models.CharField(_("tên tệp"), max_length=300)
    # Which column holds each figure: day, post_id, url, reach, impressions, interactions, ...
    mapping = models.JSONField(default=dict)
    status = models.CharField(
        _("trạng thái"),
        max_length=12,
        choices=ReachImportStatus.choices,
        default=ReachImportStatus.PENDING,
    )
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    days_stored = models.PositiveIntegerField(default=0)
    posts_stored = models.PositiveIntegerField(default=0)
    bad_rows = models.PositiveIntegerField(default=0)
    # The first problems, each {"line": n, "message": "..."}; the count is in bad_rows.
    problems = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.original_name


class ReachDay(models.Model):
    """A page's figures for one day; a later import of the same day replaces them."""

    page = models.ForeignKey(ReachPage, on_delete=models.CASCADE, related_name="days")
    day = models.DateField()
    reach = models.PositiveBigIntegerField(null=True, blank=True)
    impressions = models.PositiveBigIntegerField(null=True, blank=True)
    interactions = models.PositiveBigIntegerField(null=True, blank=True)
    followers = models.PositiveBigIntegerField(null=True, blank=True)
    new_followers = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["page", "day"]
        constraints = [models.UniqueConstraint(fields=["page", "day"], name="reach_day_unique")]

    def __str__(self) -> str:
        return f"{self.page_id} {self.day}"


class ReachPost(models.Model):
    """One post or video of a page with its lifetime figures, tied to the fact-check it carried
    when the team's outlet delivery or its address says so."""

    page = models.ForeignKey(ReachPage, on_delete=models.CASCADE, related_name="posts")
    external_id = models.CharField(max_length=300)
    url = models.URLField(max_length=2000, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    reach = models.PositiveBigIntegerField(null=True, blank=True)
    impressions = models.PositiveBigIntegerField(null=True, blank=True)
    interactions = models.PositiveBigIntegerField(null=True, blank=True)
    factcheck = models.ForeignKey(
        "claims.FactCheck", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["page", "published_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["page", "external_id"], name="reach_post_unique")
        ]

    def __str__(self) -> str:
        return self.external_id
