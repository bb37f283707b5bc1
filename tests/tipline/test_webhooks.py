"""Webhooks: verified before parsed, stored once per platform message id, answered at once."""

from __future__ import annotations

import json
import logging
import time

import pytest
from django.urls import reverse
from tests.fakes import tipline_messenger as messenger
from tests.fakes import tipline_telegram as telegram
from tests.fakes import tipline_zalo as zalo
from tests.tipline.conftest import (
    META_SECRET,
    META_VERIFY,
    TELEGRAM_SECRET,
    ZALO_APP_ID,
    ZALO_SECRET,
)

from kiemchung.core.models import Delivery, DeliveryStatus
from kiemchung.tipline.models import Channel, InboundMessage, Message, Tip

pytestmark = pytest.mark.usefixtures("no_matcher")

CLAIM = "Uống nước chanh nóng mỗi sáng chữa khỏi ung thư, bộ y tế vừa xác nhận"


def _rejected(channel: Channel) -> int:
    channel.refresh_from_db()
    return channel.rejected_requests


def test_telegram_message_becomes_a_tip_and_gets_a_reply(client, tipline, deliver):
    body, headers = telegram.signed(telegram.update(user_id=42, text=CLAIM), TELEGRAM_SECRET)
    response = deliver(client, tipline.hook(tipline.telegram), body, headers)

    assert response.status_code == 200
    tip = Tip.objects.get()
    assert tip.text == CLAIM and tip.category == "check"
    replies = tipline.telegram_api.sent()
    assert replies[0].json["chat_id"] == "42"
    assert tip.tracking_code in replies[0].json["text"]
    sent = Delivery.objects.filter(adapter="tipline-telegram", status=DeliveryStatus.SENT)
    assert sent.count() == len(replies)


def test_duplicate_telegram_update_makes_one_tip(client, tipline, deliver):
    payload = telegram.update(user_id=42, text=CLAIM)
    body, headers = telegram.signed(payload, TELEGRAM_SECRET)
    for _ in range(3):
        assert deliver(client, tipline.hook(tipline.telegram), body, headers).status_code == 200

    assert Tip.objects.count() == 1
    assert InboundMessage.objects.count() == 1
    assert Message.objects.filter(direction="in").count() == 1


def test_forged_telegram_secret_is_401_and_nothing_stored(client, tipline, deliver):
    body, _ = telegram.signed(telegram.update(user_id=42, text=CLAIM), TELEGRAM_SECRET)
    for headers in ({telegram.SECRET_HEADER: "wrong"}, {}):
        assert deliver(client, tipline.hook(tipline.telegram), body, headers).status_code == 401
    assert InboundMessage.objects.count() == 0 and Tip.objects.count() == 0
    assert _rejected(tipline.telegram) == 2


def test_badly_signed_requests_make_no_burst(client, tipline, deliver, monkeypatch):
    """Junk requests are refused without making the worker give way to them."""
    from kiemchung.core import pressure

    monkeypatch.setattr(pressure, "BURST_PER_SECOND", 1)
    monkeypatch.setattr(pressure, "WINDOW_SECONDS", 60.0)
    monkeypatch.setattr(pressure, "_arrivals", type(pressure._arrivals)())
    body, headers = telegram.signed(telegram.update(user_id=42, text=CLAIM), TELEGRAM_SECRET)
    for _ in range(61):
        response = deliver(client, tipline.hook(tipline.telegram), body,
                           {telegram.SECRET_HEADER: "wrong"})
        assert response.status_code == 401
    assert not pressure.in_burst()
    for _ in range(60):
        assert deliver(client, tipline.hook(tipline.telegram), body, headers).status_code == 200
    assert pressure.in_burst(), "the platform's own requests do count"


def test_forged_zalo_signature_is_401_and_nothing_stored(client, tipline, deliver):
    payload = zalo.event(app_id=ZALO_APP_ID, user_id="8812", text=CLAIM)
    body, headers = zalo.signed(payload, app_id=ZALO_APP_ID, secret="not-the-secret")
    assert deliver(client, tipline.hook(tipline.zalo), body, headers).status_code == 401
    # A real signature over another body does not fit this one either.
    good_body, good_headers = zalo.signed(payload, app_id=ZALO_APP_ID, secret=ZALO_SECRET)
    tampered = good_body.replace("ung thư".encode(), "cảm cúm".encode())
    assert deliver(client, tipline.hook(tipline.zalo), tampered, good_headers).status_code == 401
    assert deliver(client, tipline.hook(tipline.zalo), good_body, {}).status_code == 401

    assert InboundMessage.objects.count() == 0 and Tip.objects.count() == 0
    assert _rejected(tipline.zalo) == 3


