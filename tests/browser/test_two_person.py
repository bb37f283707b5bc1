"""The two-person rule in chromium: an editor rewrote a checker's verdict before the checker sent
it to review. Opening the claim, the editor finds no approve button but a sentence saying why;
an approval posted anyway comes back refused, in Vietnamese, and the verdict still waits."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
from playwright.sync_api import expect
from tests.browser.checks import SIZES, check_page, watch

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PASSWORD = "Mat-khau-thu-nghiem-2026"

# Through the services, as the pages would: the checker drafts, the editor rewrites the
# rating, title, summary and body, the checker sends it to review.
SETUP = """
import django, json, sys
django.setup()
from django.contrib.auth import get_user_model
from kiemchung.accounts.models import Member, Workspace
from kiemchung.claims import services
from kiemchung.claims.models import Rating

workspace = Workspace.objects.get(slug="thu")
users = {}
for name, role in (("bt-dong-sua", "editor"), ("kc-viet-dau", "checker")):
    user = get_user_model().objects.create_user(name, f"{name}@example.org", sys.argv[1])
    Member.objects.create(workspace=workspace, user=user, role=role)
    users[role] = user
checker, editor = users["checker"], users["editor"]
claim = services.claim_create(
    workspace=workspace, actor=checker,
    text="Uống nước muối loãng mỗi sáng giúp khỏi hẳn bệnh đau dạ dày.",
)
services.evidence_add(
    claim=claim, actor=checker, kind="note", title="Ý kiến bác sĩ",
    note="Bác sĩ tiêu hóa cho biết nước muối không chữa được đau dạ dày.",
)
scale = {r.label: r for r in Rating.objects.filter(workspace=workspace)}
summary = ("Nhận định “Uống nước muối loãng mỗi sáng giúp khỏi hẳn bệnh đau dạ dày” là sai: "
           "nước muối không chữa được bệnh dạ dày.")
factcheck = services.factcheck_save(
    claim=claim, actor=checker, rating=scale["Sai"],
    title="Nước muối không chữa được đau dạ dày", summary=summary, body="Bản của người kiểm chứng.",
)
services.factcheck_save(
    claim=claim, actor=editor, rating=scale["Gây hiểu lầm"],
    title="Nước muối loãng không chữa khỏi đau dạ dày",
    summary=summary + " (biên tập viên viết lại)",
    body="Toàn bộ nội dung do biên tập viên viết lại.",
)
services.factcheck_submit(factcheck=factcheck, actor=checker)
print(json.dumps({"claim": claim.pk}))
"""


def _set_up(server) -> int:
    done = subprocess.run(
        [sys.executable, "-c", SETUP, PASSWORD],
        env={**server.env, "DJANGO_SETTINGS_MODULE": "kiemchung.settings"},
        capture_output=True, text=True, timeout=120, cwd=os.getcwd(),
    )
    assert done.returncode == 0, done.stderr
    return int(json.loads(done.stdout.strip().splitlines()[-1])["claim"])


def test_an_editor_who_co_edited_is_told_why_they_cannot_approve(
    browser, newsroom_server, shots
):
    claim = _set_up(newsroom_server)
    context = browser.new_context(
        viewport=SIZES["desktop"], locale="vi-VN", bypass_csp=True
    )
    page = context.new_page()
    failures = watch(page)
    page.goto(f"{newsroom_server.url}/accounts/login/")
    page.fill("#id_login", "bt-dong-sua")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/claims/.*"))

    page.goto(f"{newsroom_server.url}/claims/{claim}/")
    expect(page.locator("#review-approve")).to_have_count(0)
    waiting = page.locator("#review-waiting")
    expect(waiting).to_contain_text("Theo quy tắc hai người")
    expect(waiting).to_contain_text("bạn đã viết, sửa hoặc gửi duyệt một phần của bản này")
    problems = check_page(page, shots, "co-editor-sees-why")

    # An approval posted anyway, as a crafted request would be.
    token = page.locator("input[name=csrfmiddlewaretoken]").first.get_attribute("value")
    answer = page.request.post(
        f"{newsroom_server.url}/claims/{claim}/verdict/review/",
        form={"decision": "approve", "comment": "", "csrfmiddlewaretoken": token},
        max_redirects=0,
    )
    assert answer.status == 302
    page.goto(f"{newsroom_server.url}/claims/{claim}/")
    refusal = page.locator(".messages .msg-error").filter(has_text="Quy tắc hai người")
    expect(refusal.first).to_contain_text("không thể duyệt nó")
    expect(page.locator("#verdict")).to_contain_text("Chờ duyệt")
    problems += check_page(page, shots, "co-editor-approval-refused")
    context.close()
    assert problems + failures == []
