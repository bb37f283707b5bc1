"""The whole newsroom path, walked in chromium as its people use it, on a phone and on a
desktop: an admin adds the team, a checker writes the claim, its evidence and the verdict, an
editor asks for changes, then approves and publishes, a reader opens the fact-check and a viewer
finds no form to edit. Every page of the walk fits the screen, has no serious axe finding, no
failed request and no CSP complaint; each step leaves a screenshot."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect
from tests.browser.checks import SIZES, check_page, watch

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PASSWORD = "Mat-khau-thu-nghiem-2026"
CLAIMS = {
    "phone": "Ăn tỏi sống mỗi ngày giúp phòng được cúm A/H5N1.",
    "desktop": "Uống nước dừa mỗi ngày giúp phòng được bệnh sốt xuất huyết.",
}
TITLES = {
    "phone": "Ăn tỏi sống không phòng được cúm A/H5N1",
    "desktop": "Nước dừa không phòng được sốt xuất huyết",
}
# A second claim, left open, that the viewer finds no form to edit on.
OPEN_CLAIMS = {
    "phone": "Uống nước chanh ấm mỗi sáng chữa khỏi ung thư.",
    "desktop": "Đắp lá trầu không lên vết bỏng giúp vết thương lành ngay trong một đêm.",
}


class Walk:
    """The pages of one walk, and what was wrong with any of them."""

    def __init__(self, browser, server, size, shots) -> None:
        self.browser, self.server, self.size, self.shots = browser, server, size, shots
        self.problems: list[str] = []
        self.requests: list[list[str]] = []

    def login(self, username, password=PASSWORD):
        phone = self.size == "phone"
        # axe is injected as a script: the context bypasses the CSP for it (the pages do not).
        context = self.browser.new_context(
            viewport=SIZES[self.size], is_mobile=phone, has_touch=phone, locale="vi-VN",
            bypass_csp=True,
        )
        page = context.new_page()
        self.requests.append(watch(page))
        page.goto(f"{self.server.url}/accounts/login/")
        page.fill("#id_login", username)
        page.fill("#id_password", password)
        page.click("button[type=submit]")
        page.wait_for_url(re.compile(r".*/claims/.*"))
        return page

    def check(self, page, name: str) -> None:
        self.problems.extend(check_page(page, self.shots, f"{self.size}-{name}"))

    def all_problems(self) -> list[str]:
        return self.problems + [p for found in self.requests for p in found]


def _create(page) -> None:
    """Send the new-claim form; when another walk's claim looks like a duplicate, create anyway."""
    page.click("#claim-create-submit")
    # The server's first claim loads the embedding model to look for earlier checks.
    page.wait_for_selector("#claim-wording, #claim-create-anyway", timeout=120_000)
    if page.locator("#claim-create-anyway").count():
        page.click("#claim-create-anyway")
        page.wait_for_selector("#claim-wording", timeout=60_000)


def _post_as(page, url, form):
    """A form post with the page's own session and CSRF token, as a crafted request would be."""
    token = page.locator("input[name=csrfmiddlewaretoken]").first.get_attribute("value")
    return page.request.post(url, form={**form, "csrfmiddlewaretoken": token}, max_redirects=0)