def test_zalo_message_is_answered_through_the_oa_api(client, tipline, deliver):
    payload = zalo.event(app_id=ZALO_APP_ID, user_id="8812", text=CLAIM)
    body, headers = zalo.signed(payload, app_id=ZALO_APP_ID, secret=ZALO_SECRET)
    response = deliver(client, tipline.hook(tipline.zalo), body, headers)

    assert response.status_code == 200
    assert Tip.objects.get().text == CLAIM
    sent = tipline.zalo_api.sent()
    assert sent and all(r.headers["access_token"] == "zalo-access-token" for r in sent)
    assert sent[0].json["recipient"] == {"user_id": "8812"}
    # Zalo has no buttons here: the menu is a numbered list.
    assert any("1. Nhờ kiểm chứng" in r.json["message"]["text"] for r in sent)


def test_replayed_zalo_event_outside_the_window_is_401(client, tipline, deliver, settings):
    settings.TIPLINE_REPLAY_WINDOW_HOURS = 26
    old = int((time.time() - 27 * 3600) * 1000)
    payload = zalo.event(app_id=ZALO_APP_ID, user_id="8812", text=CLAIM, timestamp_ms=old)
    body, headers = zalo.signed(payload, app_id=ZALO_APP_ID, secret=ZALO_SECRET)
    assert deliver(client, tipline.hook(tipline.zalo), body, headers).status_code == 401
    assert InboundMessage.objects.count() == 0
    assert _rejected(tipline.zalo) == 1


def test_an_event_dated_in_the_future_is_401(client, tipline, deliver):
    """A timestamp a day ahead would keep a captured request inside the replay window for a
    day longer than it should."""
    from kiemchung.tipline.channels.base import FUTURE_SKEW_SECONDS

    ahead = int((time.time() + 24 * 3600) * 1000)
    payload = zalo.event(app_id=ZALO_APP_ID, user_id="8812", text=CLAIM, timestamp_ms=ahead)
    body, headers = zalo.signed(payload, app_id=ZALO_APP_ID, secret=ZALO_SECRET)
    assert deliver(client, tipline.hook(tipline.zalo), body, headers).status_code == 401
    payload = messenger.message_event(psid="2901", text=CLAIM, timestamp_ms=ahead)
    body, headers = messenger.signed(payload, app_secret=META_SECRET)
    assert deliver(client, tipline.hook(tipline.messenger), body, headers).status_code == 401
    assert InboundMessage.objects.count() == 0
    # A clock a little ahead of ours is not a replay.
    slightly = int((time.time() + FUTURE_SKEW_SECONDS / 2) * 1000)
    payload = zalo.event(app_id=ZALO_APP_ID, user_id="8812", text=CLAIM, timestamp_ms=slightly)
    body, headers = zalo.signed(payload, app_id=ZALO_APP_ID, secret=ZALO_SECRET)
    assert deliver(client, tipline.hook(tipline.zalo), body, headers).status_code == 200


def test_a_zalo_body_with_two_timestamps_is_refused(client, tipline, deliver):
    """The signature covers the first "timestamp" of the raw body; a second one, fresh, must
    not pass the freshness check for a stale signed one."""
    old = str(int((time.time() - 30 * 24 * 3600) * 1000))
    fresh = str(int(time.time() * 1000))
    payload = zalo.event(app_id=ZALO_APP_ID, user_id="8812", text=CLAIM, timestamp_ms=int(old))
    body = json.dumps(payload, ensure_ascii=False).encode()
    body = body[:-1] + f', "timestamp": "{fresh}"}}'.encode()
    headers = {zalo.SIGNATURE_HEADER: zalo.signature(
        app_id=ZALO_APP_ID, body=body, timestamp=old, secret=ZALO_SECRET)}
    assert deliver(client, tipline.hook(tipline.zalo), body, headers).status_code in (400, 401)
    # A timestamp inside the message, ahead of the event's own, is not the one checked either.
    nested = zalo.event(app_id=ZALO_APP_ID, user_id="8812", text=CLAIM, timestamp_ms=int(old))
    nested = {"sender": {"id": "8812", "timestamp": fresh}, **{
        k: v for k, v in nested.items() if k != "sender"}}
    body = json.dumps(nested, ensure_ascii=False).encode()
    headers = {zalo.SIGNATURE_HEADER: zalo.signature(
        app_id=ZALO_APP_ID, body=body, timestamp=fresh, secret=ZALO_SECRET)}
    assert deliver(client, tipline.hook(tipline.zalo), body, headers).status_code == 401
    assert InboundMessage.objects.count() == 0


