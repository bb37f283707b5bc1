"""Violation reports forwarded, as the tipster asked, to the authority unit the workspace chose.

The e-mail carries the report's text and the images the tipster sent, the workspace's name and
a reference; never a sender id, pseudonym, reply address or anything else about the tipster.
The tipster receives the same reference through their channel (or on the status page).
"""

from __future__ import annotations

import re
import smtplib
from dataclasses import dataclass
from email.utils import make_msgid
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kiemchung.accounts.models import Member
from kiemchung.accounts.permissions import Action, require
from kiemchung.audit.services import audit_record
from kiemchung.core.models import Delivery, DeliveryStatus
from kiemchung.core.tasks import enqueue_on_commit
from kiemchung.text.normalize import fold
from kiemchung.tipline import notifications
from kiemchung.tipline.models import AuthorityUnit, Tip, TipCategory, TipMedia, TipState

ADAPTER = "email"
SUBJECT_TYPE = "tipline.forward"
# Attachments larger than this in all are left out (mail servers refuse big messages).
ATTACHMENTS_MAX_BYTES = 20 * 1024 * 1024


def unit_code(unit: AuthorityUnit) -> str:
    """Short letters for a unit in references: the initials of its name, e.g. "UBND"."""
    words = re.findall(r"[A-Za-z0-9]+", fold(unit.name))
    initials = "".join(word[0] for word in words if word[0].isalpha()).upper()
    return (initials or "CQ")[:4]


def forward_reference(*, tip: Tip, unit: AuthorityUnit) -> str:
    """The reference both the tipster and the unit cite: "KC-7F3Q9M/UBND-2026-0042".

    The number counts this year's reports to the unit; the caller holds a lock on the unit.
    """
    year = timezone.localdate().year
    previous = Tip.objects.filter(forwarded_to=unit, forwarded_at__year=year).count()
    return f"{tip.tracking_code}/{unit_code(unit)}-{year}-{previous + 1:04d}"


def _member(workspace_id: int, actor: User) -> Member | None:
    return Member.objects.filter(workspace_id=workspace_id, user_id=actor.pk).first()


def tip_forward(*, tip: Tip, unit: AuthorityUnit, actor: User) -> Delivery:
    """Forward a violation report to an authority unit by e-mail; the tipster gets the reference.

    The send itself is a retried task; its Delivery is written here, before it.
    """
    require(_member(tip.workspace_id, actor), Action.HANDLE_TIPS)
    if tip.category != TipCategory.VIOLATION:
        raise ValidationError(_("Chỉ chuyển được tin báo cáo vi phạm."))
    if unit.workspace_id != tip.workspace_id or not unit.is_active:
        raise ValidationError({"unit": _("Hãy chọn một cơ quan đang dùng của nhóm.")})
    if tip.forwarded_to_id is not None:
        raise ValidationError(
            _("Tin này đã được chuyển (số tham chiếu %(reference)s).")
            % {"reference": tip.forward_reference}
        )
    # The unit's row is the lock that keeps its yearly numbers unique.
    AuthorityUnit.objects.select_for_update().filter(pk=unit.pk).first()
    reference = forward_reference(tip=tip, unit=unit)
    before = {"state": tip.state}
    tip.forwarded_to = unit
    tip.forward_reference = reference
    tip.forwarded_at = timezone.now()
    tip.forwarded_by_id = actor.pk
    tip.state = TipState.FORWARDED
    tip.save(
        update_fields=[
            "forwarded_to", "forward_reference", "forwarded_at", "forwarded_by", "state",
            "updated_at",
        ]
    )
    delivery = Delivery.objects.create(
        workspace_id=tip.workspace_id,
        adapter=ADAPTER,
        key=f"tipline-forward:{tip.pk}",
        subject_type=SUBJECT_TYPE,
        subject_id=str(tip.pk),
        # The unit, not a person: its address is the workspace's configuration.
        target=f"tipline.authority:{unit.pk}",
    )
    from kiemchung.tipline.tasks_inbox import forward_send

    enqueue_on_commit(forward_send, delivery.pk)
    notifications.notice_send(
        conversation=tip.conversation,
        tip=tip,
        text=_(
            "Báo cáo %(code)s của bạn đã được chuyển tới %(unit)s. Số tham chiếu: %(reference)s. "
            "Bạn có thể dùng số này khi liên hệ với cơ quan."
        )
        % {"code": tip.tracking_code, "unit": unit.name, "reference": reference},
    )
    audit_record(
        workspace=tip.workspace,
        actor=actor,
        action="tip.forward",
        obj=tip,
        before=before,
        after={"state": tip.state, "unit": unit.pk, "reference": reference},
    )
    return delivery


