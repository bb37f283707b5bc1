"""The public web form: works without JavaScript, images checked by content and stripped."""

from __future__ import annotations

from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from PIL import Image
from tests.tipline.stories import assert_clean, jpeg_with_gps, web_channel

from kiemchung.claims import services as claims_services
from kiemchung.tipline import services_staff
from kiemchung.tipline.models import InboundMessage, Tip, TipMedia

pytestmark = pytest.mark.usefixtures("no_matcher")

TEXT = "Bài đăng nói: từ 1/7 người đi xe máy phải mua bảo hiểm 500 nghìn mỗi năm"


@pytest.fixture
def form_url(team, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    web_channel(team)
    return reverse("tipline:form", args=[team.workspace.slug])


def test_form_works_without_javascript(client, form_url):
    page = client.get(form_url)
    html = page.content.decode()
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in html and "<script" not in html

    response = client.post(form_url, {"category": "check", "text": TEXT})
    tip = Tip.objects.get()
    assert response.status_code == 200
    assert tip.tracking_code in response.content.decode()
    assert (tip.text, tip.category) == (TEXT, "check")


def test_exif_is_stripped_from_uploaded_image(client, form_url):
    original = jpeg_with_gps()
    assert Image.open(BytesIO(original)).getexif().get_ifd(0x8825), "the sample has GPS"
    upload = SimpleUploadedFile("IMG_2024_Nguyen_Van_A.jpg", original, content_type="image/jpeg")

    response = client.post(form_url, {"category": "check", "text": TEXT, "images": [upload]})

    assert response.status_code == 200
    media = TipMedia.objects.get()
    image = assert_clean(media)
    assert image.format == "JPEG" and (image.width, image.height) == (64, 48)
    assert "Nguyen" not in media.file.name


def test_a_non_image_is_refused_whatever_its_name(client, form_url):
    fake = SimpleUploadedFile("anh.jpg", b"%PDF-1.7 not an image at all", content_type="image/jpeg")
    response = client.post(form_url, {"category": "check", "text": TEXT, "images": [fake]})
    assert response.status_code == 400
    assert "không phải là ảnh" in response.content.decode()
    assert Tip.objects.count() == 0


def test_a_gif_named_png_is_refused(client, form_url):
    out = BytesIO()
    Image.new("RGB", (4, 4)).save(out, format="GIF")
    upload = SimpleUploadedFile("anh.png", out.getvalue(), content_type="image/png")
    response = client.post(form_url, {"category": "check", "text": TEXT, "images": [upload]})
    assert response.status_code == 400 and Tip.objects.count() == 0


def test_an_image_over_the_size_limit_is_refused(client, form_url, settings):
    settings.TIP_IMAGE_MAX_MB = 1
    big = SimpleUploadedFile("anh.jpg", b"\xff\xd8" + b"0" * (1024 * 1024 + 10),
                             content_type="image/jpeg")
    response = client.post(form_url, {"category": "check", "text": TEXT, "images": [big]})
    assert response.status_code == 400
    assert "không được lớn hơn 1 MB" in response.content.decode()


def test_a_tiny_file_announcing_a_huge_image_is_refused_before_it_is_decoded(
    client, form_url
):
    """A one-bit 6000 × 6000 PNG is a few KB; decoded for re-encoding it took ~450 MB."""
    import time

    from kiemchung.tipline import images

    side = 6000
    out = BytesIO()
    Image.new("1", (side, side)).save(out, format="PNG")
    data = out.getvalue()
    assert len(data) * images.PIXELS_PER_BYTE < side * side < images.Image.MAX_IMAGE_PIXELS

    started = time.monotonic()
    with pytest.raises(images.ImageRefused) as refused:
        images.image_clean(data)
    assert time.monotonic() - started < 0.5, "refused from the header, not after decoding"
    assert "6000 × 6000" in refused.value.message

    upload = SimpleUploadedFile("anh.png", data, content_type="image/png")
    response = client.post(form_url, {"category": "check", "text": TEXT, "images": [upload]})
    assert response.status_code == 400
    assert "6000 × 6000" in response.content.decode()
    assert Tip.objects.count() == 0


def test_an_image_with_far_more_pixels_than_its_bytes_carry_is_refused():
    from kiemchung.tipline import images

    side = int(images.MAX_PIXELS**0.5) - 1
    out = BytesIO()
    Image.new("1", (side, side)).save(out, format="PNG")
    with pytest.raises(images.ImageRefused) as refused:
        images.image_clean(out.getvalue())
    assert f"{side} × {side}" in refused.value.message and "ảnh gốc" in refused.value.message


def test_an_image_with_more_pixels_than_a_tip_needs_is_refused(client, form_url):
    from kiemchung.tipline import images

    width = 10_000
    height = images.MAX_PIXELS // width + 1
    out = BytesIO()
    # Noise, so that the file is large enough for its pixels: only the pixel limit refuses it.
    Image.effect_noise((width, height), 64).save(out, format="PNG", compress_level=1)
    with pytest.raises(images.ImageRefused) as refused:
        images.image_clean(out.getvalue())
    assert f"{images.MAX_PIXELS // 1_000_000} triệu điểm ảnh" in refused.value.message


def test_a_photo_of_ordinary_proportions_is_kept():
    from kiemchung.tipline import images

    out = BytesIO()
    Image.effect_noise((2400, 1800), 40).convert("RGB").save(out, format="JPEG", quality=70)
    assert images.image_clean(out.getvalue()).width == 2400


def test_a_request_larger_than_any_allowed_is_refused_before_it_is_read(team, rf, form_url):
    from kiemchung.tipline import views_public

    class Unreadable:
        def read(self, *args):
            raise AssertionError("the body was read")

        readline = read

    request = rf.post(form_url, data=b"", content_type="multipart/form-data; boundary=x")
    request.META["CONTENT_LENGTH"] = str(200 * 1024 * 1024)
    request._stream = Unreadable()
    response = views_public.tip_form(request, workspace_slug=team.workspace.slug)
    assert response.status_code == 413


def test_no_ip_address_or_user_agent_is_stored(client, form_url):
    client.post(form_url, {"category": "violation", "text": TEXT},
                REMOTE_ADDR="203.0.113.77", HTTP_USER_AGENT="Mozilla/5.0 DauHieuTrinhDuyet")
    from django.db import connection

    dump = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608
            dump.append(repr(cursor.fetchall()))
    everything = "\n".join(dump)
    assert "203.0.113.77" not in everything and "DauHieuTrinhDuyet" not in everything


def test_status_and_deletion_pages_by_code(client, form_url, team):
    client.post(form_url, {"category": "check", "text": TEXT})
    code = Tip.objects.get().tracking_code
    status_url = reverse("tipline:status", args=[team.workspace.slug])
    page = client.get(status_url, {"code": code.lower()})
    assert page.status_code == 200 and "đang chờ xử lý" in page.content.decode()

    delete_url = reverse("tipline:delete", args=[team.workspace.slug])
    done = client.post(delete_url, {"code": code})
    assert done.status_code == 200 and "Đã xóa" in done.content.decode()
    assert Tip.objects.count() == 0
    assert client.get(status_url, {"code": code}).status_code == 404


def test_status_page_shows_the_teams_replies_but_not_who_wrote_them(client, form_url, team):
    team.editor.first_name, team.editor.last_name = "Biên", "Trần Thị"
    team.editor.save()
    client.post(form_url, {"category": "check", "text": TEXT})
    tip = Tip.objects.get()
    status_url = reverse("tipline:status", args=[team.workspace.slug])
    page = client.get(status_url, {"code": tip.tracking_code}).content.decode()
    assert "Nhóm chưa trả lời tin này." in page

    with transaction.atomic():
        claim = claims_services.claim_create(
            workspace=team.workspace, actor=team.editor, text="Xe máy phải mua bảo hiểm 500 nghìn"
        )
        services_staff.tip_attach(
            tip=tip, claim=claim, actor=team.editor, note="Ghi chú nội bộ: nguồn tin nhóm chat"
        )
        services_staff.tip_reply(
            tip=tip,
            actor=team.editor,
            text="Chúng tôi đang kiểm chứng.\nXem thêm: https://example.org/bao-hiem",
        )

    # The note is about the tip, not a wording of the claim: matching never indexes it.
    assert not claim.appearances.get().wording

    page = client.get(status_url, {"code": tip.tracking_code}).content.decode()
    assert "Chúng tôi đang kiểm chứng.<br>" in page
    assert '<a href="https://example.org/bao-hiem"' in page
    assert team.workspace.name in page
    for private in ("Biên", "Trần Thị", "editor@", "Ghi chú nội bộ", TEXT):
        assert private not in page, private


def test_the_form_slows_a_flooding_address(client, form_url):
    from kiemchung.tipline.views_public import WEB_POSTS_PER_HOUR

    for _ in range(WEB_POSTS_PER_HOUR):
        assert client.post(form_url, {"category": "other", "text": "Xin chào nhóm"},
                           REMOTE_ADDR="198.51.100.1").status_code == 200
    refused = client.post(form_url, {"category": "other", "text": "Xin chào nhóm"},
                          REMOTE_ADDR="198.51.100.1")
    assert refused.status_code == 429
    other = client.post(form_url, {"category": "other", "text": "Xin chào nhóm"},
                        REMOTE_ADDR="198.51.100.2")
    assert other.status_code == 200
    assert InboundMessage.objects.count() == 0


def test_privacy_page_explains_each_channel_and_recommends_the_form(client, form_url, team):
    page = client.get(reverse("tipline:privacy", args=[team.workspace.slug])).content.decode()
    for heading in ("Zalo", "Facebook Messenger", "Telegram", "Biểu mẫu trên web"):
        assert heading in page
    assert "báo cáo nhạy cảm, hãy dùng biểu mẫu" in page
