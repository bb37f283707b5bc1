"""The e-mail newsletter: double opt-in subscriptions, one-click unsubscribe, the e-mails."""

from __future__ import annotations

import secrets
import smtplib
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.core.validators import validate_email
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kiemchung.accounts.models import Workspace
from kiemchung.core.models import Delivery
from kiemchung.core.tasks import enqueue_on_commit
from kiemchung.publishing.deliveries import (
    SendOutcome,
    delivery_failed,
    delivery_sent,
    delivery_skipped,
    delivery_take,
)
from kiemchung.publishing.jsonld import absolute_url
from kiemchung.publishing.models import NewsletterSubscriber
from kiemchung.publishing.outlets.base import OutletError, Post

CONFIRM_SALT = "kiemchung.publishing.newsletter.confirm"
CONFIRM_MAX_AGE = timedelta(days=7)
# At most one confirmation e-mail per address in this window, however often the form is sent.
CONFIRM_WINDOW_SECONDS = 10 * 60
ADAPTER_CONFIRM = "email_confirm"
ADAPTER_ISSUE = "email_newsletter_issue"


def clean_email(value: str | None) -> str:
    email = (value or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": _("Địa chỉ e-mail không hợp lệ.")}) from None
    local, _sep, domain = email.rpartition("@")
    return f"{local}@{domain.lower()}"


def confirmation_token(subscriber: NewsletterSubscriber) -> str:
    # The unsubscribe token's start ties the link to this subscription: a new one after a
    # deletion does not accept an old link.
    data = {"s": subscriber.pk, "t": subscriber.unsubscribe_token[:12]}
    return signing.dumps(data, salt=CONFIRM_SALT, compress=True)


def confirm_url(subscriber: NewsletterSubscriber) -> str:
    path = reverse(
        "reader:newsletter_confirm",
        kwargs={
            "workspace_slug": subscriber.workspace.slug,
            "token": confirmation_token(subscriber),
        },
    )
    return absolute_url(path)


def unsubscribe_url(subscriber: NewsletterSubscriber) -> str:
    path = reverse(
        "reader:newsletter_unsubscribe",
        kwargs={
            "workspace_slug": subscriber.workspace.slug,
            "token": subscriber.unsubscribe_token,
        },
    )
    return absolute_url(path)


def subscriber_request(*, workspace: Workspace, email: str) -> Delivery | None:
    """Someone asked to receive the newsletter: send them a link to confirm.

    Returns the confirmation's delivery, or None when nothing is sent (already confirmed, or a
    confirmation went out to the address in the last few minutes). The public page says the
    same thing either way, so it does not tell who is subscribed.
    """
    address = clean_email(email)
    subscriber, _created = NewsletterSubscriber.objects.get_or_create(
        workspace=workspace,
        email=address,
        defaults={"unsubscribe_token": secrets.token_urlsafe(32)},
    )
    if subscriber.confirmed_at is not None and subscriber.unsubscribed_at is None:
        return None
    window = int(timezone.now().timestamp()) // CONFIRM_WINDOW_SECONDS
    delivery, created = Delivery.objects.get_or_create(
        key=f"newsletter-confirm:{subscriber.pk}:{window}",
        defaults={
            "workspace": workspace,
            "adapter": ADAPTER_CONFIRM,
            "subject_type": "newsletter_subscriber",
            "subject_id": str(subscriber.pk),
            "target": address,
        },
    )
    if not created:
        return None
    from kiemchung.publishing.tasks import email_delivery_send

    enqueue_on_commit(email_delivery_send, delivery.pk)
    return delivery


def subscriber_confirm(*, workspace: Workspace, token: str) -> NewsletterSubscriber | None:
    """Confirm a subscription from the link in the e-mail; None when the link is not valid."""
    try:
        data = signing.loads(token, salt=CONFIRM_SALT, max_age=CONFIRM_MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("s"), int):
        return None
    subscriber = NewsletterSubscriber.objects.filter(pk=data["s"], workspace=workspace).first()
    if subscriber is None or subscriber.unsubscribe_token[:12] != data.get("t"):
        return None
    subscriber.confirmed_at = timezone.now()
    subscriber.unsubscribed_at = None
    subscriber.save(update_fields=["confirmed_at", "unsubscribed_at", "updated_at"])
    return subscriber


def subscriber_by_token(*, workspace: Workspace, token: str) -> NewsletterSubscriber | None:
    return NewsletterSubscriber.objects.filter(workspace=workspace, unsubscribe_token=token).first()


def subscriber_unsubscribe(*, subscriber: NewsletterSubscriber) -> NewsletterSubscriber:
    """Stop the newsletter for this reader; doing it twice changes nothing."""
    if subscriber.unsubscribed_at is None:
        subscriber.unsubscribed_at = timezone.now()
        subscriber.save(update_fields=["unsubscribed_at", "updated_at"])
    return subscriber


def confirmed_subscribers(*, workspace_id: int) -> list[NewsletterSubscriber]:
    return list(
        NewsletterSubscriber.objects.filter(
            workspace_id=workspace_id, confirmed_at__isnull=False, unsubscribed_at__isnull=True
        )
        .select_related("workspace")
        .order_by("pk")
    )


def _from_email(from_email: str, team: str) -> str:
    address = from_email or settings.DEFAULT_FROM_EMAIL
    return f"{team} <{address}>" if "<" not in address else address


def confirmation_email(subscriber: NewsletterSubscriber) -> EmailMultiAlternatives:
    workspace = subscriber.workspace
    with translation.override(settings.LANGUAGE_CODE):
        context = {"team": workspace, "confirm_url": confirm_url(subscriber)}
        subject = _("Xác nhận đăng ký bản tin của %(team)s") % {"team": workspace.name}
        body = render_to_string("publishing/email/confirm.txt", context)
    return EmailMultiAlternatives(
        subject=subject,
        body=body,
        from_email=_from_email("", workspace.name),
        to=[subscriber.email],
    )


def announcement_email(
    post: Post, subscriber: NewsletterSubscriber, *, from_email: str, reply_to: str
) -> EmailMultiAlternatives:
    """One reader's e-mail about a fact-check, with a one-click unsubscribe (RFC 8058)."""
    leave = unsubscribe_url(subscriber)
    with translation.override(settings.LANGUAGE_CODE):
        context = {"post": post, "unsubscribe_url": leave}
        subject = post.title or post.claim
        text = render_to_string("publishing/email/announcement.txt", context)
        html = render_to_string("publishing/email/announcement.html", context)
    message = EmailMultiAlternatives(
        subject=subject[:200],
        body=text,
        from_email=_from_email(from_email, post.team),
        to=[subscriber.email],
        reply_to=[reply_to] if reply_to else None,
        headers={
            "List-Unsubscribe": f"<{leave}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    message.attach_alternative(html, "text/html")
    return message


def smtp_error(exc: Exception) -> OutletError:
    """What the mail server said, as an OutletError: 4xx answers and lost connections may
    pass, 5xx answers (a refused address, a refused message) will not."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _msg in exc.recipients.values()]
        details = "; ".join(
            f"{code} {msg.decode('utf-8', 'replace') if isinstance(msg, bytes) else msg}"
            for code, msg in exc.recipients.values()
        )
        return OutletError(details, retryable=all(400 <= c < 500 for c in codes))
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error
        said = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
        message = f"{exc.smtp_code} {said}"
        return OutletError(message, retryable=400 <= exc.smtp_code < 500)
    if isinstance(exc, smtplib.SMTPServerDisconnected | OSError):
        return OutletError(
            _("Không kết nối được máy chủ thư: %(error)s") % {"error": exc}, retryable=True
        )
    return OutletError(str(exc), retryable=False)


def confirmation_send(*, delivery_id: int) -> SendOutcome:
    """One attempt at sending a confirmation e-mail (the body of its task)."""
    delivery = delivery_take(delivery_id)
    if delivery is None:
        status = Delivery.objects.filter(pk=delivery_id).values_list("status", flat=True).first()
        return SendOutcome(status or "missing")
    subscriber = (
        NewsletterSubscriber.objects.select_related("workspace")
        .filter(pk=delivery.subject_id)
        .first()
    )
    if subscriber is None:
        return delivery_skipped(delivery, reason=_("Người đăng ký không còn trong danh sách."))
    if subscriber.confirmed_at is not None and subscriber.unsubscribed_at is None:
        return delivery_skipped(delivery, reason=_("Đã xác nhận trước đó."))
    try:
        confirmation_email(subscriber).send()
    except (smtplib.SMTPException, OSError) as exc:
        return delivery_failed(delivery, smtp_error(exc))
    return delivery_sent(delivery, external_id="")
