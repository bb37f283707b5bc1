"""Reads for the newsroom's outlet pages, the outlet panel of a fact-check, and the posts
whose figures the outlets can be asked for."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from kiemchung.accounts.models import Member, Workspace
from kiemchung.accounts.permissions import Action, can
from kiemchung.claims import selectors as claim_selectors
from kiemchung.claims.models import FactCheck
from kiemchung.core.crypto import DecryptionError
from kiemchung.core.models import Delivery, DeliveryStatus
from kiemchung.publishing.models import (
    Announcement,
    ClaimReviewSource,
    ExternalFactCheck,
    Outlet,
)
from kiemchung.publishing.outlets import ADAPTERS, adapter_class, adapter_for
from kiemchung.publishing.outlets.base import ConfigField, OutletAdapter, OutletError


@dataclass(frozen=True)
class OutletStatus:
    """One outlet as the fact-check's panel shows it: its latest announcement, if any."""

    outlet: Outlet
    latest: Announcement | None
    current_version: int

    @property
    def delivery(self) -> Delivery | None:
        return self.latest.delivery if self.latest is not None else None

    @property
    def is_current(self) -> bool:
        return self.latest is not None and self.latest.version == self.current_version

    @property
    def in_flight(self) -> bool:
        delivery = self.delivery
        return delivery is not None and delivery.status in (
            DeliveryStatus.PENDING,
            DeliveryStatus.RETRYING,
        )

    @property
    def can_resend(self) -> bool:
        delivery = self.delivery
        return (
            self.outlet.is_active
            and delivery is not None
            and delivery.status in (DeliveryStatus.FAILED, DeliveryStatus.SKIPPED)
        )

    @property
    def can_announce(self) -> bool:
        """Not yet announced in the current version (never, or only an earlier one)."""
        return self.outlet.is_active and not self.is_current


def workspace_outlets(*, workspace: Workspace) -> QuerySet[Outlet]:
    return Outlet.objects.filter(workspace=workspace).order_by("name", "id")


def outlet_target(outlet: Outlet) -> str:
    """Where the outlet posts, as editors know it (a page id, a channel, a reader count)."""
    try:
        return adapter_for(outlet).target()
    except DecryptionError:
        return ""


def outlet_fields(kind: str) -> tuple[ConfigField, ...]:
    return adapter_class(kind).fields


def factcheck_outlet_statuses(*, factcheck: FactCheck) -> list[OutletStatus]:
    """Every outlet of the team with the latest announcement of this fact-check on it."""
    outlets = list(
        Outlet.objects.filter(workspace_id=factcheck.claim.workspace_id).order_by("name", "id")
    )
    latest: dict[int, Announcement] = {}
    for announcement in (
        Announcement.objects.filter(factcheck=factcheck)
        .select_related("delivery")
        .order_by("outlet_id", "-version", "-id")
    ):
        latest.setdefault(announcement.outlet_id, announcement)
    return [
        OutletStatus(outlet=o, latest=latest.get(o.pk), current_version=factcheck.version)
        for o in outlets
        if o.is_active or o.pk in latest
    ]


def outlet_panel(*, factcheck: FactCheck, member: Member | None) -> dict[str, Any]:
    """What the outlet panel of a fact-check shows to this member."""
    statuses = factcheck_outlet_statuses(factcheck=factcheck)
    return {
        "factcheck": factcheck,
        "statuses": statuses,
        "may_publish": can(member, Action.PUBLISH),
        "may_configure": can(member, Action.MANAGE_WORKSPACE),
        "in_flight": any(status.in_flight for status in statuses),
        "any_to_announce": any(status.can_announce for status in statuses),
    }


def engagement_kinds() -> list[str]:
    """The outlet kinds whose platform gives a post's figures to the account that posted."""
    return [kind for kind in ADAPTERS if adapter_class(kind).offers_engagement]


def engagement_workspace_ids() -> list[int]:
    """Workspaces with at least one active outlet whose figures can be asked for."""
    return sorted(
        Outlet.objects.filter(is_active=True, kind__in=engagement_kinds())
        .values_list("workspace_id", flat=True)
        .distinct()
    )


def engagement_outlets(*, workspace: Workspace) -> QuerySet[Outlet]:
    return workspace_outlets(workspace=workspace).filter(
        is_active=True, kind__in=engagement_kinds()
    )


@dataclass(frozen=True)
class SentPost:
    """A post an outlet holds: one announcement of a published fact-check that went through."""

    delivery_id: int
    factcheck_id: int
    external_id: str
    sent_at: datetime


def outlet_sent_posts(*, outlet: Outlet, since: datetime) -> list[SentPost]:
    """The outlet's posts sent since SINCE of fact-checks still published, oldest first."""
    published = claim_selectors.published_factchecks(workspace=outlet.workspace)
    rows = (
        Announcement.objects.filter(
            outlet=outlet,
            delivery__status=DeliveryStatus.SENT,
            delivery__sent_at__gte=since,
            factcheck__in=published.order_by().values("pk"),
        )
        .exclude(delivery__external_id="")
        .order_by("delivery__sent_at", "delivery_id")
        .values_list("delivery_id", "factcheck_id", "delivery__external_id", "delivery__sent_at")
    )
    return [
        SentPost(delivery_id=delivery_id, factcheck_id=factcheck_id, external_id=external_id,
                 sent_at=sent_at)
        for delivery_id, factcheck_id, external_id, sent_at in rows
        if sent_at is not None
    ]


def outlet_reader(*, outlet: Outlet) -> OutletAdapter:
    """The outlet's adapter, to read its posts' figures; OutletError when its stored secrets
    cannot be decrypted."""
    try:
        return adapter_for(outlet)
    except DecryptionError:
        raise OutletError(
            _("Không giải mã được khóa truy cập của kênh; hãy nhập lại khóa."), retryable=False
        ) from None


def claimreview_sources(*, workspace: Workspace) -> QuerySet[ClaimReviewSource]:
    return ClaimReviewSource.objects.filter(workspace=workspace).order_by("name", "id")


def external_factchecks(
    *, workspace: Workspace, source: ClaimReviewSource | None = None
) -> QuerySet[ExternalFactCheck]:
    found = ExternalFactCheck.objects.filter(workspace=workspace).select_related("source")
    if source is not None:
        found = found.filter(source=source)
    return found.order_by("-date_published", "-id")
