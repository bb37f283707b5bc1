"""Claims, where they appeared, the evidence gathered, verdicts, reviews and corrections."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext, gettext_noop, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from kiemchung.core.models import TimeStamped, WorkspaceScoped
from kiemchung.text.normalize import fold


class ClaimState(models.TextChoices):
    OPEN = "open", _("Mới")
    IN_PROGRESS = "in_progress", _("Đang kiểm chứng")
    IN_REVIEW = "in_review", _("Chờ duyệt")
    PUBLISHED = "published", _("Đã công bố")
    DISMISSED = "dismissed", _("Đã bỏ qua")


class Claim(WorkspaceScoped):
    text = models.TextField(_("nội dung nhận định"))
    topic = models.CharField(_("chủ đề"), max_length=80, blank=True)
    tags = models.JSONField(_("thẻ"), default=list, blank=True)
    state = models.CharField(
        _("trạng thái"), max_length=16, choices=ClaimState.choices, default=ClaimState.OPEN
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_claims",
        verbose_name=_("người phụ trách"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    dismiss_reason = models.TextField(_("lý do bỏ qua"), blank=True)
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="merged_from",
        verbose_name=_("đã gộp vào"),
    )
    # Lower-case, diacritic-free copy of `text`, so a search typed without accents still finds it.
    text_folded = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("nhận định")
        verbose_name_plural = _("nhận định")
        indexes = [models.Index(fields=["workspace", "state"])]

    def __str__(self) -> str:
        return self.text[:80]

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.text_folded = fold(self.text)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "text" in update_fields:
            kwargs["update_fields"] = {*update_fields, "text_folded"}
        super().save(*args, **kwargs)

    @property
    def is_finished(self) -> bool:
        """Published or dismissed: nothing left to do on it."""
        return self.state in (ClaimState.PUBLISHED, ClaimState.DISMISSED)


class Appearance(TimeStamped):
    """One place where the claim was seen: a public post, an article, a video."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="appearances")
    url = models.URLField(_("đường dẫn"), max_length=2000, blank=True)
    platform = models.CharField(_("nền tảng"), max_length=40, blank=True)
    seen_at = models.DateTimeField(_("thời điểm xuất hiện"), null=True, blank=True)
    text = models.TextField(_("nội dung"), blank=True)
    # The text is the claim as it was worded there (a post, a merged duplicate), so matching
    # finds the claim by it; a note about the sighting (a tip's code and channel) is not.
    wording = models.BooleanField(_("là cách diễn đạt của nhận định"), default=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        # Null times first on every database (PostgreSQL would put them last).
        ordering = [models.F("seen_at").asc(nulls_first=True), "id"]

    def __str__(self) -> str:
        return self.url or self.text[:60]


class EvidenceKind(models.TextChoices):
    URL = "url", _("Đường dẫn")
    DOCUMENT = "document", _("Tài liệu")
    NOTE = "note", _("Ghi chú")


class ArchiveStatus(models.TextChoices):
    NOT_NEEDED = "not_needed", _("Không cần lưu trữ")
    PENDING = "pending", _("Đang lưu trữ")
    ARCHIVED = "archived", _("Đã lưu trữ")
    FAILED = "failed", _("Lưu trữ thất bại")


class Evidence(TimeStamped):
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="evidence")
    kind = models.CharField(_("loại"), max_length=12, choices=EvidenceKind.choices)
    title = models.CharField(_("tiêu đề"), max_length=300, blank=True)
    url = models.URLField(_("đường dẫn"), max_length=2000, blank=True)
    document = models.FileField(_("tài liệu"), upload_to="evidence/%Y/%m/", blank=True)
    note = models.TextField(_("ghi chú"), blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    archive_status = models.CharField(
        _("lưu trữ"),
        max_length=12,
        choices=ArchiveStatus.choices,
        default=ArchiveStatus.NOT_NEEDED,
    )
    archive_error = models.TextField(_("lý do thất bại"), blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("bằng chứng")
        verbose_name_plural = _("bằng chứng")

    def __str__(self) -> str:
        return self.title or self.url or self.note[:60]


class EvidenceImageState(models.TextChoices):
    QUEUED = "queued", _("Đang đọc chữ trong ảnh")
    READ = "read", _("Đã đọc chữ trong ảnh")
    NO_TEXT = "no_text", _("Không đọc được chữ trong ảnh")
    UNREADABLE = "unreadable", _("Không mở được ảnh")
    OFF = "off", _("Chưa bật đọc chữ trong ảnh")
    FAILED = "failed", _("Đọc chữ trong ảnh bị lỗi")


class EvidenceImageText(TimeStamped):
    """The words read from an evidence image (a screenshot, a photo) and its fingerprints.

    Evidence is the newsroom's own material, not a tipster's: the words are plain text, kept
    with a folded copy for the claim search, and the fingerprints plain hex, so a picture is
    found again among every claim's evidence. `text` holds the words as read, or as a member
    corrected them (`corrected_by`).
    """

    evidence = models.OneToOneField(Evidence, on_delete=models.CASCADE, related_name="reading")
    state = models.CharField(
        max_length=10, choices=EvidenceImageState.choices, default=EvidenceImageState.QUEUED
    )
    text = models.TextField(_("chữ đọc từ ảnh"), blank=True)
    # Lower-case, diacritic-free copy of `text`, for the claim search (as `Claim.text_folded`).
    text_folded = models.TextField(blank=True, editable=False)
    # The image's perceptual fingerprints (images/fingerprint.py), hex, separated by spaces.
    fingerprint_hex = models.TextField(blank=True)
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    corrected_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("chữ đọc từ ảnh bằng chứng")
        verbose_name_plural = _("chữ đọc từ ảnh bằng chứng")

    def __str__(self) -> str:
        return f"{self.evidence_id}: {self.state}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.text_folded = fold(self.text)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "text" in update_fields:
            kwargs["update_fields"] = {*update_fields, "text_folded"}
        super().save(*args, **kwargs)

    @property
    def fingerprints(self) -> list[str]:
        return self.fingerprint_hex.split()


class Snapshot(models.Model):
    """The archived copy of an evidence page, fetched once and kept with its digest."""

    evidence = models.OneToOneField(Evidence, on_delete=models.CASCADE, related_name="snapshot")
    final_url = models.URLField(max_length=2000)
    status_code = models.PositiveSmallIntegerField()
    content_type = models.CharField(max_length=200, blank=True)
    sha256 = models.CharField(max_length=64, db_index=True)
    size = models.PositiveIntegerField()
    body = models.FileField(upload_to="archive/%Y/%m/")
    fetched_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.final_url} ({self.sha256[:12]})"


class Comment(TimeStamped):
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    body = models.TextField(_("bình luận"))
    mentions = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="mentioned_in"
    )

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.body[:60]


