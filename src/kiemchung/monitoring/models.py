"""Sources the team watches, the items they bring in, where each item was seen, and imports.

An item is public content (a post, an article, a comment, a tip's text) kept once per content
hash; every place it was seen again is a sighting; the pictures a post carried are its images,
read and fingerprinted after it is stored. Nothing about the people who posted is stored: no
author name, no profile link, no per-author history.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kiemchung.core.models import TimeStamped, WorkspaceScoped


class SourceKind(models.TextChoices):
    FEED = "feed", _("Nguồn tin RSS/Atom")
    PAGE = "page", _("Trang web theo dõi thay đổi")
    IMPORT = "import", _("Tệp xuất từ nền tảng")
    URL = "url", _("Đường dẫn thành viên gửi")
    TIPLINE = "tipline", _("Đường dây tin báo")


# Kinds that are fetched on a schedule; the others receive items pushed to them.
FETCHED_KINDS = (SourceKind.FEED, SourceKind.PAGE)


class Source(WorkspaceScoped):
    name = models.CharField(_("tên nguồn"), max_length=120)
    kind = models.CharField(_("loại"), max_length=12, choices=SourceKind.choices)
    url = models.URLField(_("đường dẫn"), max_length=2000, blank=True)
    platform = models.CharField(_("nền tảng"), max_length=40, blank=True)
    is_active = models.BooleanField(_("đang theo dõi"), default=True)
    interval_minutes = models.PositiveIntegerField(_("chu kỳ lấy tin (phút)"), default=30)
    fetch_full_text = models.BooleanField(
        _("lấy toàn văn bài viết khi nguồn tin chỉ có tóm tắt"), default=True
    )
    # Conditional GET: the validators the server sent with its last full answer.
    etag = models.CharField(max_length=300, blank=True)
    last_modified = models.CharField(max_length=100, blank=True)
    # A watched page: the digest of its main text, to know when it changed.
    page_digest = models.CharField(max_length=64, blank=True)
    next_fetch_at = models.DateTimeField(null=True, blank=True, db_index=True)
    last_fetch_at = models.DateTimeField(_("lần lấy gần nhất"), null=True, blank=True)
    last_success_at = models.DateTimeField(_("lần thành công gần nhất"), null=True, blank=True)
    last_error = models.TextField(_("lỗi gần nhất"), blank=True)
    last_error_at = models.DateTimeField(_("lỗi lúc"), null=True, blank=True)
    error_count = models.PositiveIntegerField(_("số lần lỗi liên tiếp"), default=0)
    items_total = models.PositiveIntegerField(_("số mục mới"), default=0)
    sightings_total = models.PositiveIntegerField(_("số lần thấy"), default=0)
    items_last_fetch = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("nguồn theo dõi")
        verbose_name_plural = _("nguồn theo dõi")
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="source_name_unique")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_healthy(self) -> bool:
        return self.error_count == 0

    @property
    def is_fetched(self) -> bool:
        return self.kind in FETCHED_KINDS


class ItemState(models.TextChoices):
    NEW = "new", _("Chờ xử lý")
    PROMOTED = "promoted", _("Đã tạo nhận định")
    ATTACHED = "attached", _("Đã gắn vào nhận định")
    DISMISSED = "dismissed", _("Đã bỏ qua")


class MatchStage(models.TextChoices):
    PENDING = "pending", _("Chưa đối chiếu")
    LEXICAL = "lexical", _("Đối chiếu theo từ")
    DENSE = "dense", _("Đối chiếu đầy đủ")


# The topics triage gives an item (triage.TOPICS), in the newsroom's words.
TOPIC_LABELS = {
    "health": _("Sức khỏe"),
    "scam": _("Lừa đảo"),
    "disaster": _("Thiên tai"),
    "finance": _("Tài chính"),
    "policy": _("Chính sách"),
}


class Item(WorkspaceScoped):
    """One piece of public content, with the copies of it folded in."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="items")
    text = models.TextField(_("nội dung"))
    title = models.CharField(_("tiêu đề"), max_length=500, blank=True)
    url = models.URLField(_("đường dẫn"), max_length=2000, blank=True)
    platform = models.CharField(_("nền tảng"), max_length=40, blank=True)
    published_at = models.DateTimeField(_("đăng lúc"), null=True, blank=True)
    language = models.CharField(_("ngôn ngữ"), max_length=8, blank=True, db_index=True)
    content_hash = models.CharField(max_length=64)
    # SimHash of the cleaned, folded text, and its four 16-bit bands: two texts within three
    # bits of each other share at least one band, so a band lookup finds every reshare.
    near_key = models.CharField(max_length=16)
    band0 = models.CharField(max_length=4)
    band1 = models.CharField(max_length=4)
    band2 = models.CharField(max_length=4)
    band3 = models.CharField(max_length=4)
    copies = models.PositiveIntegerField(_("số bản"), default=1)
    # The words read from the item's images (images.py), matched and scored with its text.
    image_text = models.TextField(_("chữ trong ảnh"), blank=True)
    # Posts known to carry the same picture: 0 until a reshare is folded in by its picture.
    image_copies = models.PositiveIntegerField(_("bản chia sẻ cùng ảnh"), default=0)
    first_seen_at = models.DateTimeField(_("thấy lần đầu"))
    last_seen_at = models.DateTimeField(_("thấy lần cuối"))
    velocity = models.FloatField(_("tốc độ lan (bản/giờ)"), default=0.0)
    reactions = models.PositiveBigIntegerField(_("lượt cảm xúc"), default=0)
    comments = models.PositiveBigIntegerField(_("lượt bình luận"), default=0)
    shares = models.PositiveBigIntegerField(_("lượt chia sẻ"), default=0)
    views = models.PositiveBigIntegerField(_("lượt xem"), default=0)
    checkworthiness = models.FloatField(_("đáng kiểm chứng"), default=0.0)
    learned_score = models.FloatField(null=True, blank=True)
    priority = models.FloatField(_("ưu tiên"), default=0.0, db_index=True)
    topic = models.CharField(_("chủ đề"), max_length=20, blank=True, db_index=True)
    # Why the item ranks where it does: cues found, reach, velocity, matches (see triage.py).
    reasons = models.JSONField(default=dict, blank=True)
    match_stage = models.CharField(
        max_length=10, choices=MatchStage.choices, default=MatchStage.PENDING
    )
    matches = models.JSONField(default=list, blank=True)
    answered = models.BooleanField(_("đã có bài kiểm chứng"), default=False, db_index=True)
    known_claim = models.BooleanField(_("trùng nhận định đang mở"), default=False)
    state = models.CharField(
        _("trạng thái"), max_length=12, choices=ItemState.choices, default=ItemState.NEW
    )
    claim = models.ForeignKey(
        "claims.Claim",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="monitoring_items",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-priority", "-id"]
        verbose_name = _("mục theo dõi")
        verbose_name_plural = _("mục theo dõi")
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "content_hash"], name="item_content_hash_unique"
            )
        ]
        indexes = [
            models.Index(fields=["workspace", "state", "-priority"]),
            models.Index(fields=["workspace", "band0"]),
            models.Index(fields=["workspace", "band1"]),
            models.Index(fields=["workspace", "band2"]),
            models.Index(fields=["workspace", "band3"]),
            # The workspace's newest items: a plan's watermark and the store's id-range look.
            models.Index(fields=["workspace", "id"]),
        ]

    def __str__(self) -> str:
        return self.title or self.text[:80]

    @property
    def reach(self) -> int:
        return int(self.reactions + self.comments + self.shares)

    @property
    def match_text(self) -> str:
        """The text matching and triage read: the post's words, then those in its images."""
        return "\n".join(part for part in (self.text, self.image_text) if part.strip())

    @property
    def is_vietnamese(self) -> bool:
        return self.language == "vi"

    @property
    def topic_label(self) -> str:
        """The topic in the reader's words, as the queue's filter names it."""
        return str(TOPIC_LABELS.get(self.topic, self.topic))


