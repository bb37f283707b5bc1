"""The whole newsroom path, walked in chromium as its people use it, a screenshot at each step."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PASSWORD = "Mat-khau-thu-nghiem-2026"
CLAIM = "Ăn tỏi sống mỗi ngày giúp phòng được cúm A/H5N1."


def _login(browser, server, username, password=PASSWORD):
    context = browser.new_context(viewport={"width": 1100, "height": 900}, locale="vi-VN")
    page = context.new_page()
    page.goto(f"{server.url}/accounts/login/")
    page.fill("#id_login", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/claims/.*"))
    return page


def _post_as(page, url, form):
    """A form post with the page's own session and CSRF token, as a crafted request would be."""
    token = page.locator("input[name=csrfmiddlewaretoken]").first.get_attribute("value")
    return page.request.post(url, form={**form, "csrfmiddlewaretoken": token}, max_redirects=0)


def _add_member(page, server, username, role):
    page.goto(f"{server.url}/accounts/members/")
    form = page.locator("section[aria-labelledby=h-new-member] form")
    form.locator("input[name=username]").fill(username)
    form.locator("input[name=email]").fill(f"{username}@example.org")
    form.locator("select[name=role]").select_option(role)
    form.locator("input[name=password]").fill(PASSWORD)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("table", has_text=username).count() == 1


def test_claim_to_published_factcheck(browser, newsroom_server, shots):
    server = newsroom_server

    admin = _login(browser, server, "quantri", server.admin_password)
    for username, role in [("kiemtra", "checker"), ("bientap", "editor"), ("nguoixem", "viewer")]:
        _add_member(admin, server, username, role)
    shots.take(admin, "admin-added-members")

    checker = _login(browser, server, "kiemtra")
    checker.goto(f"{server.url}/claims/new/")
    checker.fill("#claim-text", CLAIM)
    checker.fill("#claim-topic", "sức khỏe")
    checker.click("button:has-text('Tạo nhận định')")
    checker.wait_for_selector("#claim-wording")
    claim_url = checker.url
    assert CLAIM in checker.inner_text("#claim-wording")
    shots.take(checker, "checker-created-claim")

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
    shots.take(checker, "checker-sees-evidence-archived")

    checker.select_option("#verdict-rating", label="Sai")
    checker.fill("#verdict-title", "Ăn tỏi sống không phòng được cúm A/H5N1")
    checker.fill(
        "#verdict-summary",
        f"Nhận định \"{CLAIM}\" là sai: không có bằng chứng nào cho thấy tỏi phòng được cúm.",
    )
    checker.fill("#verdict-body", f"> {CLAIM}\n\nCác khuyến cáo y tế không nhắc đến tỏi.")
    checker.click("#verdict-save")
    checker.wait_for_selector("#verdict-submit")
    shots.take(checker, "checker-wrote-verdict")
    checker.click("#verdict-submit")
    checker.wait_for_selector("#review-waiting")
    assert checker.locator("#review-approve").count() == 0, "the author must not see approve"
    refused = _post_as(checker, f"{claim_url}verdict/review/", {"decision": "approve"})
    assert refused.status == 403
    shots.take(checker, "checker-cannot-review-own-verdict")

    editor = _login(browser, server, "bientap")
    editor.goto(claim_url)
    editor.fill("#review-comment", "Cần nêu rõ nguồn khuyến cáo trong phần tóm tắt.")
    editor.click("#review-request-changes")
    editor.wait_for_selector("#review-list")
    shots.take(editor, "editor-requested-changes")

    checker.goto(claim_url)
    checker.wait_for_selector("#verdict-changes-requested")
    checker.fill(
        "#verdict-summary",
        f"Nhận định \"{CLAIM}\" là sai: khuyến cáo của Bộ Y tế không nhắc đến tỏi, và chưa có "
        "thử nghiệm trên người nào cho thấy tỏi phòng được cúm.",
    )
    checker.click("#verdict-save")
    checker.wait_for_selector("#verdict-submit")
    checker.click("#verdict-submit")
    checker.wait_for_selector("#review-waiting")
    shots.take(checker, "checker-revised-verdict")

    editor.goto(claim_url)
    editor.click("#review-approve")
    editor.wait_for_selector("#verdict-publish")
    editor.once("dialog", lambda dialog: dialog.accept())
    editor.click("#verdict-publish")
    editor.wait_for_selector("#public-link")
    shots.take(editor, "editor-published")
    public_url = editor.get_attribute("#public-link", "href")

    visitor = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    visitor.goto(server.url + public_url if public_url.startswith("/") else public_url)
    assert visitor.inner_text("#rating").strip() == "Sai"
    # "Sai" in the orange-red of the share card, not the pale yellow every verdict once shared.
    colours = visitor.eval_on_selector(
        "#rating", "e => [getComputedStyle(e).backgroundColor, getComputedStyle(e).color]"
    )
    assert colours == ["rgb(183, 65, 14)", "rgb(255, 255, 255)"]
    assert CLAIM in visitor.inner_text("#claim-quote")
    assert visitor.locator("#sources .source-archive").count() == 2
    shots.take(visitor, "public-page-on-a-phone")
    data = json.loads(visitor.locator("script[type='application/ld+json']").inner_text())
    assert data["@type"] == "ClaimReview"
    assert data["claimReviewed"] == CLAIM
    assert data["reviewRating"]["alternateName"] == "Sai"
    assert {"ratingValue", "bestRating", "worstRating"} <= set(data["reviewRating"])
    assert data["author"]["name"] == "Nhóm Kiểm Chứng Thử"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}.*", data["datePublished"])
    assert data["url"] == visitor.url

    checker.goto(f"{server.url}/claims/new/")
    checker.fill("#claim-text", "Uống nước chanh ấm mỗi sáng chữa khỏi ung thư.")
    checker.click("button:has-text('Tạo nhận định')")
    checker.wait_for_selector("#claim-wording")
    open_claim_url = checker.url
    assert checker.locator("#evidence-url").count() == 1, "the checker can add evidence here"

    viewer = _login(browser, server, "nguoixem")
    for url in (open_claim_url, claim_url):
        viewer.goto(url)
        viewer.wait_for_selector("#claim-wording")
        assert viewer.locator("main form[method=post]").count() == 0, "a viewer gets no edit form"
        assert viewer.locator("#evidence-url, #comment-body, #claim-edit").count() == 0
    shots.take(viewer, "viewer-sees-no-edit-forms")
    response = _post_as(viewer, f"{open_claim_url}comments/", {"body": "thử"})
    assert response.status == 403