# The default scale, (label, description) in order; claims.ratings gives it to new workspaces.
DEFAULT_RATINGS: list[tuple[str, str]] = [
    (gettext_noop("Đúng"), gettext_noop("Nhận định chính xác, không thiếu điều gì quan trọng.")),
    (gettext_noop("Gần đúng"), gettext_noop("Nhận định cơ bản chính xác nhưng cần làm rõ thêm.")),
    (
        gettext_noop("Gây hiểu lầm"),
        gettext_noop("Có phần đúng nhưng bỏ qua bối cảnh quan trọng hoặc dẫn đến kết luận sai."),
    ),
    (gettext_noop("Sai"), gettext_noop("Nhận định không chính xác.")),
    (
        gettext_noop("Chưa đủ căn cứ"),
        gettext_noop("Chưa có đủ bằng chứng đáng tin cậy để kết luận."),
    ),
]
_DEFAULT_RATING_TEXTS = frozenset(text for pair in DEFAULT_RATINGS for text in pair)


class RatingTone(models.TextChoices):
    """What a step of the scale means, whatever the team calls it: it gives the step its colour
    on every page and share card, and says whether it has a place on ClaimReview's numeric
    scale (an unproven verdict has none: it is neither truer nor falser than "false")."""

    TRUE = "true", _("Đúng (xanh lá)")
    MOSTLY_TRUE = "mostly_true", _("Gần đúng (xanh ô liu)")
    MISLEADING = "misleading", _("Gây hiểu lầm (vàng hổ phách)")
    FALSE = "false", _("Sai (cam đỏ)")
    UNPROVEN = "unproven", _("Chưa kết luận được (xanh lam, ngoài thang điểm)")


