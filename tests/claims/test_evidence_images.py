"""A claim's screenshot evidence: its words read on this machine and found by the claim search,
corrected by staff; and its picture recognised again among other claims' evidence and in the
images that arrive on tips."""

from __future__ import annotations

import re
from io import BytesIO
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image
from tests.core.support import service_missing
from tests.tipline.stories import web_channel

from claim_stories import claim_opened
from kiemchung.audit.models import AuditEvent
from kiemchung.claims import evidence_images, selectors, services
from kiemchung.claims.models import (
    Claim,
    Evidence,
    EvidenceImageState,
    EvidenceImageText,
    EvidenceKind,
)
from kiemchung.images import synth
from kiemchung.images.ocr import EngineText, OcrEngineError, default_engine
from kiemchung.tipline import images_read
from kiemchung.tipline import services as tipline_services
from kiemchung.tipline.images import image_clean
from kiemchung.tipline.models import Tip

pytestmark = pytest.mark.usefixtures("index_in_tmp", "media_root")

SCREENSHOT_WORDS = "Từ ngày 1/7, xe máy không chính chủ sẽ bị phạt đến 4 triệu đồng."
CLAIM_TEXT = "Một bài đăng nói người đi xe máy mượn của người thân sẽ bị phạt nặng"


@pytest.fixture
def engine():
    """Tesseract with its Vietnamese model; in CI its absence fails the test."""
    found = default_engine()
    if found is None:
        service_missing(
            "tesseract with Vietnamese is not installed (`tesseract --list-langs` has no vie): "
            "apt-get install tesseract-ocr tesseract-ocr-vie"
        )
    return found


@pytest.fixture
def engine_off(monkeypatch):
    """No OCR engine: images are still fingerprinted, and tests that need no words run fast."""
    monkeypatch.setattr(evidence_images, "default_engine", lambda: None)
    monkeypatch.setattr(images_read, "default_engine", lambda: None)


def _png(image: Image.Image) -> bytes:
    out = BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _jpeg(image: Image.Image, quality: int = 70) -> bytes:
    out = BytesIO()
    image.convert("RGB").save(out, format="JPEG", quality=quality)
    return out.getvalue()


def _screenshot(*messages: str) -> Image.Image:
    # Be Vietnam Pro at weight 600: at 400 the engine reads some "á" as "ó" (docs/IMAGES.md).
    return synth.screenshot(list(messages), face=synth.faces()[1], size=32, dark=False)


def _attach(team: Any, capture: Any, claim: Claim, data: bytes, name: str = "anh.png") -> Evidence:
    with capture(execute=True):
        evidence = services.evidence_add(
            claim=claim,
            actor=team.checker,
            kind=EvidenceKind.DOCUMENT,
            title="Ảnh chụp bài đăng",
            document=SimpleUploadedFile(name, data),
        )
    return Evidence.objects.select_related("reading").get(pk=evidence.pk)


