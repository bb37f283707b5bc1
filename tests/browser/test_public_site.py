"""The public site in chromium as readers use it: on a phone, without JavaScript, and checked
with axe-core for serious accessibility problems. Screenshots under the test artifacts."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE = {"width": 375, "height": 740}


@pytest.fixture(scope="module")
def demo(newsroom_server) -> Iterator[dict[str, str]]:
    """The demo team (two published fact-checks) on the running server, and its editor login."""
    out = newsroom_server.kiemchung("seed_demo", "--offline").stdout
    password = re.search(r"demo-bientap / (\S+)", out).group(1)
    found = newsroom_server.kiemchung(
        "shell", "-c",
        "from kiemchung.publishing.selectors import public_factchecks\n"
        "from kiemchung.publishing.jsonld import factcheck_path\n"
        "print(factcheck_path(public_factchecks().filter(claim__workspace__slug='demo')"
        ".order_by('pk').first()))",
    ).stdout.strip().splitlines()[-1]
    yield {"factcheck": found, "editor_password": password}


def public_pages(demo) -> dict[str, str]:
    return {
        "home": "/p/demo/",
        "factcheck": demo["factcheck"],
        "search": "/p/demo/search/?q=an+toi+song+phong+cum",
        "methodology": "/p/demo/methodology/",
        "topics": "/p/demo/topics/",
        "corrections": "/p/demo/corrections/",
        "team": "/p/demo/team/",
        "contact": "/p/demo/contact/",
    }


def test_public_pages_have_no_serious_accessibility_violations(
    browser, newsroom_server, demo, shots
):
    from axe_playwright_python.base import AXE_SCRIPT

    # The strict CSP refuses the injected axe script; only this context bypasses it.
    context = browser.new_context(bypass_csp=True, viewport={"width": 1100, "height": 900})
    page = context.new_page()
    pages = public_pages(demo)
    pages["contact-errors"] = pages["contact"]
    found = {}
    for name, path in pages.items():
        page.goto(newsroom_server.url + path)
        if name == "contact-errors":
            page.click("button:has-text('Gửi cho nhóm')")
            expect(page.locator("#contact-errors")).to_be_visible()
        page.add_script_tag(content=AXE_SCRIPT)
        result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
        found[name] = [
            f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        shots.take(page, f"axe-{name}")
    context.close()
    assert found == {name: [] for name in pages}


def test_public_pages_work_without_javascript_on_a_phone(browser, newsroom_server, demo, shots):
    context = browser.new_context(java_script_enabled=False, viewport=PHONE, is_mobile=True,
                                  has_touch=True, locale="vi-VN")
    page = context.new_page()
    for name, path in public_pages(demo).items():
        response = page.goto(newsroom_server.url + path)
        assert response.status == 200, path
        assert page.locator("script:not([type='application/ld+json'])").count() == 0, path
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{path} is {width}px wide on a {PHONE['width']}px phone"
        assert page.locator("h1").count() == 1, path
        shots.take(page, f"phone-{name}")

    # Search from the header form, typed without accents.
    page.goto(newsroom_server.url + "/p/demo/")
    page.fill("#site-search", "cuoc goi trung thuong xe may")
    page.click(".public-search button")
    page.wait_for_url(re.compile(r".*/search/\?q=.*"))
    expect(page.locator("#results h3").first).to_contain_text("Cuộc gọi báo trúng thưởng")
    shots.take(page, "phone-search-unaccented")

    # Ask for a correction about the fact-check, first forgetting the message, then properly.
    page.goto(newsroom_server.url + demo["factcheck"])
    page.click("#contact-link")
    expect(page.locator("#about-factcheck")).to_be_visible()
    page.fill("#id_name", "Trần Thị Bình")
    page.fill("#id_email", "binh@example.org")
    page.click("button:has-text('Gửi cho nhóm')")
    expect(page.locator("#id_message_error")).to_have_text("Hãy viết nội dung yêu cầu.")
    shots.take(page, "phone-contact-error")
    page.fill("#id_message", "Bài viết ghi sai tên cơ quan đã khuyến cáo, xin nhóm kiểm tra lại.")
    page.click("button:has-text('Gửi cho nhóm')")
    expect(page.locator("h1")).to_have_text("Đã gửi cho nhóm")
    shots.take(page, "phone-contact-sent")
    context.close()


def test_editor_handles_a_readers_message_in_the_inbox(browser, newsroom_server, demo, shots):
    reader = browser.new_context(viewport={"width": 1100, "height": 900})
    form = reader.new_page()
    form.goto(newsroom_server.url + "/p/demo/contact/?kind=right_of_reply")
    form.fill("#id_name", "Lê Văn Cường")
    form.fill("#id_email", "cuong@example.org")
    form.fill("#id_message", "Tôi là người được nhắc đến trong bài và xin được phản hồi như sau.")
    form.click("button:has-text('Gửi cho nhóm')")
    expect(form.locator("h1")).to_have_text("Đã gửi cho nhóm")
    reader.close()

    newsroom = browser.new_context(viewport={"width": 1100, "height": 900})
    page = newsroom.new_page()
    page.goto(newsroom_server.url + "/accounts/login/")
    page.fill("#id_login", "demo-bientap")
    page.fill("#id_password", demo["editor_password"])
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/claims/.*"))
    page.click("nav.mainnav >> text=Hộp thư bạn đọc")
    message = page.locator("article.inbox-row", has_text="Lê Văn Cường")
    expect(message).to_contain_text("Quyền phản hồi")
    shots.take(page, "inbox-open")
    message.locator("button:has-text('Đánh dấu đã xử lý')").click()
    handled = page.locator("article.inbox-row", has_text="Lê Văn Cường")
    expect(handled).to_contain_text("Đã xử lý bởi demo-bientap")
    shots.take(page, "inbox-handled")
    newsroom.close()
