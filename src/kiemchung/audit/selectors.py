"""Reads of the audit trail; only members who may view the audit log get any event, others
get counts of one action at most."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.db.models import QuerySet
from django.utils.text import capfirst

from kiemchung.accounts.models import Workspace
from kiemchung.accounts.permissions import Action, require
from kiemchung.accounts.selectors import member_for
from kiemchung.audit import labels
from kiemchung.audit.models import AuditEvent

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User


def _display(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "✓" if value else "✗"
    if isinstance(value, list | tuple):
        return ", ".join(_display(item) for item in value) or "—"
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


@dataclass(frozen=True)
class Change:
    """One field of an event: its value before and after, and their words for people."""

    field: str
    before: Any
    after: Any
    object_type: str = ""

    @property
    def label(self) -> str:
        return labels.field_label(self.object_type, self.field)

    @property
    def before_text(self) -> str:
        return _display(labels.value_label(self.object_type, self.field, self.before))

    @property
    def after_text(self) -> str:
        return _display(labels.value_label(self.object_type, self.field, self.after))


def audit_events(
    *,
    workspace: Workspace,
    user: User | AnonymousUser,
    actor: User | None = None,
    action: str | None = None,
    object_type: str | None = None,
    since: date | None = None,
    until: date | None = None,
) -> QuerySet[AuditEvent]:
    """The workspace's events, newest first, filtered; PermissionDenied without VIEW_AUDIT.

    `since` and `until` are days in the site's time zone, both included.
    """
    require(member_for(user=user, workspace=workspace), Action.VIEW_AUDIT)
    events = AuditEvent.objects.filter(workspace=workspace).select_related("actor")
    if actor is not None:
        events = events.filter(actor=actor)
    if action:
        events = events.filter(action=action)
    if object_type:
        events = events.filter(object_type=object_type)
    if since is not None:
        events = events.filter(at__date__gte=since)
    if until is not None:
        events = events.filter(at__date__lte=until)
    return events.order_by("-at", "-id")


def audit_actions(*, workspace: Workspace) -> list[tuple[str, str]]:
    """(action, its words) of every action recorded in the workspace, for the filter."""
    recorded = AuditEvent.objects.filter(workspace=workspace).values_list("action", "object_type")
    found = dict(recorded.order_by().distinct())
    named = [(action, labels.action_label(action, kind)) for action, kind in found.items()]
    return sorted(named, key=lambda pair: pair[1])


def audit_object_types(*, workspace: Workspace) -> list[tuple[str, str]]:
    """(object type, its name for people) of every type recorded in the workspace."""
    events = AuditEvent.objects.filter(workspace=workspace)
    types = set(events.values_list("object_type", flat=True))
    return sorted(((label, object_type_name(label)) for label in types), key=lambda t: t[1])


def object_type_name(label: str) -> str:
    """The model's verbose name for an "app.model" label, or the label itself."""
    try:
        return capfirst(str(apps.get_model(label)._meta.verbose_name))
    except (LookupError, ValueError):
        return label


def event_changes(event: AuditEvent) -> list[Change]:
    """The fields an event touched, by name, each with its before and after value."""
    before = event.before if isinstance(event.before, dict) else {}
    after = event.after if isinstance(event.after, dict) else {}
    # JSON objects keep no key order on PostgreSQL, so fields are shown alphabetically.
    names = sorted(set(before) | set(after))
    return [
        Change(
            field=name,
            before=before.get(name),
            after=after.get(name),
            object_type=event.object_type,
        )
        for name in names
    ]


def audit_events_of(*, workspace: Workspace, action: str) -> QuerySet[AuditEvent]:
    """The workspace's events of one action, for counting them (no permission check: the
    caller shows how many there were, never who did what)."""
    return AuditEvent.objects.filter(workspace=workspace, action=action)
