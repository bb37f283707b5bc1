"""The staff inbox in chromium, on a phone and on a desktop: a tipster sends a tip on the web
form, a member of staff sees its start in the inbox, attaches it to a claim through the picker
(typed without accents), sends a holding reply and then the answer, and the tipster reads both
on the status page, told an answer exists only after the second. Every page fits the screen and
has no serious axe finding; the claims list and the claim page are checked on the way."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from tests.browser.checks import SIZES, check_page, watch

pytestmark = [pytest.mark.browser, pytest.mark.slow]

FORM = "/tin/gui/thu/"
# A link as people paste it: long, with no place to break.
LINK = (
    "https://www.facebook.com/groups/hoi-nhung-nguoi-yeu-suc-khoe-tu-nhien/permalink/"
    "123456789012345678901234567890/?comment_id=987654321098765432&reply_comment_id=11223344"
)
CLAIM = "Uống nước lá ổi mỗi sáng chữa khỏi bệnh tiểu đường type 2 ({size})"
TIP = (
    "Nhóm của mẹ tôi đang truyền nhau tin này: uống nước lá ổi mỗi sáng thì khỏi hẳn tiểu "
    "đường, không cần thuốc nữa. Có thật không ạ? Bài gốc ở đây: {link} ({size})"
)

WEB_CHANNEL = """
from kiemchung.tipline.models import Channel
print(Channel.objects.filter(workspace__slug="thu", kind="web", is_active=True).exists())
"""
NEW_CLAIM = """
from django.contrib.auth.models import User
from kiemchung.accounts.models import Workspace
from kiemchung.claims import services
admin = User.objects.get(username="quantri")
claim = services.claim_create(
    workspace=Workspace.objects.get(slug="thu"), actor=admin, text={text!r}, topic="Sức khỏe")
services.evidence_add(claim=claim, actor=admin, kind="note", title="Bài gốc",
                      note="Bản chụp bài gốc: " + {link!r})
print("claim", claim.pk)
"""


@pytest.fixture(scope="module")
def web_form(newsroom_server) -> str:
    """The team's web form, whether or not another walk opened it already."""
    if "True" not in newsroom_server.kiemchung("shell", "-c", WEB_CHANNEL).stdout:
        newsroom_server.kiemchung("tipline_channel", "--workspace", "thu", "--kind", "web")
    return FORM


def _claim(server, text: str) -> int:
    out = server.kiemchung("shell", "-c", NEW_CLAIM.format(text=text, link=LINK)).stdout
    found = re.search(r"claim (\d+)", out)
    assert found, out
    return int(found.group(1))


def _context(browser, size: str):
    phone = size == "phone"
    # axe is injected as a script: the context bypasses the CSP for it (the pages do not).
    return browser.new_context(
        viewport=SIZES[size], is_mobile=phone, has_touch=phone, locale="vi-VN", bypass_csp=True
    )


def _top_bar_is_one_line(page) -> bool:
    return page.evaluate(
        """() => {
            const bar = document.querySelector('.topbar');
            const tops = [...bar.children].map(el => Math.round(el.getBoundingClientRect().top));
            const nav = [...bar.querySelectorAll('.mainnav > a, .mainnav > details')]
                .map(el => Math.round(el.getBoundingClientRect().top));
            const all = tops.concat(nav);
            return Math.max(...all) - Math.min(...all) < 16;
        }"""
    )


