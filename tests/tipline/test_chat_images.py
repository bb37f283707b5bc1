"""Images sent to the tipline on the chat apps reach staff as clean images on the tip, or as a
note saying why they did not, and never pass through logs or task arguments."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta
from io import BytesIO
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from PIL import Image
from tests.fakes import tipline_messenger as messenger
from tests.fakes import tipline_telegram as telegram
from tests.fakes import tipline_zalo as zalo
from tests.fakes.tipline_cdn import FakeImageHost
from tests.tipline.conftest import (
    BOT_TOKEN,
    META_SECRET,
    TELEGRAM_SECRET,
    ZALO_APP_ID,
    ZALO_SECRET,
)
from tests.tipline.stories import assert_clean, jpeg_with_gps, raw_rows

from kiemchung.tipline import services_retention, services_staff
from kiemchung.tipline.models import (
    MediaDownloadState,
    Tip,
    TipMedia,
    TipMediaDownload,
    TipState,
)

pytestmark = pytest.mark.usefixtures("no_matcher")

CAPTION = "Ảnh chụp màn hình: bộ Y tế nói vắc-xin mới gây vô sinh, có thật không?"


@pytest.fixture
def image_host(settings, tmp_path) -> Iterator[FakeImageHost]:
    settings.MEDIA_ROOT = tmp_path
    host = FakeImageHost()
    yield host
    host.close()
    assert not host.problems


def _png(size: tuple[int, int]) -> bytes:
    out = BytesIO()
    Image.new("RGB", size, (20, 120, 40)).save(out, format="PNG")
    return out.getvalue()


def telegram_photo(client, tipline, deliver, *, photo: list[dict[str, Any]],
                   caption: str | None = None, user_id: int = 4001,
                   document: dict[str, Any] | None = None) -> Any:
    extra: dict[str, Any] = {"photo": photo} if photo else {"document": document}
    if caption is not None:
        extra["caption"] = caption
    body, headers = telegram.signed(telegram.update(user_id=user_id, extra=extra),
                                    TELEGRAM_SECRET)
    return deliver(client, tipline.hook(tipline.telegram), body, headers)


def messenger_image(client, tipline, deliver, *, urls: list[str], text: str | None = None,
                    psid: str = "2601") -> Any:
    attachments = [{"type": "image", "payload": {"url": url}} for url in urls]
    payload = messenger.message_event(psid=psid, text=text, attachments=attachments)
    body, headers = messenger.signed(payload, app_secret=META_SECRET)
    return deliver(client, tipline.hook(tipline.messenger), body, headers)


def zalo_image(client, tipline, deliver, *, url: str, text: str | None = None,
               user_id: str = "7301") -> Any:
    payload = zalo.event(
        app_id=ZALO_APP_ID, user_id=user_id, text=text, event_name="user_send_image",
        attachments=[{"type": "image", "payload": {"thumbnail": url, "url": url}}],
    )
    body, headers = zalo.signed(payload, app_id=ZALO_APP_ID, secret=ZALO_SECRET)
    return deliver(client, tipline.hook(tipline.zalo), body, headers)


def test_a_photo_sent_on_telegram_becomes_a_clean_image_on_the_tip(
    client, tipline, deliver, image_host
):
    photo = tipline.telegram_api.photo(jpeg_with_gps(), thumbnail=_png((8, 6)))

    assert telegram_photo(client, tipline, deliver, photo=photo, caption=CAPTION).status_code == 200

    tip = Tip.objects.get()
    assert tip.text == CAPTION
    media = TipMedia.objects.get(tip=tip)
    assert assert_clean(media).size == (64, 48), "the largest size, not the thumbnail"
    download = TipMediaDownload.objects.get(tip=tip)
    assert (download.state, download.media_id, download.source_enc) == (
        MediaDownloadState.DONE, media.pk, ""
    )
    asked = [r for r in tipline.telegram_api.requests if r.path.endswith("/getFile")]
    assert [r.json["file_id"] for r in asked] == [photo[-1]["file_id"]]
    assert [r.path for r in tipline.telegram_api.gets()] == [
        f"/file/bot{BOT_TOKEN}/photos/file_1.jpg"
    ]


def test_a_photo_without_a_caption_is_still_a_tip_with_its_image(
    client, tipline, deliver, image_host
):
    photo = tipline.telegram_api.photo(jpeg_with_gps())
    telegram_photo(client, tipline, deliver, photo=photo)
    tip = Tip.objects.get()
    assert tip.media.count() == 1


def test_an_image_sent_as_a_file_on_telegram_is_taken_as_a_photo(
    client, tipline, deliver, image_host
):
    file_id = tipline.telegram_api.photo(_png((30, 20)))[-1]["file_id"]
    document = {"file_id": file_id, "file_unique_id": "AQADx", "file_name": "IMG_0042.png",
                "mime_type": "image/png", "file_size": 120}

    telegram_photo(client, tipline, deliver, photo=[], caption=CAPTION, document=document)

    media = TipMedia.objects.get(tip=Tip.objects.get())
    assert (media.content_type, media.width, media.height) == ("image/png", 30, 20)
    assert "IMG_0042" not in media.file.name


def test_an_image_sent_on_messenger_becomes_a_clean_image_on_the_tip(
    client, tipline, deliver, image_host
):
    url = image_host.publish(jpeg_with_gps())

    messenger_image(client, tipline, deliver, urls=[url], text=CAPTION)

    tip = Tip.objects.get()
    assert assert_clean(TipMedia.objects.get(tip=tip)).size == (64, 48)
    assert len(image_host.gets()) == 1


def test_an_image_sent_on_zalo_becomes_a_clean_image_on_the_tip(
    client, tipline, deliver, image_host
):
    url = image_host.publish(jpeg_with_gps(), signed=False)

    zalo_image(client, tipline, deliver, url=url, text=CAPTION)

    tip = Tip.objects.get()
    assert assert_clean(TipMedia.objects.get(tip=tip)).size == (64, 48)


def test_a_messenger_sticker_is_not_taken_for_a_photo(client, tipline, deliver, image_host):
    url = image_host.publish(_png((4, 4)))
    payload = messenger.message_event(
        psid="2602",
        attachments=[{"type": "image", "payload": {"url": url, "sticker_id": 369239263222822}}],
    )
    body, headers = messenger.signed(payload, app_secret=META_SECRET)
    deliver(client, tipline.hook(tipline.messenger), body, headers)
    assert not image_host.gets()
    assert not TipMediaDownload.objects.exists()


def test_a_non_image_is_refused_with_a_note_for_staff(
    client, tipline, deliver, image_host, team
):
    url = image_host.publish(b"%PDF-1.7 not an image at all", content_type="image/jpeg")

    messenger_image(client, tipline, deliver, urls=[url], text=CAPTION)

    tip = Tip.objects.get()
    download = TipMediaDownload.objects.get(tip=tip)
    assert download.state == MediaDownloadState.REFUSED
    assert "không phải là ảnh" in download.note
    assert download.source_enc == ""
    assert not TipMedia.objects.exists()
    client.force_login(team.checker)
    page = client.get(reverse("tipline_staff:tip", args=[tip.pk])).content.decode()
    assert "Ảnh không được nhận" in page and "không phải là ảnh" in page


def test_an_oversized_telegram_photo_is_refused_before_it_is_downloaded(
    client, tipline, deliver, image_host, settings
):
    settings.TIP_IMAGE_MAX_MB = 1
    photo = tipline.telegram_api.photo(jpeg_with_gps(), file_size=3 * 1024 * 1024)

    telegram_photo(client, tipline, deliver, photo=photo, caption=CAPTION)

    download = TipMediaDownload.objects.get()
    assert download.state == MediaDownloadState.REFUSED
    assert "lớn hơn 1 MB" in download.note
    assert tipline.telegram_api.gets() == []


def test_an_oversized_image_is_cut_off_while_it_streams(
    client, tipline, deliver, image_host, settings
):
    settings.TIP_IMAGE_MAX_MB = 1
    # No Content-Length: only counting the bytes as they come can stop it. Far larger than the
    # limit, so that what the sockets buffer cannot pass for the whole of it.
    body = b"\xff\xd8\xff" + b"\0" * (32 * 1024 * 1024)
    url = image_host.publish(body, signed=False, declare_length=False)

    zalo_image(client, tipline, deliver, url=url, text=CAPTION)

    download = TipMediaDownload.objects.get()
    assert download.state == MediaDownloadState.REFUSED
    assert "lớn hơn 1 MB" in download.note
    assert not TipMedia.objects.exists()
    [fetch] = image_host.gets()
    assert fetch.done.wait(timeout=10), "the host is still sending"
    assert 1024 * 1024 <= fetch.bytes_sent < len(body), "the download was stopped midway"


def test_a_briefly_unavailable_image_host_is_tried_again(
    client, tipline, deliver, image_host
):
    url = image_host.publish(jpeg_with_gps())
    image_host.fail_next(503, {"error": "Service Unavailable"})

    messenger_image(client, tipline, deliver, urls=[url], text=CAPTION)

    download = TipMediaDownload.objects.get()
    assert (download.state, download.attempts) == (MediaDownloadState.DONE, 2)
    assert TipMedia.objects.count() == 1


def test_a_host_that_stays_down_leaves_a_note_once_the_tries_run_out(
    client, tipline, deliver, image_host, settings, team
):
    settings.TASK_MAX_ATTEMPTS = 3
    url = image_host.publish(jpeg_with_gps())
    image_host.fail_next(503, {"error": "Service Unavailable"}, times=3)

    messenger_image(client, tipline, deliver, urls=[url], text=CAPTION)

    download = TipMediaDownload.objects.get()
    assert (download.state, download.attempts) == (MediaDownloadState.FAILED, 3)
    assert "503" in download.note
    assert download.source_enc == ""
    client.force_login(team.checker)
    page = client.get(reverse("tipline_staff:tip", args=[download.tip_id])).content.decode()
    assert "Không tải được ảnh" in page


def test_an_expired_image_address_is_refused_without_retrying(
    client, tipline, deliver, image_host
):
    url = image_host.publish(jpeg_with_gps(), expires_in=-60)

    messenger_image(client, tipline, deliver, urls=[url], text=CAPTION)

    download = TipMediaDownload.objects.get()
    assert (download.state, download.attempts) == (MediaDownloadState.REFUSED, 1)
    assert "hết hạn" in download.note


def test_an_image_sent_while_staff_chat_joins_the_open_tip(
    client, tipline, deliver, image_host, team
):
    messenger_image(client, tipline, deliver, urls=[], text=CAPTION)
    tip = Tip.objects.get()
    services_staff.conversation_take_over(conversation=tip.conversation, actor=team.checker)

    messenger_image(client, tipline, deliver, urls=[image_host.publish(jpeg_with_gps())])

    assert Tip.objects.count() == 1
    assert tip.media.count() == 1


def test_images_never_appear_in_logs_or_task_arguments(
    client, tipline, image_host, settings, caplog, django_capture_on_commit_callbacks,
    database_queue,
):
    settings.TASK_BACKOFF_SECONDS = 0  # the retry runs in the same pass of the queue
    photo = tipline.telegram_api.photo(jpeg_with_gps())
    url = image_host.publish(jpeg_with_gps())
    refused = image_host.publish(b"GIF89a not really", content_type="image/gif")
    image_host.fail_next(503, {"error": "Service Unavailable"})
    with caplog.at_level(logging.DEBUG):
        with django_capture_on_commit_callbacks(execute=True):
            body, headers = telegram.signed(
                telegram.update(user_id=4005, extra={"photo": photo, "caption": CAPTION}),
                TELEGRAM_SECRET,
            )
            client.post(tipline.hook(tipline.telegram), data=body,
                        content_type="application/json", headers=headers)
            payload = messenger.message_event(
                psid="2609", text=CAPTION,
                attachments=[{"type": "image", "payload": {"url": u}} for u in (url, refused)],
            )
            body, headers = messenger.signed(payload, app_secret=META_SECRET)
            client.post(tipline.hook(tipline.messenger), data=body,
                        content_type="application/json", headers=headers)
        database_queue()

    assert TipMedia.objects.count() == 2
    assert TipMediaDownload.objects.filter(state=MediaDownloadState.REFUSED).count() == 1
    # Where each image was: the Telegram file path, and the addresses on the image host, whole,
    # by their path alone and by their signature.
    file_paths = [r.path.split(f"/file/bot{BOT_TOKEN}/", 1)[1]
                  for r in tipline.telegram_api.gets()]
    assert file_paths and all(p.startswith("photos/file_") for p in file_paths)
    signatures = [parse_qs(urlsplit(u).query).get("oh", [""])[0] for u in (url, refused)]
    assert all(signatures)
    secrets = [
        photo[-1]["file_id"], *file_paths, url, refused, urlsplit(url).path,
        urlsplit(refused).path, *signatures, image_host.url, BOT_TOKEN, CAPTION,
    ]
    tasks = raw_rows(DBTaskResult._meta.db_table)
    stored = "".join(
        raw_rows(model._meta.db_table)
        for model in apps.get_app_config("tipline").get_models()
    ) + raw_rows("core_delivery")
    for secret in secrets:
        assert secret not in caplog.text
        assert secret not in tasks
        assert secret not in stored


def test_deleting_a_tip_deletes_its_chat_images(client, tipline, deliver, image_host):
    photo = tipline.telegram_api.photo(jpeg_with_gps())
    telegram_photo(client, tipline, deliver, photo=photo, caption=CAPTION, user_id=4010)
    tip = Tip.objects.get()
    path = Path(tip.media.get().file.path)

    body, headers = telegram.signed(
        telegram.update(user_id=4010, text=f"xóa {tip.tracking_code}"), TELEGRAM_SECRET
    )
    deliver(client, tipline.hook(tipline.telegram), body, headers)

    assert not Tip.objects.exists()
    assert not TipMedia.objects.exists() and not TipMediaDownload.objects.exists()
    assert not path.exists()


def test_retention_deletes_chat_images_with_their_closed_tip(
    client, tipline, deliver, image_host, settings
):
    settings.TIP_RETENTION_DAYS = 30
    messenger_image(client, tipline, deliver, urls=[image_host.publish(jpeg_with_gps())],
                    text=CAPTION)
    tip = Tip.objects.get()
    path = Path(tip.media.get().file.path)
    Tip.objects.filter(pk=tip.pk).update(
        state=TipState.CLOSED, closed_at=timezone.now() - timedelta(days=31)
    )

    result = services_retention.retention_run()

    assert result.media == 1
    assert not TipMediaDownload.objects.exists()
    assert not path.exists()


# --- albums, a menu choice as a caption, telling the tipster --------------------------------


def _telegram_texts(tipline) -> list[str]:
    return [r.json["text"] for r in tipline.telegram_api.sent()]


def _messenger_texts(tipline) -> list[str]:
    return [r.json["message"].get("text", "") for r in tipline.send_api.sent()]


def _album(tipline, group: str, captions: list[str | None]) -> list[dict[str, Any]]:
    updates = []
    for caption in captions:
        extra: dict[str, Any] = {"photo": tipline.telegram_api.photo(jpeg_with_gps()),
                                 "media_group_id": group}
        if caption is not None:
            extra["caption"] = caption
        updates.append(telegram.update(user_id=4001, extra=extra))
    return updates


def _send(client, tipline, deliver, update: dict[str, Any]) -> None:
    body, headers = telegram.signed(update, TELEGRAM_SECRET)
    assert deliver(client, tipline.hook(tipline.telegram), body, headers).status_code == 200


def test_the_photos_of_a_telegram_album_become_one_tip(client, tipline, deliver, image_host):
    for update in _album(tipline, "13466012345678901", [CAPTION, None, None]):
        _send(client, tipline, deliver, update)

    tip = Tip.objects.get()
    assert tip.text == CAPTION
    assert tip.media.count() == 3
    assert tip.conversation.messages.filter(tip=tip, direction="in").count() == 3
    received = [t for t in _telegram_texts(tipline) if tip.tracking_code in t]
    assert len(received) == 1, "one receipt for the album, not one per photo"

    # Another album is another tip.
    for update in _album(tipline, "13466012345678999", ["Ảnh thứ hai về chuyện khác hẳn"]):
        _send(client, tipline, deliver, update)
    assert Tip.objects.count() == 2


def test_an_albums_words_on_a_later_photo_become_the_tips_text(
    client, tipline, deliver, image_host
):
    for update in _album(tipline, "13466012345670000", [None, CAPTION]):
        _send(client, tipline, deliver, update)

    tip = Tip.objects.get()
    assert tip.text == CAPTION
    assert tip.media.count() == 2


def test_a_photo_with_a_menu_choice_as_its_caption_is_filed_in_that_category(
    client, tipline, deliver, image_host
):
    photo = tipline.telegram_api.photo(jpeg_with_gps())

    telegram_photo(client, tipline, deliver, photo=photo, caption="2")

    tip = Tip.objects.get()
    assert tip.category == "violation"
    assert tip.media.count() == 1
    assert tip.tracking_code in _telegram_texts(tipline)[-1]


def test_the_tipster_hears_once_which_images_did_not_arrive(
    client, tipline, deliver, image_host
):
    good = image_host.publish(jpeg_with_gps())
    bad = [image_host.publish(b"%PDF-1.7 not an image", content_type="image/jpeg")
           for _ in range(2)]

    messenger_image(client, tipline, deliver, urls=[good, *bad], text=CAPTION)

    tip = Tip.objects.get()
    assert tip.media.count() == 1
    notices = [t for t in _messenger_texts(tipline) if "không nhận được" in t]
    assert notices == [
        f"2 ảnh bạn gửi kèm tin {tip.tracking_code} không nhận được. Chúng tôi nhận ảnh JPEG, "
        "PNG hoặc WebP, mỗi ảnh đến 10 MB và đến 10 ảnh trong một tin nhắn. Bạn có thể gửi "
        "lại ảnh trong một tin nhắn mới."
    ]
    assert "PDF" not in notices[0] and "không phải là ảnh" not in notices[0], "staff's notes"
    assert not TipMediaDownload.objects.filter(
        state=MediaDownloadState.REFUSED, tipster_told_at__isnull=True
    ).exists()


def test_the_tipster_hears_nothing_when_every_image_arrived(
    client, tipline, deliver, image_host
):
    messenger_image(client, tipline, deliver, urls=[image_host.publish(jpeg_with_gps())],
                    text=CAPTION)
    assert Tip.objects.get().media.count() == 1
    assert not [t for t in _messenger_texts(tipline) if "không nhận được" in t]


def test_the_bot_stays_quiet_about_images_while_staff_chat(
    client, tipline, deliver, image_host, team
):
    messenger_image(client, tipline, deliver, urls=[], text=CAPTION)
    tip = Tip.objects.get()
    services_staff.conversation_take_over(conversation=tip.conversation, actor=team.checker)
    bad = image_host.publish(b"%PDF-1.7 not an image", content_type="image/jpeg")

    messenger_image(client, tipline, deliver, urls=[bad])

    assert TipMediaDownload.objects.get().state == MediaDownloadState.REFUSED
    assert not [t for t in _messenger_texts(tipline) if "không nhận được" in t]