def test_a_stale_event_in_a_messenger_batch_leaves_the_fresh_ones(client, tipline, deliver,
                                                                     settings):
    settings.TIPLINE_REPLAY_WINDOW_HOURS = 26
    stale = messenger.message_event(psid="2901", text="tin cũ từ lâu",
                                    timestamp_ms=int((time.time() - 27 * 3600) * 1000))
    fresh = messenger.message_event(psid="2902", text=CLAIM)
    batch = {"object": "page", "entry": stale["entry"] + fresh["entry"]}
    body, headers = messenger.signed(batch, app_secret=META_SECRET)

    assert deliver(client, tipline.hook(tipline.messenger), body, headers).status_code == 200

    stored = InboundMessage.objects.get()
    assert stored.external_id == fresh["entry"][0]["messaging"][0]["message"]["mid"]
    assert Tip.objects.get().text == CLAIM
    # A batch with nothing fresh in it is a replay.
    body, headers = messenger.signed(stale, app_secret=META_SECRET)
    assert deliver(client, tipline.hook(tipline.messenger), body, headers).status_code == 401


def test_zalo_retry_of_the_same_event_makes_one_tip(client, tipline, deliver):
    payload = zalo.event(app_id=ZALO_APP_ID, user_id="8812", text=CLAIM)
    body, headers = zalo.signed(payload, app_id=ZALO_APP_ID, secret=ZALO_SECRET)
    for _ in range(2):
        assert deliver(client, tipline.hook(tipline.zalo), body, headers).status_code == 200
    assert Tip.objects.count() == 1


def test_messenger_verification_handshake(client, tipline):
    url = tipline.hook(tipline.messenger)
    ok = client.get(url, {"hub.mode": "subscribe", "hub.verify_token": META_VERIFY,
                          "hub.challenge": "1158201444"})
    assert ok.status_code == 200 and ok.content == b"1158201444"

    wrong = client.get(url, {"hub.mode": "subscribe", "hub.verify_token": "guess",
                             "hub.challenge": "1158201444"})
    assert wrong.status_code == 403 and b"1158201444" not in wrong.content
    markup = client.get(url, {"hub.mode": "subscribe", "hub.verify_token": META_VERIFY,
                              "hub.challenge": "<script>alert(1)</script>"})
    assert markup.status_code == 403


def test_messenger_message_is_answered_with_a_response_and_quick_replies(
    client, tipline, deliver
):
    body, headers = messenger.signed(
        messenger.message_event(psid="2901", text="chào"), app_secret=META_SECRET
    )
    assert deliver(client, tipline.hook(tipline.messenger), body, headers).status_code == 200
    sent = tipline.send_api.sent()
    assert sent[0].query["access_token"] == ["page-access-token"]
    assert sent[0].json["messaging_type"] == "RESPONSE"
    assert sent[0].json["recipient"] == {"id": "2901"}
    payloads = [q["payload"] for q in sent[0].json["message"]["quick_replies"]]
    assert payloads == ["CHOICE_CHECK", "CHOICE_VIOLATION", "CHOICE_LEGAL", "CHOICE_OTHER"]

    body, headers = messenger.signed(
        messenger.message_event(
            psid="2901", text="Báo cáo vi phạm", quick_reply="CHOICE_VIOLATION"
        ),
        app_secret=META_SECRET,
    )
    deliver(client, tipline.hook(tipline.messenger), body, headers)
    body, headers = messenger.signed(
        messenger.message_event(psid="2901", text="Cơ sở ở quận 5 bán thuốc giả"),
        app_secret=META_SECRET,
    )
    deliver(client, tipline.hook(tipline.messenger), body, headers)
    assert Tip.objects.get().category == "violation"


