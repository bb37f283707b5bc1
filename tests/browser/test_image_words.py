"""An image tip in chromium, on a phone and on a desktop: a tipster sends a chat screenshot on
the web form, staff open the tip, read the words found in the image under it and correct them.
Every page fits the screen and has no serious axe finding."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from tests.browser.checks import SIZES, check_page, watch

from kiemchung.images import synth
from kiemchung.images.ocr import default_engine

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(default_engine() is None, reason="tesseract with Vietnamese is missing"),
]

FORM = "/tin/gui/thu/"
MESSAGE = "Từ ngày 1/7 người đi xe máy phải mua bảo hiểm 500 nghìn đồng mỗi năm."
WEB_CHANNEL = """
from kiemchung.tipline.models import Channel
print(Channel.objects.filter(workspace__slug="thu", kind="web", is_active=True).exists())
"""


@pytest.mark.parametrize("size", SIZES)
def test_staff_read_and_correct_the_words_of_an_image_tip(
    browser, newsroom_server, shots, size, tmp_path
):
    server = newsroom_server
    if "True" not in server.kiemchung("shell", "-c", WEB_CHANNEL).stdout:
        server.kiemchung("tipline_channel", "--workspace", "thu", "--kind", "web")
    picture = tmp_path / "zalo.png"
    synth.screenshot([MESSAGE, "Thật không vậy?"], face=synth.faces()[0], size=32,
                     dark=size == "phone").save(picture)
    phone = size == "phone"

    def context():
        return browser.new_context(viewport=SIZES[size], is_mobile=phone, has_touch=phone,
                                   locale="vi-VN", bypass_csp=True)

    tipster_context = context()
    tipster = tipster_context.new_page()
    problems = watch(tipster)
    tipster.goto(server.url + FORM)
    tipster.check("input[name=category][value=check]")
    tipster.fill("#id_text", f"Ảnh này bạn tôi gửi qua Zalo ({size})")
    tipster.set_input_files("input[type=file]", str(picture))
    tipster.click("button:has-text('Gửi')")
    expect(tipster.locator("h1")).to_have_text("Đã nhận tin của bạn")
    code = tipster.locator("#tracking-code").inner_text().strip()

    staff_context = context()
    staff = staff_context.new_page()
    problems += watch(staff)
    staff.goto(f"{server.url}/accounts/login/")
    staff.fill("#id_login", "quantri")
    staff.fill("#id_password", server.admin_password)
    staff.click("button[type=submit]")
    staff.wait_for_url(re.compile(r".*/claims/.*"))
    staff.goto(f"{server.url}/tips/")
    staff.locator("tr", has_text=code).get_by_role("link", name=code).click()
    words = staff.locator("#tip-image-words .image-text")
    for _ in range(30):  # the worker reads the image in the background
        if words.count():
            break
        staff.wait_for_timeout(1000)
        staff.reload()
    expect(words).to_contain_text("bảo hiểm")
    found = check_page(staff, shots, "tip-image-words")

    box = staff.locator("#tip-image-words textarea").first
    box.fill(MESSAGE)
    staff.locator("#tip-image-words button[type=submit]").first.click()
    expect(staff.locator(".messages")).to_contain_text("Đã lưu chữ đọc từ ảnh")
    expect(staff.locator("#tip-image-words")).to_contain_text("đã được sửa tay")
    found += check_page(staff, shots, "tip-image-words-corrected")

    tipster_context.close()
    staff_context.close()
    assert not found + problems, "\n".join(found + problems)