@pytest.mark.parametrize("size", SIZES)
def test_a_tip_is_previewed_attached_through_the_picker_and_answered(
    browser, newsroom_server, web_form, shots, size
):
    server = newsroom_server
    claim_id = _claim(server, CLAIM.format(size=size))

    # The tipster sends a tip with a long link in it.
    tipster_context = _context(browser, size)
    tipster = tipster_context.new_page()
    problems = watch(tipster)
    tipster.goto(server.url + web_form)
    tipster.check("input[name=category][value=check]")
    tipster.fill("#id_text", TIP.format(link=LINK, size=size))
    tipster.click("button:has-text('Gửi')")
    expect(tipster.locator("h1")).to_have_text("Đã nhận tin của bạn")
    code = tipster.locator("#tracking-code").inner_text().strip()
    found = check_page(tipster, shots, "tipster-received")

    # Staff see the start of the tip in the inbox without opening it.
    staff_context = _context(browser, size)
    staff = staff_context.new_page()
    problems += watch(staff)
    staff.goto(f"{server.url}/accounts/login/")
    staff.fill("#id_login", "quantri")
    staff.fill("#id_password", server.admin_password)
    staff.click("button[type=submit]")
    staff.wait_for_url(re.compile(r".*/claims/.*"))
    if size == "desktop":
        assert _top_bar_is_one_line(staff), "the admin's top bar wraps at 1280 px"
    # The administration and account menus open within the screen.
    for menu, item in (("#nav-settings", "#nav-audit"), ("#nav-user", "#nav-logout")):
        staff.click(f"{menu} > summary")
        expect(staff.locator(item)).to_be_visible()
        found += check_page(staff, shots, f"menu-{menu[5:]}")
        staff.click(f"{menu} > summary")
    staff.goto(f"{server.url}/tips/")
    row = staff.locator("tr", has_text=code)
    expect(row.locator(".tip-preview")).to_contain_text("Nhóm của mẹ tôi đang truyền nhau")
    found += check_page(staff, shots, "inbox")

    # The picker finds the claim from words typed without accents.
    row.get_by_role("link", name=code).click()
    expect(staff.locator("h1")).to_contain_text(code)
    found += check_page(staff, shots, "tip")
    staff.locator("#claim-q").press_sequentially("nuoc la oi tieu duong", delay=20)
    choice = staff.locator(f"#claim-choice-{claim_id}")
    expect(choice).to_be_visible()
    found += check_page(staff, shots, "picker-results")
    choice.check()
    staff.click("#attach-submit")
    expect(staff.locator(".messages")).to_contain_text(f"Đã gắn tin vào nhận định #{claim_id}")
    expect(staff.locator("#tip-claim")).to_contain_text(f"#{claim_id}")

    # A holding reply first: the tip stays waiting.
    staff.fill("#reply-form textarea[name=text]", "Cảm ơn bạn, nhóm đang kiểm chứng thông tin này.")
    staff.check("#reply-form input[name=kind][value=holding]")
    staff.click("#reply-send")
    expect(staff.locator(".messages")).to_contain_text("nhóm đang xử lý")
    expect(staff.locator("#tip-meta .badge").first).to_have_text("Đang xử lý")
    tipster.goto(f"{server.url}{web_form}trang-thai/?code={code}")
    expect(tipster.locator("#tip-status")).to_contain_text("đang được xử lý")
    expect(tipster.locator("#tip-replies")).to_contain_text("nhóm đang kiểm chứng thông tin này")
    found += check_page(tipster, shots, "tipster-status-holding")

    # Then the answer, posted on the status page: no "could not send" for staff.
    staff.fill(
        "#reply-form textarea[name=text]",
        "Không đúng: nước lá ổi không chữa khỏi tiểu đường; hãy theo chỉ định của bác sĩ.",
    )
    staff.check("#reply-form input[name=kind][value=answer]")
    staff.click("#reply-send")
    expect(staff.locator(".messages")).to_contain_text("Đã gửi câu trả lời.")
    lines = staff.locator("#tip-lines")
    expect(lines).not_to_contain_text("Không gửi được")
    # Both replies, and the tipline's own first message, wait on the status page.
    assert lines.locator(".delivery-posted").count() == lines.locator(".delivery").count() >= 2
    found += check_page(staff, shots, "tip-answered")

    tipster.goto(f"{server.url}{web_form}trang-thai/?code={code}")
    expect(tipster.locator("#tip-status")).to_contain_text("đã có câu trả lời")
    expect(tipster.locator("#tip-replies")).to_contain_text("nước lá ổi không chữa khỏi")
    found += check_page(tipster, shots, "tipster-status-answered")

    # The claims list and the claim page, with the tip's long link as an appearance.
    staff.goto(f"{server.url}/claims/all/")
    expect(staff.locator("#claim-table")).to_contain_text(CLAIM.format(size=size))
    found += check_page(staff, shots, "claims-list")
    staff.goto(f"{server.url}/claims/{claim_id}/")
    expect(staff.locator("#appearances")).to_contain_text("facebook.com/groups")
    expect(staff.locator("#evidence")).to_contain_text("comment_id=")
    found += check_page(staff, shots, "claim")

    tipster_context.close()
    staff_context.close()
    assert not found + problems, "\n".join(found + problems)