def test_forged_messenger_signature_is_401_and_nothing_stored(client, tipline, deliver):
    payload = messenger.message_event(psid="2901", text=CLAIM)
    body, _ = messenger.signed(payload, app_secret="another-app")
    headers = {messenger.SIGNATURE_HEADER: _["X-Hub-Signature-256"]}
    assert deliver(client, tipline.hook(tipline.messenger), body, headers).status_code == 401
    assert deliver(client, tipline.hook(tipline.messenger), body, {}).status_code == 401
    assert InboundMessage.objects.count() == 0
    assert _rejected(tipline.messenger) == 2


def test_messenger_echoes_and_unknown_events_are_acknowledged_and_ignored(
    client, tipline, deliver
):
    echo = messenger.message_event(psid="2901", text="tin của trang", is_echo=True)
    read = {"object": "page", "entry": [{"id": "1", "time": int(time.time() * 1000),
            "messaging": [{"sender": {"id": "2901"}, "recipient": {"id": "1"},
                           "timestamp": int(time.time() * 1000), "read": {"watermark": 1}}]}]}
    for payload in (echo, read):
        body, headers = messenger.signed(payload, app_secret=META_SECRET)
        assert deliver(client, tipline.hook(tipline.messenger), body, headers).status_code == 200
    follow = zalo.event(app_id=ZALO_APP_ID, user_id="8812", text=None, event_name="follow")
    body, headers = zalo.signed(follow, app_id=ZALO_APP_ID, secret=ZALO_SECRET)
    assert deliver(client, tipline.hook(tipline.zalo), body, headers).status_code == 200
    edited = {"update_id": 5, "edited_message": {"message_id": 1, "date": 1, "text": "x",
                                                 "chat": {"id": 1, "type": "private"}}}
    body, headers = telegram.signed(edited, TELEGRAM_SECRET)
    assert deliver(client, tipline.hook(tipline.telegram), body, headers).status_code == 200
    assert InboundMessage.objects.count() == 0


def test_malformed_json_is_400_without_echoing_the_body(client, tipline, deliver, caplog):
    marker = "MARKER-khong-duoc-lo-ra"
    body = ('{"update_id": "' + marker + '", "message": {').encode()
    headers = {telegram.SECRET_HEADER: TELEGRAM_SECRET}
    with caplog.at_level(logging.DEBUG):
        response = deliver(client, tipline.hook(tipline.telegram), body, headers)
        wrong_type = json.dumps({"update_id": marker}).encode()
        typed = deliver(client, tipline.hook(tipline.telegram), wrong_type, headers)
    assert response.status_code == 400 and typed.status_code == 400
    assert marker.encode() not in response.content + typed.content
    assert marker not in caplog.text
    assert InboundMessage.objects.count() == 0


def test_twenty_megabyte_body_refused_before_read(tipline, rf):
    from kiemchung.tipline import webhooks

    class Unreadable:
        def read(self, *args):
            raise AssertionError("the body was read")

        readline = read

    request = rf.post(
        tipline.hook(tipline.telegram), data=b"", content_type="application/json",
        headers={telegram.SECRET_HEADER: TELEGRAM_SECRET},
    )
    request.META["CONTENT_LENGTH"] = str(20 * 1024 * 1024)
    request._stream = Unreadable()
    response = webhooks.telegram(request, public_id=tipline.telegram.public_id)
    assert response.status_code == 413
    assert InboundMessage.objects.count() == 0


def test_body_longer_than_declared_is_cut_at_the_limit(client, tipline, settings, deliver):
    settings.TIPLINE_WEBHOOK_MAX_KB = 16
    payload = telegram.update(user_id=42, text="x" * 20_000)
    body, headers = telegram.signed(payload, TELEGRAM_SECRET)
    assert deliver(client, tipline.hook(tipline.telegram), body, headers).status_code == 413


def test_unknown_channel_is_404(client, tipline):
    url = reverse("tipline:hook_telegram", args=["khong-co"])
    assert client.post(url, data=b"{}", content_type="application/json").status_code == 404


@pytest.mark.parametrize("kind", ["telegram", "zalo", "messenger"])
def test_a_channel_without_its_secret_refuses_everything(client, tipline, deliver, kind):
    channel = getattr(tipline, kind)
    channel.credentials_enc = ""
    channel.save()
    body, headers = telegram.signed(telegram.update(user_id=1, text=CLAIM), "")
    assert deliver(client, tipline.hook(channel), body, headers).status_code == 401
