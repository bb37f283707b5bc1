"""The tipline: channels the public writes to, senders known only by a keyed hash, their
conversations, tips with tracking codes, the raw inbound queue, subscriptions to claims,
authority units for violation reports, reply templates and the legal Q&A knowledge base.

Private text (tip texts, messages, reply addresses, channel credentials, raw inbound bodies) is
stored encrypted with core.crypto; fields holding such tokens end in `_enc`, and
`ENCRYPTED_FIELDS` lists them for key rotation.
"""

from __future__ import annotations

import re
import secrets
import uuid
from datetime import date

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kiemchung.core.crypto import decrypt, encrypt
from kiemchung.core.models import WorkspaceScoped

# No 0/O, 1/I/L: a code read aloud or copied by hand is still the same code.
TRACKING_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
TRACKING_LENGTH = 6
TRACKING_CODE_RE = re.compile(
    rf"\bKC-?([{TRACKING_ALPHABET}]{{{TRACKING_LENGTH}}})\b", re.IGNORECASE
)


def tracking_code_new() -> str:
    """A fresh random tracking code, e.g. KC-7F3Q9M (uniqueness is the caller's to check)."""
    return "KC-" + "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(TRACKING_LENGTH))


def public_id_new() -> str:
    return secrets.token_urlsafe(18)


class ChannelKind(models.TextChoices):
    WEB = "web", _("Biểu mẫu trên web")
    ZALO = "zalo", _("Zalo Official Account")
    MESSENGER = "messenger", _("Facebook Messenger")
    TELEGRAM = "telegram", _("Telegram")


class Channel(WorkspaceScoped):
    """One place the public writes to: the web form or a bot/page on a chat platform.

    `public_id` is the unguessable part of the webhook URL. `config` holds what is not secret
    (Zalo app id, Telegram bot name); `credentials_enc` holds the secrets as encrypted JSON
    (Telegram bot_token and secret_token; Zalo oa_secret_key and access_token; Messenger
    app_secret, verify_token and page_access_token).
    """

    kind = models.CharField(_("loại"), max_length=16, choices=ChannelKind.choices)
    name = models.CharField(_("tên"), max_length=120)
    public_id = models.CharField(max_length=40, unique=True, default=public_id_new)
    config = models.JSONField(_("cấu hình"), default=dict, blank=True)
    credentials_enc = models.TextField(_("khóa truy cập (đã mã hóa)"), blank=True)
    is_active = models.BooleanField(_("đang dùng"), default=True)
    rejected_requests = models.PositiveBigIntegerField(
        _("yêu cầu bị từ chối (chữ ký sai)"), default=0
    )
    last_rejected_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["kind", "name", "id"]
        verbose_name = _("kênh nhận tin")
        verbose_name_plural = _("kênh nhận tin")

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"


