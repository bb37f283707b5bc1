"""The words in a tip's images: read on this machine, kept encrypted, matched like typed text,
corrected by staff; and the earlier tips that carried the same picture."""

from __future__ import annotations

from io import BytesIO

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from PIL import Image, ImageDraw
from tests.tipline.answer_stories import LEMON_TIP, index_in_tmp, lemon_published  # noqa: F401
from tests.tipline.stories import raw_rows, web_channel

from kiemchung.audit.models import AuditEvent
from kiemchung.images import synth
from kiemchung.images.ocr import default_engine
from kiemchung.tipline import images_read, services
from kiemchung.tipline.images import image_clean
from kiemchung.tipline.models import (
    ImageReadingState,
    Message,
    Tip,
    TipImageText,
    TipMedia,
)

pytestmark = pytest.mark.usefixtures("index_in_tmp")

needs_engine = pytest.mark.skipif(
    default_engine() is None, reason="tesseract with Vietnamese is not installed"
)
RUMOUR = "Uống nước chanh ấm mỗi sáng giúp chữa khỏi ung thư."


def _png(image: Image.Image) -> bytes:
    out = BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _screenshot(*messages: str) -> bytes:
    # Be Vietnam Pro at weight 600: at 400 the engine reads some "á" as "ó" (docs/IMAGES.md).
    return _png(synth.screenshot(list(messages), face=synth.faces()[1], size=32, dark=False))


def _send(team, settings, tmp_path, capture, *, text: str, images: list[bytes]) -> Tip:
    settings.MEDIA_ROOT = tmp_path
    with capture(execute=True):
        tip = services.web_tip_submit(
            channel=web_channel(team),
            category="check",
            text=text,
            images=[image_clean(data) for data in images],
        )
    tip.refresh_from_db()
    return tip


@needs_engine
def test_an_image_tip_gets_the_answer_its_words_would_get(
    team, settings, tmp_path, django_capture_on_commit_callbacks
):
    factcheck = lemon_published(team)

    tip = _send(team, settings, tmp_path, django_capture_on_commit_callbacks,
                text="Cái này có đúng không?", images=[_screenshot(RUMOUR)])

    reading = TipImageText.objects.get(media__tip=tip)
    assert reading.state == ImageReadingState.READ
    assert "ung thư" in reading.text
    # The same words typed get the same decision and the same fact-check.
    typed = _send(team, settings, tmp_path, django_capture_on_commit_callbacks,
                  text=images_read.tip_match_text(tip=tip), images=[])
    assert tip.auto_factcheck_id == factcheck.pk
    assert tip.auto_state == typed.auto_state == "sent"
    assert (tip.auto_decision, tip.auto_factcheck_id) == (
        typed.auto_decision, typed.auto_factcheck_id
    )
    # The words are stored encrypted, like the tip's text.
    assert "ung thư" not in raw_rows("tipline_tipimagetext")


@needs_engine
def test_words_are_read_from_a_photographed_page(
    team, settings, tmp_path, django_capture_on_commit_callbacks
):
    import random

    photo = synth.photograph(synth.paper(RUMOUR, face=synth.faces()[0], size=36),
                             random.Random(3))
    out = BytesIO()
    photo.save(out, format="JPEG", quality=60)
    tip = _send(team, settings, tmp_path, django_capture_on_commit_callbacks,
                text="", images=[out.getvalue()])
    assert "chữa khỏi ung thư" in " ".join(images_read.tip_match_text(tip=tip).split())


@needs_engine
def test_a_picture_without_words_says_so_and_the_tip_is_looked_at_anyway(
    team, settings, tmp_path, django_capture_on_commit_callbacks
):
    picture = Image.new("RGB", (400, 300), (40, 120, 60))
    ImageDraw.Draw(picture).ellipse((80, 60, 300, 260), fill=(230, 200, 40))

    tip = _send(team, settings, tmp_path, django_capture_on_commit_callbacks,
                text="Ảnh này là thật không?", images=[_png(picture)])

    assert TipImageText.objects.get(media__tip=tip).state == ImageReadingState.NO_TEXT
    assert tip.match_checked_at is not None, "the tip did not wait for ever"


def test_without_the_engine_images_are_still_fingerprinted_and_staff_are_told(
    team, settings, tmp_path, django_capture_on_commit_callbacks, client, monkeypatch
):
    monkeypatch.setattr(images_read, "default_engine", lambda: None)
    monkeypatch.setattr("kiemchung.tipline.templatetags.tipline_images.image_reading_enabled",
                        lambda: False)
    tip = _send(team, settings, tmp_path, django_capture_on_commit_callbacks,
                text=LEMON_TIP, images=[_screenshot(RUMOUR)])

    reading = TipImageText.objects.get(media__tip=tip)
    assert reading.state == ImageReadingState.OFF
    assert len(reading.fingerprints) == 2
    assert tip.match_checked_at is not None
    client.force_login(team.checker)
    page = client.get(reverse("tipline_staff:tip", args=[tip.pk])).content.decode()
    assert 'id="image-reading-off"' in page
    assert "apt-get install tesseract-ocr tesseract-ocr-vie" in page


