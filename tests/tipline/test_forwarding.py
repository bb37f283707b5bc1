"""Violation reports forwarded by e-mail to the authority unit the workspace configured: the
report and its images with a reference, nothing about the tipster; retried when mail fails."""

from __future__ import annotations

import io
import socket

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from tests.tipline.answer_stories import (
    index_in_tmp,  # noqa: F401 (fixture)
    say,  # noqa: F401 (fixture)
    text_of,
)
from tests.tipline.stories import web_channel

from kiemchung.core.models import Delivery, DeliveryStatus
from kiemchung.tipline import services, services_staff
from kiemchung.tipline.forwarding import tip_forward
from kiemchung.tipline.images import image_clean
from kiemchung.tipline.models import AuthorityUnit, Tip, TipState

pytestmark = pytest.mark.usefixtures("index_in_tmp")

REPORT = (
    "Cơ sở ở số 12 ngõ 34 phố Hàng Bông bán sữa bột giả nhãn hiệu nước ngoài, "
    "tôi thấy họ dán nhãn lại vào tối thứ Bảy."
)
TELEGRAM_USER = "55443322"


def _unit(team, **extra) -> AuthorityUnit:
    return services_staff.authority_unit_save(
        workspace=team.workspace,
        actor=team.admin,
        name="Ủy ban nhân dân quận Hoàn Kiếm",
        email="tiepnhan@hoankiem.example.vn",
        categories="hàng giả, an toàn thực phẩm",
        **extra,
    )


def _violation_by_telegram(say) -> Tip:
    say("2", user=TELEGRAM_USER)
    say(REPORT, user=TELEGRAM_USER)
    tip = Tip.objects.select_related("conversation__sender").get()
    assert tip.category == "violation"
    return tip


def test_violation_forwarded_to_authority_without_tipster_identity(
    team, tipline, say, client, django_capture_on_commit_callbacks
):
    unit = _unit(team)
    tip = _violation_by_telegram(say)
    sender = tip.conversation.sender
    mail.outbox.clear()
    before = len(tipline.telegram_api.sent())
    client.force_login(team.checker)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("tipline_staff:forward", args=[tip.pk]), {"unit": unit.pk})

    assert response.status_code == 302
    tip.refresh_from_db()
    assert tip.state == TipState.FORWARDED and tip.forwarded_to == unit
    year = timezone.localdate().year
    assert tip.forward_reference == f"{tip.tracking_code}/UBND-{year}-0001"
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["tiepnhan@hoankiem.example.vn"]
    assert tip.forward_reference in email.subject and tip.forward_reference in email.body
    assert REPORT in email.body
    message = email.message().as_string()
    # Nothing about the tipster: no platform id, no keyed hash, no pseudonym, no name.
    for secret in (
        TELEGRAM_USER, sender.sender_hash, sender.label, f"{sender.pseudonym:04d}", "Lan",
        "Telegram", "telegram",
    ):
        assert secret not in message, secret
    assert email.reply_to == [team.workspace.corrections_email]
    # The send is one Delivery, sent; the tipster receives the reference in their chat.
    delivery = Delivery.objects.get(key=f"tipline-forward:{tip.pk}")
    assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 1
    assert delivery.target == f"tipline.authority:{unit.pk}"
    told = [text_of(r.json) for r in tipline.telegram_api.sent()[before:]]
    assert len(told) == 1 and tip.forward_reference in told[0] and unit.name in told[0]


def test_forwarded_web_report_carries_its_images_under_neutral_names(
    team, tipline, django_capture_on_commit_callbacks
):
    unit = _unit(team)
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buffer, "JPEG")
    tip = services.web_tip_submit(
        channel=web_channel(team), category="violation", text=REPORT,
        images=[image_clean(buffer.getvalue())],
    )
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        tip_forward(tip=tip, unit=unit, actor=team.checker)

    email = mail.outbox[0]
    assert [(name, kind) for name, _content, kind in email.attachments] == [
        ("anh-1.jpg", "image/jpeg")
    ]
    assert Image.open(io.BytesIO(email.attachments[0][1])).size == (40, 30)
    # The web tipster reads the reference on the status page.
    tip.refresh_from_db()
    posted = Delivery.objects.get(adapter="tipline-web")
    assert posted.status == DeliveryStatus.SENT
    assert tip.messages.filter(direction="out", delivery=posted).exists()


