"""The public tipline form in chromium, as a tipster uses it: with and without JavaScript, on a
phone, sending a tip and deleting it again. The Django test client sends a proper Origin header
on every POST; a real browser sends what the page's referrer policy allows, so only these tests
see what a tipster meets."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from tests.browser.checks import SIZES, check_page, watch

pytestmark = [pytest.mark.browser, pytest.mark.slow]



@pytest.fixture(scope="module")
def form_path(newsroom_server) -> str:
    newsroom_server.kiemchung("tipline_channel", "--workspace", "thu", "--kind", "web")
    return "/tin/gui/thu/"


WALKS = {
    "phone-no-js": (SIZES["phone"], False),
    "phone-js": (SIZES["phone"], True),
    "desktop-js": (SIZES["desktop"], True),
}


@pytest.mark.parametrize("walk", WALKS)
def test_tipster_sends_a_tip_and_deletes_it(browser, newsroom_server, form_path, shots, walk):
    viewport, javascript = WALKS[walk]
    phone = viewport["width"] < 500
    # axe is injected as a script: only a context with JavaScript and the CSP bypassed runs it.
    context = browser.new_context(
        java_script_enabled=javascript, viewport=viewport, is_mobile=phone, has_touch=phone,
        locale="vi-VN", bypass_csp=javascript,
    )
    page = context.new_page()
    problems = watch(page)
    statuses: list[int] = []
    page.on("response", lambda r: statuses.append(r.status) if r.request.method == "POST" else None)
    page.goto(newsroom_server.url + form_path)
    expect(page.locator("h1")).to_have_text("Gửi tin cho nhóm")
    # The spam trap is for robots: a person neither sees it nor reaches it with the keyboard.
    expect(page.locator("#id_website")).not_to_be_in_viewport()
    assert page.locator("#id_website").get_attribute("tabindex") == "-1"
    found = check_page(page, shots, "form", axe=javascript)

    # Sent empty, then hostile: the message is next to the field, in the page's language.
    page.check("input[name=category][value=check]")
    page.click("button:has-text('Gửi')")
    expect(page.locator("#tip-errors")).to_be_visible()
    expect(page.locator(".field .errorlist").first).to_contain_text("Hãy viết thông tin")
    found += check_page(page, shots, "form-empty", axe=javascript)
    hostile = "<script>alert(1)</script> Có tin nói uống nước lá ổi chữa khỏi tiểu đường"
    page.fill("#id_text", hostile)
    page.click("button:has-text('Gửi')")
    expect(page.locator("h1")).to_have_text("Đã nhận tin của bạn")
    code = page.locator("#tracking-code").inner_text().strip()
    assert code
    # What the tipster reads next: the instant answer, the holding message, or where it will be.
    expect(page.locator("#tip-status")).to_be_visible()
    found += check_page(page, shots, "received", axe=javascript)

    page.goto(newsroom_server.url + form_path + f"trang-thai/?code={code}")
    expect(page.locator("#tip-status")).to_contain_text(code)
    found += check_page(page, shots, "status", axe=javascript)

    page.goto(newsroom_server.url + form_path + "xoa/")
    page.fill("#id_code", code)
    page.click("button:has-text('Xóa hẳn')")
    expect(page.locator("#delete-result")).to_contain_text(f"Đã xóa tin {code}")
    found += check_page(page, shots, "deleted", axe=javascript)
    assert all(s < 400 for s in statuses if s != 400), statuses
    assert found == []
    assert [p for p in problems if not p.startswith("400 ")] == []
    context.close()


EBIKE_PUBLISHED = """
from django.contrib.auth.models import User
from kiemchung.accounts.models import Member, Workspace
from kiemchung.claims import services
from kiemchung.claims.models import EvidenceKind, Rating
ws = Workspace.objects.get(slug="thu")
editor = User.objects.get(username="quantri")
checker, _ = User.objects.get_or_create(username="kiemchungvien")
Member.objects.get_or_create(workspace=ws, user=checker, defaults={"role": "checker"})
claim = services.claim_create(workspace=ws, actor=editor, text=(
    "Từ tháng 1/2027, người đi xe đạp điện không đội mũ bảo hiểm bị phạt 2 triệu đồng"))
services.evidence_add(claim=claim, actor=checker, kind=EvidenceKind.NOTE, title="Nghị định",
                      note="Đã đối chiếu với nghị định về xử phạt giao thông.")
factcheck = services.factcheck_save(
    claim=claim, actor=checker, rating=Rating.objects.get(workspace=ws, label="Sai"),
    title="Không có quy định phạt 2 triệu đồng với xe đạp điện không đội mũ bảo hiểm",
    summary="Sai: không có văn bản nào đặt mức phạt này.", body="Đã đối chiếu nghị định.")
services.factcheck_submit(factcheck=factcheck, actor=checker)
services.review_submit(factcheck=factcheck, actor=editor, decision="approve")
factcheck.refresh_from_db()
services.factcheck_publish(factcheck=factcheck, actor=editor)
print("published")
"""


def test_a_tip_on_the_same_subject_gets_related_reading_never_a_verdict(
    browser, newsroom_server, form_path, shots
):
    """The case that once told the public a verdict belonging to another claim: an e-bike fine
    was checked; tips about a dog-muzzle fine and about another e-bike amount arrive."""
    assert "published" in newsroom_server.kiemchung("shell", "-c", EBIKE_PUBLISHED).stdout
    context = browser.new_context(
        viewport=SIZES["phone"], is_mobile=True, has_touch=True, locale="vi-VN", bypass_csp=True
    )
    page = context.new_page()
    found: list[str] = []
    for name, text in (
        ("dog", "tu thang 1/2027 nuoi cho khong ro mom bi phat 3 trieu dong"),
        ("other-amount", "tu thang 1/2027 di xe dap dien khong doi mu bao hiem bi phat 3 trieu"),
    ):
        page.goto(newsroom_server.url + form_path)
        page.check("input[name=category][value=check]")
        page.fill("#id_text", text)
        page.click("button:has-text('Gửi')")
        expect(page.locator("h1")).to_have_text("Đã nhận tin của bạn")
        code = page.locator("#tracking-code").inner_text().strip()
        if name == "dog" and "Nhóm đang tìm" in page.locator("#tip-status").inner_text():
            # Only the first tip after start-up may outwait the page (the index loads once);
            # the status page then shows what was said.
            status = newsroom_server.url + form_path + f"trang-thai/?code={code}"
            for _ in range(40):
                page.goto(status)
                if page.locator("#tip-replies li").count():
                    break
                page.wait_for_timeout(500)
        body = page.locator("main").inner_text()
        found += check_page(page, shots, f"answer-{name}")
        assert "Kết luận: Sai" not in body and "Chúng tôi đã kiểm chứng" not in body, body
        assert "Chúng tôi chưa kiểm chứng" in body or "Kết luận sẽ hiện ở đây" in body, body
        if name == "other-amount":
            # On the page the tipster lands on, not one click away.
            assert "/tin/gui/thu/trang-thai/" not in page.url
            assert "chưa kiểm chứng đúng thông tin" in body
            assert "không áp dụng" in body
    assert found == []
    context.close()
