"""The API's documentation pages open in chromium with their operations listed, every asset
served by the app itself and nothing refused by the CSP."""

from __future__ import annotations

from urllib.parse import urlsplit

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