class Sighting(TimeStamped):
    """One place and time an item was seen: the first post, a reshare, a re-import of it.

    `key` makes ingestion idempotent: the same post (same public URL, or the same row of the
    same source when there is no URL) is never counted twice.
    """

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="sightings")
    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="sightings")
    key = models.CharField(max_length=64)
    url = models.URLField(max_length=2000, blank=True)
    platform = models.CharField(max_length=40, blank=True)
    seen_at = models.DateTimeField()
    reactions = models.PositiveBigIntegerField(default=0)
    comments = models.PositiveBigIntegerField(default=0)
    shares = models.PositiveBigIntegerField(default=0)
    views = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["seen_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "key"], name="sighting_key_unique")
        ]

    def __str__(self) -> str:
        return self.url or self.key[:12]


class ImageState(models.TextChoices):
    QUEUED = "queued", _("Đang chờ đọc ảnh")
    READ = "read", _("Đã đọc chữ trong ảnh")
    NO_TEXT = "no_text", _("Không đọc được chữ trong ảnh")
    NOT_IMAGE = "not_image", _("Không mở được ảnh")
    TOO_LARGE = "too_large", _("Ảnh quá lớn")
    FETCH_FAILED = "fetch_failed", _("Không tải được ảnh")
    OFF = "off", _("Chưa bật đọc chữ trong ảnh")
    FAILED = "failed", _("Đọc chữ trong ảnh bị lỗi")