def _visible(html: str) -> str:
    """The page's text as read: tags (a line break inside the words) as spaces."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _found(team: Any, q: str) -> list[int]:
    return list(selectors.claim_list(workspace=team.workspace, q=q).values_list("pk", flat=True))


def test_a_screenshot_attached_as_evidence_gets_its_words_read_and_the_search_finds_them(
    team, client, django_capture_on_commit_callbacks, engine
):
    claim = claim_opened(team, text=CLAIM_TEXT)
    other = claim_opened(team, text="Giá xăng RON 95 tăng thêm 500 đồng mỗi lít")

    evidence = _attach(team, django_capture_on_commit_callbacks, claim,
                       _png(_screenshot(SCREENSHOT_WORDS)))

    reading = evidence.reading
    assert reading.state == EvidenceImageState.READ
    assert "xe máy không chính chủ" in " ".join(reading.text.split())
    # A phrase only the screenshot has finds the claim, typed with or without diacritics.
    assert _found(team, "không chính chủ") == [claim.pk]
    assert _found(team, "khong chinh chu") == [claim.pk]
    # The claim's own text is still searched, and both must hold for words of each.
    assert _found(team, "mượn chính chủ") == [claim.pk]
    assert other.pk not in _found(team, "xe máy")
    client.force_login(team.viewer)
    page = client.get(reverse("claims:detail", args=[claim.pk])).content.decode()
    assert f'id="evidence-{evidence.pk}-words"' in page
    assert "không chính chủ" in _visible(page)
    assert f'id="evidence-{evidence.pk}-text"' not in page, "a viewer gets no correction form"
    listed = client.get(reverse("claims:list"), {"q": "chinh chu"}).content.decode()
    assert CLAIM_TEXT in listed


def test_the_reading_is_queued_after_commit_with_the_evidence_id_only(
    team, django_capture_on_commit_callbacks, monkeypatch
):
    enqueued = []

    class RecordingTask:
        def enqueue(self, *ids):
            enqueued.append(ids)

    monkeypatch.setattr("kiemchung.claims.tasks.evidence_image_read", RecordingTask())
    claim = claim_opened(team)

    with django_capture_on_commit_callbacks() as callbacks:
        evidence = services.evidence_add(
            claim=claim, actor=team.checker, kind=EvidenceKind.DOCUMENT,
            document=SimpleUploadedFile("anh.jpg", _jpeg(_screenshot(SCREENSHOT_WORDS))),
        )
        assert enqueued == []

    assert EvidenceImageText.objects.get(evidence=evidence).state == EvidenceImageState.QUEUED
    for callback in callbacks:
        callback()
    assert enqueued == [(evidence.pk,)]


def test_a_document_that_is_no_image_is_not_read(team, django_capture_on_commit_callbacks):
    evidence = _attach(team, django_capture_on_commit_callbacks, claim_opened(team),
                       b"%PDF-1.4\n1 0 obj <<>> endobj\n%%EOF\n", name="cong-van.pdf")

    assert not EvidenceImageText.objects.filter(evidence=evidence).exists()


def test_a_corrupt_image_gets_the_not_an_image_state_not_a_stuck_task(
    team, client, django_capture_on_commit_callbacks
):
    claim = claim_opened(team)
    # A PNG's first bytes, so the upload takes it for an image, and nothing that decodes.
    evidence = _attach(team, django_capture_on_commit_callbacks, claim,
                       b"\x89PNG\r\n\x1a\n" + b"\x00" * 40 + b"broken")

    reading = evidence.reading
    assert reading.state == EvidenceImageState.UNREADABLE
    assert (reading.text, reading.fingerprint_hex) == ("", "")
    client.force_login(team.checker)
    page = client.get(reverse("claims:detail", args=[claim.pk])).content.decode()
    assert "Không mở được ảnh" in page
    assert "every 2s" not in page, "the page does not wait for a reading that is done"


def test_without_the_engine_the_image_is_fingerprinted_and_says_reading_is_off(
    team, django_capture_on_commit_callbacks, engine_off
):
    evidence = _attach(team, django_capture_on_commit_callbacks, claim_opened(team),
                       _png(_screenshot(SCREENSHOT_WORDS)))

    assert evidence.reading.state == EvidenceImageState.OFF
    assert len(evidence.reading.fingerprints) == 2


class _BrokenEngine:
    name = "broken"

    def __init__(self, error: Exception) -> None:
        self.error = error

    def read(self, image: Image.Image) -> EngineText:
        raise self.error


@pytest.mark.parametrize("error", [OcrEngineError("exit status 1"), MemoryError()])
def test_an_engine_that_crashes_is_the_failed_state(
    team, django_capture_on_commit_callbacks, monkeypatch, error
):
    monkeypatch.setattr(evidence_images, "default_engine", lambda: _BrokenEngine(error))

    evidence = _attach(team, django_capture_on_commit_callbacks, claim_opened(team),
                       _png(_screenshot(SCREENSHOT_WORDS)))

    assert evidence.reading.state == EvidenceImageState.FAILED


def test_staff_correct_the_words_the_search_reads_the_correction_and_the_audit_keeps_no_words(
    team, client, django_capture_on_commit_callbacks, engine_off
):
    claim = claim_opened(team, text=CLAIM_TEXT)
    evidence = _attach(team, django_capture_on_commit_callbacks, claim,
                       _png(_screenshot(SCREENSHOT_WORDS)))
    url = reverse("claims:evidence_image_text", args=[claim.pk, evidence.pk])
    client.force_login(team.viewer)
    assert client.post(url, {"text": "Xe không chính chủ bị phạt"}).status_code == 403

    client.force_login(team.checker)
    response = client.post(url, {"text": "  Xe không chính chủ bị phạt 4 triệu  "})

    assert response.status_code == 302
    assert response["Location"].endswith(f"#evidence-{evidence.pk}")
    reading = EvidenceImageText.objects.get(evidence=evidence)
    assert reading.text == "Xe không chính chủ bị phạt 4 triệu"
    assert reading.state == EvidenceImageState.READ
    assert reading.corrected_by_id == team.checker.pk
    assert _found(team, "phat 4 trieu") == [claim.pk]
    event = AuditEvent.objects.get(action="evidence.image_text.correct")
    assert event.actor == team.checker
    assert event.after == {"claim": claim.pk, "evidence": evidence.pk}
    assert "phạt" not in str(event.before) + str(event.after)
    page = client.get(reverse("claims:detail", args=[claim.pk])).content.decode()
    assert "Xe không chính chủ bị phạt 4 triệu" in _visible(page)
    assert "đã được sửa tay" in page

    client.post(url, {"text": "Một câu khác hẳn"})
    assert _found(team, "phat 4 trieu") == [], "the search reads the words as corrected"


def test_a_correction_longer_than_the_limit_is_refused(
    team, client, django_capture_on_commit_callbacks, engine_off
):
    claim = claim_opened(team)
    evidence = _attach(team, django_capture_on_commit_callbacks, claim,
                       _png(_screenshot(SCREENSHOT_WORDS)))
    client.force_login(team.checker)

    client.post(reverse("claims:evidence_image_text", args=[claim.pk, evidence.pk]),
                {"text": "chữ " * 2000})

    assert EvidenceImageText.objects.get(evidence=evidence).corrected_at is None
    assert not AuditEvent.objects.filter(action="evidence.image_text.correct").exists()


def test_an_outsider_neither_sees_nor_corrects_our_evidence_image(
    team, client, django_capture_on_commit_callbacks, engine_off
):
    claim = claim_opened(team)
    evidence = _attach(team, django_capture_on_commit_callbacks, claim,
                       _png(_screenshot(SCREENSHOT_WORDS)))
    client.force_login(team.outsider)

    image = client.get(reverse("claims:evidence_image", args=[claim.pk, evidence.pk]))
    post = client.post(reverse("claims:evidence_image_text", args=[claim.pk, evidence.pk]),
                       {"text": "khác"})

    assert (image.status_code, post.status_code) == (404, 404)
    assert EvidenceImageText.objects.get(evidence=evidence).corrected_at is None


def test_the_evidence_image_is_served_as_the_image_it_is_in_a_sandbox(
    team, client, django_capture_on_commit_callbacks, engine_off
):
    claim = claim_opened(team)
    data = _jpeg(_screenshot(SCREENSHOT_WORDS))
    # Named .png by whoever saved it: served as what its bytes are.
    evidence = _attach(team, django_capture_on_commit_callbacks, claim, data, name="anh.png")
    note = services.evidence_add(claim=claim, actor=team.checker, kind=EvidenceKind.NOTE,
                                 note="Đã hỏi Cục CSGT.")
    client.force_login(team.viewer)

    response = client.get(reverse("claims:evidence_image", args=[claim.pk, evidence.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert "sandbox" in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == data
    assert client.get(
        reverse("claims:evidence_image", args=[claim.pk, note.pk])
    ).status_code == 404


def test_the_claim_page_shows_other_claims_whose_evidence_is_the_same_picture(
    team, client, django_capture_on_commit_callbacks, engine_off
):
    picture = _screenshot(SCREENSHOT_WORDS)
    first = claim_opened(team, text=CLAIM_TEXT)
    again = claim_opened(team, text="Xe máy không sang tên sẽ bị phạt từ tháng Bảy")
    unrelated = claim_opened(team, text="Giá xăng RON 95 tăng thêm 500 đồng mỗi lít")
    mine = _attach(team, django_capture_on_commit_callbacks, first, _png(picture))
    _attach(team, django_capture_on_commit_callbacks, again,
            _jpeg(synth.resized(picture, 0.6), quality=60), name="chup-lai.jpg")
    _attach(team, django_capture_on_commit_callbacks, unrelated,
            _png(_screenshot("Giá xăng RON 95 tăng thêm 500 đồng mỗi lít từ chiều nay.",
                             "Đổ đầy bình trước 15 giờ nhé!")))

    same = evidence_images.evidence_same_picture(claim=first, evidence=[mine])

    assert [c.pk for c in same[mine.pk]] == [again.pk]
    client.force_login(team.viewer)
    page = client.get(reverse("claims:detail", args=[first.pk])).content.decode()
    assert f'id="evidence-{mine.pk}-same"' in page
    assert reverse("claims:detail", args=[again.pk]) in page
    assert reverse("claims:detail", args=[unrelated.pk]) not in page


def _tip_with(team: Any, capture: Any, data: bytes, text: str) -> Tip:
    with capture(execute=True):
        tip = tipline_services.web_tip_submit(
            channel=web_channel(team), category="check", text=text, images=[image_clean(data)]
        )
    tip.refresh_from_db()
    return tip


def test_a_resaved_resized_copy_sent_as_a_tip_shows_the_claim_on_the_tip_page(
    team, client, django_capture_on_commit_callbacks, engine_off
):
    picture = _screenshot(SCREENSHOT_WORDS)
    claim = claim_opened(team, text=CLAIM_TEXT)
    _attach(team, django_capture_on_commit_callbacks, claim, _png(picture))

    copy = _tip_with(team, django_capture_on_commit_callbacks,
                     _jpeg(synth.resized(picture, 0.6), quality=55), "Tin này có thật không?")
    unrelated = _tip_with(team, django_capture_on_commit_callbacks,
                          _png(_screenshot("Học sinh được nghỉ Tết mười bốn ngày.",
                                           "Thật không bạn?")), "Xem giúp")

    found = images_read.tip_images_in_claims(media=list(copy.media.all()))
    assert [seen.claim.pk for seen in found[copy.media.get().pk]] == [claim.pk]
    assert images_read.tip_images_in_claims(media=list(unrelated.media.all())) == {}
    client.force_login(team.checker)
    page = client.get(reverse("tipline_staff:tip", args=[copy.pk])).content.decode()
    assert 'class="plain small image-in-claims"' in page
    assert reverse("claims:detail", args=[claim.pk]) in page
    page = client.get(reverse("tipline_staff:tip", args=[unrelated.pk])).content.decode()
    assert "image-in-claims" not in page


def test_another_workspaces_evidence_is_never_found(
    team, django_capture_on_commit_callbacks, engine_off
):
    picture = _screenshot(SCREENSHOT_WORDS)
    ours = claim_opened(team, text=CLAIM_TEXT)
    mine = _attach(team, django_capture_on_commit_callbacks, ours, _png(picture))
    theirs = services.claim_create(workspace=team.other_workspace, actor=team.outsider,
                                   text="Xe không chính chủ bị phạt")
    with django_capture_on_commit_callbacks(execute=True):
        services.evidence_add(claim=theirs, actor=team.outsider, kind=EvidenceKind.DOCUMENT,
                              document=SimpleUploadedFile("anh.png", _png(picture)))

    assert evidence_images.evidence_same_picture(claim=ours, evidence=[mine]) == {}
    found = evidence_images.claims_with_picture(
        workspace=team.workspace, pictures={1: mine.reading.fingerprints}
    )
    assert [seen.claim.pk for seen in found[1]] == [ours.pk]
