"""The e-mail newsletter: double opt-in, one e-mail per confirmed reader through a real SMTP
server, a List-Unsubscribe header and a one-click unsubscribe page."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from claim_stories import TITLE, verdict_published
from fakes.outlet_smtp import smtp_server
from kiemchung.core.models import Delivery, DeliveryStatus
from kiemchung.publishing import announce, newsletter
from kiemchung.publishing.models import NewsletterSubscriber


@pytest.fixture(autouse=True)
def _quick(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASK_BACKOFF_SECONDS = 0
    settings.TASK_MAX_ATTEMPTS = 2


@pytest.fixture
def smtp(settings):
    with smtp_server() as box:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", box.port
        settings.EMAIL_USE_TLS = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        yield box


def _confirmed(team, email: str) -> NewsletterSubscriber:
    subscriber = NewsletterSubscriber.objects.create(
        workspace=team.workspace, email=email, unsubscribe_token=f"tok-{email}"
    )
    NewsletterSubscriber.objects.filter(pk=subscriber.pk).update(confirmed_at="2025-01-01T00:00Z")
    return subscriber


def _newsletter(team):
    return announce.outlet_save(workspace=team.workspace, actor=team.admin,
                                kind="email_newsletter", name="Bản tin",
                                values={"reply_to": "toa-soan@example.org"})


def test_signup_is_double_opt_in(client, team, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/p/nhom/newsletter/", {"email": "Doc.Gia@Example.ORG"})
    assert response.status_code == 200
    assert "Kiểm tra hộp thư" in response.content.decode()
    subscriber = NewsletterSubscriber.objects.get()
    assert subscriber.email == "Doc.Gia@example.org"
    assert subscriber.confirmed_at is None
    assert newsletter.confirmed_subscribers(workspace_id=team.workspace.pk) == []

    (message,) = mail.outbox
    assert message.to == ["Doc.Gia@example.org"]
    link = re.search(r"http://127\.0\.0\.1:8000(/p/nhom/newsletter/confirm/\S+/)", message.body)
    assert link is not None
    delivery = Delivery.objects.get(adapter="email_confirm")
    assert delivery.status == DeliveryStatus.SENT

    page = client.get(link.group(1))
    assert page.status_code == 200 and "Đã xác nhận" in page.content.decode()
    assert newsletter.confirmed_subscribers(workspace_id=team.workspace.pk) == [subscriber]
    assert client.get(link.group(1).replace("/confirm/", "/confirm/x")).status_code == 400


def test_asking_again_soon_sends_no_second_confirmation(
    client, team, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/p/nhom/newsletter/", {"email": "doc-gia@example.org"})
        client.post("/p/nhom/newsletter/", {"email": "doc-gia@example.org"})
    assert len(mail.outbox) == 1


def test_newsletter_goes_to_confirmed_readers_with_list_unsubscribe(
    team, smtp, django_capture_on_commit_callbacks
):
    reader = _confirmed(team, "doc-gia@example.org")
    _confirmed(team, "ban-doc@example.org")
    NewsletterSubscriber.objects.create(workspace=team.workspace, email="chua@example.org",
                                        unsubscribe_token="tok-chua")
    left = _confirmed(team, "da-roi@example.org")
    newsletter.subscriber_unsubscribe(subscriber=left)
    factcheck = verdict_published(team)

    with django_capture_on_commit_callbacks(execute=True):
        (announcement,) = announce.factcheck_announce(
            factcheck=factcheck, actor=team.editor, outlets=[_newsletter(team)]
        )

    delivery = Delivery.objects.get(pk=announcement.delivery_id)
    assert (delivery.status, delivery.external_id) == (DeliveryStatus.SENT, "2/2")
    assert sorted(rcpt for _frm, (rcpt,) in smtp.envelopes) == [
        "ban-doc@example.org", "doc-gia@example.org"
    ]
    message = next(m for m in smtp.messages if m["To"] == "doc-gia@example.org")
    assert message["Subject"].strip() == TITLE
    assert message["Reply-To"].strip() == "toa-soan@example.org"
    leave = f"http://127.0.0.1:8000/p/nhom/newsletter/unsubscribe/{reader.unsubscribe_token}/"
    assert message["List-Unsubscribe"].strip() == f"<{leave}>"
    assert message["List-Unsubscribe-Post"].strip() == "List-Unsubscribe=One-Click"
    text = message.get_body(("plain",)).get_content()
    assert leave in text and f"/p/nhom/{factcheck.pk}/{factcheck.slug}/" in text
    rows = Delivery.objects.filter(adapter="email_newsletter_issue")
    assert rows.count() == 2 and all(r.status == DeliveryStatus.SENT for r in rows)


def test_a_refused_reader_fails_alone_and_a_retry_sends_only_what_is_left(team, smtp):
    _confirmed(team, "doc-gia@example.org")
    _confirmed(team, "tam-hoan@example.org")
    _confirmed(team, "khong-co@example.org")
    smtp.defer.add("tam-hoan@example.org")
    smtp.refuse.add("khong-co@example.org")
    factcheck = verdict_published(team)
    (announcement,) = announce._announce(factcheck=factcheck, outlets=[_newsletter(team)],
                                         requested_by=None)

    first = announce.announcement_send(delivery_id=announcement.delivery_id)
    assert first.status == DeliveryStatus.RETRYING
    delivery = Delivery.objects.get(pk=announcement.delivery_id)
    assert "1 e-mail chưa gửi được: 451" in delivery.error

    smtp.defer.clear()
    second = announce.announcement_send(delivery_id=announcement.delivery_id)

    delivery.refresh_from_db()
    assert second.status == DeliveryStatus.SENT
    assert delivery.external_id == "2/3"
    assert "khong-co@example.org: 550" in delivery.error
    received = [rcpt for _frm, rcpts in smtp.envelopes for rcpt in rcpts]
    assert sorted(received) == ["doc-gia@example.org", "tam-hoan@example.org"]


def test_unsubscribe_link_asks_then_one_click_post_unsubscribes(client, team):
    reader = _confirmed(team, "doc-gia@example.org")
    path = f"/p/nhom/newsletter/unsubscribe/{reader.unsubscribe_token}/"

    page = client.get(path)
    assert page.status_code == 200 and 'id="unsubscribe-form"' in page.content.decode()
    reader.refresh_from_db()
    assert reader.unsubscribed_at is None, "opening the link alone unsubscribes nobody"

    csrf_client = client.__class__(enforce_csrf_checks=True)
    response = csrf_client.post(path, "List-Unsubscribe=One-Click",
                                content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    reader.refresh_from_db()
    assert reader.unsubscribed_at is not None
    assert newsletter.confirmed_subscribers(workspace_id=team.workspace.pk) == []
    assert client.get("/p/nhom/newsletter/unsubscribe/khong-ton-tai/").status_code == 404


def test_the_outlet_counts_its_readers_in_the_readers_language(team):
    from django.utils import translation

    from kiemchung.publishing.outlets import adapter_for

    outlet = _newsletter(team)
    _confirmed(team, "mot@example.org")
    with translation.override("en"):
        assert adapter_for(outlet).target() == "1 reader"
        _confirmed(team, "hai@example.org")
        assert adapter_for(outlet).target() == "2 readers"
    with translation.override("vi"):
        assert adapter_for(outlet).target() == "2 người đọc"
