"""Privacy: hashed senders, encrypted texts, nothing in logs or task arguments, deletion,
retention, rate limits and the block list."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from tests.fakes import tipline_telegram as telegram
from tests.tipline.conftest import TELEGRAM_SECRET
from tests.tipline.stories import DATABASE_QUEUE, raw_rows, tip_received, work_queue

from kiemchung.audit.models import AuditEvent
from kiemchung.tipline import inbox_selectors, privacy, services, services_staff
from kiemchung.tipline.models import (
    Conversation,
    InboundMessage,
    Message,
    Sender,
    Tip,
    TipMedia,
    TipState,
)

pytestmark = pytest.mark.usefixtures("no_matcher")

def test_tip_text_never_in_logs_or_task_args(
    client, tipline, settings, caplog, capfd, django_capture_on_commit_callbacks
):
    settings.TASKS = DATABASE_QUEUE
    marker = "DAU-HIEU-9f83b2 tin đồn về vắc-xin"
    # A platform that refuses the reply, so error paths run too.
    tipline.telegram_api.fail_next(
        400, {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"},
        times=10,
    )
    with caplog.at_level(logging.DEBUG):
        with django_capture_on_commit_callbacks(execute=True):
            for text in (marker, "1", marker + " lần hai", f"trạng thái KC-ABCDEF {marker}"):
                body, headers = telegram.signed(telegram.update(user_id=5, text=text),
                                                TELEGRAM_SECRET)
                response = client.post(tipline.hook(tipline.telegram), data=body,
                                       content_type="application/json", headers=headers)
                assert response.status_code == 200
                assert marker.encode() not in response.content
        work_queue(django_capture_on_commit_callbacks)

    assert Tip.objects.count() == 2, "the tips were made"
    assert DBTaskResult.objects.count() >= 6
    assert marker not in caplog.text
    out, err = capfd.readouterr()
    assert marker not in out + err, "nothing printed either"
    assert all(marker not in email.message().as_string() for email in mail.outbox)
    assert marker not in raw_rows(DBTaskResult._meta.db_table)
    # At rest, every table holds it only encrypted.
    for model in (Tip, Message, InboundMessage, Conversation):
        assert marker not in raw_rows(model._meta.db_table)
    assert "chat not found" in raw_rows("core_delivery")


def test_senders_are_known_only_by_a_keyed_hash_and_a_pseudonym(chat_as_telegram_user):
    chat_as_telegram_user(123456789, "Có phải chính phủ sắp thu hồi tiền mặt không?")
    sender = Sender.objects.get()
    stored = raw_rows("tipline_sender") + raw_rows("tipline_conversation")
    assert "123456789" not in stored
    assert sender.sender_hash == privacy.sender_hash("telegram", "123456789")
    assert sender.label == f"Người gửi {sender.pseudonym:04d}"
    # The same person writing again is the same pseudonym.
    chat_as_telegram_user(123456789, "Và tiền xu có còn được dùng không?")
    assert Sender.objects.count() == 1


@pytest.fixture
def chat_as_telegram_user(client, tipline, deliver):
    def say(user_id: int, text: str) -> None:
        body, headers = telegram.signed(telegram.update(user_id=user_id, text=text),
                                        TELEGRAM_SECRET)
        assert deliver(client, tipline.hook(tipline.telegram), body, headers).status_code == 200

    return say


def test_pseudonyms_stay_unique_when_numbers_collide(team):
    first = services.sender_for_hash(workspace=team.workspace, hash_hex="00000000" + "1" * 56)
    # The same first candidate (same leading bytes), another sender.
    second = services.sender_for_hash(workspace=team.workspace, hash_hex="00000000" + "2" * 56)
    assert first.pseudonym != second.pseudonym
    assert services.sender_for_hash(
        workspace=team.workspace, hash_hex="00000000" + "1" * 56
    ).pseudonym == first.pseudonym


def test_flood_slows_only_that_sender(
    client, tipline, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = DATABASE_QUEUE
    settings.TIPLINE_SENDER_RATE = 5
    with django_capture_on_commit_callbacks(execute=True):
        for i in range(12):
            body, headers = telegram.signed(
                telegram.update(user_id=1, text=f"tin nhắn dồn dập số {i} từ một người"),
                TELEGRAM_SECRET,
            )
            assert client.post(tipline.hook(tipline.telegram), data=body,
                               content_type="application/json", headers=headers).status_code == 200
        body, headers = telegram.signed(
            telegram.update(user_id=2, text="một người khác hỏi một câu bình thường"),
            TELEGRAM_SECRET,
        )
        client.post(tipline.hook(tipline.telegram), data=body, content_type="application/json",
                    headers=headers)

    flooder = privacy.sender_hash("telegram", "1")
    other_hash = privacy.sender_hash("telegram", "2")
    assert InboundMessage.objects.count() == 13, "nothing was lost"
    now = timezone.now()
    drains = DBTaskResult.objects.filter(task_path="kiemchung.tipline.tasks.inbound_drain")
    later = [t for t in drains if now < t.run_after < now + timedelta(days=1)]
    assert later, "a drain waits for the flooder's next window"

    work_queue(django_capture_on_commit_callbacks)

    held = InboundMessage.objects.filter(state="queued")
    assert held.count() == 7, "the messages over the rate wait"
    assert set(held.values_list("sender_hash", flat=True)) == {flooder}
    other = Tip.objects.filter(conversation__sender__sender_hash=other_hash)
    assert other.count() == 1, "the other sender was answered at once"
    # Once the window has passed, the held messages go through.
    cache.clear()
    held.update(held_until=timezone.now())
    from kiemchung.tipline.tasks import inbound_drain

    with django_capture_on_commit_callbacks(execute=True):
        inbound_drain.call(tipline.telegram.pk, 0)
    assert InboundMessage.objects.filter(state="queued").count() == 0


def test_a_held_message_waits_for_its_time_in_a_worker_of_another_process(
    tipline, settings, django_capture_on_commit_callbacks
):
    """The hold is kept on the row: a worker in its own process, which does not see the
    webhooks' cache, still leaves the message until its sender's next window."""
    from kiemchung.tipline import services_inbound
    from kiemchung.tipline.channels.base import InboundEvent
    from kiemchung.tipline.tasks import inbound_drain

    settings.TASKS = DATABASE_QUEUE
    settings.TIPLINE_SENDER_RATE = 1
    events = [
        InboundEvent(external_id=f"h{i}", platform_user_id="41", reply_address="41",
                     sent_at=0.0, text=f"tin nhắn thứ {i} của một người gửi quá nhanh")
        for i in range(2)
    ]
    services_inbound.inbound_accept(channel=tipline.telegram, events=events)
    held = InboundMessage.objects.get(external_id="h1")
    assert held.held_until is not None and held.held_until > timezone.now()
    cache.clear()  # what the worker of another process sees

    with django_capture_on_commit_callbacks(execute=True):
        assert inbound_drain.call(tipline.telegram.pk, 0) == 1
    held.refresh_from_db()
    assert held.state == "queued", "held back until the sender's next window"

    InboundMessage.objects.filter(pk=held.pk).update(held_until=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        assert inbound_drain.call(tipline.telegram.pk, 0) == 1
    held.refresh_from_db()
    assert held.state == "processed"


def test_blocked_sender_is_dropped_but_acknowledged(team, client, tipline, deliver,
                                                    chat_as_telegram_user):
    chat_as_telegram_user(31, "Tin nhắn đầu tiên của một người hay quấy rối")
    sender = Sender.objects.get()
    services_staff.sender_block(sender=sender, actor=team.editor)

    body, headers = telegram.signed(telegram.update(user_id=31, text="lại quấy rối lần nữa"),
                                    TELEGRAM_SECRET)
    assert deliver(client, tipline.hook(tipline.telegram), body, headers).status_code == 200
    assert InboundMessage.objects.count() == 1
    assert AuditEvent.objects.filter(action="sender.block").exists()


def test_retention_deletes_closed_tips_and_media(team, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.TIP_RETENTION_DAYS = 30
    from tests.tipline.stories import jpeg_with_gps

    from kiemchung.tipline.images import image_clean

    old = services.web_tip_submit(
        channel=tip_received(team).conversation.channel, category="check",
        text="Tin cũ đã xong", images=[image_clean(jpeg_with_gps())],
    )
    recent = tip_received(team, text="Tin mới đóng hôm qua")
    open_tip = tip_received(team, text="Tin còn mở từ lâu")
    media_path = TipMedia.objects.get(tip=old).file.path
    long_ago = timezone.now() - timedelta(days=31)
    Tip.objects.filter(pk=old.pk).update(state=TipState.CLOSED, closed_at=long_ago)
    Tip.objects.filter(pk=recent.pk).update(
        state=TipState.CLOSED, closed_at=timezone.now() - timedelta(days=1)
    )
    Tip.objects.filter(pk=open_tip.pk).update(created_at=long_ago)

    out = StringIO()
    call_command("tipline_retention", stdout=out)

    assert not Tip.objects.filter(pk=old.pk).exists()
    assert not TipMedia.objects.filter(tip_id=old.pk).exists()
    assert not (tmp_path / media_path).exists()
    assert not Message.objects.filter(tip_id=old.pk).exists()
    assert set(Tip.objects.values_list("pk", flat=True)) >= {recent.pk, open_tip.pk}
    assert "deleted 1 tips, 1 images" in out.getvalue()


def test_every_staff_view_of_a_tip_is_audited(team):
    tip = tip_received(team)
    found = inbox_selectors.tip_for_staff(
        workspace=team.workspace, user=team.checker, tip_id=tip.pk
    )
    assert found == tip
    event = AuditEvent.objects.get(action="tip.view")
    assert (event.actor_id, event.object_id) == (team.checker.pk, str(tip.pk))
    assert tip.text not in json.dumps([event.object_repr, event.before, event.after])


def test_viewer_cannot_read_tips(team):
    from django.core.exceptions import PermissionDenied

    tip = tip_received(team)
    with pytest.raises(PermissionDenied):
        inbox_selectors.tip_for_staff(workspace=team.workspace, user=team.viewer, tip_id=tip.pk)


def test_staff_notification_says_only_how_many_tips_are_new(
    team, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        tip_received(team, text="Nội dung bí mật số một")
        tip_received(team, text="Nội dung bí mật số hai")
    [email] = mail.outbox
    assert "Có 2 tin báo mới" in email.subject or "Có 1 tin báo mới" in email.subject
    assert "bí mật" not in email.subject + email.body
    assert "viewer@example.org" not in email.to
    assert {"checker@example.org", "editor@example.org"} <= set(email.to)


def test_rotatekeys_reencrypts_everything_with_the_newest_key(team, settings):
    from cryptography.fernet import Fernet

    from kiemchung.core.crypto import decrypt

    tip = tip_received(team, text="Nội dung sẽ được mã hóa lại")
    old_token = Tip.objects.get(pk=tip.pk).text_enc
    newest = Fernet.generate_key().decode()
    settings.ENCRYPTION_KEYS = [newest, *settings.ENCRYPTION_KEYS]

    out = StringIO()
    call_command("rotatekeys", stdout=out, stderr=StringIO())
    token = Tip.objects.get(pk=tip.pk).text_enc
    assert token != old_token
    assert Fernet(newest.encode()).decrypt(token.encode()).decode() == "Nội dung sẽ được mã hóa lại"
    assert decrypt(token) == "Nội dung sẽ được mã hóa lại"

    # A second run (or one resumed after a stop) finds nothing left to do.
    again = StringIO()
    call_command("rotatekeys", stdout=again, stderr=StringIO())
    assert "re-encrypted 0 rows" in again.getvalue()


def test_a_burst_of_tips_makes_one_staff_notification_task(
    team, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = DATABASE_QUEUE
    with django_capture_on_commit_callbacks(execute=True):
        for i in range(5):
            tip_received(team, text=f"Tin số {i} trong một đợt dồn dập")
    notices = DBTaskResult.objects.filter(task_path="kiemchung.tipline.tasks.staff_notify")
    assert notices.count() == 1


def _development_mail_backend() -> str:
    """The e-mail backend a development instance gets with KIEMCHUNG_EMAIL_BACKEND=console."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    environ = {k: v for k, v in os.environ.items() if not k.startswith("KIEMCHUNG_")}
    environ.update(KIEMCHUNG_EMAIL_BACKEND="console", KIEMCHUNG_ENV="development",
                   KIEMCHUNG_VAR_DIR=os.environ.get("KIEMCHUNG_VAR_DIR", "var"))
    result = subprocess.run(
        [str(Path(sys.executable).with_name("kiemchung")), "shell", "-c",
         "from django.conf import settings; print(settings.EMAIL_BACKEND)"],
        env=environ, capture_output=True, text=True, timeout=120, check=True,
    )
    return result.stdout.strip().splitlines()[-1]


