"""Outgoing webhooks: the endpoints a workspace registered and one delivery row per event sent."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kiemchung.core.models import DeliveryStatus, TimeStamped, WorkspaceScoped


class Endpoint(WorkspaceScoped):
    """An address that receives the workspace's events, signed as Standard Webhooks defines.

    `secret_enc` is the encrypted "whsec_..." secret; it is shown once when made. A run of
    failed attempts (`consecutive_failures`) marks the endpoint failing until one succeeds;
    its events are kept meanwhile and still retried.
    """

    url = models.URLField(_("địa chỉ nhận"), max_length=2000)
    description = models.CharField(_("mô tả"), max_length=200, blank=True)
    kinds = models.JSONField(_("loại sự kiện"), default=list)
    secret_enc = models.TextField()
    # After a rotation the old secret signs too, until then, so receivers can switch over.
    previous_secret_enc = models.TextField(blank=True)
    previous_secret_until = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(_("đang bật"), default=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_failure_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("địa chỉ webhook")
        verbose_name_plural = _("địa chỉ webhook")

    def __str__(self) -> str:
        return self.url

    @property
    def is_failing(self) -> bool:
        return self.consecutive_failures >= settings.WEBHOOK_FAILING_AFTER


class WebhookDelivery(TimeStamped):
    """One event to one endpoint, written before the first send and updated after each attempt.

    `sending_since` is set while an attempt is under way; a worker that dies mid-send leaves
    the row open and its task runs again. `response_excerpt` is a short, cleaned start of the
    receiver's answer; `error` is our own message when no answer came.
    """

    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey("core.Event", on_delete=models.CASCADE, related_name="+")
    status = models.CharField(
        _("trạng thái"),
        max_length=12,
        choices=DeliveryStatus.choices,
        default=DeliveryStatus.PENDING,
        db_index=True,
    )
    attempts = models.PositiveSmallIntegerField(_("số lần gửi"), default=0)
    status_code = models.PositiveSmallIntegerField(_("mã trả lời"), null=True, blank=True)
    response_excerpt = models.CharField(_("trả lời"), max_length=500, blank=True)
    error = models.CharField(_("lỗi"), max_length=300, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    sending_since = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("lượt gửi webhook")
        verbose_name_plural = _("lượt gửi webhook")
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "event"], name="webhook_delivery_once_per_endpoint"
            )
        ]

    def __str__(self) -> str:
        return f"{self.event_id} -> {self.endpoint_id} ({self.status})"