class Sender(WorkspaceScoped):
    """Someone who wrote in, known only by HMAC(key, platform + id) and a stable pseudonym."""

    sender_hash = models.CharField(max_length=64)
    pseudonym = models.PositiveIntegerField(_("bí danh"))
    blocked_at = models.DateTimeField(_("chặn lúc"), null=True, blank=True)
    blocked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("người gửi")
        verbose_name_plural = _("người gửi")
        constraints = [
            models.UniqueConstraint(fields=["workspace", "sender_hash"], name="sender_unique_hash"),
            models.UniqueConstraint(fields=["workspace", "pseudonym"], name="sender_unique_alias"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return str(_("Người gửi %(number)04d") % {"number": self.pseudonym})

    @property
    def is_blocked(self) -> bool:
        return self.blocked_at is not None


class ConversationMode(models.TextChoices):
    BOT = "bot", _("Trả lời tự động")
    HUMAN = "human", _("Nhân viên đang trò chuyện")


class FlowStep(models.TextChoices):
    START = "start", _("Chưa bắt đầu")
    MENU = "menu", _("Đang chọn việc")
    AWAITING_TEXT = "awaiting_text", _("Chờ nội dung")
    IDLE = "idle", _("Đã nhận tin")


class TipCategory(models.TextChoices):
    CHECK = "check", _("Nhờ kiểm chứng")
    VIOLATION = "violation", _("Báo cáo vi phạm")
    LEGAL = "legal", _("Hỏi về pháp luật")
    OTHER = "other", _("Khác")


class Conversation(WorkspaceScoped):
    """One sender's thread on one channel; the bot or a staff member (takeover) answers."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="conversations")
    sender = models.ForeignKey(Sender, on_delete=models.CASCADE, related_name="conversations")
    # The platform's address for replies (chat id, PSID, Zalo user id), encrypted.
    reply_address_enc = models.TextField(blank=True)
    mode = models.CharField(
        _("chế độ"), max_length=8, choices=ConversationMode.choices, default=ConversationMode.BOT
    )
    taken_over_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    taken_over_at = models.DateTimeField(null=True, blank=True)
    flow_step = models.CharField(max_length=16, choices=FlowStep.choices, default=FlowStep.START)
    pending_category = models.CharField(
        max_length=12, choices=TipCategory.choices, blank=True
    )
    # Messenger allows a RESPONSE only within 24 hours of the person's last message.
    last_inbound_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-last_inbound_at", "-id"]
        verbose_name = _("cuộc trò chuyện")
        verbose_name_plural = _("cuộc trò chuyện")
        constraints = [
            models.UniqueConstraint(fields=["channel", "sender"], name="conversation_unique")
        ]

    def __str__(self) -> str:
        return f"{self.sender} / {self.channel}"

    @property
    def reply_address(self) -> str:
        return decrypt(self.reply_address_enc)

    @reply_address.setter
    def reply_address(self, value: str) -> None:
        self.reply_address_enc = encrypt(value)


class InboundState(models.TextChoices):
    QUEUED = "queued", _("Chờ xử lý")
    PROCESSED = "processed", _("Đã xử lý")
    IGNORED = "ignored", pgettext_lazy("inbound message state", "Bỏ qua")
    FAILED = "failed", _("Lỗi")


class InboundMessage(models.Model):
    """A webhook event as received: one row per platform message id, whatever the retries.

    The webhook writes this row and nothing else; the task that processes it empties `body_enc`
    once the message is in its conversation, so the raw copy does not outlive its use.
    """

    workspace = models.ForeignKey(
        "accounts.Workspace", on_delete=models.CASCADE, related_name="+"
    )
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="inbound")
    external_id = models.CharField(max_length=191)
    sender_hash = models.CharField(max_length=64, db_index=True)
    body_enc = models.TextField(blank=True)
    state = models.CharField(
        max_length=10, choices=InboundState.choices, default=InboundState.QUEUED, db_index=True
    )
    conversation = models.ForeignKey(
        Conversation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    # Not processed before this time: its sender was over the rate. Kept on the row, as a
    # worker in its own process does not see the webhooks' process-local cache.
    held_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("tin đến")
        verbose_name_plural = _("tin đến")
        constraints = [
            models.UniqueConstraint(fields=["channel", "external_id"], name="inbound_unique_id")
        ]

    def __str__(self) -> str:
        return f"{self.channel_id}:{self.external_id} ({self.state})"


class TipState(models.TextChoices):
    NEW = "new", _("Mới, chờ xử lý")
    IN_PROGRESS = "in_progress", _("Đang xử lý")
    ANSWERED = "answered", _("Đã trả lời")
    FORWARDED = "forwarded", _("Đã chuyển cơ quan chức năng")
    CLOSED = "closed", _("Đã đóng")


class AuthorityUnit(WorkspaceScoped):
    """A competent authority the workspace forwards violation reports to, as tipsters ask."""

    name = models.CharField(_("tên cơ quan"), max_length=200)
    email = models.EmailField(_("e-mail nhận báo cáo"))
    # Which kinds of violation it handles, as short labels the workspace chooses.
    categories = models.JSONField(_("lĩnh vực"), default=list, blank=True)
    note = models.TextField(_("ghi chú"), blank=True)
    is_active = models.BooleanField(_("đang dùng"), default=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("cơ quan chức năng")
        verbose_name_plural = _("cơ quan chức năng")

    def __str__(self) -> str:
        return self.name


class AutoAnswerState(models.TextChoices):
    """Where the automatic answer to a "check this" tip stands."""

    SENT = "sent", _("Đã gửi tự động")
    PENDING = "pending", _("Chờ duyệt")
    APPROVED = "approved", _("Đã duyệt và gửi")
    REJECTED = "rejected", _("Không gửi")


class Tip(WorkspaceScoped):
    """One thing a tipster asked for: a claim to check, a violation, a legal question."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="tips")
    tracking_code = models.CharField(_("mã theo dõi"), max_length=12, unique=True)
    category = models.CharField(_("loại"), max_length=12, choices=TipCategory.choices)
    text_enc = models.TextField(blank=True)
    state = models.CharField(
        _("trạng thái"), max_length=12, choices=TipState.choices, default=TipState.NEW,
        db_index=True,
    )
    inbound = models.ForeignKey(
        InboundMessage, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    claim = models.ForeignKey(
        "claims.Claim", on_delete=models.SET_NULL, null=True, blank=True, related_name="tips",
        verbose_name=_("nhận định"),
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # When the matcher looked for an existing fact-check (whether or not it found one).
    match_checked_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    forwarded_to = models.ForeignKey(
        AuthorityUnit, on_delete=models.SET_NULL, null=True, blank=True, related_name="tips",
        verbose_name=_("đã chuyển tới"),
    )
    forward_reference = models.CharField(_("số tham chiếu"), max_length=120, blank=True)
    forwarded_at = models.DateTimeField(null=True, blank=True)
    forwarded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # A keyed digest of the chat album (Telegram's media_group_id) the tip came from, so the
    # album's other photos join this tip instead of becoming tips of their own.
    album_key = models.CharField(max_length=64, blank=True)
    # The automatic answer: "same" (the fact-check's verdict applies to the tip) or "related"
    # (sent as reading; the tip stays in the queue), the fact-check it used, where it stands,
    # and the tipster's say on it ("yes" it helped, "no" it did not).
    auto_decision = models.CharField(max_length=8, blank=True, db_default="")
    auto_factcheck = models.ForeignKey(
        "claims.FactCheck", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    auto_state = models.CharField(
        _("trả lời tự động"), max_length=8, blank=True, choices=AutoAnswerState.choices,
        db_default="",
    )
    auto_feedback = models.CharField(max_length=4, blank=True, db_default="")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("tin báo")
        verbose_name_plural = _("tin báo")
        indexes = [models.Index(fields=["workspace", "state"])]

    def __str__(self) -> str:
        return self.tracking_code

    @property
    def text(self) -> str:
        return decrypt(self.text_enc)

    @text.setter
    def text(self, value: str) -> None:
        self.text_enc = encrypt(value)


def tip_media_path(instance: TipMedia, filename: str) -> str:
    # The uploaded name is dropped: it can carry a person's name or a device's.
    today = date.today()
    return f"tipline/{today:%Y/%m}/{uuid.uuid4().hex}.{instance.extension}"


class TipMedia(models.Model):
    """An image attached to a tip, re-encoded without EXIF; deleted with the tip."""

    tip = models.ForeignKey(Tip, on_delete=models.CASCADE, related_name="media")
    file = models.FileField(upload_to=tip_media_path, max_length=200)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("ảnh đính kèm")
        verbose_name_plural = _("ảnh đính kèm")

    def __str__(self) -> str:
        return f"{self.tip_id}: {self.content_type} {self.width}x{self.height}"

    @property
    def extension(self) -> str:
        return {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}.get(
            self.content_type, "bin"
        )


class MediaDownloadState(models.TextChoices):
    QUEUED = "queued", _("Đang tải ảnh về")
    RETRYING = "retrying", _("Chưa tải được ảnh, sẽ thử lại")
    DONE = "done", _("Đã tải ảnh về")
    REFUSED = "refused", _("Ảnh không được nhận")
    FAILED = "failed", _("Không tải được ảnh")


class TipMediaDownloadQuerySet(models.QuerySet["TipMediaDownload"]):
    def notes(self) -> TipMediaDownloadQuerySet:
        """The downloads staff should hear about: under way, refused or failed."""
        return self.exclude(state=MediaDownloadState.DONE)


class TipMediaDownload(models.Model):
    """An image a tipster sent on a chat platform, downloaded into the tip by a task.

    `source_enc` holds the platform's reference (a Telegram file id, a Messenger or Zalo URL),
    encrypted, and is emptied once the download is over; `note` tells staff, in Vietnamese, why
    an image did not arrive. The row goes with its tip.
    """

    tip = models.ForeignKey(Tip, on_delete=models.CASCADE, related_name="media_downloads")
    source_enc = models.TextField(blank=True)
    state = models.CharField(
        max_length=10, choices=MediaDownloadState.choices, default=MediaDownloadState.QUEUED
    )
    note = models.CharField(_("ghi chú"), max_length=500, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    media = models.ForeignKey(
        TipMedia, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # When the tipster was told the image did not arrive (once, for all of a tip's images).
    tipster_told_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TipMediaDownloadQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name = _("ảnh gửi qua ứng dụng nhắn tin")
        verbose_name_plural = _("ảnh gửi qua ứng dụng nhắn tin")

    def __str__(self) -> str:
        return f"{self.tip_id}: {self.state}"

    @property
    def is_over(self) -> bool:
        return self.state in (
            MediaDownloadState.DONE, MediaDownloadState.REFUSED, MediaDownloadState.FAILED
        )


class MessageDirection(models.TextChoices):
    IN = "in", _("Đến")
    OUT = "out", _("Đi")


class Message(models.Model):
    """One line of a conversation, in or out; outgoing ones point at their Delivery."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    # Deleting a tip deletes the lines that carried it.
    tip = models.ForeignKey(
        Tip, on_delete=models.CASCADE, null=True, blank=True, related_name="messages"
    )
    direction = models.CharField(max_length=3, choices=MessageDirection.choices)
    text_enc = models.TextField(blank=True)
    # Choices offered with an outgoing message: [[payload, label], ...], shown as buttons where
    # the platform has them and as a numbered list where it does not.
    buttons = models.JSONField(default=list, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    inbound = models.ForeignKey(
        InboundMessage, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    delivery = models.ForeignKey(
        "core.Delivery", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("tin nhắn")
        verbose_name_plural = _("tin nhắn")

    def __str__(self) -> str:
        return f"{self.conversation_id} {self.direction} #{self.pk}"

    @property
    def text(self) -> str:
        return decrypt(self.text_enc)

    @text.setter
    def text(self, value: str) -> None:
        self.text_enc = encrypt(value)

    @property
    def from_bot(self) -> bool:
        return self.direction == MessageDirection.OUT and self.author_id is None


class Subscription(WorkspaceScoped):
    """A tipster waiting for the verdict on a claim; notified once when it is published.

    `claim` is empty while the tip it came from waits for staff to attach it to a claim.
    """

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="subscriptions"
    )
    tip = models.ForeignKey(
        Tip, on_delete=models.CASCADE, null=True, blank=True, related_name="subscriptions"
    )
    claim = models.ForeignKey(
        "claims.Claim", on_delete=models.CASCADE, null=True, blank=True,
        related_name="tip_subscriptions",
    )
    notified_at = models.DateTimeField(null=True, blank=True)
    delivery = models.ForeignKey(
        "core.Delivery", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("đăng ký nhận kết quả")
        verbose_name_plural = _("đăng ký nhận kết quả")
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "claim"], name="subscription_unique_claim"
            )
        ]

    def __str__(self) -> str:
        return f"{self.conversation_id} → claim {self.claim_id}"


class ReplyKind(models.TextChoices):
    """What a staff reply does to its tip: an answer settles it, a holding reply says the team
    is on it and leaves it waiting."""

    ANSWER = "answer", _("Trả lời xong")
    HOLDING = "holding", _("Báo đang xử lý")


class ReplyTemplate(WorkspaceScoped):
    """A prepared answer staff pick in the inbox, optionally for one category of tip; its kind
    is what the reply form offers first when the template is used."""

    title = models.CharField(_("tên mẫu"), max_length=120)
    category = models.CharField(
        _("loại tin"), max_length=12, choices=TipCategory.choices, blank=True
    )
    kind = models.CharField(
        _("loại trả lời"), max_length=8, choices=ReplyKind.choices, default=ReplyKind.ANSWER
    )
    text = models.TextField(_("nội dung"))
    is_active = models.BooleanField(_("đang dùng"), default=True)

    class Meta:
        ordering = ["title", "id"]
        verbose_name = _("mẫu trả lời")
        verbose_name_plural = _("mẫu trả lời")

    def __str__(self) -> str:
        return self.title


class LegalAnswer(WorkspaceScoped):
    """A checked answer to a common legal question, with the law or source it rests on."""

    question = models.TextField(_("câu hỏi"))
    answer = models.TextField(_("trả lời"))
    source = models.CharField(_("căn cứ"), max_length=300)
    source_url = models.URLField(_("đường dẫn căn cứ"), max_length=2000, blank=True)
    is_published = models.BooleanField(_("dùng để trả lời"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("giải đáp pháp luật")
        verbose_name_plural = _("giải đáp pháp luật")

    def __str__(self) -> str:
        return self.question[:80]


class ImageReadingState(models.TextChoices):
    QUEUED = "queued", _("Đang đọc chữ trong ảnh")
    READ = "read", _("Đã đọc chữ trong ảnh")
    NO_TEXT = "no_text", _("Không đọc được chữ trong ảnh")
    UNREADABLE = "unreadable", _("Không mở được ảnh")
    OFF = "off", _("Chưa bật đọc chữ trong ảnh")
    FAILED = "failed", _("Đọc chữ trong ảnh bị lỗi")


class TipImageText(models.Model):
    """The words read from a tip's image, and its fingerprint; both encrypted, and gone with
    the image (and so with the tip).

    `text_enc` holds the words as read, or as a member corrected them (`corrected_by`);
    `fingerprint_enc` the image's perceptual fingerprints (hex), compared in memory only: a
    tip's image is never findable from a plain hash in the database.
    """

    media = models.OneToOneField(TipMedia, on_delete=models.CASCADE, related_name="reading")
    state = models.CharField(
        max_length=10, choices=ImageReadingState.choices, default=ImageReadingState.QUEUED
    )
    text_enc = models.TextField(blank=True)
    fingerprint_enc = models.TextField(blank=True)
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    corrected_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("chữ đọc từ ảnh")
        verbose_name_plural = _("chữ đọc từ ảnh")

    def __str__(self) -> str:
        return f"{self.media_id}: {self.state}"

    @property
    def text(self) -> str:
        return decrypt(self.text_enc) if self.text_enc else ""

    @text.setter
    def text(self, value: str) -> None:
        self.text_enc = encrypt(value) if value else ""

    @property
    def fingerprints(self) -> list[str]:
        return decrypt(self.fingerprint_enc).split() if self.fingerprint_enc else []

    @fingerprints.setter
    def fingerprints(self, value: list[str]) -> None:
        self.fingerprint_enc = encrypt(" ".join(value)) if value else ""


# (model label, field names) of every encrypted token in the tipline, for key rotation.
ENCRYPTED_FIELDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("tipline.Channel", ("credentials_enc",)),
    ("tipline.Conversation", ("reply_address_enc",)),
    ("tipline.InboundMessage", ("body_enc",)),
    ("tipline.Tip", ("text_enc",)),
    ("tipline.Message", ("text_enc",)),
    ("tipline.TipMediaDownload", ("source_enc",)),
    ("tipline.TipImageText", ("text_enc", "fingerprint_enc")),
)
