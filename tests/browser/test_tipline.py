"""The public tipline form in chromium, as a tipster uses it: with and without JavaScript, on a
phone, sending a tip and deleting it again. The Django test client sends a proper Origin header
on every POST; a real browser sends what the page's referrer policy allows, so only these tests
see what a tipster meets."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def form_path(newsroom_server) -> str:
    newsroom_server.kiemchung("tipline_channel", "--workspace", "thu", "--kind", "web")
    return "/tin/gui/thu/"


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_tipster_sends_a_tip_and_deletes_it(browser, newsroom_server, form_path, shots, javascript):
    context = browser.new_context(
        java_script_enabled=javascript, viewport=PHONE, is_mobile=True, has_touch=True,
        locale="vi-VN",
    )
    page = context.new_page()
    statuses: list[int] = []
    page.on("response", lambda r: statuses.append(r.status) if r.request.method == "POST" else None)
    page.goto(newsroom_server.url + form_path)
    expect(page.locator("h1")).to_have_text("Gửi tin cho nhóm")
    # The spam trap is for robots: a person neither sees it nor reaches it with the keyboard.
    expect(page.locator("#id_website")).not_to_be_in_viewport()
    assert page.locator("#id_website").get_attribute("tabindex") == "-1"
    shots.take(page, "form")
    page.check("input[name=category][value=check]")
    page.fill("#id_text", "Có tin nói uống nước lá ổi mỗi sáng chữa khỏi tiểu đường, đúng không?")
    page.click("button:has-text('Gửi')")
    expect(page.locator("h1")).to_have_text("Đã nhận tin của bạn")
    code = page.locator("#tracking-code").inner_text().strip()
    assert code
    shots.take(page, "received")

    page.goto(newsroom_server.url + form_path + "xoa/")
    page.fill("#id_code", code)
    page.click("button:has-text('Xóa hẳn')")
    expect(page.locator("#delete-result")).to_contain_text(f"Đã xóa tin {code}")
    shots.take(page, "deleted")
    assert statuses and all(s < 400 for s in statuses), statuses
    context.close()
