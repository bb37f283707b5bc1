"""Importing the platforms' statistics exports: the column screen, the figures stored, the
posts tied to fact-checks, bad rows reported by line, and the event for webhooks."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from django.test import Client, TestCase
from tests.insights.story import NOVEMBER, november

from kiemchung.core.models import Delivery, Event
from kiemchung.insights import selectors_reach
from kiemchung.insights.figures import Period
from kiemchung.insights.models import ReachDay, ReachImport, ReachPost

DATA = Path(__file__).resolve().parents[1] / "data" / "reach"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _import(client: Client, name: str, platform: str, page: str = "Trang của nhóm",
            mapping: dict[str, str] | None = None) -> ReachImport:
    with (DATA / name).open("rb") as handle:
        response = client.post("/so-lieu/tiep-can/nhap/",
                               {"file": handle, "platform": platform, "page": page})
    assert response.status_code == 302, response.content.decode()[:2000]
    screen = client.get("/so-lieu/tiep-can/nhap/cot/")
    assert screen.status_code == 200
    form = screen.context["form"]
    chosen = {name: form.initial.get(name, "") for name in form.fields}
    chosen.update(mapping or {})
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post("/so-lieu/tiep-can/nhap/cot/", {**chosen, "go": "import"})
    assert response.status_code == 302, [str(m) for m in response.wsgi_request._messages]
    return ReachImport.objects.latest("pk")


def _days(job: ReachImport) -> dict[date, tuple]:
    return {d.day: (d.reach, d.impressions, d.interactions, d.followers, d.new_followers)
            for d in ReachDay.objects.filter(page=job.page)}


def test_facebook_page_insights_skip_the_explanation_row(team):
    job = _import(_client(team.checker), "facebook_page_insights.csv", "facebook")
    assert (job.status, job.rows_total, job.days_stored, job.bad_rows) == ("done", 4, 3, 0)
    assert _days(job)[date(2026, 11, 2)] == (6830, 11450, 405, 12061, 21)


def test_youtube_studio_skips_its_total_row(team):
    job = _import(_client(team.checker), "youtube_studio_table_data.csv", "youtube")
    assert (job.days_stored, job.bad_rows) == (3, 0)
    assert _days(job)[date(2026, 11, 1)] == (1120, 15200, None, None, 7)


def test_zalo_oa_statistics(team):
    job = _import(_client(team.checker), "zalo_oa_statistics.csv", "zalo")
    assert _days(job)[date(2026, 11, 3)] == (2650, None, 210, 8090, 31)


def test_telegram_channel_statistics(team):
    job = _import(_client(team.checker), "telegram_channel_statistics.csv", "telegram")
    assert _days(job)[date(2026, 11, 2)] == (7900, None, None, 5150, 35)


def test_posts_are_tied_to_the_fact_check_their_delivery_sent(team):
    story = november(team)
    factcheck = story.claims["c1"].factcheck
    Delivery.objects.create(workspace=team.workspace, adapter="facebook", key="fc-1",
                            subject_type="factcheck", subject_id=str(factcheck.pk),
                            status="sent", external_id="1234567890_1099887766554433")
    job = _import(_client(team.checker), "meta_business_suite_posts.csv", "facebook")
    assert (job.posts_stored, job.days_stored, job.bad_rows) == (2, 0, 0)
    post = ReachPost.objects.get(external_id="1099887766554433")
    assert (post.reach, post.impressions, post.interactions) == (12650, 18400, 842)
    assert post.factcheck_id == factcheck.pk
    figure = selectors_reach.reach_per_factcheck(workspace=team.workspace, period=NOVEMBER)
    assert figure.rows == [(factcheck.title, 1, 12650, 842)]


def test_reimporting_a_day_replaces_it(team):
    client = _client(team.checker)
    _import(client, "zalo_oa_statistics.csv", "zalo")
    job = _import(client, "zalo_oa_statistics.csv", "zalo")
    assert ReachDay.objects.filter(page=job.page).count() == 3


def test_reach_figures_over_time_and_per_page(team):
    client = _client(team.checker)
    _import(client, "zalo_oa_statistics.csv", "zalo", page="Zalo OA")
    _import(client, "telegram_channel_statistics.csv", "telegram", page="Kênh Telegram")
    period = Period(first=date(2026, 11, 1), last=date(2026, 11, 3))
    figure = selectors_reach.reach_over_time(workspace=team.workspace, period=period)
    assert figure.rows == [(date(2026, 11, 1), 2400 + 8300, 180),
                           (date(2026, 11, 2), 1900 + 7900, 95),
                           (date(2026, 11, 3), 2650 + 6400, 210)]
    pages = selectors_reach.reach_per_page(workspace=team.workspace, period=period)
    assert sorted(pages.rows) == [("Telegram: Kênh Telegram", 22600, 0, 87, 5149),
                                  ("Zalo OA: Zalo OA", 6950, 485, 96, 8090)]
    followers = selectors_reach.followers_over_time(workspace=team.workspace, period=period)
    assert followers.rows[-1][1:] == (5149, 8090)


def test_bad_rows_say_what_was_expected_and_found_by_line(team):
    job = _import(_client(team.checker), "facebook_bad.csv", "facebook")
    assert (job.status, job.days_stored, job.bad_rows) == ("done", 1, 3)
    problems = {p["line"]: p["message"] for p in job.problems}
    assert problems[3] == "cột “Daily Total Reach” cần một số, gặp “nhiều”"
    assert problems[4].startswith("cột “Date” cần một ngày")
    assert "gặp “hôm qua”" in problems[4]
    assert problems[5] == "có 2 cột, tiêu đề có 3"
    page = _client(team.checker).get(f"/so-lieu/tiep-can/nhap/{job.pk}/").content.decode()
    assert "Dòng 3" in page and "nhiều" in page


def test_a_file_without_a_day_column_is_refused_with_its_columns(team, tmp_path):
    client = _client(team.checker)
    with (DATA / "zalo_oa_statistics.csv").open("rb") as handle:
        client.post("/so-lieu/tiep-can/nhap/", {"file": handle, "platform": "zalo",
                                                 "page": "Zalo"})
    response = client.post("/so-lieu/tiep-can/nhap/cot/", {"day": "", "reach": "Lượt tiếp cận",
                                                           "go": "import"})
    assert response.status_code == 200
    assert not ReachImport.objects.exists()


def test_a_file_that_is_not_csv_is_refused(team, tmp_path):
    path = tmp_path / "stats.xlsx"
    path.write_bytes(b"PK\x03\x04")
    with path.open("rb") as handle:
        response = _client(team.checker).post(
            "/so-lieu/tiep-can/nhap/", {"file": handle, "platform": "zalo", "page": "Zalo"})
    assert response.status_code == 200
    assert "Cần một tệp CSV" in response.content.decode()


def test_a_viewer_cannot_import(team):
    assert _client(team.viewer).get("/so-lieu/tiep-can/nhap/").status_code == 403


def test_the_import_is_announced_to_webhooks(team):
    job = _import(_client(team.checker), "zalo_oa_statistics.csv", "zalo")
    event = Event.objects.get(kind="reach.imported")
    assert event.payload["import"] == {
        "id": job.pk, "platform": "zalo", "outlet_id": None, "rows": 3,
        "period_start": "2026-11-01", "period_end": "2026-11-03",
    }


@pytest.mark.parametrize("name", ["reach", "followers", "reach_pages", "reach_factchecks"])
def test_reach_csv(team, name):
    _import(_client(team.checker), "zalo_oa_statistics.csv", "zalo")
    response = _client(team.viewer).get(f"/so-lieu/csv/{name}/?from=2026-11-01&to=2026-11-03")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
