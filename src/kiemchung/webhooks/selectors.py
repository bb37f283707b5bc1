"""Reading the webhook endpoints of a workspace and their delivery logs."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Count, Q, QuerySet
from django.http import Http404

from kiemchung.accounts.models import Workspace
from kiemchung.accounts.permissions import Action
from kiemchung.accounts.selectors import member_acting
from kiemchung.core.events import KINDS
from kiemchung.core.models import DeliveryStatus
from kiemchung.webhooks.models import Endpoint, WebhookDelivery

LOG_SIZE = 50


@dataclass(frozen=True)
class EndpointRow:
    """An endpoint with what its log holds: waiting, failed and sent deliveries."""

    endpoint: Endpoint
    waiting: int
    failed: int
    sent: int

    @property
    def kind_labels(self) -> list[str]:
        return [str(KINDS[kind].label) for kind in self.endpoint.kinds if kind in KINDS]


def _admin(*, workspace: Workspace, user: User | AnonymousUser) -> None:
    member_acting(actor=user, workspace_id=workspace.pk, action=Action.MANAGE_WORKSPACE)


def _with_counts(endpoints: QuerySet[Endpoint]) -> list[EndpointRow]:
    open_ = Q(deliveries__status__in=(DeliveryStatus.PENDING, DeliveryStatus.RETRYING))
    counted = endpoints.annotate(
        n_waiting=Count("deliveries", filter=open_),
        n_failed=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.FAILED)),
        n_sent=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.SENT)),
    )
    return [
        EndpointRow(e, e.n_waiting, e.n_failed, e.n_sent)
        for e in counted
    ]


def endpoint_rows(*, workspace: Workspace, user: User | AnonymousUser) -> list[EndpointRow]:
    """The workspace's endpoints, oldest first, for its admins."""
    _admin(workspace=workspace, user=user)
    return _with_counts(Endpoint.objects.filter(workspace=workspace))


def endpoint_row(*, workspace: Workspace, user: User | AnonymousUser, pk: int) -> EndpointRow:
    """One endpoint of the workspace; Http404 for another workspace's."""
    _admin(workspace=workspace, user=user)
    found = _with_counts(Endpoint.objects.filter(workspace=workspace, pk=pk))
    if not found:
        raise Http404
    return found[0]


def delivery_log(*, endpoint: Endpoint, limit: int = LOG_SIZE) -> list[WebhookDelivery]:
    """The endpoint's latest deliveries, newest first, with their events."""
    return list(endpoint.deliveries.select_related("event").order_by("-created_at", "-id")[:limit])
