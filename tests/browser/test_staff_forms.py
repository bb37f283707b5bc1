"""Every staff form in chromium, sent empty, oversized and hostile: the answer is the page again
with a message in its language next to a field (or the change made, escaped), never a bare error
page, a 5xx, a script that runs, or a traceback in the server's log. Each page, its forms open,
then passes check_page on a phone: it fits, no table is clipped, axe finds nothing serious.

The forms are found, not listed: each newsroom page below is opened as an admin of a workspace of
its own (so that what the hostile input saves touches no other walk), and every POST form on it
with a field to type in is sent three times. A new page's forms are covered by adding its
address to PAGES. Left to other tests: forms that upload a file (tests/browser/test_bad_input.py
and the import walks), forms that ask to confirm first, and sign-out and language switches.
"""

from __future__ import annotations

import re

import pytest
from tests.browser.checks import SIZES, check_page
from tests.browser.conftest import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SLUG = "bieu-mau"
ADMIN, PASSWORD = "quantri-bieu-mau", "Bieu-mau-thu-2026"
PAGES = [
    "/claims/new/",
    "/claims/ratings/",
    "/accounts/workspace/",
    "/accounts/members/",
    "/accounts/security/",
    "/monitoring/sources/",
    "/monitoring/paste/",
    "/tips/mau-tra-loi/",
    "/tips/phap-luat/",
    "/tips/co-quan/",
    "/tips/kenh/telegram/",
    "/webhooks/them/",
    "/newsroom/outlets/new/telegram_channel/",
    "/newsroom/claimreview/",
    "CLAIM",
]
HOSTILE = '<script>alert("x")</script>"><img src=x onerror=alert(1)> \' OR 1=1; -- {{ 7*7 }}'
OVERSIZED = "Tin đồn lan truyền " * 2000  # 38,000 characters
NEW_CLAIM = """
from django.contrib.auth.models import User
from kiemchung.accounts.models import Workspace
from kiemchung.claims import services
admin = User.objects.get(username={admin!r})
claim = services.claim_create(workspace=Workspace.objects.get(slug={slug!r}), actor=admin,
    text="Ăn lá đu đủ non chữa khỏi sốt xuất huyết trong ba ngày", topic="Sức khỏe")
services.claim_start(claim=claim, actor=admin)
print("claim", claim.pk)
"""
ERROR_MARKS = ".errorlist, [aria-invalid=true], .msg-error, .form-errors, .channel-bad"
FIELDS = (
    "input[type=text]:visible, input[type=url]:visible, input[type=email]:visible, "
    "input[type=search]:visible, input[type=number]:visible, input:not([type]):visible, "
    "textarea:visible"
)


def _server_log() -> str:
    log = ARTIFACTS / "browser-server.log"
    return log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""


@pytest.fixture(scope="module")
def forms_workspace(newsroom_server) -> dict[str, str]:
    server = newsroom_server
    server.kiemchung(
        "createworkspace", "--name", "Nhóm thử biểu mẫu", "--slug", SLUG,
        "--admin-username", ADMIN, "--admin-email", "bieumau@example.org",
        "--admin-password", PASSWORD,
    )
    out = server.kiemchung("shell", "-c", NEW_CLAIM.format(admin=ADMIN, slug=SLUG)).stdout
    found = re.search(r"claim (\d+)", out)
    assert found, out
    return {"CLAIM": f"/claims/{found.group(1)}/"}


def _open(page, url: str) -> None:
    """The page, with every folded section open (forms often sit in one)."""
    page.goto(url)
    page.evaluate("document.querySelectorAll('main details').forEach(d => { d.open = true; })")


def _forms(page) -> list[str]:
    """A selector for each POST form of the page that has a field to type in and is not left
    to other tests. Forms are named by id or address, not by position: a saved row adds forms
    (its own delete button) above the one being tested."""
    chosen = []
    for form in page.locator("main form").all():
        if (form.get_attribute("method") or "get").lower() != "post":
            continue
        action = form.get_attribute("action") or ""
        if any(name in action for name in ("logout", "setlang", "ngon-ngu", "switch")):
            continue
        if form.locator("[data-confirm]").count() or form.locator("input[type=file]").count():
            continue
        if form.locator(FIELDS).count() == 0:
            continue
        key = form.get_attribute("id")
        selector = f"main form#{key}" if key else f'main form[action="{action}"]'
        if page.locator(selector).count() == 1:
            chosen.append(selector)
    # A form that ends the object's work (dismissing a claim) goes last, the others still open.
    return sorted(chosen, key=lambda selector: "dismiss" in selector)


