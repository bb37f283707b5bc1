"""The admin turns the tipline's channels on from the newsroom, in chromium: the web form, which
the team's public home links to at once, and a Telegram bot (the server's Bot API is a local
fake) set up with its token and checked with "Gửi thử". The command line changes the running
server's public pages at once too, from another process."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import expect
from tests.browser.checks import SIZES, check_page, watch

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TIP_LINK = "Gửi tin cho nhóm"


def _admin(browser, server, size: str):
    phone = size == "phone"
    context = browser.new_context(
        viewport=SIZES[size], is_mobile=phone, has_touch=phone, locale="vi-VN", bypass_csp=True
    )
    page = context.new_page()
    page.goto(f"{server.url}/accounts/login/")
    page.fill("#id_login", "quantri")
    page.fill("#id_password", server.admin_password)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/claims/.*"))
    return page


def _public_home(server) -> str:
    """The team's public home as a visitor gets it (from the server's page cache if kept)."""
    response = httpx.get(f"{server.url}/p/thu/", timeout=10)
    assert response.status_code == 200
    return response.text


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_admin_turns_on_the_web_form_and_telegram_from_the_newsroom(
    browser, newsroom_server, shots, size
):
    server = newsroom_server
    page = _admin(browser, server, size)
    problems = watch(page)
    found: list[str] = []

    page.goto(f"{server.url}/tips/kenh/")
    expect(page.locator("h1")).to_have_text("Kênh nhận tin")
    expect(page.locator("#channel-list > li")).to_have_count(4)
    found += check_page(page, shots, "channels")

    # Other walks may have opened the form already: turn it off first, then on again.
    page.click("#channel-web a")
    expect(page.locator("h1")).to_have_text("Biểu mẫu trên web")
    if page.locator("#channel-off").count():
        page.click("#channel-off")
        expect(page.locator(".channel-head .badge")).to_have_text("Đang tắt")
    assert TIP_LINK not in _public_home(server), "off: no link, and the page is kept so"
    assert TIP_LINK not in _public_home(server)
    found += check_page(page, shots, "web-form-off")

    page.click("#channel-on" if page.locator("#channel-on").count() else "#channel-save")
    expect(page.locator(".channel-head .badge")).to_have_text("Đang bật")
    expect(page.locator(".msg-success")).to_be_visible()
    assert TIP_LINK in _public_home(server), "the kept home page was dropped at once"
    page.click("#channel-test")
    expect(page.locator("#channel-check")).to_contain_text("Được: Biểu mẫu mở được tại")
    found += check_page(page, shots, "web-form-on-tested")

    page.goto(f"{server.url}/p/thu/")
    expect(page.locator("#send-tip")).to_contain_text(TIP_LINK)
    found += check_page(page, shots, "public-home")

    page.goto(f"{server.url}/tips/kenh/telegram/")
    expect(page.locator("h1")).to_have_text("Telegram")
    expect(page.locator(".channel-steps")).to_contain_text("@BotFather")
    found += check_page(page, shots, "telegram-steps")
    page.fill("#id_bot_token", server.telegram_token)
    if page.locator("#id_regenerate").count():  # set up by the other walk: a new secret
        page.check("#id_regenerate")
    page.click("#channel-save")
    once = page.locator("#channel-once code")
    expect(once).to_have_count(1)
    secret = once.inner_text().strip()
    assert len(secret) >= 32
    expect(page.locator("#channel-address")).to_have_text(
        re.compile(rf"^{re.escape(server.url)}/tin/hooks/telegram/\w")
    )
    expect(page.locator("#channel-not-https")).to_be_visible()
    found += check_page(page, shots, "telegram-saved-secret-once")

    page.reload()
    expect(page.locator("#channel-once")).to_have_count(0)
    html = page.content()
    assert secret not in html and server.telegram_token not in html
    expect(page.locator("#id_bot_token")).to_have_value("")
    assert "Đã lưu. Để trống để giữ nguyên." in html

    page.click("#channel-test")
    result = page.locator("#channel-check")
    expect(result).to_contain_text("Được: Telegram nhận mã bot: đây là bot Kiểm Chứng")
    expect(result).to_contain_text("@KiemChungNhomBot")
    expect(result).to_contain_text("Telegram chưa gửi tin của bot tới đâu")
    found += check_page(page, shots, "telegram-tested")

    page.click("#channel-register")
    expect(result).to_contain_text("Telegram không nhận địa chỉ: Bad Request: bad webhook")
    found += check_page(page, shots, "telegram-register-refused")

    asked = [r.path for r in server.telegram_api.requests]
    assert f"/bot{server.telegram_token}/getMe" in asked
    assert f"/bot{server.telegram_token}/getWebhookInfo" in asked
    assert found == [], "\n".join(found)
    assert problems == []
    page.context.close()


def test_the_command_line_changes_the_running_servers_public_pages_at_once(newsroom_server):
    server = newsroom_server
    server.kiemchung("tipline_channel", "--workspace", "thu", "--kind", "web", "--on")
    assert TIP_LINK in _public_home(server)
    assert TIP_LINK in _public_home(server)

    done = server.kiemchung("tipline_channel", "--workspace", "thu", "--kind", "web", "--off")
    assert "(off)" in done.stdout
    assert TIP_LINK not in _public_home(server)
    assert TIP_LINK not in _public_home(server)

    # Left on, as the other walks expect the team's form.
    server.kiemchung("tipline_channel", "--workspace", "thu", "--kind", "web", "--on")
    assert TIP_LINK in _public_home(server)
