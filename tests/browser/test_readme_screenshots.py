"""The README's pictures of the product, taken from the demo in chromium: the public fact-check
page, the triage queue and the tip inbox. `make screenshots` runs this with
KIEMCHUNG_README_SHOTS=docs/screenshots to write them there; in the suite they go only to the
test artifacts, and each page must still hold what the picture is meant to show."""

from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect
from tests.browser.checks import overflow

pytestmark = [pytest.mark.browser, pytest.mark.slow]

VIEWPORT = {"width": 1280, "height": 1000}

PENDING = """
from kiemchung.monitoring.models import Item
from kiemchung.tipline.models import Tip
print(Tip.objects.filter(workspace__slug="demo", category="check", match_checked_at=None).count()
      + Item.objects.filter(workspace__slug="demo", match_stage="pending").count())
"""


def _worker_done(server) -> None:
    """Wait for the worker to have matched the demo's tips and posts, as a user would see it."""
    for _ in range(20):
        if server.kiemchung("shell", "-c", PENDING).stdout.strip().splitlines()[-1] == "0":
            return
        time.sleep(1)
    pytest.fail("the worker did not match the demo's tips and posts within a minute")


def test_readme_screenshots_of_the_demo(browser, newsroom_server, shots):
    server = newsroom_server
    out = server.kiemchung("seed_demo", "--offline").stdout
    password = re.search(r"demo-bientap / (\S+)", out).group(1)
    _worker_done(server)
    context = browser.new_context(viewport=VIEWPORT, locale="vi-VN")
    page = context.new_page()
    taken: dict[str, Path] = {}

    page.goto(server.url + "/p/demo/")
    page.click("#main a:has-text('Ăn tỏi sống không phòng được cúm A/H5N1')")
    expect(page.locator("h1")).to_contain_text("Ăn tỏi sống")
    expect(page.locator("#sources li")).to_have_count(2)
    assert overflow(page) is None
    taken["factcheck"] = shots.take_view(page, "readme-factcheck")

    page.goto(server.url + "/accounts/login/")
    page.fill("#id_login", "demo-bientap")
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/claims/.*"))
    page.goto(server.url + "/monitoring/")
    for _ in range(30):  # the full search of the top posts, after their first look by words
        if not page.locator("text=đang chờ đối chiếu đầy đủ").count():
            break
        page.wait_for_timeout(1000)
        page.reload()
    expect(page.locator("main")).to_contain_text("cuộc gọi báo trúng thưởng")
    assert overflow(page) is None
    taken["triage"] = shots.take_view(page, "readme-triage")

    page.goto(server.url + "/tips/")
    expect(page.locator("main")).to_contain_text("KC-")
    assert overflow(page) is None
    taken["inbox"] = shots.take_view(page, "readme-inbox")
    context.close()

    target = os.environ.get("KIEMCHUNG_README_SHOTS")
    if target:
        folder = Path(target)
        folder.mkdir(parents=True, exist_ok=True)
        for name, path in taken.items():
            shutil.copyfile(path, folder / f"{name}.png")
