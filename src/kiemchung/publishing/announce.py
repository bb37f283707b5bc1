"""Announcing published fact-checks on the team's outlets, resending, configuring outlets.

Every announcement is one Delivery, keyed by outlet, fact-check and version, written before
the send is queued: asking twice for the same version posts once. The send itself is a task
carrying the delivery's id; errors that may pass are retried with backoff (or after the wait
the service asked for), the others leave the delivery failed with the service's own message.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from kiemchung.accounts.models import Member, Workspace
from kiemchung.accounts.permissions import Action, require
from kiemchung.accounts.selectors import member_for
from kiemchung.audit.services import audit_record
from kiemchung.claims.models import FactCheck
from kiemchung.core.crypto import DecryptionError
from kiemchung.core.models import Delivery, DeliveryStatus
from kiemchung.core.tasks import enqueue_on_commit
from kiemchung.publishing.cards import card_url
from kiemchung.publishing.deliveries import (
    SendOutcome,
    delivery_failed,
    delivery_sent,
    delivery_skipped,
    delivery_take,
)
from kiemchung.publishing.jsonld import absolute_url, factcheck_path
from kiemchung.publishing.models import Announcement, Outlet, OutletKind
from kiemchung.publishing.outlets import (
    adapter_class,
    adapter_for,
    credentials_decrypt,
    credentials_encrypt,
)
from kiemchung.publishing.outlets.base import OutletError, Post

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

logger = logging.getLogger(__name__)

SUBJECT_TYPE = "factcheck"
NAME_MAX = 120


def _member(*, actor: User | AnonymousUser, workspace: Workspace, action: Action) -> Member:
    member = member_for(user=actor, workspace=workspace)
    require(member, action)
    assert member is not None
    return member


def announcement_key(*, outlet: Outlet, factcheck: FactCheck, version: int) -> str:
    return f"outlet:{outlet.pk}:factcheck:{factcheck.pk}:v{version}"


def post_for(factcheck: FactCheck) -> Post:
    """The fact-check as outlets announce it, worded in the site's language."""
    with translation.override(settings.LANGUAGE_CODE):
        labels = (_("Nhận định"), _("Kết luận"), _("Đọc bài kiểm chứng"))
    return Post(
        team=factcheck.claim.workspace.name,
        title=factcheck.title,
        claim=factcheck.claim.text,
        rating=factcheck.rating.label if factcheck.rating else "",
        summary=factcheck.summary,
        url=absolute_url(factcheck_path(factcheck)),
        image_url=card_url(factcheck, "og"),
        claim_label=labels[0],
        rating_label=labels[1],
        read_more_label=labels[2],
    )


def _announce(
    *, factcheck: FactCheck, outlets: list[Outlet], requested_by: User | None
) -> list[Announcement]:
    if not factcheck.is_published:
        raise ValidationError(_("Chỉ đăng được bài kiểm chứng đã công bố."))
    workspace_id = factcheck.claim.workspace_id
    announcements: list[Announcement] = []
    for outlet in outlets:
        if outlet.workspace_id != workspace_id:
            raise ValidationError(_("Kênh này không thuộc nhóm của bài kiểm chứng."))
        key = announcement_key(outlet=outlet, factcheck=factcheck, version=factcheck.version)
        delivery, created = Delivery.objects.get_or_create(
            key=key,
            defaults={
                "workspace_id": workspace_id,
                "adapter": outlet.kind,
                "subject_type": SUBJECT_TYPE,
                "subject_id": str(factcheck.pk),
                "target": outlet.name[:200],
            },
        )
        if created:
            announcement = Announcement.objects.create(
                outlet=outlet,
                factcheck=factcheck,
                version=factcheck.version,
                delivery=delivery,
                requested_by=requested_by,
            )
            from kiemchung.publishing.tasks import outlet_delivery_send

            enqueue_on_commit(outlet_delivery_send, delivery.pk)
        else:
            announcement = Announcement.objects.get(delivery=delivery)
        announcements.append(announcement)
    return announcements


