"""Registering webhook endpoints, their secrets, test events, and handing events out to them.

Admins (Action.MANAGE_WORKSPACE) act here; an actor of None is the command line. A secret is
made here and handed back once so it can be shown once; it is never logged or audited. The
caller owns the transaction; sends are queued on commit with the delivery's id only.
"""

from __future__ import annotations

import base64
import ipaddress
import secrets
import socket
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from kiemchung.accounts.models import Workspace
from kiemchung.accounts.permissions import Action
from kiemchung.accounts.selectors import member_acting
from kiemchung.audit.services import audit_record
from kiemchung.core import events
from kiemchung.core.crypto import encrypt
from kiemchung.core.http import address_is_public
from kiemchung.core.models import DeliveryStatus, Event
from kiemchung.core.tasks import enqueue_on_commit
from kiemchung.webhooks.models import Endpoint, WebhookDelivery

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

    Actor = User | AnonymousUser | None

URL_MAX = 2000
DESCRIPTION_MAX = 200
SECRET_BYTES = 24
ENDPOINTS_MAX = 20
OPEN = (DeliveryStatus.PENDING, DeliveryStatus.RETRYING)
ROTATION_OVERLAP = timedelta(hours=24)


def _acting(workspace: Workspace, actor: Actor) -> User | None:
    if actor is None:
        return None
    return member_acting(
        actor=actor, workspace_id=workspace.pk, action=Action.MANAGE_WORKSPACE
    ).user