def test_a_damaged_stored_image_is_an_outcome_not_a_stuck_task(
    team, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    tip = services.web_tip_submit(channel=web_channel(team), category="check",
                                  text="Xem giúp tin này", images=[])
    with django_capture_on_commit_callbacks(execute=True):
        media = TipMedia(tip=tip, content_type="image/png", size=10, width=1, height=1)
        media.file.save("image", ContentFile(b"\x89PNG\r\n\x1a\n broken"), save=False)
        media.save()
    assert TipImageText.objects.get(media=media).state == ImageReadingState.UNREADABLE


def test_staff_correct_the_words_and_matching_reads_the_correction(
    team, settings, tmp_path, django_capture_on_commit_callbacks, client, monkeypatch
):
    monkeypatch.setattr(images_read, "default_engine", lambda: None)
    tip = _send(team, settings, tmp_path, django_capture_on_commit_callbacks,
                text="Xem giúp", images=[_screenshot(RUMOUR)])
    media = tip.media.get()
    client.force_login(team.checker)
    url = reverse("tipline_staff:image_text", args=[tip.pk, media.pk])

    response = client.post(url, {"text": "Nước chanh chữa ung thư"})

    assert response.status_code == 302
    reading = TipImageText.objects.get(media=media)
    assert reading.text == "Nước chanh chữa ung thư"
    assert reading.corrected_by_id == team.checker.pk
    assert images_read.tip_match_text(tip=tip) == "Xem giúp\nNước chanh chữa ung thư"
    event = AuditEvent.objects.get(action="tip.image_text.correct")
    assert "chanh" not in str(event.before) + str(event.after)
    page = client.get(reverse("tipline_staff:tip", args=[tip.pk])).content.decode()
    assert "Nước chanh chữa ung thư" in page and "đã được sửa tay" in page


def test_an_outsider_cannot_correct_another_teams_image(
    team, settings, tmp_path, django_capture_on_commit_callbacks, client, monkeypatch
):
    monkeypatch.setattr(images_read, "default_engine", lambda: None)
    tip = _send(team, settings, tmp_path, django_capture_on_commit_callbacks,
                text="Xem giúp", images=[_screenshot(RUMOUR)])
    media = tip.media.get()
    client.force_login(team.outsider)
    response = client.post(reverse("tipline_staff:image_text", args=[tip.pk, media.pk]),
                           {"text": "khác"})
    assert response.status_code == 404
    assert TipImageText.objects.get(media=media).text == ""


def test_the_same_picture_resent_resized_finds_the_earlier_tip(
    team, settings, tmp_path, django_capture_on_commit_callbacks, client, monkeypatch
):
    monkeypatch.setattr(images_read, "default_engine", lambda: None)
    screenshot = synth.screenshot([RUMOUR], face=synth.faces()[0], size=32, dark=False)
    first = _send(team, settings, tmp_path, django_capture_on_commit_callbacks,
                  text="Lần đầu", images=[_png(screenshot)])
    other = _send(team, settings, tmp_path, django_capture_on_commit_callbacks,
                  text="Ảnh khác", images=[_screenshot("Một tin khác hẳn về giá xăng tăng.",
                                                       "Và một tin nhắn nữa.")])
    again = _send(team, settings, tmp_path, django_capture_on_commit_callbacks,
                  text="Lần hai", images=[_png(synth.resized(screenshot, 0.6))])

    seen = images_read.tip_image_seen_before(media=again.media.get())
    assert [s.tip_id for s in seen] == [first.pk]
    assert images_read.tip_image_seen_before(media=other.media.get()) == []
    client.force_login(team.checker)
    page = client.get(reverse("tipline_staff:tip", args=[again.pk])).content.decode()
    assert first.tracking_code in page


def test_the_words_go_with_the_tip(
    team, settings, tmp_path, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(images_read, "default_engine", lambda: None)
    tip = _send(team, settings, tmp_path, django_capture_on_commit_callbacks,
                text="Xem giúp", images=[_screenshot(RUMOUR)])
    assert TipImageText.objects.count() == 1
    tip.delete()
    assert TipImageText.objects.count() == 0


@needs_engine
def test_an_image_arriving_after_the_first_look_gets_a_second_one(
    team, settings, tmp_path, django_capture_on_commit_callbacks
):
    """A chat image is downloaded after the tip's text was looked at: its words still find the
    fact-check, and the tip gets the answer once."""
    factcheck = lemon_published(team)
    tip = _send(team, settings, tmp_path, django_capture_on_commit_callbacks,
                text="Xem giúp mình cái ảnh này", images=[])
    assert tip.match_checked_at is not None and not tip.auto_state

    with django_capture_on_commit_callbacks(execute=True):
        services.tip_media_attach(tip_id=tip.pk, image=image_clean(_screenshot(RUMOUR)))

    tip.refresh_from_db()
    assert tip.auto_factcheck_id == factcheck.pk
    assert tip.auto_state == "sent"
    # A second image changes nothing: the tip was answered, and is not answered twice.
    sent = Message.objects.filter(tip=tip, direction="out").count()
    with django_capture_on_commit_callbacks(execute=True):
        services.tip_media_attach(tip_id=tip.pk, image=image_clean(_screenshot(RUMOUR)))
    assert Tip.objects.get(pk=tip.pk).auto_state == "sent"
    assert Message.objects.filter(tip=tip, direction="out").count() == sent
