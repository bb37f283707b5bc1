"""A reader who meets the front door, a missing page or a refused form in chromium finds the
way back: `/` opens the team's public site, a 404 leads to the team's home, a form refused by
the CSRF check says to reload; every page has its icon, and nothing breaks the CSP."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}


def _teams(server) -> int:
    out = server.kiemchung(
        "shell", "-c",
        "from kiemchung.accounts.models import Workspace; print(Workspace.objects.count())",
    ).stdout
    return int(out.strip().splitlines()[-1])


def _watch(page) -> list[str]:
    """Every failed request and every CSP complaint of the page, as it happens."""
    problems: list[str] = []
    page.on("response", lambda r: r.status >= 400 and problems.append(f"{r.status} {r.url}"))
    page.on(
        "console",
        lambda m: "Content Security Policy" in m.text and problems.append(f"CSP: {m.text}"),
    )
    return problems


@pytest.mark.parametrize("size", SIZES)
def test_a_reader_finds_the_way_back_from_a_missing_page(browser, newsroom_server, shots, size):
    server = newsroom_server
    context = browser.new_context(viewport=SIZES[size], locale="vi-VN")
    page = context.new_page()
    problems = _watch(page)

    page.goto(server.url + "/")
    if _teams(server) == 1:  # the browser tests' own team, before any demo is seeded
        assert page.url == f"{server.url}/p/thu/"
    else:
        assert "/accounts/login/" in page.url
    icon = page.locator("link[rel=icon]").get_attribute("href")
    assert context.request.get(server.url + icon).status == 200
    assert context.request.get(server.url + "/favicon.ico").status == 200
    shots.take(page, f"{size}-front-door")

    response = page.goto(server.url + "/p/thu/bai-khong-co/")
    assert response.status == 404
    expect(page.locator("h1")).to_have_text("Không tìm thấy trang")
    expect(page.locator("body")).to_have_class("public")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= SIZES[size]["width"]
    shots.take(page, f"{size}-not-found")
    page.click("#home-link")
    page.wait_for_url(f"{server.url}/p/thu/")
    expect(page.locator(".public-brand .brand")).to_have_text("Nhóm Kiểm Chứng Thử")

    assert [p for p in problems if "/bai-khong-co/" not in p] == []
    context.close()


def test_a_form_refused_by_the_csrf_check_says_to_reload(browser, newsroom_server, shots):
    server = newsroom_server
    context = browser.new_context(viewport=SIZES["phone"], locale="vi-VN")
    page = context.new_page()
    problems = _watch(page)
    page.goto(server.url + "/p/thu/contact/")
    context.clear_cookies()  # as if the page had been left open past the session's end
    page.fill("#id_message", "Bài viết ghi sai tên cơ quan.")
    page.click("button:has-text('Gửi cho nhóm')")

    expect(page.locator("h1")).to_have_text("Chưa gửi được")
    expect(page.locator("#csrf-failure")).to_contain_text("Hãy tải lại trang rồi gửi lại.")
    expect(page.locator("body")).to_have_class("public")
    background = page.eval_on_selector("#reload-link", "e => getComputedStyle(e).backgroundColor")
    assert background == "rgb(11, 92, 173)"  # the stylesheet applies: no style was blocked
    shots.take(page, "csrf-refused")
    page.click("#reload-link")
    expect(page.locator("#id_message")).to_be_visible()

    assert [p for p in problems if p.startswith("CSP")] == []
    assert [p for p in problems if not p.startswith("403 ")] == []
    context.close()


@pytest.mark.parametrize("size", SIZES)
def test_a_reader_reads_the_public_site_in_english_and_back(browser, newsroom_server, shots,
                                                             size):
    server = newsroom_server
    context = browser.new_context(viewport=SIZES[size], locale="vi-VN", java_script_enabled=False)
    page = context.new_page()
    problems = _watch(page)
    page.goto(server.url + "/p/thu/methodology/")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    page.click("a.lang-link[hreflang=en]")
    page.wait_for_url(f"{server.url}/p/thu/methodology/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator(".public-nav")).to_contain_text("Methodology")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= SIZES[size]["width"]
    shots.take(page, f"{size}-english")
    page.click("a.lang-link[hreflang=vi]")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.locator(".public-nav")).to_contain_text("Phương pháp")
    assert problems == []
    context.close()