def test_forwarded_report_never_reaches_the_server_output(
    team, settings, capfd, caplog, django_capture_on_commit_callbacks
):
    """A violation report forwarded by a development instance: the mail is accounted for on
    the console (to whom, which subject) but the tip's text goes nowhere but the mail."""
    from kiemchung.core.models import Delivery, DeliveryStatus
    from kiemchung.tipline.forwarding import tip_forward

    settings.EMAIL_BACKEND = _development_mail_backend()
    marker = "DAU-HIEU-4c1e77 kho hàng giả ở phố Hàng Bông"
    tip = tip_received(team, text=marker, category="violation")
    unit = services_staff.authority_unit_save(
        workspace=team.workspace, actor=team.admin, name="Ủy ban nhân dân quận Hoàn Kiếm",
        email="tiepnhan@hoankiem.example.vn", categories="hàng giả",
    )
    capfd.readouterr()
    with caplog.at_level(logging.DEBUG), django_capture_on_commit_callbacks(execute=True):
        tip_forward(tip=tip, unit=unit, actor=team.checker)

    assert Delivery.objects.get(key=f"tipline-forward:{tip.pk}").status == DeliveryStatus.SENT
    out, err = capfd.readouterr()
    assert "tiepnhan@hoankiem.example.vn" in out, "the mail is accounted for"
    assert marker not in out + err
    assert marker not in caplog.text
    assert not mail.outbox, "the development backend keeps nothing in memory either"