def factcheck_announce(
    *,
    factcheck: FactCheck,
    actor: User | AnonymousUser,
    outlets: list[Outlet] | None = None,
) -> list[Announcement]:
    """Announce the current version of a published fact-check on OUTLETS (default: every
    active outlet of the team). Asking again for the same version changes nothing."""
    workspace = factcheck.claim.workspace
    member = _member(actor=actor, workspace=workspace, action=Action.PUBLISH)
    chosen = outlets
    if chosen is None:
        chosen = list(Outlet.objects.filter(workspace=workspace, is_active=True))
    inactive = [outlet.name for outlet in chosen if not outlet.is_active]
    if inactive:
        raise ValidationError(
            _("Kênh đang tắt: %(names)s") % {"names": ", ".join(inactive)}
        )
    if not chosen:
        raise ValidationError(_("Nhóm chưa có kênh đăng nào đang dùng."))
    announcements = _announce(factcheck=factcheck, outlets=chosen, requested_by=member.user)
    audit_record(
        workspace=workspace,
        actor=member.user,
        action="factcheck.announce",
        obj=factcheck,
        after={
            "version": factcheck.version,
            "outlets": [a.outlet.name for a in announcements],
        },
    )
    return announcements


def factcheck_announce_on_publish(*, factcheck: FactCheck) -> list[Announcement]:
    """Announce a fact-check that was just published on every outlet set to post on
    publication. Call it in the publishing transaction; sends start once it commits."""
    outlets = list(
        Outlet.objects.filter(
            workspace_id=factcheck.claim.workspace_id, is_active=True, announce_on_publish=True
        )
    )
    if not outlets:
        return []
    return _announce(factcheck=factcheck, outlets=outlets, requested_by=None)


def delivery_resend(*, delivery: Delivery, actor: User | AnonymousUser) -> Delivery:
    """Try a failed announcement again, with a fresh count of attempts."""
    announcement = Announcement.objects.select_related("outlet", "factcheck").filter(
        delivery=delivery
    ).first()
    if announcement is None:
        raise ValidationError(_("Lượt gửi này không phải một lần đăng bài."))
    workspace = announcement.outlet.workspace
    member = _member(actor=actor, workspace=workspace, action=Action.PUBLISH)
    with transaction.atomic():
        current = Delivery.objects.select_for_update().get(pk=delivery.pk)
        if current.status == DeliveryStatus.SENT:
            raise ValidationError(
                _("Bài đã được đăng lên kênh này. Sau khi đính chính, hãy đăng phiên bản mới.")
            )
        if current.status not in (DeliveryStatus.FAILED, DeliveryStatus.SKIPPED):
            raise ValidationError(_("Bài đang được gửi; hãy chờ kết quả."))
        if not announcement.outlet.is_active:
            raise ValidationError(_("Kênh đang tắt; hãy bật lại trước khi gửi lại."))
        before = {"status": current.status, "error": current.error, "attempts": current.attempts}
        current.status = DeliveryStatus.PENDING
        current.error = ""
        current.attempts = 0
        current.save(update_fields=["status", "error", "attempts", "updated_at"])
        audit_record(
            workspace=workspace,
            actor=member.user,
            action="delivery.resend",
            obj=current,
            before=before,
            after={"status": current.status},
        )
        from kiemchung.publishing.tasks import outlet_delivery_send

        enqueue_on_commit(outlet_delivery_send, current.pk)
    return current


def announcement_send(*, delivery_id: int) -> SendOutcome:
    """One attempt at sending an announcement (the body of its task)."""
    delivery = delivery_take(delivery_id)
    if delivery is None:
        status = Delivery.objects.filter(pk=delivery_id).values_list("status", flat=True).first()
        return SendOutcome(status or "missing")
    announcement = Announcement.objects.select_related(
        "outlet", "factcheck", "factcheck__claim", "factcheck__claim__workspace",
        "factcheck__rating",
    ).get(delivery_id=delivery.pk)
    outlet, factcheck = announcement.outlet, announcement.factcheck
    if not outlet.is_active:
        return delivery_skipped(delivery, reason=_("Kênh đã tắt trước khi bài được gửi."))
    if not factcheck.is_published:
        return delivery_skipped(delivery, reason=_("Bài không còn công khai."))
    progress = dict(announcement.progress or {})
    try:
        adapter = adapter_for(outlet, progress=progress)
        sent = adapter.send(post_for(factcheck), delivery_key=delivery.key)
    except OutletError as exc:
        logger.info("announcement %s on %s: %s", delivery.key, outlet.kind, exc.message)
        return delivery_failed(delivery, exc)
    except DecryptionError:
        return delivery_failed(
            delivery,
            OutletError(
                _("Không giải mã được khóa truy cập của kênh; hãy nhập lại khóa."),
                retryable=False,
            ),
        )
    finally:
        if progress != (announcement.progress or {}):
            announcement.progress = progress
            announcement.save(update_fields=["progress", "updated_at"])
    return delivery_sent(delivery, external_id=sent.external_id, detail=sent.detail)