# The meaning of each step of the default scale, by its label.
DEFAULT_RATING_TONES: dict[str, str] = {
    "Đúng": RatingTone.TRUE,
    "Gần đúng": RatingTone.MOSTLY_TRUE,
    "Gây hiểu lầm": RatingTone.MISLEADING,
    "Sai": RatingTone.FALSE,
    "Chưa đủ căn cứ": RatingTone.UNPROVEN,
}


def rating_text_display(text: str) -> str:
    """A rating label or description in the reader's language if it is still the default's.

    The scale is stored per workspace in the words the team chose, so only text left exactly as
    the default wrote it has a translation; a renamed step is the team's own wording.
    """
    return gettext(text) if text in _DEFAULT_RATING_TEXTS else text


class Rating(WorkspaceScoped):
    """One step on a workspace's rating scale; `position` 1 is the most accurate."""

    label = models.CharField(_("nhãn"), max_length=60)
    position = models.PositiveSmallIntegerField(_("thứ tự"))
    description = models.TextField(_("giải thích"), blank=True)
    is_active = models.BooleanField(default=True)
    tone = models.CharField(
        _("ý nghĩa"), max_length=12, choices=RatingTone.choices, default=RatingTone.UNPROVEN
    )

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "position"], name="rating_position_unique")
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def display_label(self) -> str:
        """The label to show a reader; stored `label` stays what is published as data."""
        return rating_text_display(self.label)

    @property
    def display_description(self) -> str:
        return rating_text_display(self.description)


class FactCheckState(models.TextChoices):
    DRAFT = "draft", _("Bản nháp")
    IN_REVIEW = "in_review", _("Chờ duyệt")
    CHANGES_REQUESTED = "changes_requested", _("Cần sửa")
    APPROVED = "approved", _("Đã duyệt")
    PUBLISHED = "published", _("Đã công bố")


class FactCheck(TimeStamped):
    claim = models.OneToOneField(Claim, on_delete=models.CASCADE, related_name="factcheck")
    rating = models.ForeignKey(
        Rating, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("kết luận")
    )
    title = models.CharField(_("tiêu đề"), max_length=300, blank=True)
    summary = models.TextField(_("tóm tắt"), blank=True)
    body = models.TextField(_("nội dung (Markdown)"), blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="authored_factchecks"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reviewed_factchecks",
    )
    state = models.CharField(
        max_length=20, choices=FactCheckState.choices, default=FactCheckState.DRAFT
    )
    slug = models.SlugField(max_length=120, blank=True, db_index=True)
    version = models.PositiveIntegerField(default=1)
    published_at = models.DateTimeField(null=True, blank=True)
    last_corrected_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("bài kiểm chứng")
        verbose_name_plural = _("bài kiểm chứng")
        constraints = [
            models.UniqueConstraint(
                fields=["slug"], condition=~models.Q(slug=""), name="factcheck_slug_unique"
            )
        ]

    def __str__(self) -> str:
        return self.title or str(self.claim)

    @property
    def is_published(self) -> bool:
        return self.state == FactCheckState.PUBLISHED and self.published_at is not None


class VersionReason(models.TextChoices):
    SUBMITTED = "submitted", _("Gửi duyệt")
    PUBLISHED = "published", pgettext_lazy("version reason", "Công bố")
    CORRECTED = "corrected", _("Đính chính")


