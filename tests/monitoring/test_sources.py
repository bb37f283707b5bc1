"""Feeds and watched pages against real servers on 127.0.0.1, some broken on purpose."""

from __future__ import annotations

import itertools
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler

import pytest
from django.utils import timezone

from core.support import answer, http_server
from kiemchung.monitoring.models import Item, Source, SourceKind
from kiemchung.monitoring.sources import base, source_fetch, sources_fetch_due

from .stories import FLOOD, RUMOUR, source

pytestmark = pytest.mark.django_db

ARTICLE_BODY = (
    "Chiều 12/8, Sở Y tế Hà Nội cho biết thông tin uống nước chanh ấm chữa khỏi ung thư đang "
    "lan truyền trên mạng xã hội là không có cơ sở khoa học. Theo các bác sĩ của Bệnh viện K, "
    "người bệnh cần tuân thủ phác đồ điều trị và không tự ý bỏ thuốc. "
) * 4


def rss(*entries: tuple[str, str, str], encoding: str = "utf-8") -> bytes:
    items = "".join(
        f"<item><title>{title}</title><link>{link}</link><description>{text}</description>"
        "<pubDate>Tue, 12 Aug 2025 08:00:00 +0700</pubDate></item>"
        for title, link, text in entries
    )
    return (
        f'<?xml version="1.0" encoding="{encoding}"?><rss version="2.0"><channel>'
        f"<title>Tin</title><link>http://example.org/</link>{items}</channel></rss>"
    ).encode(encoding)


def feed_route(body: bytes, headers: dict[str, str] | None = None):
    def route(handler: BaseHTTPRequestHandler) -> None:
        answer(handler, 200, body, "application/rss+xml; charset=utf-8", headers)

    return route


def _feed(team, name: str, url: str, **extra) -> Source:
    return source(team, name=name, kind=SourceKind.FEED, url=url, platform="web", **extra)


def test_feed_items_are_ingested(team):
    body = rss(("Cảnh báo", "http://example.org/a", RUMOUR), ("Lũ", "http://example.org/b", FLOOD))
    with http_server({"/rss": feed_route(body)}) as server:
        src = _feed(team, "Báo A", server.url("/rss"), fetch_full_text=False)
        report = source_fetch(src)
    assert report.ok and report.added == 2
    src.refresh_from_db()
    assert src.is_healthy and src.last_success_at is not None and src.items_total == 2
    item = Item.objects.get(url="http://example.org/a")
    assert item.text == RUMOUR and item.title == "Cảnh báo" and item.published_at is not None


def _slow(server_ref: list):
    def route(handler: BaseHTTPRequestHandler) -> None:
        server_ref[0].released.wait(10)

    return route


def _redirect_to_self(handler: BaseHTTPRequestHandler) -> None:
    answer(handler, 302, headers={"Location": "/vong"})


def _huge(handler: BaseHTTPRequestHandler) -> None:
    size = 20 * 1024 * 1024
    handler.send_response(200)
    handler.send_header("Content-Type", "application/rss+xml")
    handler.send_header("Content-Length", str(size))
    handler.end_headers()
    handler.wfile.write(b"<rss>" + b" " * (1024 * 1024))


def test_broken_feed_marks_source_unhealthy_others_continue(team, settings):
    settings.FETCH_TIMEOUT_SECONDS = 1
    good = rss(("Lũ", "http://example.org/lu", FLOOD))
    latin = rss(("Tin", "http://example.org/x", "Gi\xe1 x\xe3ng t\xe3ng"), encoding="latin-1")
    latin = latin.replace(b'encoding="latin-1"', b'encoding="utf-8"')
    ref: list = []
    routes = {
        "/hong.xml": feed_route(b"<rss><channel><item><title>thi\xe1\xba\xbfu </chan"),
        "/khong-co": lambda h: answer(h, 404, b"not found"),
        "/cham": _slow(ref),
        "/vong": _redirect_to_self,
        "/to": _huge,
        "/sai-ma": feed_route(latin),
        "/tot": feed_route(good),
    }
    with http_server(routes) as server:
        ref.append(server)
        names = {
            "xml": "/hong.xml", "404": "/khong-co", "timeout": "/cham", "loop": "/vong",
            "big": "/to", "encoding": "/sai-ma", "good": "/tot",
        }
        sources = {key: _feed(team, key, server.url(path), fetch_full_text=False)
                   for key, path in names.items()}
        started = time.monotonic()
        reports = sources_fetch_due()
    assert time.monotonic() - started < 15
    assert len(reports) == 7
    health = {key: Source.objects.get(pk=s.pk) for key, s in sources.items()}
    assert health["good"].is_healthy and health["good"].items_total == 1
    assert Item.objects.get().text == FLOOD
    expected = {
        "xml": "XML", "404": "404", "timeout": "1 giây", "loop": "chuyển hướng",
        "big": "quá lớn", "encoding": "UTF-8",
    }
    for key, words in expected.items():
        bad = health[key]
        assert bad.error_count == 1, key
        assert words in bad.last_error, (key, bad.last_error)
        assert bad.last_success_at is None
        assert bad.next_fetch_at > timezone.now() + timedelta(minutes=30), key