def _clean_api_url(value: str) -> str:
    url = value.strip()
    if not url:
        return ""
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise ValidationError({"api_url": _("Địa chỉ API không hợp lệ.")}) from None
    return url.rstrip("/")


def outlet_save(
    *,
    workspace: Workspace,
    actor: User | AnonymousUser,
    kind: str,
    name: str,
    values: dict[str, Any],
    is_active: bool = True,
    announce_on_publish: bool = False,
    outlet: Outlet | None = None,
) -> Outlet:
    """Create an outlet, or change one; a secret left empty keeps the one stored."""
    member = _member(actor=actor, workspace=workspace, action=Action.MANAGE_WORKSPACE)
    if outlet is not None and outlet.workspace_id != workspace.pk:
        raise ValidationError(_("Kênh này không thuộc nhóm của bạn."))
    if kind not in OutletKind.values:
        raise ValidationError({"kind": _("Loại kênh không hợp lệ.")})
    if outlet is not None and outlet.kind != kind:
        raise ValidationError({"kind": _("Không đổi được loại của một kênh đã tạo.")})
    clean_name = (name or "").strip()
    if not clean_name:
        raise ValidationError({"name": _("Hãy đặt tên cho kênh.")})
    if len(clean_name) > NAME_MAX:
        raise ValidationError({"name": _("Tên tối đa %(max)d ký tự.") % {"max": NAME_MAX}})
    cls = adapter_class(kind)
    stored = credentials_decrypt(outlet.credentials) if outlet is not None else {}
    cleaned: dict[str, str] = {}
    for field in cls.fields:
        raw = values.get(field.name)
        if field.boolean:
            cleaned[field.name] = "true" if raw in (True, "true", "on", "1") else ""
            continue
        value = str(raw or "").strip()
        if field.secret and not value:
            value = stored.get(field.name, "")
        if field.required and not value:
            raise ValidationError({field.name: _("Trường này là bắt buộc.")})
        cleaned[field.name] = value
    cleaned = cls.clean(cleaned)
    api_url = _clean_api_url(str(values.get("api_url") or ""))
    config = {f.name: cleaned[f.name] for f in cls.fields if not f.secret}
    if api_url:
        config["api_url"] = api_url
    secrets = {f.name: cleaned[f.name] for f in cls.fields if f.secret}
    changed_secrets = sorted(k for k, v in secrets.items() if stored.get(k, "") != v)
    before = None
    if outlet is None:
        outlet = Outlet(workspace=workspace, kind=kind)
    else:
        before = {
            "name": outlet.name,
            "config": outlet.config,
            "is_active": outlet.is_active,
            "announce_on_publish": outlet.announce_on_publish,
        }
    outlet.name = clean_name
    outlet.config = config
    outlet.credentials = credentials_encrypt(secrets)
    outlet.is_active = is_active
    outlet.announce_on_publish = announce_on_publish
    outlet.save()
    audit_record(
        workspace=workspace,
        actor=member.user,
        action="outlet.create" if before is None else "outlet.update",
        obj=outlet,
        before=before,
        after={
            "name": outlet.name,
            "kind": outlet.kind,
            "config": config,
            "is_active": is_active,
            "announce_on_publish": announce_on_publish,
            # Which secrets changed, never their values.
            "secrets_changed": changed_secrets,
        },
    )
    return outlet


def outlet_delete(*, outlet: Outlet, actor: User | AnonymousUser) -> None:
    """Remove an outlet; the deliveries already made on it stay in the record."""
    member = _member(actor=actor, workspace=outlet.workspace, action=Action.MANAGE_WORKSPACE)
    audit_record(
        workspace=outlet.workspace,
        actor=member.user,
        action="outlet.delete",
        obj=outlet,
        before={"name": outlet.name, "kind": outlet.kind},
    )
    outlet.delete()