def _add_member(walk, page, username, role):
    page.goto(f"{walk.server.url}/accounts/members/")
    form = page.locator("section[aria-labelledby=h-new-member] form")
    form.locator("input[name=username]").fill(username)
    form.locator("input[name=email]").fill(f"{username}@example.org")
    form.locator("select[name=role]").select_option(role)
    form.locator("input[name=password]").fill(PASSWORD)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("table", has_text=username).count() == 1


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_claim_to_published_factcheck(browser, newsroom_server, shots, size):
    server = newsroom_server
    walk = Walk(browser, server, size, shots)
    claim_text = CLAIMS[size]
    people = {role: f"{role}-{size}" for role in ("checker", "editor", "viewer")}

    admin = walk.login("quantri", server.admin_password)
    for role, username in people.items():
        _add_member(walk, admin, username, role)
    walk.check(admin, "admin-added-members")

    checker = walk.login(people["checker"])
    walk.check(checker, "checker-dashboard")
    checker.goto(f"{server.url}/claims/new/")
    walk.check(checker, "checker-new-claim-form")
    checker.fill("#claim-text", claim_text)
    checker.fill("#claim-topic", "sức khỏe")
    _create(checker)
    claim_url = checker.url
    assert claim_text in checker.inner_text("#claim-wording")
    walk.check(checker, "checker-created-claim")

    sources = [("/bo-y-te", "Khuyến cáo của Bộ Y tế"), ("/nghien-cuu", "Tổng quan nghiên cứu")]
    for path, title in sources:
        checker.check("#evidence-kind_0")
        checker.fill("#evidence-url", server.evidence_url + path)
        checker.fill("#evidence-title", title)
        checker.click("button:has-text('Thêm bằng chứng')")
        checker.wait_for_selector("#evidence-list")
    expect(checker.locator("[data-archive-status=archived]")).to_have_count(2, timeout=60_000)
    assert checker.locator("[data-archive-status=failed]").count() == 0
    assert checker.locator(".sha256").count() == 2
    walk.check(checker, "checker-sees-evidence-archived")

    checker.select_option("#verdict-rating", label="Sai")
    checker.fill("#verdict-title", TITLES[size])
    checker.fill(
        "#verdict-summary",
        f"Nhận định \"{claim_text}\" là sai: không có bằng chứng nào cho thấy điều này.",
    )
    checker.fill("#verdict-body", f"> {claim_text}\n\nCác khuyến cáo y tế không nói như vậy.")
    checker.click("#verdict-save")
    checker.wait_for_selector("#verdict-submit")
    walk.check(checker, "checker-wrote-verdict")
    checker.click("#verdict-submit")
    checker.wait_for_selector("#review-waiting")
    assert checker.locator("#review-approve").count() == 0, "the author must not see approve"
    refused = _post_as(checker, f"{claim_url}verdict/review/", {"decision": "approve"})
    assert refused.status == 403
    walk.check(checker, "checker-cannot-review-own-verdict")

    editor = walk.login(people["editor"])
    walk.check(editor, "editor-dashboard")
    editor.goto(claim_url)
    walk.check(editor, "editor-opens-claim-in-review")
    assert "Kết luận đang chờ bạn duyệt." in editor.inner_text("#next-step")
    editor.fill("#review-comment", "Cần nêu rõ nguồn khuyến cáo trong phần tóm tắt.")
    editor.click("#review-request-changes")
    editor.wait_for_selector("#review-list")
    walk.check(editor, "editor-requested-changes")

    checker.goto(claim_url)
    checker.wait_for_selector("#verdict-changes-requested")
    checker.fill(
        "#verdict-summary",
        f"Nhận định \"{claim_text}\" là sai: khuyến cáo của Bộ Y tế không nói như vậy, và chưa có "
        "thử nghiệm trên người nào cho thấy điều đó.",
    )
    checker.click("#verdict-save")
    checker.wait_for_selector("#verdict-submit")
    checker.click("#verdict-submit")
    checker.wait_for_selector("#review-waiting")
    walk.check(checker, "checker-revised-verdict")

    editor.goto(claim_url)
    editor.click("#review-approve")
    editor.wait_for_selector("#verdict-publish")
    editor.once("dialog", lambda dialog: dialog.accept())
    editor.click("#verdict-publish")
    editor.wait_for_selector("#public-link")
    walk.check(editor, "editor-published")
    public_url = editor.get_attribute("#public-link", "href")

    visitor = browser.new_context(viewport=SIZES[size], bypass_csp=True).new_page()
    walk.requests.append(watch(visitor))
    visitor.goto(server.url + public_url if public_url.startswith("/") else public_url)
    assert visitor.inner_text("#rating").strip() == "Sai"
    # "Sai" in the orange-red of the share card, not the pale yellow every verdict once shared.
    colours = visitor.eval_on_selector(
        "#rating", "e => [getComputedStyle(e).backgroundColor, getComputedStyle(e).color]"
    )
    assert colours == ["rgb(183, 65, 14)", "rgb(255, 255, 255)"]
    assert claim_text in visitor.inner_text("#claim-quote")
    assert visitor.locator("#sources .source-archive").count() == 2
    walk.check(visitor, "public-factcheck")
    data = json.loads(visitor.locator("script[type='application/ld+json']").inner_text())
    assert data["@type"] == "ClaimReview"
    assert data["claimReviewed"] == claim_text
    assert data["reviewRating"]["alternateName"] == "Sai"
    assert {"ratingValue", "bestRating", "worstRating"} <= set(data["reviewRating"])
    assert data["author"]["name"] == "Nhóm Kiểm Chứng Thử"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}.*", data["datePublished"])
    assert data["url"] == visitor.url

    checker.goto(f"{server.url}/claims/new/")
    checker.fill("#claim-text", OPEN_CLAIMS[size])
    _create(checker)
    open_claim_url = checker.url
    assert checker.locator("#evidence-url").count() == 1, "the checker can add evidence here"

    viewer = walk.login(people["viewer"])
    for url in (open_claim_url, claim_url):
        viewer.goto(url)
        viewer.wait_for_selector("#claim-wording")
        assert viewer.locator("main form[method=post]").count() == 0, "a viewer gets no edit form"
        assert viewer.locator("#evidence-url, #comment-body, #claim-edit").count() == 0
    walk.check(viewer, "viewer-sees-no-edit-forms")
    response = _post_as(viewer, f"{open_claim_url}comments/", {"body": "thử"})
    assert response.status == 403
    assert walk.all_problems() == []