def test_failures_in_a_row_back_off(team):
    with http_server({}) as server:
        src = _feed(team, "Hỏng", server.url("/khong-co"), interval_minutes=10)
        waits = []
        for _ in range(3):
            before = timezone.now()
            source_fetch(src)
            src.refresh_from_db()
            waits.append((src.next_fetch_at - before).total_seconds() / 60)
    assert [round(w) for w in waits] == [20, 40, 80]
    assert src.error_count == 3


def test_conditional_get_uses_etag(team):
    body = rss(("Lũ", "http://example.org/lu", FLOOD))

    def route(handler: BaseHTTPRequestHandler) -> None:
        if handler.headers.get("If-None-Match") == '"v1"':
            handler.send_response(304)
            handler.send_header("ETag", '"v1"')
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return
        answer(handler, 200, body, "application/rss+xml",
               {"ETag": '"v1"', "Last-Modified": "Tue, 12 Aug 2025 01:00:00 GMT"})

    with http_server({"/rss": route}) as server:
        src = _feed(team, "Báo B", server.url("/rss"), fetch_full_text=False)
        first = source_fetch(src)
        src.refresh_from_db()
        second = source_fetch(src)
        feed_requests = list(server.request_headers)
    assert first.added == 1 and not first.not_modified
    assert second.not_modified and second.added == 0 and second.ok
    last = feed_requests[-1]
    assert last["If-None-Match"] == '"v1"'
    assert last["If-Modified-Since"] == "Tue, 12 Aug 2025 01:00:00 GMT"
    src.refresh_from_db()
    assert src.etag == '"v1"' and src.is_healthy


def test_robots_txt_disallow_respected(team):
    robots = b"User-agent: *\nDisallow: /rieng/\n"
    routes = {
        "/robots.txt": lambda h: answer(h, 200, robots, "text/plain"),
        "/rieng/rss": feed_route(rss(("Lũ", "http://example.org/lu", FLOOD))),
        "/chung/rss": feed_route(rss(("Tin", "http://example.org/t", RUMOUR))),
    }
    with http_server(routes) as server:
        private = _feed(team, "Riêng", server.url("/rieng/rss"))
        public = _feed(team, "Chung", server.url("/chung/rss"), fetch_full_text=False)
        refused = source_fetch(private)
        allowed = source_fetch(public)
    assert not refused.ok and "robots.txt" in refused.error
    assert server.hits["/rieng/rss"] == 0
    assert allowed.ok and allowed.added == 1
    assert server.hits["/robots.txt"] == 1  # read once, then kept for the host


def test_feed_with_only_a_summary_gets_the_article_text(team):
    article = (
        "<html><head><title>Sở Y tế bác bỏ tin đồn</title></head><body><nav>Trang chủ</nav>"
        f"<article><h1>Sở Y tế bác bỏ tin đồn</h1><p>{ARTICLE_BODY}</p></article>"
        "<footer>Bản quyền</footer></body></html>"
    ).encode()
    with http_server({}) as server:
        body = rss(("Bác bỏ tin đồn", server.url("/bai/1"), "Sở Y tế lên tiếng."))
        server.routes.update({
            "/rss": feed_route(body),
            "/bai/1": lambda h: answer(h, 200, article),
        })
        src = _feed(team, "Báo C", server.url("/rss"))
        report = source_fetch(src)
        again = source_fetch(src)
    assert report.added == 1
    item = Item.objects.get()
    assert "không có cơ sở khoa học" in item.text
    assert "Bản quyền" not in item.text
    assert again.added == 0 and server.hits["/bai/1"] == 1  # a known link is not fetched again


def test_watched_page_gives_an_item_when_it_changes(team):
    pages = [f"<html><body><article><p>{ARTICLE_BODY}</p></article></body></html>".encode()]

    def route(handler: BaseHTTPRequestHandler) -> None:
        answer(handler, 200, pages[-1])

    with http_server({"/trang": route}) as server:
        src = source(team, name="Trang UBND", kind=SourceKind.PAGE, url=server.url("/trang"))
        first = source_fetch(src)
        src.refresh_from_db()
        unchanged = source_fetch(src)
        src.refresh_from_db()
        pages.append(pages[0].replace("Chiều 12/8".encode(), "Sáng 13/8".encode()))
        changed = source_fetch(src)
    assert (first.added, unchanged.added) == (1, 0)
    assert changed.added + changed.folded == 1


def test_requests_to_one_host_are_spaced(team, monkeypatch):
    monkeypatch.setattr(base, "HOST_DELAY_SECONDS", 0.4)
    body = rss(("Lũ", "http://example.org/lu", FLOOD))
    with http_server({"/a": feed_route(body), "/b": feed_route(body)}) as server:
        times: list[float] = []
        original = base.fetch

        def timed(url, **kwargs):
            times.append(time.monotonic())
            return original(url, **kwargs)

        monkeypatch.setattr(base, "fetch", timed)
        _feed(team, "A", server.url("/a"), fetch_full_text=False)
        _feed(team, "B", server.url("/b"), fetch_full_text=False)
        sources_fetch_due()
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert len(times) == 3  # robots.txt, then each feed
    assert min(gaps) >= 0.35