def test_web_tipster_reads_the_reference_on_the_status_page(
    team, tipline, client, django_capture_on_commit_callbacks
):
    unit = _unit(team)
    tip = services.web_tip_submit(
        channel=web_channel(team), category="violation", text=REPORT, images=[]
    )
    status_url = reverse("tipline:status", args=[team.workspace.slug])
    before = client.get(status_url, {"code": tip.tracking_code}).content.decode()
    assert 'id="tip-forwarded"' not in before

    with django_capture_on_commit_callbacks(execute=True):
        tip_forward(tip=tip, unit=unit, actor=team.checker)

    tip.refresh_from_db()
    page = client.get(status_url, {"code": tip.tracking_code}).content.decode()
    assert 'id="tip-forwarded"' in page
    assert f"<strong>{tip.forward_reference}</strong>" in page and unit.name in page
    # The notice the chat channels would have carried is there too, without who sent it.
    assert page.count(tip.forward_reference) == 2
    assert "checker" not in page and REPORT not in page


def test_references_count_per_unit_and_year(team, tipline, django_capture_on_commit_callbacks):
    unit = _unit(team)
    channel = web_channel(team)
    refs = []
    for n in range(2):
        tip = services.web_tip_submit(
            channel=channel, category="violation", text=f"{REPORT} ({n})", images=[]
        )
        with django_capture_on_commit_callbacks(execute=True):
            tip_forward(tip=tip, unit=unit, actor=team.checker)
        tip.refresh_from_db()
        refs.append(tip.forward_reference.split("/")[1])
    assert refs[0].endswith("-0001") and refs[1].endswith("-0002")
    assert refs[0][:-5] == refs[1][:-5]


def test_only_violations_of_the_workspace_go_to_its_units(team, tipline):
    unit = _unit(team)
    check = services.web_tip_submit(
        channel=web_channel(team), category="check", text=REPORT, images=[]
    )
    with pytest.raises(ValidationError):
        tip_forward(tip=check, unit=unit, actor=team.checker)
    violation = services.web_tip_submit(
        channel=web_channel(team), category="violation", text=REPORT, images=[]
    )
    with pytest.raises(PermissionDenied):
        tip_forward(tip=violation, unit=unit, actor=team.viewer)
    other = AuthorityUnit.objects.create(
        workspace=team.other_workspace, name="Sở khác", email="so@example.vn"
    )
    with pytest.raises(ValidationError):
        tip_forward(tip=violation, unit=other, actor=team.checker)
    assert not mail.outbox


def test_forward_is_retried_then_marked_failed_when_mail_is_down(
    team, tipline, settings, django_capture_on_commit_callbacks
):
    # A port nobody listens on: every attempt is refused, as when the mail server is down.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = False
    settings.TASK_MAX_ATTEMPTS = 3
    settings.TASK_BACKOFF_SECONDS = 0
    unit = _unit(team)
    tip = services.web_tip_submit(
        channel=web_channel(team), category="violation", text=REPORT, images=[]
    )

    with django_capture_on_commit_callbacks(execute=True):
        tip_forward(tip=tip, unit=unit, actor=team.checker)

    delivery = Delivery.objects.get(key=f"tipline-forward:{tip.pk}")
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts == 3
    assert "refused" in delivery.error.lower() or "111" in delivery.error
    assert REPORT not in delivery.error


def test_authority_units_are_set_by_admins(team, tipline, client):
    client.force_login(team.checker)
    response = client.post(
        reverse("tipline_staff:authorities"),
        {"name": "Sở Y tế", "email": "soyte@example.vn", "categories": "", "is_active": "on"},
    )
    assert response.status_code == 403 and not AuthorityUnit.objects.exists()
    client.force_login(team.admin)
    response = client.post(
        reverse("tipline_staff:authorities"),
        {"name": "Sở Y tế", "email": "soyte@example.vn", "categories": "thuốc giả, y tế",
         "is_active": "on"},
    )
    assert response.status_code == 302
    unit = AuthorityUnit.objects.get()
    assert unit.categories == ["thuốc giả", "y tế"] and unit.workspace == team.workspace


def test_authority_unit_edit_form_shows_what_was_saved(team, tipline, client):
    unit = _unit(team, note="Tiếp nhận giờ hành chính")
    client.force_login(team.admin)
    page = client.get(reverse("tipline_staff:authority_edit", args=[unit.pk])).content.decode()
    assert 'value="hàng giả, an toàn thực phẩm"' in page
    assert 'value="tiepnhan@hoankiem.example.vn"' in page
    assert "Tiếp nhận giờ hành chính" in page
    missing = reverse("tipline_staff:authority_edit", args=[unit.pk + 1000])
    assert client.get(missing).status_code == 404
