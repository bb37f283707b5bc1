"""The pictures monitored posts carry: found in feeds and exports, downloaded from real servers
on 127.0.0.1, read and fingerprinted; reshares of one picture with other captions are one item."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from datetime import timedelta
from http.server import BaseHTTPRequestHandler
from io import BytesIO
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from PIL import Image, ImageDraw
from tests.claim_stories import CLAIM_TEXT, verdict_published
from tests.core.support import LocalServer, answer, http_server, service_missing

from kiemchung.images import synth
from kiemchung.images.ocr import default_engine
from kiemchung.monitoring import images, mapping, matchers, services
from kiemchung.monitoring.imagefold import item_merge
from kiemchung.monitoring.ingest import FoldTargetGone
from kiemchung.monitoring.models import ImageState, Item, ItemImage, MatchStage, SourceKind
from kiemchung.monitoring.sources import source_fetch

from .stories import FLOOD, GREETING, RUMOUR, post, source

pytestmark = pytest.mark.django_db

# Written for these tests: what a screenshot passed around says, and other captions of it.
SCREENSHOT_WORDS = "Uống nước chanh ấm mỗi sáng giúp chữa khỏi ung thư."
CAPTIONS = [
    "Mọi người xem ảnh này rồi chia sẻ cho người thân trong gia đình biết nhé",
    "Thông tin quá bất ngờ, các bác sĩ đã xác nhận điều này từ hôm qua rồi đó",
    "Bạn có tin không? Mình vừa nhận được tin nhắn này trong nhóm của trường",
]


def _needs_engine() -> None:
    if default_engine() is None:
        service_missing(
            "tesseract with Vietnamese is not installed "
            "(apt-get install tesseract-ocr tesseract-ocr-vie)"
        )


@pytest.fixture
def engine_off(monkeypatch):
    """Image reading turned off, as on a machine without tesseract: pictures are still
    fingerprinted and fold, and the tests that only need that run faster."""
    monkeypatch.setattr(images, "default_engine", lambda: None)


def _encoded(image: Image.Image, kind: str = "PNG", **options: Any) -> bytes:
    out = BytesIO()
    image.convert("RGB").save(out, format=kind, **options)
    return out.getvalue()


def _screenshot() -> Image.Image:
    # Be Vietnam Pro at weight 600: at 400 the engine reads some "á" as "ó" (docs/IMAGES.md).
    return synth.screenshot([SCREENSHOT_WORDS], face=synth.faces()[1], size=32, dark=False)


def _unrelated() -> Image.Image:
    page = synth.paper("Lịch cắt điện khu vực phường Bến Nghé từ 8 giờ đến 17 giờ thứ Bảy",
                       face=synth.faces()[0], size=36)
    return synth.photograph(page, random.Random(5))


def _picture_route(data: bytes, content_type: str = "image/png") -> Callable[..., None]:
    def route(handler: BaseHTTPRequestHandler) -> None:
        answer(handler, 200, data, content_type)

    return route


def _ingest(team: Any, posts: list[services.Post], capture: Any, **extra: Any) -> None:
    """Take posts in as an import does, with every task run: readings, then full searches."""
    src = source(team, **extra)
    with capture(execute=True):
        services.items_ingest(source=src, posts=posts)
        services.enqueue_match(team.workspace.pk)


# Finding the pictures.


def test_a_feed_keeps_each_entrys_pictures_but_not_its_default_one(
    team, django_capture_on_commit_callbacks
):
    def rss(server: LocalServer) -> bytes:
        logo = f'<media:thumbnail url="{server.url("/logo.png")}"/>'
        entries = [
            ("a", f'<enclosure url="{server.url("/a.jpg")}" type="image/jpeg" length="1"/>'
                  f'<enclosure url="{server.url("/a.mp3")}" type="audio/mpeg" length="1"/>'),
            ("b", f'<media:content url="{server.url("/b.webp")}" medium="image"/>'
                  f'<media:content url="{server.url("/b.mp4")}" type="video/mp4"/>'
                  f'<media:thumbnail url="{server.url("/b-nho.jpg")}"/>'),
            ("c", ""),
        ]
        items = "".join(
            f"<item><title>Tin {key}</title><link>http://example.org/{key}</link>"
            f"<description>{text}</description>{pictures}{logo}</item>"
            for (key, pictures), text in zip(entries, [RUMOUR, FLOOD, CAPTIONS[0]], strict=True)
        )
        return (
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
            'xmlns:media="http://search.yahoo.com/mrss/"><channel><title>Tin</title>'
            f"<link>http://example.org/</link>{items}</channel></rss>"
        ).encode()

    ref: list[LocalServer] = []
    routes = {"/rss": lambda h: answer(h, 200, rss(ref[0]), "application/rss+xml")}
    with http_server(routes) as server:
        ref.append(server)
        src = source(team, name="Báo A", kind=SourceKind.FEED, url=server.url("/rss"),
                     platform="web", fetch_full_text=False)
        # The readings are queued, not run: this test is about what is kept.
        with django_capture_on_commit_callbacks(execute=False) as queued:
            assert source_fetch(src).added == 3
        kept = {
            url: sorted(ItemImage.objects.filter(item__url=url).values_list("url", flat=True))
            for url in ("http://example.org/a", "http://example.org/b", "http://example.org/c")
        }
        assert kept == {
            "http://example.org/a": [server.url("/a.jpg")],
            "http://example.org/b": sorted([server.url("/b.webp"), server.url("/b-nho.jpg")]),
            "http://example.org/c": [],
        }
    assert len(queued) == 4 and all(r.state == ImageState.QUEUED for r in ItemImage.objects.all())


def test_an_exports_image_column_is_guessed_and_its_addresses_read():
    assert mapping.guess_mapping(["message", "link", "full_picture"])["image"] == "full_picture"
    assert mapping.guess_mapping(["nội dung", "ảnh"]) == {"text": "nội dung", "image": "ảnh"}
    record = {"text": RUMOUR, "images": [f"https://cdn.example.org/{n}.jpg" for n in range(6)]}
    assert "images" in mapping.columns_of([record])
    listed, _problems = mapping.map_record(record, {"text": "text", "image": "images"},
                                           platform="facebook", line=1)
    assert listed is not None and len(listed.images) == 4
    cell = {"text": RUMOUR, "image": "https://a.example/1.jpg | https://a.example/2.png; nope"}
    several, _problems = mapping.map_record(cell, {"text": "text", "image": "image"},
                                            platform="facebook", line=2)
    assert several is not None
    assert several.images == ("https://a.example/1.jpg", "https://a.example/2.png")
    none, _problems = mapping.map_record({"text": RUMOUR, "image": "không có"},
                                         {"text": "text", "image": "image"}, platform="", line=3)
    assert none is not None and none.images == ()


# Reading the words.


def test_a_feed_pictures_words_are_read_and_matched_like_typed_text(
    team, django_capture_on_commit_callbacks, client
):
    _needs_engine()
    verdict_published(team)
    shot = _encoded(_screenshot())
    caption = "Ảnh chụp màn hình đang được chia sẻ rất nhiều trong các nhóm phụ huynh tối nay"

    def rss(server: LocalServer) -> bytes:
        return (
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Tin'
            "</title><link>http://example.org/</link><item><title>Ảnh</title>"
            f"<link>http://example.org/anh</link><description>{caption}</description>"
            f'<enclosure url="{server.url("/anh.png")}" type="image/png" length="1"/>'
            "</item></channel></rss>"
        ).encode()

    ref: list[LocalServer] = []
    routes = {"/rss": lambda h: answer(h, 200, rss(ref[0]), "application/rss+xml"),
              "/anh.png": _picture_route(shot)}
    with http_server(routes) as server:
        ref.append(server)
        src = source(team, name="Báo A", kind=SourceKind.FEED, url=server.url("/rss"),
                     platform="web", fetch_full_text=False)
        with django_capture_on_commit_callbacks(execute=True):
            source_fetch(src)
        assert server.hits["/anh.png"] == 1

    item = Item.objects.get(url="http://example.org/anh")
    picture = ItemImage.objects.get(item=item)
    assert picture.state == ImageState.READ and picture.attempts == 1
    assert "chữa khỏi ung thư" in " ".join(picture.text.split())
    assert item.image_text == picture.text and item.text == caption
    # The caption alone says nothing checked; its picture's words restate the fact-check.
    assert all(c.score < services.LEXICAL_SHOWN
               for c in matchers.lexical_matcher(team.workspace).search(caption))
    assert item.match_stage == MatchStage.DENSE and item.answered
    assert item.matches[0]["kind"] == "factcheck"
    assert CLAIM_TEXT
    # The same words typed get the same decision.
    _ingest(team, [post(picture.text, url="https://facebook.com/go")],
            django_capture_on_commit_callbacks, name="Dán tay")
    typed = Item.objects.get(url="https://facebook.com/go")
    assert [(m["record"], m["decision"]) for m in typed.matches][:1] == [
        (m["record"], m["decision"]) for m in item.matches
    ][:1]
    client.force_login(team.checker)
    page = client.get(reverse("monitoring:queue")).content.decode()
    assert "Chữ trong ảnh:" in page and "chữa khỏi ung thư" in page


# Reshared pictures.


def _three_posts(server: LocalServer, **when: Any) -> list[services.Post]:
    return [
        post(CAPTIONS[0], url="https://facebook.com/p/1", images=(server.url("/goc.png"),),
             reactions=10, **when.get("first", {})),
        post(CAPTIONS[1], url="https://facebook.com/p/2", images=(server.url("/nho.jpg"),),
             shares=4, **when.get("second", {})),
        post(CAPTIONS[2], url="https://facebook.com/p/3", images=(server.url("/khac.jpg"),)),
    ]


def _picture_routes() -> dict[str, Callable[..., None]]:
    shot = _screenshot()
    return {
        "/goc.png": _picture_route(_encoded(shot)),
        # Forwarded at half the size and saved again as a JPEG.
        "/nho.jpg": _picture_route(_encoded(synth.resized(shot), "JPEG", quality=50),
                                   "image/jpeg"),
        "/khac.jpg": _picture_route(_encoded(_unrelated(), "JPEG"), "image/jpeg"),
    }


@pytest.mark.usefixtures("engine_off")
def test_reshares_of_one_picture_with_other_captions_are_one_item(
    team, django_capture_on_commit_callbacks, client
):
    with http_server(_picture_routes()) as server:
        _ingest(team, _three_posts(server), django_capture_on_commit_callbacks)

    first, other = Item.objects.order_by("pk")
    assert (first.text, first.copies, first.image_copies) == (CAPTIONS[0], 2, 2)
    assert (first.reactions, first.shares) == (10, 4)
    assert sorted(first.sightings.values_list("url", flat=True)) == [
        "https://facebook.com/p/1", "https://facebook.com/p/2"]
    assert first.images.count() == 2
    assert (other.text, other.copies, other.image_copies) == (CAPTIONS[2], 1, 0)
    assert {i.state for i in ItemImage.objects.all()} == {ImageState.OFF}
    assert first.source.items_total == 2
    client.force_login(team.viewer)
    page = client.get(reverse("monitoring:queue")).content.decode()
    assert page.count("bản chia sẻ cùng ảnh") == 1 and "2 bản chia sẻ cùng ảnh" in page


@pytest.mark.usefixtures("engine_off")
def test_the_first_item_stays_whichever_picture_is_read_first(
    team, django_capture_on_commit_callbacks
):
    with http_server(_picture_routes()) as server:
        src = source(team)
        with django_capture_on_commit_callbacks(execute=False) as queued:
            services.items_ingest(source=src, posts=_three_posts(server))
        # The reshare's picture is read before the first post's.
        for callback in reversed(queued):
            with django_capture_on_commit_callbacks(execute=True):
                callback()

    assert list(Item.objects.order_by("pk").values_list("text", "copies")) == [
        (CAPTIONS[0], 2), (CAPTIONS[2], 1)]


@pytest.mark.usefixtures("engine_off")
def test_the_same_picture_a_month_later_is_a_new_story(team, django_capture_on_commit_callbacks):
    start = timezone.now() - timedelta(days=40)
    with http_server(_picture_routes()) as server:
        posts = _three_posts(server, first={"published_at": start},
                             second={"published_at": start + timedelta(days=30)})
        _ingest(team, posts, django_capture_on_commit_callbacks)
    assert Item.objects.count() == 3


@pytest.mark.usefixtures("engine_off")
def test_a_decided_item_is_never_folded_away(team, django_capture_on_commit_callbacks):
    with http_server(_picture_routes()) as server:
        src = source(team)
        with django_capture_on_commit_callbacks(execute=False) as queued:
            services.items_ingest(source=src, posts=_three_posts(server)[:2])
        later = Item.objects.get(text=CAPTIONS[1])
        services.items_decide(workspace=team.workspace, actor=team.checker, items=[later],
                              decision="dismiss")
        for callback in queued:
            with django_capture_on_commit_callbacks(execute=True):
                callback()
    assert Item.objects.count() == 2


@pytest.mark.usefixtures("engine_off")
def test_a_copy_planned_into_an_item_merged_meanwhile_is_planned_again(
    team, django_capture_on_commit_callbacks
):
    with http_server(_picture_routes()) as server:
        src = source(team)
        services.items_ingest(source=src, posts=_three_posts(server)[:2])
    first, later = Item.objects.order_by("pk")
    copy = post(CAPTIONS[1], url="https://facebook.com/p/9")
    plan = services.items_plan(source=src, posts=[copy])
    assert list(plan.deltas) == [later.pk]
    assert item_merge(into_id=first.pk, from_id=later.pk)

    with pytest.raises(FoldTargetGone):
        services.items_store(plan)
    assert Item.objects.filter(pk=first.pk).get().copies == 2
    # Taken in again, the copy of the caption left behind is a new item.
    services.items_ingest(source=src, posts=[copy])
    assert Item.objects.count() == 2
    # A decision on the item folded away, from a page shown before, is refused with words.
    with pytest.raises(ValidationError, match="gộp"):
        services.items_decide(workspace=team.workspace, actor=team.checker, items=[later],
                              decision="dismiss")
    # The full search of the item folded away finds nothing to write.
    services.item_matches_set(item=later, matches=[])
    assert not Item.objects.filter(pk=later.pk).exists()


@pytest.mark.usefixtures("engine_off")
def test_an_export_with_a_picture_column_folds_its_reshares_on_import(
    team, client, django_capture_on_commit_callbacks, media_root
):
    with http_server(_picture_routes()) as server:
        rows = [
            {"message": CAPTIONS[0], "link": "https://facebook.com/p/1",
             "full_picture": [server.url("/goc.png"), server.url("/khac.jpg")]},
            {"message": CAPTIONS[1], "link": "https://facebook.com/p/2",
             "full_picture": [server.url("/nho.jpg")]},
        ]
        data = BytesIO("\n".join(json.dumps(r, ensure_ascii=False) for r in rows).encode())
        data.name = "fb.jsonl"
        client.force_login(team.checker)
        client.post(reverse("monitoring:import_new"),
                    {"file": data, "source": "Trang A xuất", "platform": "facebook"})
        page = client.get(reverse("monitoring:import_map")).content.decode()
        assert '<option value="full_picture" selected>' in page and "2 ảnh" in page
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("monitoring:import_map"), {
                "format": "jsonl", "text": "message", "url": "link", "image": "full_picture",
                "go": "import",
            })
        assert server.hits["/goc.png"] == server.hits["/nho.jpg"] == 1

    item = Item.objects.get()
    assert (item.text, item.copies, item.image_copies, item.images.count()) == (
        CAPTIONS[0], 2, 2, 3)


# Every outcome is a state.


@pytest.mark.usefixtures("engine_off")
def test_every_image_ends_in_a_state_and_a_failed_download_is_retried_a_few_times(
    team, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(images, "IMAGE_MAX_BYTES", 200_000)
    picture = Image.new("RGB", (400, 300), (40, 120, 60))
    ImageDraw.Draw(picture).ellipse((80, 60, 300, 260), fill=(230, 200, 40))
    flaky = {"left": 1}

    def once_unavailable(handler: BaseHTTPRequestHandler) -> None:
        if flaky["left"]:
            flaky["left"] -= 1
            answer(handler, 503, b"busy")
        else:
            _picture_route(_encoded(picture))(handler)

    routes = {
        "hong.png": _picture_route(b"\x89PNG\r\n\x1a\n" + b"\x00broken" * 40),
        "trang.html": _picture_route(b"<html><body>not a picture</body></html>",
                                      "text/html; charset=utf-8"),
        "to.png": _picture_route(b"\x89PNG" + b"\x00" * 300_000),
        "mat.png": lambda h: answer(h, 404, b"gone"),
        "ban.png": lambda h: answer(h, 503, b"busy"),
        "lai.png": once_unavailable,
    }
    with http_server({f"/{name}": route for name, route in routes.items()}) as server:
        posts = [
            post(text, url=f"https://facebook.com/p/{name}", images=(server.url(f"/{name}"),))
            for name, text in zip(routes, [RUMOUR, FLOOD, *CAPTIONS, GREETING],
                                  strict=True)
        ]
        _ingest(team, posts, django_capture_on_commit_callbacks)
        hits = dict(server.hits)

    outcome = {
        row.url.rsplit("/", 1)[1]: (row.state, row.attempts)
        for row in ItemImage.objects.all()
    }
    assert outcome == {
        "hong.png": (ImageState.NOT_IMAGE, 1),
        "trang.html": (ImageState.NOT_IMAGE, 1),
        "to.png": (ImageState.TOO_LARGE, 1),
        "mat.png": (ImageState.FETCH_FAILED, 1),
        "ban.png": (ImageState.FETCH_FAILED, images.FETCH_ATTEMPTS),
        "lai.png": (ImageState.OFF, 2),
    }
    assert hits["/ban.png"] == images.FETCH_ATTEMPTS and hits["/mat.png"] == 1
    assert "503" in ItemImage.objects.get(url__endswith="/ban.png").note
    assert len(ItemImage.objects.get(url__endswith="/lai.png").fingerprints) == 2


def test_a_picture_on_a_private_address_is_refused(
    team, django_capture_on_commit_callbacks, settings
):
    settings.ALLOW_PRIVATE_URLS = False
    with http_server({"/anh.png": _picture_route(_encoded(_screenshot()))}) as server:
        _ingest(team, [post(RUMOUR, url="https://facebook.com/p/1",
                            images=(server.url("/anh.png"),))],
                django_capture_on_commit_callbacks)
        assert server.hits["/anh.png"] == 0
    row = ItemImage.objects.get()
    assert (row.state, row.attempts) == (ImageState.FETCH_FAILED, 1)
    assert "nội bộ" in row.note and row.fingerprints == []


@pytest.mark.usefixtures("engine_off")
def test_a_picture_seen_again_is_not_downloaded_again(
    team, django_capture_on_commit_callbacks
):
    with http_server(_picture_routes()) as server:
        same = server.url("/goc.png")
        _ingest(team, [post(CAPTIONS[0], url="https://facebook.com/p/1", images=(same,))],
                django_capture_on_commit_callbacks)
        _ingest(team, [post(FLOOD, url="https://facebook.com/p/2", images=(same,))],
                django_capture_on_commit_callbacks, name="Nhóm khác")
        assert server.hits["/goc.png"] == 1
    # The same file posted again with another caption is the same picture.
    assert list(Item.objects.values_list("copies", flat=True)) == [2]
