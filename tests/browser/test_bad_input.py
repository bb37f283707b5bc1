"""Oversized input in chromium: a message next to the field in the page's language, never a
misleading banner, never a traceback in the server's log."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from tests.browser.conftest import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _server_log() -> str:
    log = ARTIFACTS / "browser-server.log"
    return log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""


def test_a_claim_of_22200_characters_is_refused_next_to_its_field(browser, newsroom_server, shots):
    server = newsroom_server
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    page = context.new_page()
    page.goto(f"{server.url}/accounts/login/")
    page.fill("#id_login", "quantri")
    page.fill("#id_password", server.admin_password)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/claims/.*"))
    log_before = len(_server_log())

    page.goto(f"{server.url}/claims/new/")
    expect(page.locator("#claim-text_helptext")).to_contain_text("tối đa 2000 ký tự")
    page.fill("#claim-text", ("Tin đồn " * 2775)[:22200])
    page.click("#claim-create-submit")

    error = page.locator("#claim-text_error")
    expect(error).to_contain_text("dài 22199 ký tự; tối đa 2000 ký tự")
    assert page.locator("text=vẫn được tạo").count() == 0
    assert page.input_value("#claim-text").startswith("Tin đồn Tin đồn")  # nothing was lost
    shots.take(page, "claim-too-long")
    new_in_log = _server_log()[log_before:]
    assert "Traceback" not in new_in_log and "ERROR" not in new_in_log
    context.close()