class FactCheckVersion(models.Model):
    """A frozen copy of a verdict each time it is sent to review, published or corrected."""

    factcheck = models.ForeignKey(FactCheck, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    rating_label = models.CharField(max_length=60, blank=True)
    title = models.CharField(max_length=300, blank=True)
    summary = models.TextField(blank=True)
    body = models.TextField(blank=True)
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    reason = models.CharField(max_length=40, choices=VersionReason.choices)
    saved_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["number", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["factcheck", "number"], name="factcheck_version_number_unique"
            )
        ]

    def __str__(self) -> str:
        return f"v{self.number} {self.title}"

    @property
    def is_public(self) -> bool:
        """Published and corrected versions are public history; review drafts are not."""
        return self.reason in (VersionReason.PUBLISHED, VersionReason.CORRECTED)

    @property
    def display_rating_label(self) -> str:
        return rating_text_display(self.rating_label)


class ReviewDecision(models.TextChoices):
    APPROVE = "approve", _("Duyệt")
    REQUEST_CHANGES = "request_changes", _("Yêu cầu sửa")


class Review(models.Model):
    factcheck = models.ForeignKey(FactCheck, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decision = models.CharField(max_length=20, choices=ReviewDecision.choices)
    comment = models.TextField(_("nhận xét"), blank=True)
    version = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.decision} v{self.version}"


class Correction(models.Model):
    """A public correction note; the earlier version stays visible in the history."""

    factcheck = models.ForeignKey(FactCheck, on_delete=models.CASCADE, related_name="corrections")
    note = models.TextField(_("nội dung đính chính"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    from_version = models.PositiveIntegerField()
    to_version = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.note[:60]


class ProposalState(models.TextChoices):
    PENDING = "pending", _("Chờ duyệt")
    APPROVED = "approved", _("Đã duyệt")
    REJECTED = "rejected", _("Bị từ chối")


class CorrectionProposal(models.Model):
    """A correction that changes the rating or the summary of a published verdict: kept aside
    until a second person approves it, and only then applied as a Correction.

    A rating left None stays as it is; one proposal at a time waits on a verdict.
    """

    factcheck = models.ForeignKey(
        FactCheck, on_delete=models.CASCADE, related_name="correction_proposals"
    )
    note = models.TextField(_("nội dung đính chính"))
    rating = models.ForeignKey(
        Rating, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The new title, summary or body by field name; a field not named stays as it is.
    texts = models.JSONField(default=dict, blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField(
        max_length=12, choices=ProposalState.choices, default=ProposalState.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    comment = models.TextField(_("nhận xét"), blank=True)
    correction = models.OneToOneField(
        Correction, on_delete=models.SET_NULL, null=True, blank=True, related_name="proposal"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("đề nghị đính chính")
        verbose_name_plural = _("đề nghị đính chính")
        constraints = [
            models.UniqueConstraint(
                fields=["factcheck"],
                condition=models.Q(state="pending"),
                name="correction_proposal_one_pending",
            )
        ]

    def __str__(self) -> str:
        return self.note[:60]

    @property
    def title(self) -> str | None:
        return self.texts.get("title")

    @property
    def summary(self) -> str | None:
        return self.texts.get("summary")

    @property
    def body(self) -> str | None:
        return self.texts.get("body")


class MatchIndexState(models.Model):
    """Where a workspace's matching index stands; every change to what it holds bumps it.

    Each process keeps its own copy of the index and compares its generation with this one;
    `epoch` changes only when the row is created, so a copy built against another database
    (a restored backup, a fresh install with an old var/ folder) is never taken as current.
    """

    workspace = models.OneToOneField(
        "accounts.Workspace", on_delete=models.CASCADE, related_name="+"
    )
    epoch = models.UUIDField(default=uuid.uuid4, editable=False)
    generation = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.workspace_id}@{self.generation}"


class MatchIndexChange(models.Model):
    """One record of the index (`claim:<pk>` or `factcheck:<pk>`) to read again from the
    database, written in the same transaction as the change itself."""

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    generation = models.BigIntegerField()
    record = models.CharField(max_length=40)

    class Meta:
        indexes = [models.Index(fields=["workspace", "generation"])]

    def __str__(self) -> str:
        return f"{self.record}@{self.generation}"
