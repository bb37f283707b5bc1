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


CLAIM = """
from kiemchung.accounts.models import Workspace
from kiemchung.claims.models import Claim
workspace = Workspace.objects.get(slug="thu")
claim = Claim.objects.create(workspace=workspace, text={text!r})
print(claim.pk)
"""


@pytest.mark.parametrize("size", SIZES)
def test_a_screenshot_added_as_evidence_shows_its_words_and_staff_correct_them(
    browser, newsroom_server, shots, size, tmp_path
):
    """A checker attaches a chat screenshot to a claim as a document; the worker reads it, the
    claim page shows the words under the picture, the search finds the claim by them, and the
    words are corrected from the page."""
    server = newsroom_server
    text = f"Bảo hiểm xe máy bắt buộc 500 nghìn đồng ({size})"
    made = server.kiemchung("shell", "-c", CLAIM.format(text=text))
    claim_id = int(made.stdout.strip().splitlines()[-1])
    picture = tmp_path / "cong-van.png"
    synth.screenshot(["Công văn số 27 về phí trông giữ xe đạp điện", "Có thật không?"],
                     face=synth.faces()[0], size=32, dark=size == "phone").save(picture)
    phone = size == "phone"
    context = browser.new_context(viewport=SIZES[size], is_mobile=phone, has_touch=phone,
                                  locale="vi-VN", bypass_csp=True)
    page = context.new_page()
    problems = watch(page)
    page.goto(f"{server.url}/accounts/login/")
    page.fill("#id_login", "quantri")
    page.fill("#id_password", server.admin_password)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/claims/.*"))
    page.goto(f"{server.url}/claims/{claim_id}/")
    page.check("#evidence-kind_1")
    page.set_input_files("#evidence-document", str(picture))
    page.fill("#evidence-title", "Ảnh chụp công văn")
    page.locator("#evidence form button[type=submit]").last.click()
    words = page.locator(".image-words .image-text")
    for _ in range(40):  # the worker reads the image in the background
        if words.count():
            break
        page.wait_for_timeout(1000)
        page.reload()
    expect(words).to_contain_text("trông giữ")
    found = check_page(page, shots, "evidence-image-words")

    page.goto(f"{server.url}/claims/all/?q=tr%C3%B4ng+gi%E1%BB%AF+xe")
    expect(page.get_by_role("link", name=text)).to_be_visible()

    page.goto(f"{server.url}/claims/{claim_id}/")
    box = page.locator(".image-words textarea")
    for _ in range(20):  # a refresh of the evidence list closes the fold-out: open it again
        if box.is_visible():
            break
        if page.locator(".image-words details[open]").count() == 0:
            page.locator(".image-words details summary").click()
        page.wait_for_timeout(500)
    box.fill("Công văn số 27 về phí trông giữ xe đạp điện")
    page.locator(".image-words button[type=submit]").click()
    expect(page.locator(".messages")).to_contain_text("Đã lưu chữ đọc từ ảnh")
    expect(page.locator(".image-words")).to_contain_text("đã được sửa tay")
    found += check_page(page, shots, "evidence-image-words-corrected")
    context.close()
    assert not found + problems, "\n".join(found + problems)
