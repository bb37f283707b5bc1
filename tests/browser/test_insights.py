"""The dashboard and the reach import in chromium, at 390 and 1280 px: charts drawn with data,
their tables, a CSV, and an export imported through the column screen."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect
from tests.browser.checks import check_page

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DATA = Path(__file__).resolve().parents[1] / "data" / "reach"
CLAIMS = {
    390: "Uống nước muối ấm mỗi sáng chữa được cúm",
    1280: "Đeo vòng tay bằng đồng giúp khỏi hẳn đau khớp",
}


def _login(browser, server, width):
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="vi-VN",
                                  accept_downloads=True, bypass_csp=True)
    page = context.new_page()
    page.goto(f"{server.url}/accounts/login/")
    page.fill("#id_login", "quantri")
    page.fill("#id_password", server.admin_password)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/claims/.*"))
    return context, page


@pytest.mark.parametrize("width", [390, 1280])
def test_dashboard_charts_tables_and_csv(browser, newsroom_server, shots, width):
    context, page = _login(browser, newsroom_server, width)
    page.goto(f"{newsroom_server.url}/claims/new/")
    # Two claims on different subjects: a near-identical second one would stop at the
    # new-claim form's "may be a duplicate" question.
    page.fill("#claim-text", CLAIMS[width])
    # The first claim of a server loads the matching model: give it time.
    page.click("#claim-create-submit", timeout=180_000)
    page.wait_for_url(re.compile(r".*/claims/\d+/.*"), timeout=180_000)
    if width > 600:
        page.click("#nav-insights")
    else:
        page.goto(f"{newsroom_server.url}/so-lieu/")
    expect(page.locator("h1")).to_contain_text("Số liệu")
    chart = page.locator("#chart-claims")
    expect(chart).to_be_visible()
    assert page.locator("#chart-claims circle.point").count() > 0
    values = [float(v) for v in page.locator("#chart-claims circle.point").evaluate_all(
        "nodes => nodes.map(n => n.getAttribute('data-value'))")]
    assert sum(values) > 0
    assert page.locator("#chart-topics rect.bar").count() > 0
    box = chart.bounding_box()
    assert box is not None and box["width"] <= width
    table = page.locator("#figure-claims details.table-view")
    table.locator("summary").click()
    expect(table.locator("table tbody tr").first).to_be_visible()
    with page.expect_download() as download:
        page.locator("#figure-claims a.csv-link").click()
    body = Path(download.value.path()).read_text(encoding="utf-8-sig")
    lines = body.splitlines()
    assert lines[0] == "Từ ngày,Mở mới,Công bố,Bỏ qua"
    assert sum(int(line.split(",")[1]) for line in lines[1:]) >= 1
    assert check_page(page, shots, f"dashboard-{width}") == []
    context.close()


@pytest.mark.parametrize("width", [390, 1280])
def test_reach_import_walk(browser, newsroom_server, shots, width):
    context, page = _login(browser, newsroom_server, width)
    page.goto(f"{newsroom_server.url}/so-lieu/tiep-can/")
    page.click("#reach-import-link")
    page.set_input_files("#id_file", str(DATA / "zalo_oa_statistics.csv"))
    page.select_option("#id_platform", "zalo")
    page.fill("#id_page", f"Zalo OA {width}")
    page.click("#reach-upload-form button[type=submit]")
    expect(page.locator("#reach-preview-table")).to_be_visible()
    expect(page.locator("#id_reach")).to_have_value("Lượt tiếp cận")
    expect(page.locator("#reach-preview-table tbody tr").first).to_contain_text("01/11/2026")
    assert check_page(page, shots, f"reach-map-{width}") == []
    page.click("#reach-import")
    expect(page.locator("#reach-status")).to_have_text("Đã xong", timeout=20000)
    expect(page.locator("#reach-progress progress")).to_have_attribute("value", "100")
    expect(page.locator("#reach-counts")).to_contain_text("3 ngày")
    assert check_page(page, shots, f"reach-import-{width}") == []
    page.goto(f"{newsroom_server.url}/so-lieu/tiep-can/?from=2026-11-01&to=2026-11-03")
    assert page.locator("#chart-reach circle.point").count() == 6
    assert check_page(page, shots, f"reach-{width}") == []
    context.close()
