"""Base models shared by every app, and the task lease table."""

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
