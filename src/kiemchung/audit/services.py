"""Writing audit events; every service that changes something calls audit_record."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import models

from kiemchung.accounts.models import Workspace
from kiemchung.audit.models import AuditEvent


def audit_record(
    *,
    workspace: Workspace | None,
    actor: AbstractBaseUser | None,
    action: str,
    obj: models.Model,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event: who did `action` to `obj`, with before/after values where useful."""
    return AuditEvent.objects.create(
        workspace=workspace,
        actor_id=actor.pk if actor is not None and actor.is_authenticated else None,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        before=before,
        after=after,
    )