def _send(page, selector: str, value: str | None) -> int:
    form = page.locator(selector)
    for field in form.locator(FIELDS).all():
        if field.is_editable():
            kind = field.get_attribute("type") or "text"
            if value is None:
                field.fill("")
            elif kind == "number":
                field.fill("99999999999999999999")
            elif kind == "email":
                field.fill("không-phải-thư@@" + value[:50])
            elif kind == "url":
                field.fill("javascript:alert(1)//" + value[:50])
            else:
                field.fill(value)
    # A form's own required fields would stop the browser before the server: the server's
    # answer is what is judged here, as a browser without that check would meet it.
    form.evaluate("f => f.noValidate = true")
    submit = form.locator("button[type=submit], button:not([type]), input[type=submit]").first
    # A plain form navigates, an htmx one swaps a part of the page: either way its POST is
    # answered, and that answer (before any redirect) is what is judged.
    with page.expect_response(lambda r: r.request.method == "POST", timeout=60_000) as answer:
        if submit.count():
            submit.click()
        else:
            form.evaluate("f => f.requestSubmit()")
    page.wait_for_load_state("load")
    page.wait_for_timeout(200)
    return answer.value.status


@pytest.fixture(scope="module")
def admin_page(browser, newsroom_server, forms_workspace):
    """A phone-sized page signed in as the forms workspace's admin, shared by the module."""
    # axe is injected as a script: the context bypasses the CSP for it (the pages do not).
    context = browser.new_context(viewport=SIZES["phone"], locale="vi-VN", bypass_csp=True)
    page = context.new_page()
    page.goto(f"{newsroom_server.url}/accounts/login/")
    page.fill("#id_login", ADMIN)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/claims/.*"))
    yield page
    context.close()


@pytest.mark.parametrize("address", PAGES, ids=[p.strip("/").replace("/", "-") for p in PAGES])
def test_every_staff_form_answers_bad_input_in_the_page(
    admin_page, newsroom_server, forms_workspace, shots, address
):
    page = admin_page
    dialogs: list[str] = []
    where = ""
    on_dialog = lambda d: (dialogs.append(f"{where}: {d.message}"), d.dismiss())  # noqa: E731
    page.on("dialog", on_dialog)
    failures: list[str] = []
    log_before = len(_server_log())
    url = newsroom_server.url + forms_workspace.get(address, address)
    sent = 0
    try:
        _open(page, url)
        for selector in _forms(page):
            for label, value in (("empty", None), ("oversized", OVERSIZED), ("hostile", HOSTILE)):
                _open(page, url)
                if page.locator(selector).count() != 1:
                    continue  # what was sent before was saved and closed it (a dismissed claim)
                where = f"{selector} {label}"
                try:
                    final = _send(page, selector, value)
                except Exception as exc:  # the failure is reported with its form
                    shots.take(page, f"not-sent-{label}")
                    failures.append(f"{where}: not sent ({str(exc).splitlines()[0]}) at {page.url}")
                    continue
                sent += 1
                if final >= 500 or final in (403, 404, 405):
                    failures.append(f"{where}: answered {final}")
                if page.locator("main").count() == 0:
                    failures.append(f"{where}: a bare page without the newsroom's layout")
                text = page.inner_text("body")
                if "Traceback" in text or "Server Error" in text or "Forbidden" in text:
                    failures.append(f"{where}: an error page")
                if final == 400 and page.locator(ERROR_MARKS).count() == 0:
                    failures.append(f"{where}: refused with no message next to a field")
        _open(page, url)
        failures.extend(check_page(page, shots, address.strip("/").replace("/", "-")))
    finally:
        page.remove_listener("dialog", on_dialog)

    assert failures == []
    assert dialogs == [], f"a script ran from what was typed: {dialogs}"
    new_in_log = _server_log()[log_before:]
    assert "Traceback" not in new_in_log, new_in_log[-3000:]
    assert sent >= 3, f"no form with a field to type in was found on {address}"