def test_tip_images_are_encrypted_at_rest_and_private(team, settings, tmp_path, client):
    """On disk a tip's image is a Fernet token only the instance's keys open, in a file only
    its user can read; staff get the picture back."""
    from pathlib import Path

    from django.urls import reverse
    from tests.tipline.stories import assert_clean, tip_image_received

    from kiemchung.core.crypto import is_encrypted_bytes

    settings.MEDIA_ROOT = tmp_path
    media = tip_image_received(team)
    path = Path(media.file.path)
    stored = path.read_bytes()
    assert is_encrypted_bytes(stored)
    assert not stored.startswith(b"\xff\xd8"), "not a JPEG on disk"
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert oct(path.parent.stat().st_mode & 0o777) == "0o700"
    assert assert_clean(media).format == "JPEG"

    client.force_login(team.checker)
    response = client.get(reverse("tipline_staff:media", args=[media.tip_id, media.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"\xff\xd8")


def test_tip_images_stored_in_the_clear_stay_readable_and_rotatekeys_encrypts_them(
    team, settings, tmp_path
):
    from pathlib import Path

    from cryptography.fernet import Fernet
    from tests.tipline.stories import jpeg_with_gps

    from kiemchung.core.crypto import is_encrypted_bytes
    from kiemchung.tipline.images import image_clean

    settings.MEDIA_ROOT = tmp_path
    tip = tip_received(team)
    clean = image_clean(jpeg_with_gps())
    # As an earlier version stored it: the image itself.
    old = tmp_path / "tipline" / "2025" / "01" / "cu.jpg"
    old.parent.mkdir(parents=True)
    old.write_bytes(clean.content)
    media = TipMedia.objects.create(
        tip=tip, file="tipline/2025/01/cu.jpg", content_type="image/jpeg",
        size=len(clean.content), width=clean.width, height=clean.height,
    )
    with media.file.open("rb") as handle:
        assert handle.read() == clean.content

    settings.ENCRYPTION_KEYS = [Fernet.generate_key().decode(), *settings.ENCRYPTION_KEYS]
    out = StringIO()
    call_command("rotatekeys", stdout=out, stderr=StringIO())
    assert "re-encrypted 1 tip images" in out.getvalue()
    assert is_encrypted_bytes(Path(old).read_bytes())
    media.refresh_from_db()
    with media.file.open("rb") as handle:
        assert handle.read() == clean.content
    # Under the newest key only: the old key may now go.
    settings.ENCRYPTION_KEYS = settings.ENCRYPTION_KEYS[:1]
    with media.file.open("rb") as handle:
        assert handle.read() == clean.content
