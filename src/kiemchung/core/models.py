"""Base models shared by every app, the task lease table and the schedule of periodic jobs."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStamped(models.Model):
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    class Meta:
        abstract = True


class WorkspaceScoped(TimeStamped):
    """A row that belongs to exactly one workspace; every query is filtered by it."""

    workspace = models.ForeignKey(
        "accounts.Workspace", on_delete=models.CASCADE, related_name="+", verbose_name=_("nhóm")
    )

    class Meta:
        abstract = True


class TaskLease(models.Model):
    """A running database-queue task, renewed by its worker's heartbeat while it runs."""

    task_id = models.CharField(max_length=64, primary_key=True)
    worker_id = models.CharField(max_length=64)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.task_id} @ {self.worker_id}"


class ScheduledRun(models.Model):
    """One periodic job of the built-in schedule: when it was last enqueued, when it is next due.

    Every ticking process reads and moves `next_run_at` with a conditional UPDATE, so the job
    is enqueued once per period however many workers tick.
    """

    name = models.CharField(max_length=80, primary_key=True)
    next_run_at = models.DateTimeField()
    last_enqueued_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} (next {self.next_run_at:%Y-%m-%d %H:%M:%S})"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Chờ gửi")
    SENT = "sent", _("Đã gửi")
    RETRYING = "retrying", _("Đang thử lại")
    FAILED = "failed", _("Gửi thất bại")
    SKIPPED = "skipped", _("Không gửi được")


class Delivery(TimeStamped):
    """One outbound send (an outlet post, a chat reply, an e-mail), written before the send.

    `key` makes a send idempotent: the same message to the same place is one row, whatever
    retries or duplicated events happen. `error` holds the remote service's own message and
    never the text that was sent.
    """

    workspace = models.ForeignKey(
        "accounts.Workspace", on_delete=models.CASCADE, related_name="deliveries"
    )
    adapter = models.CharField(_("kênh"), max_length=40, db_index=True)
    key = models.CharField(max_length=200, unique=True)
    subject_type = models.CharField(max_length=40, blank=True)
    subject_id = models.CharField(max_length=64, blank=True, db_index=True)
    target = models.CharField(_("nơi nhận"), max_length=200, blank=True)
    status = models.CharField(
        _("trạng thái"),
        max_length=12,
        choices=DeliveryStatus.choices,
        default=DeliveryStatus.PENDING,
        db_index=True,
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(_("lỗi"), blank=True)
    external_id = models.CharField(max_length=200, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("lượt gửi")
        verbose_name_plural = _("lượt gửi")

    def __str__(self) -> str:
        return f"{self.adapter} {self.key} ({self.status})"


class Event(models.Model):
    """Something that happened in a workspace, recorded in the same transaction as the change.

    The outbox of outgoing webhooks: `public_id` is the `webhook-id` receivers see, the same on
    every retry; `dispatched_at` is set once a delivery row exists for each endpoint that wants
    the event. The payload holds ids and public facts only, never a tipster's data.
    """

    public_id = models.CharField(max_length=40, unique=True)
    workspace = models.ForeignKey(
        "accounts.Workspace", on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(_("loại sự kiện"), max_length=40, db_index=True)
    payload = models.JSONField(default=dict)
    occurred_at = models.DateTimeField(_("lúc"), db_index=True)
    dispatched_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("sự kiện")
        verbose_name_plural = _("sự kiện")

    def __str__(self) -> str:
        return f"{self.kind} {self.public_id}"
