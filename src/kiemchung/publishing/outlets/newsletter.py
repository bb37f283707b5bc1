"""The e-mail newsletter: the fact-check sent to every confirmed reader through Django's mail.

Each reader's e-mail is its own delivery (keyed by the announcement and the reader), written
before it is sent: a retry sends only what has not gone yet, and nobody gets the same e-mail
twice.
"""

from __future__ import annotations

import smtplib

from django.core.exceptions import ValidationError
from django.core.mail import get_connection
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from kiemchung.core.models import Delivery, DeliveryStatus
from kiemchung.publishing import newsletter
from kiemchung.publishing.models import NewsletterSubscriber
from kiemchung.publishing.outlets.base import ConfigField, OutletAdapter, OutletError, Post, Sent


class EmailNewsletter(OutletAdapter):
    kind = "email_newsletter"
    # Newsletters carry no tracking pixel and no redirected links: opens and clicks are not
    # counted, by design.
    offers_engagement = False
    fields = (
        ConfigField(
            "from_email",
            gettext_lazy("Địa chỉ gửi"),
            gettext_lazy("Để trống để dùng KIEMCHUNG_FROM_EMAIL."),
            required=False,
        ),
        ConfigField(
            "reply_to",
            gettext_lazy("Địa chỉ nhận thư trả lời"),
            required=False,
        ),
    )

    @classmethod
    def clean(cls, values: dict[str, str]) -> dict[str, str]:
        for name in ("from_email", "reply_to"):
            if values.get(name, "").strip():
                try:
                    values[name] = newsletter.clean_email(values[name])
                except ValidationError as exc:
                    raise ValidationError({name: _("Địa chỉ e-mail không hợp lệ.")}) from exc
        return values

    def target(self) -> str:
        count = len(newsletter.confirmed_subscribers(workspace_id=self.workspace_id))
        return ngettext("%(count)d người đọc", "%(count)d người đọc", count) % {"count": count}

    def _rows(self, delivery_key: str) -> list[tuple[Delivery, NewsletterSubscriber]]:
        rows = []
        for subscriber in newsletter.confirmed_subscribers(workspace_id=self.workspace_id):
            row, _created = Delivery.objects.get_or_create(
                key=f"{delivery_key}:to:{subscriber.pk}",
                defaults={
                    "workspace_id": self.workspace_id,
                    "adapter": newsletter.ADAPTER_ISSUE,
                    "subject_type": "newsletter_subscriber",
                    "subject_id": str(subscriber.pk),
                    "target": subscriber.email,
                },
            )
            rows.append((row, subscriber))
        return rows

    def send(self, post: Post, *, delivery_key: str) -> Sent:
        rows = self._rows(delivery_key)
        pending = [(row, s) for row, s in rows if row.status != DeliveryStatus.SENT]
        sent = len(rows) - len(pending)
        if not pending:
            return Sent(external_id=f"{sent}/{len(rows)}")
        retry_error: OutletError | None = None
        connection_lost = False
        final_errors: list[str] = []
        from_email, reply_to = self.setting("from_email"), self.setting("reply_to")
        connection = get_connection(fail_silently=False)
        try:
            connection.open()
        except (smtplib.SMTPException, OSError) as exc:
            raise newsletter.smtp_error(exc) from exc
        try:
            for row, subscriber in pending:
                if connection_lost:
                    # The rest wait for the next attempt, on a new connection.
                    break
                row.attempts += 1
                row.save(update_fields=["attempts", "updated_at"])
                message = newsletter.announcement_email(
                    post, subscriber, from_email=from_email, reply_to=reply_to
                )
                message.connection = connection
                try:
                    message.send()
                except (smtplib.SMTPException, OSError) as exc:
                    error = newsletter.smtp_error(exc)
                    # SMTPException is an OSError too; only these mean the connection is gone.
                    connection_lost = isinstance(exc, smtplib.SMTPServerDisconnected) or not (
                        isinstance(exc, smtplib.SMTPException)
                    )
                    row.error = error.message[:2000]
                    row.status = (
                        DeliveryStatus.RETRYING if error.retryable else DeliveryStatus.FAILED
                    )
                    row.save(update_fields=["error", "status", "updated_at"])
                    if error.retryable:
                        retry_error = error
                    else:
                        final_errors.append(f"{row.target}: {error.message}")
                    continue
                row.status, row.error, row.sent_at = DeliveryStatus.SENT, "", timezone.now()
                row.save(update_fields=["status", "error", "sent_at", "updated_at"])
                sent += 1
        finally:
            connection.close()
        unsent = len(rows) - sent - len(final_errors)
        if retry_error is not None and unsent:
            raise OutletError(
                _("%(unsent)d e-mail chưa gửi được: %(error)s")
                % {"unsent": unsent, "error": retry_error.message},
                retryable=True,
            )
        detail = "; ".join(final_errors)
        return Sent(external_id=f"{sent}/{len(rows)}", detail=detail)
