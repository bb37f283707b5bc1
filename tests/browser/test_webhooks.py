"""The admin connects another tool from the newsroom, in chromium: registers an endpoint on a
local receiver (a real HTTP server on 127.0.0.1), copies the secret shown once, sends a test
event and sees it in the delivery log, signed with that secret; a private or malformed address
is refused in words."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from tests.browser.checks import SIZES, check_page, watch

from kiemchung.webhooks.receiver import Receiver

pytestmark = [pytest.mark.browser, pytest.mark.slow]


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


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_admin_registers_an_endpoint_and_sees_a_test_event_delivered(
    browser, newsroom_server, shots, size
):
    server = newsroom_server
    receiver = Receiver().start()
    page = _admin(browser, server, size)
    problems = watch(page)
    found: list[str] = []
    try:
        page.goto(f"{server.url}/webhooks/")
        expect(page.locator("h1")).to_have_text("Webhook")
        found += check_page(page, shots, "webhooks")
        page.click("#webhook-new")

        page.fill("#id_url", "http://192.168.1.20/hook")
        page.check("input[name=kinds][value='claim.created']")
        page.click("#webhook-save")
        expect(page.locator("#id_url_error")).to_contain_text(
            "Địa chỉ nội bộ không được phép: máy chủ nhận phải ở trên Internet."
        )
        found += check_page(page, shots, "private-address-refused")
        page.fill("#id_url", "day khong phai dia chi")
        page.click("#webhook-save")
        expect(page.locator("#id_url_error")).to_contain_text("Địa chỉ không hợp lệ")

        page.fill("#id_url", receiver.url)
        page.fill("#id_description", "Công cụ theo dõi của toà soạn")
        page.click("#webhook-save")
        secret = page.locator("#webhook-secret").inner_text().strip()
        assert secret.startswith("whsec_")
        receiver.secret = secret
        found += check_page(page, shots, "registered-secret-once")

        page.click("#webhook-test")
        row = page.locator("#webhook-log tr.webhook-delivery").first
        expect(row).to_have_attribute("data-status", "sent", timeout=30_000)
        expect(row.locator(".webhook-status-code")).to_have_text("200")
        expect(row).to_contain_text("webhook.test")
        expect(page.locator("#webhook-secret")).to_have_count(0)
        assert secret not in page.content()
        found += check_page(page, shots, "test-event-delivered")

        (receipt,) = receiver.receipts
        assert receipt.signed is True and receipt.status == 200
    finally:
        receiver.stop()
    assert found == [], "\n".join(found)
    # The two refused addresses are answered 400, with the form and its messages; nothing else.
    refused = [p for p in problems if re.fullmatch(r"400 .*/webhooks/them/", p)]
    assert len(refused) == 2 and len(problems) == 2, problems
    page.context.close()