def secret_new() -> str:
    """A fresh signing secret in the Standard Webhooks form: "whsec_" and base64 of 24 bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def _addresses(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise ValidationError(
            {"url": _("Không tìm thấy máy chủ %(host)s.") % {"host": host}}
        ) from exc
    return [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]


def endpoint_url_check(url: str) -> str:
    """The address trimmed, or ValidationError in words: an https address on the internet.

    The outbound guard refuses private addresses at send time too; this says so at once.
    KIEMCHUNG_ALLOW_PRIVATE_URLS (tests) lets through this machine's loopback only, over http.
    """
    clean = (url or "").strip()
    if not clean:
        raise ValidationError({"url": _("Hãy nhập địa chỉ nhận sự kiện.")})
    if len(clean) > URL_MAX:
        raise ValidationError(
            {"url": _("Địa chỉ quá dài (tối đa %(max)d ký tự).") % {"max": URL_MAX}}
        )
    try:
        URLValidator(schemes=["http", "https"])(clean)
    except ValidationError:
        raise ValidationError(
            {"url": _("Địa chỉ không hợp lệ: hãy nhập đủ, ví dụ https://example.org/webhook.")}
        ) from None
    parts = urlsplit(clean)
    host = (parts.hostname or "").strip("[]")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise ValidationError({"url": _("Cổng trong địa chỉ không hợp lệ.")}) from None
    if parts.username or parts.password:
        raise ValidationError({"url": _("Địa chỉ không được chứa tên đăng nhập hay mật khẩu.")})
    addresses = _addresses(host, port)
    loopback_allowed = settings.ALLOW_PRIVATE_URLS and all(a.is_loopback for a in addresses)
    if not loopback_allowed and not all(address_is_public(a) for a in addresses):
        raise ValidationError(
            {"url": _("Địa chỉ nội bộ không được phép: máy chủ nhận phải ở trên Internet.")}
        )
    if parts.scheme != "https" and not loopback_allowed:
        raise ValidationError(
            {"url": _("Địa chỉ phải bắt đầu bằng https:// để được gửi qua kết nối an toàn.")}
        )
    return clean


def _kinds_check(kinds: Sequence[str]) -> list[str]:
    chosen = [kind for kind in events.KINDS if kind in set(kinds)]
    unknown = sorted(set(kinds) - set(events.KINDS))
    if unknown:
        raise ValidationError(
            {"kinds": _("Không có loại sự kiện %(kinds)s.") % {"kinds": ", ".join(unknown)}}
        )
    if not chosen:
        raise ValidationError({"kinds": _("Hãy chọn ít nhất một loại sự kiện.")})
    return chosen


def _description_check(description: str) -> str:
    clean = (description or "").strip()
    if len(clean) > DESCRIPTION_MAX:
        raise ValidationError(
            {"description": _("Mô tả quá dài (tối đa %(max)d ký tự).") % {"max": DESCRIPTION_MAX}}
        )
    return clean


def _checked(*, url: str, kinds: Sequence[str], description: str) -> dict[str, Any]:
    """The cleaned values, or one ValidationError naming every field at fault."""
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    try:
        values["url"] = endpoint_url_check(url)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        values["kinds"] = _kinds_check(kinds)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        values["description"] = _description_check(description)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return values


def _shown(endpoint: Endpoint) -> dict[str, Any]:
    return {
        "url": endpoint.url,
        "description": endpoint.description,
        "kinds": list(endpoint.kinds),
        "is_active": endpoint.is_active,
    }


def endpoint_create(
    *, workspace: Workspace, actor: Actor, url: str, kinds: Sequence[str], description: str = ""
) -> tuple[Endpoint, str]:
    """Register an endpoint; returns it with its secret, which is not shown again."""
    user = _acting(workspace, actor)
    values = _checked(url=url, kinds=kinds, description=description)
    if Endpoint.objects.filter(workspace=workspace).count() >= ENDPOINTS_MAX:
        raise ValidationError(
            _("Nhóm đã có %(max)d địa chỉ webhook, hãy xoá bớt trước.") % {"max": ENDPOINTS_MAX}
        )
    secret = secret_new()
    endpoint = Endpoint.objects.create(
        workspace=workspace, secret_enc=encrypt(secret), created_by=user, **values
    )
    audit_record(
        workspace=workspace, actor=user, action="webhook.create", obj=endpoint,
        after=_shown(endpoint),
    )
    return endpoint, secret


def endpoint_update(
    *, endpoint: Endpoint, actor: Actor, url: str, kinds: Sequence[str], description: str = ""
) -> Endpoint:
    """Change where an endpoint is and what it receives; its secret stays."""
    user = _acting(endpoint.workspace, actor)
    before = _shown(endpoint)
    for name, value in _checked(url=url, kinds=kinds, description=description).items():
        setattr(endpoint, name, value)
    endpoint.save()
    audit_record(
        workspace=endpoint.workspace, actor=user, action="webhook.update", obj=endpoint,
        before=before, after=_shown(endpoint),
    )
    return endpoint


def endpoint_secret_rotate(*, endpoint: Endpoint, actor: Actor) -> str:
    """A new secret for the endpoint, returned once. For ROTATION_OVERLAP every send is signed
    with the old secret too, so a receiver still holding it keeps accepting until it switches."""
    user = _acting(endpoint.workspace, actor)
    secret = secret_new()
    endpoint.previous_secret_enc = endpoint.secret_enc
    endpoint.previous_secret_until = timezone.now() + ROTATION_OVERLAP
    endpoint.secret_enc = encrypt(secret)
    endpoint.save(
        update_fields=["secret_enc", "previous_secret_enc", "previous_secret_until", "updated_at"]
    )
    audit_record(
        workspace=endpoint.workspace, actor=user, action="webhook.rotate_secret", obj=endpoint
    )
    return secret


def _deliveries_queue(ids: Sequence[int]) -> None:
    from kiemchung.webhooks.tasks import webhook_delivery_send

    for delivery_id in ids:
        enqueue_on_commit(webhook_delivery_send, delivery_id)


def endpoint_switch(*, endpoint: Endpoint, actor: Actor, active: bool) -> Endpoint:
    """Turn an endpoint off (its waiting events are kept) or on (they are sent)."""
    user = _acting(endpoint.workspace, actor)
    if endpoint.is_active == active:
        return endpoint
    endpoint.is_active = active
    endpoint.save(update_fields=["is_active", "updated_at"])
    if active:
        waiting = endpoint.deliveries.filter(status__in=OPEN)
        _deliveries_queue(list(waiting.values_list("pk", flat=True)))
    audit_record(
        workspace=endpoint.workspace, actor=user, action="webhook.switch", obj=endpoint,
        before={"is_active": not active}, after={"is_active": active},
    )
    return endpoint


def endpoint_delete(*, endpoint: Endpoint, actor: Actor) -> None:
    """Remove an endpoint and its delivery log."""
    user = _acting(endpoint.workspace, actor)
    audit_record(
        workspace=endpoint.workspace, actor=user, action="webhook.delete", obj=endpoint,
        before=_shown(endpoint),
    )
    endpoint.delete()


def endpoint_test_send(*, endpoint: Endpoint, actor: Actor) -> WebhookDelivery:
    """Send a webhook.test event to this endpoint only, signed like every other event."""
    user = _acting(endpoint.workspace, actor)
    event = events.event_record(
        workspace=endpoint.workspace,
        kind=events.WEBHOOK_TEST,
        payload={"message": "kiemchung webhook test"},
    )
    delivery = WebhookDelivery.objects.create(endpoint=endpoint, event=event)
    Event.objects.filter(pk=event.pk).update(dispatched_at=timezone.now())
    _deliveries_queue([delivery.pk])
    audit_record(
        workspace=endpoint.workspace, actor=user, action="webhook.test", obj=endpoint,
        after={"event": event.public_id},
    )
    return delivery


def deliveries_resend(*, endpoint: Endpoint, actor: Actor) -> int:
    """Send again, from the first attempt, every event that failed to reach the endpoint."""
    user = _acting(endpoint.workspace, actor)
    failed = endpoint.deliveries.filter(status=DeliveryStatus.FAILED)
    ids = list(failed.values_list("pk", flat=True))
    failed.update(
        status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=None, updated_at=timezone.now()
    )
    _deliveries_queue(ids)
    if ids:
        audit_record(
            workspace=endpoint.workspace, actor=user, action="webhook.resend", obj=endpoint,
            after={"deliveries": len(ids)},
        )
    return len(ids)


def event_hand_out(*, event: Event) -> list[int]:
    """Write a delivery row for each active endpoint that wants this event, in the event's own
    transaction, and queue their sends for after the commit."""
    endpoints = [
        endpoint
        for endpoint in Endpoint.objects.filter(workspace_id=event.workspace_id, is_active=True)
        if event.kind in endpoint.kinds
    ]
    ids: list[int] = []
    with transaction.atomic():
        for endpoint in endpoints:
            delivery, _created = WebhookDelivery.objects.get_or_create(
                endpoint=endpoint, event=event
            )
            ids.append(delivery.pk)
        Event.objects.filter(pk=event.pk).update(dispatched_at=timezone.now())
    _deliveries_queue(ids)
    return ids


def webhook_log_prune(*, now: datetime | None = None) -> tuple[int, int]:
    """Delete finished deliveries older than KIEMCHUNG_WEBHOOK_LOG_DAYS and the events no
    delivery refers to any more; returns (deliveries, events) deleted. A delivery still pending
    or being retried stays, and so does its event."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.WEBHOOK_LOG_DAYS)
    finished = (DeliveryStatus.SENT, DeliveryStatus.FAILED, DeliveryStatus.SKIPPED)
    deliveries, _kinds = WebhookDelivery.objects.filter(
        status__in=finished, updated_at__lt=cutoff
    ).delete()
    still_wanted = WebhookDelivery.objects.filter(event_id=OuterRef("pk"))
    removed, _kinds = Event.objects.filter(
        occurred_at__lt=cutoff, dispatched_at__isnull=False
    ).exclude(Exists(still_wanted)).delete()
    return deliveries, removed
