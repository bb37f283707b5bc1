"""Outgoing webhooks as a team uses them: an admin registers an endpoint, events reach a real
receiver on 127.0.0.1 signed as Standard Webhooks defines, a receiver that is down is retried
and then shown as failing with its events kept, and a tip's payload carries nothing of the
tipster."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from standardwebhooks.webhooks import Webhook, WebhookVerificationError
from tests.claim_stories import claim_opened, verdict_approved

from kiemchung.core import events
from kiemchung.core.models import DeliveryStatus, Event
from kiemchung.webhooks import services
from kiemchung.webhooks.models import Endpoint, WebhookDelivery
from kiemchung.webhooks.receiver import Receiver
from kiemchung.webhooks.sending import delivery_send, excerpt, signed_headers

ALL = list(events.KINDS)


@pytest.fixture
def receiver():
    found = Receiver().start()
    yield found
    found.stop()


def register(team, receiver, kinds=ALL) -> tuple[Endpoint, str]:
    endpoint, secret = services.endpoint_create(
        workspace=team.workspace, actor=team.admin, url=receiver.url, kinds=kinds
    )
    receiver.secret = secret
    return endpoint, secret


def test_a_new_claim_reaches_the_receiver_signed_with_the_secret_shown_once(
    team, receiver, django_capture_on_commit_callbacks
):
    endpoint, secret = register(team, receiver)
    assert secret.startswith("whsec_") and secret not in endpoint.secret_enc

    with django_capture_on_commit_callbacks(execute=True):
        claim = claim_opened(team)

    (receipt,) = receiver.receipts
    assert receipt.signed is True and receipt.status == 200
    body = json.loads(receipt.body)
    assert body["type"] == "claim.created"
    assert body["data"]["claim"]["id"] == claim.pk
    event = Event.objects.get(kind="claim.created")
    assert receipt.msg_id == event.public_id
    delivery = WebhookDelivery.objects.get(endpoint=endpoint, event=event)
    assert (delivery.status, delivery.status_code, delivery.attempts) == ("sent", 200, 1)
    assert delivery.response_excerpt == '{"ok": true}'


def test_the_signature_is_hmac_sha256_of_id_timestamp_and_body_in_base64():
    secret = services.secret_new()
    at = timezone.now()
    body = '{"type":"claim.created","data":{"claim":{"text":"Nhận định"}}}'.encode()
    headers = signed_headers(secret=secret, msg_id="msg_1", at=at, body=body)
    key = base64.b64decode(secret.removeprefix("whsec_"))
    stamp = str(int(at.timestamp()))
    mac = hmac.new(key, f"msg_1.{stamp}.".encode() + body, hashlib.sha256).digest()
    assert headers["webhook-signature"] == "v1," + base64.b64encode(mac).decode()
    assert headers["webhook-timestamp"] == stamp and headers["webhook-id"] == "msg_1"
    Webhook(secret).verify(body.decode(), headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(services.secret_new()).verify(body.decode(), headers)


def test_only_the_kinds_an_endpoint_chose_are_sent_to_it(
    team, receiver, django_capture_on_commit_callbacks
):
    register(team, receiver, kinds=["factcheck.published"])
    with django_capture_on_commit_callbacks(execute=True):
        factcheck = verdict_approved(team)
    assert receiver.receipts == []
    from kiemchung.claims.verdicts import factcheck_publish

    with django_capture_on_commit_callbacks(execute=True):
        factcheck_publish(factcheck=factcheck, actor=team.editor)
    (receipt,) = receiver.receipts
    data = json.loads(receipt.body)["data"]["factcheck"]
    assert data["id"] == factcheck.pk and data["url"].endswith(f"/{factcheck.slug}/")


def test_another_workspace_gets_none_of_our_events(
    team, receiver, django_capture_on_commit_callbacks
):
    services.endpoint_create(
        workspace=team.other_workspace, actor=team.outsider, url=receiver.url, kinds=ALL
    )
    with django_capture_on_commit_callbacks(execute=True):
        claim_opened(team)
    assert receiver.receipts == []


def test_a_tip_payload_holds_no_text_contact_or_identity(team):
    from kiemchung.tipline.models import Channel, Conversation, Sender
    from kiemchung.tipline.services import tip_create

    channel = Channel.objects.create(workspace=team.workspace, kind="web", name="Web")
    sender = Sender.objects.create(
        workspace=team.workspace, sender_hash="tipster-42".ljust(64, "0"), pseudonym=1
    )
    conversation = Conversation.objects.create(
        workspace=team.workspace, channel=channel, sender=sender
    )
    tip = tip_create(conversation=conversation, category="check", text="Bí mật của người báo tin")
    event = Event.objects.get(kind="tip.received")
    assert event.payload == {"tip": {
        "id": tip.pk, "channel": "web", "category": "check",
        "received_at": tip.created_at.isoformat(),
    }}
    assert "tipster-42" not in json.dumps(event.payload)
    with pytest.raises(ValueError):
        events.event_record(
            workspace=team.workspace, kind="tip.received",
            payload={"tip": {"id": 1, "channel": "web", "category": "check",
                             "received_at": None, "text": "x"}},
        )


def test_reach_imported_has_an_emitter_with_a_documented_payload(team):
    event = events.reach_imported(
        workspace=team.workspace, import_id=7, platform="facebook", rows=30,
        period_start=timezone.now().date() - timedelta(days=30), period_end=timezone.now().date(),
    )
    assert set(event.payload["import"]) == {
        "id", "platform", "outlet_id", "rows", "period_start", "period_end"
    }


def test_a_receiver_that_is_down_is_retried_then_failing_and_the_event_is_kept(
    team, receiver, settings
):
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    settings.WEBHOOK_FAILING_AFTER = 2
    settings.TASK_BACKOFF_SECONDS = 30
    endpoint, _secret = register(team, receiver)
    receiver.status = 503
    delivery = services.endpoint_test_send(endpoint=endpoint, actor=team.admin)

    outcome = delivery_send(delivery_id=delivery.pk)
    assert outcome.status == "retrying" and outcome.retry_in == 30
    # Not due yet: a second run of the task sends nothing.
    assert delivery_send(delivery_id=delivery.pk).status == "not_due"
    assert len(receiver.receipts) == 1
    for _later in (1, 2):
        WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
        delivery_send(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    endpoint.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == 3
    assert delivery.status_code == 503 and "503" in delivery.error
    assert endpoint.is_failing and endpoint.consecutive_failures == 3
    assert len(receiver.receipts) == 3

    receiver.status = 200
    assert services.deliveries_resend(endpoint=endpoint, actor=team.admin) == 1
    delivery_send(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    endpoint.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and not endpoint.is_failing
    assert len({r.msg_id for r in receiver.receipts}) == 1


def test_an_attempt_left_by_a_dead_worker_is_sent_again_with_the_same_id(team, receiver):
    endpoint, _secret = register(team, receiver)
    delivery = services.endpoint_test_send(endpoint=endpoint, actor=team.admin)
    # A worker took the row and died before the answer was recorded.
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        attempts=1, sending_since=timezone.now() - timedelta(minutes=5)
    )
    assert delivery_send(delivery_id=delivery.pk).status == "sent"
    delivery.refresh_from_db()
    assert delivery.attempts == 2
    # While another attempt is under way, a second run of the task waits instead.
    fresh = services.endpoint_test_send(endpoint=endpoint, actor=team.admin)
    WebhookDelivery.objects.filter(pk=fresh.pk).update(sending_since=timezone.now())
    assert delivery_send(delivery_id=fresh.pk).status == "in_flight"


def test_a_turned_off_endpoint_keeps_its_waiting_events_and_sends_them_when_on(
    team, receiver, django_capture_on_commit_callbacks
):
    endpoint, _secret = register(team, receiver)
    delivery = services.endpoint_test_send(endpoint=endpoint, actor=team.admin)
    services.endpoint_switch(endpoint=endpoint, actor=team.admin, active=False)
    assert delivery_send(delivery_id=delivery.pk).status == "endpoint_off"
    assert receiver.receipts == []
    with django_capture_on_commit_callbacks(execute=True):
        services.endpoint_switch(endpoint=endpoint, actor=team.admin, active=True)
    delivery.refresh_from_db()
    assert delivery.status == "sent" and len(receiver.receipts) == 1


def test_after_a_rotation_both_secrets_sign_for_a_day_then_only_the_new_one(team, receiver):
    endpoint, old = register(team, receiver)
    new = services.endpoint_secret_rotate(endpoint=endpoint, actor=team.admin)
    assert new != old
    delivery_send(delivery_id=services.endpoint_test_send(endpoint=endpoint, actor=team.admin).pk)
    assert receiver.receipts[-1].signed is True  # the receiver still holds the old one
    receiver.secret = new
    delivery_send(delivery_id=services.endpoint_test_send(endpoint=endpoint, actor=team.admin).pk)
    assert receiver.receipts[-1].signed is True

    Endpoint.objects.filter(pk=endpoint.pk).update(
        previous_secret_until=timezone.now() - timedelta(seconds=1)
    )
    receiver.secret = old
    delivery_send(delivery_id=services.endpoint_test_send(endpoint=endpoint, actor=team.admin).pk)
    assert receiver.receipts[-1].signed is False and receiver.receipts[-1].status == 401
    assert old not in Endpoint.objects.get(pk=endpoint.pk).previous_secret_enc


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("http://192.168.1.10/hook", "nội bộ"),
        ("https://10.0.0.5/hook", "nội bộ"),
        ("https://[::ffff:10.0.0.1]/hook", "nội bộ"),
        ("not a url", "không hợp lệ"),
        ("ftp://example.org/x", "không hợp lệ"),
        ("https://user:pw@8.8.8.8/hook", "mật khẩu"),
        ("http://8.8.8.8/hook", "https://"),
        ("", "Hãy nhập"),
    ],
)
def test_a_bad_address_is_refused_in_words(team, url, words):
    with pytest.raises(ValidationError) as caught:
        services.endpoint_create(
            workspace=team.workspace, actor=team.admin, url=url, kinds=["claim.created"]
        )
    assert words in " ".join(caught.value.message_dict["url"])
    assert not Endpoint.objects.exists()


def test_the_guard_refuses_loopback_when_private_addresses_are_not_allowed(team, settings):
    settings.ALLOW_PRIVATE_URLS = False
    with pytest.raises(ValidationError) as caught:
        services.endpoint_url_check("http://127.0.0.1:9/hook")
    assert "nội bộ" in str(caught.value)


def test_an_address_turned_private_after_registering_is_refused_at_send_time(
    team, receiver, settings
):
    endpoint, _secret = register(team, receiver)
    settings.ALLOW_PRIVATE_URLS = False
    delivery = services.endpoint_test_send(endpoint=endpoint, actor=team.admin)
    delivery_send(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert receiver.receipts == [] and delivery.status == "retrying"
    assert delivery.error == "Địa chỉ nội bộ không được phép"


@pytest.mark.parametrize("who", ["editor", "checker", "viewer", "outsider"])
def test_only_an_admin_of_the_workspace_registers_endpoints(team, who):
    with pytest.raises(PermissionDenied):
        services.endpoint_create(
            workspace=team.workspace, actor=getattr(team, who), url="http://127.0.0.1:9/",
            kinds=["claim.created"],
        )


def test_a_receivers_answer_is_kept_short_and_printable():
    noisy = b"ok\x00\x1b[31m\n\n" + "\u202edanger".encode() + b" x" * 1000
    kept = excerpt(noisy)
    assert len(kept) <= 300 and "\x00" not in kept and "\u202e" not in kept and "\x1b" not in kept
    assert kept.startswith("ok")


def test_the_screen_registers_shows_the_secret_once_and_logs_a_test_event(
    client, team, receiver, django_capture_on_commit_callbacks
):
    client.force_login(team.admin)
    answer = client.post(
        "/webhooks/them/", {"url": receiver.url, "kinds": ["claim.created"], "description": ""}
    )
    endpoint = Endpoint.objects.get()
    assert answer.status_code == 302
    page = client.get(f"/webhooks/{endpoint.pk}/").content.decode()
    secret = page.split('id="webhook-secret">', 1)[1].split("<", 1)[0]
    assert secret.startswith("whsec_")
    assert secret not in client.get(f"/webhooks/{endpoint.pk}/").content.decode()
    receiver.secret = secret
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/webhooks/{endpoint.pk}/thu/")
    log = client.get(f"/webhooks/{endpoint.pk}/nhat-ky/").content.decode()
    assert "webhook.test" in log and "200" in log
    assert receiver.receipts[-1].signed is True


def test_the_screen_says_what_is_wrong_with_a_private_address(client, team):
    client.force_login(team.admin)
    answer = client.post(
        "/webhooks/them/", {"url": "http://192.168.0.7/hook", "kinds": ["claim.created"]}
    )
    assert answer.status_code == 400
    assert "Địa chỉ nội bộ không được phép" in answer.content.decode()


def test_an_editor_cannot_open_the_screen(client, team):
    client.force_login(team.editor)
    assert client.get("/webhooks/").status_code == 403


def test_a_correction_reaches_the_receiver_with_its_note_and_versions(
    team, receiver, django_capture_on_commit_callbacks
):
    from tests.claim_stories import verdict_published

    from kiemchung.claims.verdicts import factcheck_correct

    register(team, receiver, kinds=["factcheck.corrected"])
    factcheck = verdict_published(team)
    with django_capture_on_commit_callbacks(execute=True):
        factcheck_correct(factcheck=factcheck, actor=team.editor, note="Sửa số liệu năm 2024")
    (receipt,) = receiver.receipts
    data = json.loads(receipt.body)["data"]
    assert data["correction"]["note"] == "Sửa số liệu năm 2024"
    assert data["correction"]["to_version"] == data["factcheck"]["version"]
    assert data["correction"]["from_version"] < data["correction"]["to_version"]


def test_promoting_an_item_sends_item_promoted_and_claim_created(
    team, receiver, django_capture_on_commit_callbacks
):
    from kiemchung.monitoring import services as monitoring
    from kiemchung.monitoring.models import Item

    register(team, receiver, kinds=["item.promoted", "claim.created"])
    src = monitoring.source_create(
        workspace=team.workspace, actor=team.admin, name="Nhóm công khai", kind="import",
        platform="facebook",
    )
    monitoring.items_ingest(source=src, posts=[monitoring.Post(
        text="Uống nước chanh nóng mỗi sáng chữa khỏi ung thư", url="https://facebook.com/p/9",
    )])
    item = Item.objects.get(url="https://facebook.com/p/9")
    with django_capture_on_commit_callbacks(execute=True):
        (claim,) = monitoring.items_decide(
            workspace=team.workspace, actor=team.checker, items=[item], decision="promote"
        )
    kinds = sorted(json.loads(r.body)["type"] for r in receiver.receipts)
    assert kinds == ["claim.created", "item.promoted"]
    promoted = Event.objects.get(kind="item.promoted").payload
    assert promoted["claim_id"] == claim.pk and promoted["item"]["url"] == item.url


def test_a_change_rolled_back_records_no_event_and_sends_nothing(
    team, receiver, django_capture_on_commit_callbacks
):
    from django.db import transaction

    register(team, receiver)
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        claim_opened(team)
        raise RuntimeError("the request failed after the claim was written")
    assert not Event.objects.exists() and not WebhookDelivery.objects.exists()
    assert receiver.receipts == []


def test_the_schedule_sends_a_delivery_whose_task_was_lost(team, receiver):
    from kiemchung.webhooks.tasks import webhooks_sweep

    endpoint, _secret = register(team, receiver)
    delivery = services.endpoint_test_send(endpoint=endpoint, actor=team.admin)
    # Its task never ran (a queue emptied by hand); a fresh one is left to its own task.
    fresh = services.endpoint_test_send(endpoint=endpoint, actor=team.admin)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        updated_at=timezone.now() - timedelta(minutes=6)
    )
    assert webhooks_sweep.call() == 1
    delivery.refresh_from_db()
    fresh.refresh_from_db()
    assert delivery.status == "sent" and fresh.status == "pending"
    assert [r.msg_id for r in receiver.receipts] == [delivery.event.public_id]


def test_the_log_keeps_deliveries_still_tried_and_prunes_finished_ones_past_its_days(
    team, receiver, settings
):
    from kiemchung.webhooks.tasks import webhooks_log_prune

    settings.WEBHOOK_LOG_DAYS = 30
    endpoint, _secret = register(team, receiver)
    old = timezone.now() - timedelta(days=31)
    made = {name: services.endpoint_test_send(endpoint=endpoint, actor=team.admin)
            for name in ("sent_old", "failed_old", "retrying_old", "sent_recent")}
    for name, status in (("sent_old", "sent"), ("failed_old", "failed"),
                         ("retrying_old", "retrying"), ("sent_recent", "sent")):
        WebhookDelivery.objects.filter(pk=made[name].pk).update(status=status)
    for name in ("sent_old", "failed_old", "retrying_old"):
        WebhookDelivery.objects.filter(pk=made[name].pk).update(updated_at=old)
        Event.objects.filter(pk=made[name].event_id).update(occurred_at=old)
    # Events of a workspace with no endpoint wanting them: handed out to nobody.
    nobody = events.event_record(workspace=team.other_workspace, kind="webhook.test",
                                 payload={"message": "x"})
    Event.objects.filter(pk=nobody.pk).update(occurred_at=old, dispatched_at=old)
    not_yet = events.event_record(workspace=team.other_workspace, kind="webhook.test",
                                  payload={"message": "y"})
    Event.objects.filter(pk=not_yet.pk).update(occurred_at=old)

    assert webhooks_log_prune.call() == {"deliveries": 2, "events": 3}
    kept = set(WebhookDelivery.objects.values_list("pk", flat=True))
    assert kept == {made["retrying_old"].pk, made["sent_recent"].pk}
    assert set(Event.objects.values_list("pk", flat=True)) == {
        made["retrying_old"].event_id, made["sent_recent"].event_id, not_yet.pk
    }
    assert webhooks_log_prune.call() == {"deliveries": 0, "events": 0}


def test_deleting_an_endpoint_asks_for_the_box_to_be_ticked(client, team, receiver):
    endpoint, _secret = register(team, receiver)
    client.force_login(team.admin)
    answer = client.post(f"/webhooks/{endpoint.pk}/xoa/", follow=True)
    assert "Hãy đánh dấu ô xác nhận" in answer.content.decode()
    assert Endpoint.objects.filter(pk=endpoint.pk).exists()
    client.post(f"/webhooks/{endpoint.pk}/xoa/", {"confirm": "1"})
    assert not Endpoint.objects.filter(pk=endpoint.pk).exists()
