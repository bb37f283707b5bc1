"""The API's documentation pages open in chromium with their operations listed, every asset
served by the app itself and nothing refused by the CSP."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import httpx
import pytest
from tests.browser.checks import SIZES, check_page, watch

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    ("path", "operation"),
    [("/api/v1/docs", "/api/v1/claims/{claim_id}/verdict/publish"), ("/api/docs", "/api/claims/")],
    ids=["v1", "deprecated"],
)
def test_the_api_docs_render_their_operations_from_the_app_alone(
    browser, newsroom_server, shots, path, operation
):
    context = browser.new_context(viewport=SIZES["desktop"])
    page = context.new_page()
    problems = watch(page)
    hosts: set[str] = set()
    page.on("request", lambda r: hosts.add(urlsplit(r.url).netloc))

    page.goto(newsroom_server.url + path)
    page.wait_for_selector(".opblock", timeout=20_000)

    paths = page.locator(
        ".opblock-summary-path, .opblock-summary-path__deprecated"
    ).all_inner_texts()
    assert any(operation in p.replace("\u200b", "") for p in paths), paths[:5]
    problems += check_page(page, shots, path.strip("/").replace("/", "-"), axe=False)
    assert hosts == {urlsplit(newsroom_server.url).netloc}
    assert problems == []
    context.close()


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_a_member_makes_a_token_with_chosen_scopes_and_it_calls_v1(
    browser, newsroom_server, shots, size
):
    server = newsroom_server
    phone = size == "phone"
    context = browser.new_context(
        viewport=SIZES[size], is_mobile=phone, has_touch=phone, locale="vi-VN", bypass_csp=True
    )
    page = context.new_page()
    problems = watch(page)
    page.goto(f"{server.url}/accounts/login/")
    page.fill("#id_login", "quantri")
    page.fill("#id_password", server.admin_password)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/claims/.*"))

    page.goto(f"{server.url}/accounts/security/")
    page.fill("#id_name", f"Bot đọc tin ({size})")
    page.check("input[name=scopes][value=tipline]")
    page.click("text=Tạo mã truy cập")
    raw = page.input_value("#new-token")
    problems += check_page(page, shots, f"token-{size}")

    assert page.locator("td", has_text="read, tipline").count() >= 1
    me = httpx.get(
        f"{server.url}/api/v1/me", headers={"Authorization": f"Bearer {raw}"}, timeout=10
    )
    assert me.json()["token"]["scopes"] == ["read", "tipline"]
    write = httpx.post(
        f"{server.url}/api/v1/claims/",
        json={"text": "Một nhận định"},
        headers={"Authorization": f"Bearer {raw}"},
        timeout=10,
    )
    assert write.status_code == 403
    assert problems == []
    context.close()
