"""Events a workspace's outgoing webhooks can announce, recorded with the change that made them.

Each app's service calls one emitter (`claim_created`, `factcheck_published`, ...) inside its
own transaction, so an event exists exactly when its change was committed (an outbox). The
webhooks app listens to `event_recorded` and delivers the event after the commit. Payloads
carry ids and public facts only: never a tipster's text, contact or identity.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.dispatch import Signal
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kiemchung.core.models import Event

# Sent inside the recording transaction with `event=`; receivers enqueue on commit.
event_recorded = Signal()


@dataclass(frozen=True)
class EventKind:
    """One kind of event: its name on the wire, a label for people, the payload's keys."""

    name: str
    label: Any
    keys: frozenset[str]


CLAIM_CREATED = "claim.created"
FACTCHECK_PUBLISHED = "factcheck.published"
FACTCHECK_CORRECTED = "factcheck.corrected"
TIP_RECEIVED = "tip.received"
ITEM_PROMOTED = "item.promoted"
REACH_IMPORTED = "reach.imported"
WEBHOOK_TEST = "webhook.test"

_CLAIM = frozenset({"id", "text", "topic", "tags", "state", "created_at"})
_FACTCHECK = frozenset(
    {"id", "claim_id", "title", "summary", "rating", "url", "version", "published_at"}
)

KINDS: dict[str, EventKind] = {
    kind.name: kind
    for kind in (
        EventKind(CLAIM_CREATED, _("Có nhận định mới"), frozenset({"claim"})),
        EventKind(FACTCHECK_PUBLISHED, _("Công bố kết luận"), frozenset({"factcheck"})),
        EventKind(
            FACTCHECK_CORRECTED, _("Đính chính kết luận"), frozenset({"factcheck", "correction"})
        ),
        EventKind(TIP_RECEIVED, _("Nhận tin báo"), frozenset({"tip"})),
        EventKind(
            ITEM_PROMOTED, _("Tạo nhận định từ mục theo dõi"), frozenset({"item", "claim_id"})
        ),
        EventKind(REACH_IMPORTED, _("Nhập số liệu tiếp cận"), frozenset({"import"})),
    )
}
TEST_KIND = EventKind(WEBHOOK_TEST, _("Sự kiện thử"), frozenset({"message"}))
# The keys a tip's payload may hold: nothing a tipster wrote or who they are.
TIP_KEYS = frozenset({"id", "channel", "category", "received_at"})


def _iso(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


def event_record(*, workspace: Any, kind: str, payload: dict[str, Any]) -> Event:
    """Record one event in the caller's transaction; the webhooks app sends it after commit."""
    known = KINDS.get(kind) or (TEST_KIND if kind == WEBHOOK_TEST else None)
    if known is None:
        raise ValueError(f"unknown event kind: {kind}")
    if set(payload) != known.keys:
        raise ValueError(f"{kind} payload keys {sorted(payload)} != {sorted(known.keys)}")
    if kind == TIP_RECEIVED and set(payload["tip"]) - TIP_KEYS:
        raise ValueError("a tip's payload carries only its id, channel, category and time")
    event = Event.objects.create(
        public_id=f"msg_{uuid.uuid4().hex}",
        workspace=workspace,
        kind=kind,
        payload=payload,
        occurred_at=timezone.now(),
    )
    event_recorded.send(sender=Event, event=event)
    return event


def _claim(claim: Any) -> dict[str, Any]:
    return {
        "id": claim.pk,
        "text": claim.text,
        "topic": claim.topic,
        "tags": list(claim.tags or []),
        "state": claim.state,
        "created_at": _iso(claim.created_at),
    }


def _factcheck(factcheck: Any) -> dict[str, Any]:
    path = reverse(
        "publishing:factcheck_detail",
        kwargs={
            "workspace_slug": factcheck.claim.workspace.slug,
            "pk": factcheck.pk,
            "slug": factcheck.slug or "-",
        },
    )
    rating = factcheck.rating
    return {
        "id": factcheck.pk,
        "claim_id": factcheck.claim_id,
        "title": factcheck.title,
        "summary": factcheck.summary,
        "rating": {"id": rating.pk, "label": rating.label} if rating is not None else None,
        "url": f"{settings.SITE_URL}{path}",
        "version": factcheck.version,
        "published_at": _iso(factcheck.published_at),
    }


def claim_created(*, claim: Any) -> Event:
    """claim.created: a claim was recorded (by hand, from a tip, or promoted from an item)."""
    return event_record(
        workspace=claim.workspace, kind=CLAIM_CREATED, payload={"claim": _claim(claim)}
    )


def factcheck_published(*, factcheck: Any) -> Event:
    """factcheck.published: a verdict is public, with its rating and its address."""
    return event_record(
        workspace=factcheck.claim.workspace,
        kind=FACTCHECK_PUBLISHED,
        payload={"factcheck": _factcheck(factcheck)},
    )


def factcheck_corrected(*, factcheck: Any, correction: Any) -> Event:
    """factcheck.corrected: a published verdict was corrected in the open."""
    return event_record(
        workspace=factcheck.claim.workspace,
        kind=FACTCHECK_CORRECTED,
        payload={
            "factcheck": _factcheck(factcheck),
            "correction": {
                "id": correction.pk,
                "note": correction.note,
                "from_version": correction.from_version,
                "to_version": correction.to_version,
            },
        },
    )


def tip_received(*, tip: Any) -> Event:
    """tip.received: a tip arrived; its id, channel kind, category and time, nothing else."""
    return event_record(
        workspace=tip.workspace,
        kind=TIP_RECEIVED,
        payload={
            "tip": {
                "id": tip.pk,
                "channel": tip.conversation.channel.kind,
                "category": tip.category,
                "received_at": _iso(tip.created_at),
            }
        },
    )


def item_promoted(*, item: Any, claim: Any) -> Event:
    """item.promoted: a monitored item became a claim. A tip's link is not repeated."""
    from_tipline = item.source.kind == "tipline"
    return event_record(
        workspace=item.workspace,
        kind=ITEM_PROMOTED,
        payload={
            "item": {
                "id": item.pk,
                "source_id": item.source_id,
                "platform": item.platform,
                "url": "" if from_tipline else item.url,
                "published_at": _iso(item.published_at),
            },
            "claim_id": claim.pk,
        },
    )


def reach_imported(
    *,
    workspace: Any,
    import_id: int,
    platform: str,
    rows: int,
    period_start: date | None,
    period_end: date | None,
    outlet_id: int | None = None,
) -> Event:
    """reach.imported: a platform's statistics export was imported for the team's own pages.

    Call it from the import's service, in the transaction that stores the figures.
    """
    return event_record(
        workspace=workspace,
        kind=REACH_IMPORTED,
        payload={
            "import": {
                "id": import_id,
                "platform": platform,
                "outlet_id": outlet_id,
                "rows": rows,
                "period_start": _iso(period_start),
                "period_end": _iso(period_end),
            }
        },
    )