@dataclass(frozen=True)
class ForwardOutcome:
    status: str
    retry: bool = False
    error: str = ""


def forward_email(*, tip: Tip, unit: AuthorityUnit) -> EmailMessage:
    """The e-mail to the unit: the report and its images, the team and the reference only."""
    workspace = tip.workspace
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Báo cáo vi phạm chuyển từ %(team)s — %(reference)s") % {
            "team": workspace.name,
            "reference": tip.forward_reference,
        }
        lines = [
            _("Kính gửi %(unit)s,") % {"unit": unit.name},
            "",
            _(
                "%(team)s chuyển tới quý cơ quan báo cáo dưới đây, theo yêu cầu của người gửi "
                "qua đường dây nhận tin của chúng tôi. Theo chính sách bảo vệ người gửi tin, "
                "chúng tôi không chuyển bất kỳ thông tin nào về người gửi."
            )
            % {"team": workspace.name},
            "",
            _("Số tham chiếu: %(reference)s") % {"reference": tip.forward_reference},
            _("Ngày nhận báo cáo: %(date)s")
            % {"date": timezone.localtime(tip.created_at).strftime("%d/%m/%Y")},
            "",
            _("Nội dung báo cáo:"),
            tip.text,
        ]
        media = list(TipMedia.objects.filter(tip=tip).order_by("pk"))
        if media:
            lines += ["", _("Ảnh người gửi đính kèm: %(count)d.") % {"count": len(media)}]
        lines += [
            "",
            _("Khi phản hồi về báo cáo này, xin ghi số tham chiếu %(reference)s.")
            % {"reference": tip.forward_reference},
        ]
    reply_to = [workspace.corrections_email] if workspace.corrections_email else None
    message = EmailMessage(
        subject=subject[:250],
        body="\n".join(lines),
        from_email=f"{workspace.name} <{settings.DEFAULT_FROM_EMAIL}>"
        if "<" not in settings.DEFAULT_FROM_EMAIL
        else settings.DEFAULT_FROM_EMAIL,
        to=[unit.email],
        reply_to=reply_to,
        headers={"Message-ID": make_msgid(domain=urlsplit(settings.SITE_URL).hostname)},
    )
    total = 0
    for index, item in enumerate(media, start=1):
        if total + item.size > ATTACHMENTS_MAX_BYTES:
            break
        with item.file.open("rb") as handle:
            content = handle.read()
        total += len(content)
        # Numbered names: the stored file name says nothing, and neither does this one.
        message.attach(f"anh-{index}.{item.extension}", content, item.content_type)
    return message


def _smtp_retryable(exc: Exception) -> bool:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _msg in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    return isinstance(exc, smtplib.SMTPServerDisconnected | OSError)


def forward_send(*, delivery_id: int, last_attempt: bool) -> ForwardOutcome:
    """One attempt at e-mailing a forwarded report (the body of its retried task)."""
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().filter(pk=delivery_id).first()
        if delivery is None:
            return ForwardOutcome("missing")
        if delivery.status in (DeliveryStatus.SENT, DeliveryStatus.SKIPPED, DeliveryStatus.FAILED):
            return ForwardOutcome(str(delivery.status))
        tip = (
            Tip.objects.select_related("workspace", "forwarded_to")
            .filter(pk=delivery.subject_id)
            .first()
        )
        delivery.attempts += 1
        if tip is None or tip.forwarded_to is None:
            delivery.status = DeliveryStatus.SKIPPED
            delivery.error = _("Tin báo đã bị xóa trước khi gửi.")
            delivery.save(update_fields=["attempts", "status", "error", "updated_at"])
            return ForwardOutcome(str(delivery.status))
        message = forward_email(tip=tip, unit=tip.forwarded_to)
        try:
            message.send()
        except (smtplib.SMTPException, OSError) as exc:
            retry = _smtp_retryable(exc) and not last_attempt
            delivery.error = str(exc)[:2000]
            delivery.status = DeliveryStatus.RETRYING if retry else DeliveryStatus.FAILED
            delivery.save(update_fields=["attempts", "status", "error", "updated_at"])
            return ForwardOutcome(str(delivery.status), retry=retry, error=delivery.error)
        delivery.status = DeliveryStatus.SENT
        delivery.sent_at = timezone.now()
        delivery.error = ""
        delivery.external_id = message.extra_headers["Message-ID"][:200]
        delivery.save(
            update_fields=["attempts", "status", "sent_at", "error", "external_id", "updated_at"]
        )
    return ForwardOutcome(str(delivery.status))