class ItemImage(WorkspaceScoped):
    """A picture a monitored post carried (a feed's enclosure, an export's image column).

    Public content: its words and fingerprints are stored plain, unlike a tip's.
    """

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="images")
    url = models.URLField(max_length=2000)
    position = models.PositiveSmallIntegerField(default=0)
    state = models.CharField(max_length=12, choices=ImageState.choices,
                             default=ImageState.QUEUED)
    # Why it could not be fetched, for staff (the HTTP wrapper's words), and the tries so far.
    note = models.CharField(max_length=300, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    text = models.TextField(blank=True)
    # The perceptual hashes it is kept under (images.fingerprint.kept_fingerprints), hex,
    # separated by spaces: read back by the thousand, plain text is what costs least.
    fingerprint_hex = models.TextField(blank=True)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["item", "position", "id"]
        indexes = [models.Index(fields=["workspace", "url"])]

    def __str__(self) -> str:
        return self.url[:80]

    @property
    def fingerprints(self) -> list[str]:
        return self.fingerprint_hex.split()


class ImportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    JSON = "json", "JSON"
    JSONL = "jsonl", "JSONL"


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("Chờ nhập")
    RUNNING = "running", _("Đang nhập")
    CANCELLED = "cancelled", _("Đã dừng")
    DONE = "done", _("Đã xong")
    FAILED = "failed", _("Thất bại")


class ImportJob(WorkspaceScoped):
    """A platform export being imported, in chunks that each resume from their own offset."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="imports")
    path = models.CharField(max_length=1000)
    original_name = models.CharField(_("tên tệp"), max_length=300)
    fingerprint = models.CharField(max_length=64, db_index=True)
    format = models.CharField(_("định dạng"), max_length=8, choices=ImportFormat.choices)
    # Which column (or dotted JSON path) holds each field: text, url, time, reactions, ...
    mapping = models.JSONField(default=dict)
    status = models.CharField(
        _("trạng thái"), max_length=12, choices=ImportStatus.choices, default=ImportStatus.PENDING
    )
    bytes_total = models.PositiveBigIntegerField(default=0)
    cancel_requested = models.BooleanField(default=False)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("lượt nhập tệp")
        verbose_name_plural = _("lượt nhập tệp")

    def __str__(self) -> str:
        return self.original_name


class ImportChunk(models.Model):
    """A byte range of an import, read from `offset` on; its counts add up to the job's."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="chunks")
    number = models.PositiveIntegerField()
    start = models.PositiveBigIntegerField()
    end = models.PositiveBigIntegerField()
    first_line = models.PositiveBigIntegerField(default=1)
    offset = models.PositiveBigIntegerField()
    line = models.PositiveBigIntegerField(default=1)
    status = models.CharField(
        max_length=12, choices=ImportStatus.choices, default=ImportStatus.PENDING
    )
    rows = models.PositiveBigIntegerField(default=0)
    added = models.PositiveBigIntegerField(default=0)
    folded = models.PositiveBigIntegerField(default=0)
    repeated = models.PositiveBigIntegerField(default=0)
    bad_rows = models.PositiveBigIntegerField(default=0)
    # The first problems, each {"line": n, "message": "..."}; the count is in bad_rows.
    problems = models.JSONField(default=list, blank=True)
    # Time spent storing batches, over every run of the chunk (for throughput figures).
    seconds = models.FloatField(default=0.0)

    class Meta:
        ordering = ["job", "number"]
        constraints = [
            models.UniqueConstraint(fields=["job", "number"], name="import_chunk_unique")
        ]

    def __str__(self) -> str:
        return f"{self.job_id}#{self.number}"

    @property
    def bytes_done(self) -> int:
        return int(self.offset - self.start)


class FetchHost(models.Model):
    """Per-host politeness shared by every worker: when the host may be asked again, and the
    robots.txt it serves."""

    host = models.CharField(max_length=300, unique=True)
    next_allowed_at = models.DateTimeField(null=True, blank=True)
    robots_txt = models.TextField(blank=True)
    robots_fetched_at = models.DateTimeField(null=True, blank=True)
    # "ok", "missing" (4xx: everything allowed) or "unreachable" (everything refused for now).
    robots_status = models.CharField(max_length=12, blank=True)

    def __str__(self) -> str:
        return self.host


class TriageModel(WorkspaceScoped):
    """The workspace's triage learner, trained on its own decisions (see learner.py)."""

    version = models.PositiveIntegerField(default=1)
    decisions = models.PositiveIntegerField(default=0)
    positives = models.PositiveIntegerField(default=0)
    weights = models.BinaryField()
    metrics = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.workspace_id} v{self.version} ({self.decisions} decisions)"
