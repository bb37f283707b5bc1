"""Reads for monitoring: the triage queue, source health, imports, and the workspace's items and
sightings as other apps' figures count them."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from kiemchung.accounts.models import Workspace
from kiemchung.monitoring.models import ImportJob, Item, ItemState, Sighting, Source, TriageModel

__all__ = [
    "PERIODS", "ItemState", "import_detail", "items_by_ids", "items_in", "languages_in_use",
    "recent_imports", "sightings_in", "source_detail", "source_health", "triage_learner",
    "triage_queue",
]

PERIODS = {"24h": timedelta(hours=24), "7d": timedelta(days=7), "30d": timedelta(days=30)}


def triage_queue(
    *,
    workspace: Workspace,
    state: str = ItemState.NEW,
    source: int | None = None,
    topic: str | None = None,
    language: str | None = None,
    period: str | None = None,
    answered: str | None = None,
    now: datetime | None = None,
) -> QuerySet[Item]:
    """The workspace's items, highest priority first, narrowed by the queue's filters."""
    items = Item.objects.filter(workspace=workspace).select_related("source", "claim")
    if state:
        items = items.filter(state=state)
    if source:
        items = items.filter(source_id=source)
    if topic:
        items = items.filter(topic="" if topic == "none" else topic)
    if language:
        items = items.filter(language=language) if language != "other" else items.exclude(
            language="vi"
        )
    if period in PERIODS:
        items = items.filter(last_seen_at__gte=(now or timezone.now()) - PERIODS[period])
    if answered == "yes":
        items = items.filter(answered=True)
    elif answered == "no":
        items = items.filter(answered=False)
    return items.order_by("-priority", "-last_seen_at", "-pk")


def items_by_ids(*, workspace: Workspace, ids: list[int]) -> list[Item]:
    """These items of the workspace (ids of other teams are ignored), in the order given."""
    found = {i.pk: i for i in Item.objects.filter(workspace=workspace, pk__in=ids)}
    return [found[pk] for pk in ids if pk in found]


def source_health(*, workspace: Workspace) -> QuerySet[Source]:
    """Every source of the workspace with what its health page shows."""
    return Source.objects.filter(workspace=workspace).order_by("kind", "name", "pk")


def source_detail(*, workspace: Workspace, pk: int) -> Source:
    return get_object_or_404(Source, workspace=workspace, pk=pk)


def import_detail(*, workspace: Workspace, pk: int) -> ImportJob:
    return get_object_or_404(ImportJob.objects.select_related("source"), workspace=workspace,
                             pk=pk)


def recent_imports(*, workspace: Workspace) -> QuerySet[ImportJob]:
    return ImportJob.objects.filter(workspace=workspace).select_related("source")[:20]


def languages_in_use(*, workspace: Workspace) -> list[str]:
    return sorted(
        set(Item.objects.filter(workspace=workspace).values_list("language", flat=True))
    )


def triage_learner(*, workspace: Workspace) -> TriageModel | None:
    """The workspace's latest learner with its held-out figures, or None before the first."""
    return TriageModel.objects.filter(workspace=workspace).defer("weights").order_by(
        "-id").first()


def items_in(*, workspace: Workspace) -> QuerySet[Item]:
    """Every item of the workspace, in any state, unordered."""
    return Item.objects.filter(workspace=workspace)


def sightings_in(*, workspace: Workspace) -> QuerySet[Sighting]:
    """Every sighting of the workspace's items."""
    return Sighting.objects.filter(workspace=workspace)
