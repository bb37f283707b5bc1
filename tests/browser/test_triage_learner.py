"""The triage queue in chromium at 390 and 1280 px after the team has decided and its learner
has retrained: each item gives its reasons in words (cues, spread and form signals) and the page
shows the learner's held-out ROC-AUC on the team's own decisions."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect
from tests.browser.checks import check_page

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DATA = Path(__file__).resolve().parents[1] / "data" / "triage" / "reintel_format.csv"


def _export(path: Path) -> Path:
    """The project's synthetic posts as a Facebook-like export the import maps by itself."""
    with DATA.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["message", "likes", "comments", "shares", "created_time"])
        for row in rows:
            writer.writerow([f"{row['post_message']} [xem {row['id']}]", row["num_like_post"],
                             row["num_comment_post"], row["num_share_post"],
                             row["timestamp_post"]])
    return path


def _login(browser, server, width):
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="vi-VN",
                                  bypass_csp=True)
    page = context.new_page()
    page.goto(f"{server.url}/accounts/login/")
    page.fill("#id_login", "quantri")
    page.fill("#id_password", server.admin_password)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/claims/.*"))
    return context, page


def _decide(page, server, act: str, count: int) -> None:
    page.goto(f"{server.url}/monitoring/?state=new")
    picks = page.locator("#triage-form input.pick")
    for i in range(count):
        picks.nth(i).check()
    page.click(f"#bulk-{act}", timeout=180_000)
    page.wait_for_load_state("networkidle", timeout=180_000)


def test_queue_shows_reasons_and_the_learners_figure(browser, newsroom_server, shots,
                                                     tmp_path):
    server = newsroom_server
    server.kiemchung("ingest", str(_export(tmp_path / "bai-dang.csv")), "--workspace", "thu",
                     "--source", "Trang theo dõi thử")
    context, page = _login(browser, server, 1280)
    page.goto(f"{server.url}/monitoring/")
    expect(page.locator("#learner-figure")).to_contain_text("Chưa có bộ học")
    # Spread and form in words: the unreliable posts end with calls to share.
    expect(page.locator("dd.signals").first).to_be_visible()
    assert page.locator("dd.signals .signal", has_text="kêu gọi chia sẻ gấp").count() > 0
    # The team decides: six items become claims, the next ten are dismissed.
    _decide(page, server, "promote", 6)
    _decide(page, server, "dismiss", 10)
    context.close()
    server.kiemchung("triage", "retrain", "--workspace", "thu")
    for width in (390, 1280):
        context, page = _login(browser, server, width)
        page.goto(f"{server.url}/monitoring/")
        figure = page.locator("#learner-figure")
        expect(figure).to_contain_text("quyết định")
        expect(figure).to_contain_text("ROC-AUC")
        auc = float(figure.locator(".learner-auc").inner_text().replace(",", "."))
        assert 0.0 <= auc <= 1.0
        expect(page.locator("dl.reasons .cue").first).to_be_visible()
        problems = check_page(page, shots, f"triage-learner-{width}")
        assert not problems, problems
        context.close()
