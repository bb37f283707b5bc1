"""Every dashboard figure, counted on a November whose work is known line by line."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.test import Client
from tests.insights.story import NOVEMBER, at, november

from kiemchung.insights import selectors
from kiemchung.insights.figures import Period, median_p90


@pytest.fixture
def story(team):
    return november(team)


def _by_label(figure):
    return {row[0]: row[1:] for row in figure.rows}


def test_median_and_p90_use_the_nearest_rank():
    assert median_p90([]) == (None, None)
    assert median_p90([2.0, 6.0]) == (4.0, 6.0)
    assert median_p90(list(range(1, 11))) == (5.5, 9.0)


def test_claims_opened_published_and_dismissed_each_day(team, story):
    figure = selectors.claims_over_time(workspace=team.workspace, period=NOVEMBER)
    assert len(figure.rows) == 30
    rows = {row[0]: row[1:] for row in figure.rows}
    assert rows[date(2026, 11, 2)] == (1, 0, 0)
    assert rows[date(2026, 11, 4)] == (0, 1, 0)
    assert rows[date(2026, 11, 13)] == (0, 0, 1)
    assert [sum(r[i] for r in figure.rows) for i in (1, 2, 3)] == [5, 3, 1]


def test_a_topic_narrows_every_count_to_its_claims(team, story):
    period = Period(first=NOVEMBER.first, last=NOVEMBER.last, topic="y tế")
    figure = selectors.claims_over_time(workspace=team.workspace, period=period)
    assert [sum(r[i] for r in figure.rows) for i in (1, 2, 3)] == [2, 3, 0]


def test_a_long_period_is_counted_by_week_and_by_month(team, story):
    weeks = Period(first=date(2026, 9, 1), last=date(2026, 11, 30))
    figure = selectors.claims_over_time(workspace=team.workspace, period=weeks)
    assert weeks.bucket == "week"
    assert all(row[0].weekday() == 0 for row in figure.rows)
    assert sum(r[1] for r in figure.rows) == 6
    year = Period(first=date(2025, 6, 1), last=date(2026, 11, 30))
    assert year.bucket == "month"
    rows = dict((r[0], r[1]) for r in selectors.claims_over_time(
        workspace=team.workspace, period=year).rows)
    assert rows[date(2026, 10, 1)] == 1 and rows[date(2026, 11, 1)] == 5


def test_time_from_first_sighting_to_verdict(team, story):
    figure = selectors.time_to_verdict(workspace=team.workspace, period=NOVEMBER)
    assert figure.extra == {"median_hours": 72.0, "p90_hours": 528.0, "count": 3}
    assert [row[1] for row in figure.rows] == [0, 1, 1, 0, 1, 0]


def test_verdict_mix_follows_the_scale(team, story):
    figure = selectors.verdict_mix(workspace=team.workspace, period=NOVEMBER)
    assert figure.rows == [(story.ratings[0].label, 2), (story.ratings[1].label, 1)]


def test_topics_count_claims_opened_and_verdicts_published(team, story):
    figure = selectors.topics(workspace=team.workspace, period=NOVEMBER)
    assert figure.rows == [("y tế", 2, 3), ("(chưa có chủ đề)", 2, 0), ("giáo dục", 1, 0)]


def test_sources_and_platforms_that_bring_checked_claims(team, story):
    sources = selectors.checked_sources(workspace=team.workspace, period=NOVEMBER)
    assert sources.rows == [("Trang A", 2), ("Kênh B", 1)]
    platforms = selectors.checked_platforms(workspace=team.workspace, period=NOVEMBER)
    assert platforms.rows == [("facebook", 2), ("tiktok", 1), ("youtube", 1)]


def test_rumours_seen_again_after_their_fact_check(team, story):
    figure = selectors.returning_rumours(workspace=team.workspace, period=NOVEMBER)
    c1, c2 = story.claims["c1"], story.claims["c2"]
    assert [(row[0].split()[0], row[1], row[2]) for row in figure.rows] == [
        (f"#{c1.pk}", 2, 0), (f"#{c2.pk}", 0, 1)
    ]
    assert figure.rows[0][3] == date(2026, 11, 25)


def test_tips_by_channel_and_kind(team, story):
    figure = selectors.tips_by_channel(workspace=team.workspace, period=NOVEMBER)
    assert figure.columns[1:] == ("Nhờ kiểm chứng", "Báo cáo vi phạm", "Hỏi về pháp luật", "Khác")
    assert figure.rows == [("Biểu mẫu trên web", 2, 0, 1, 0), ("Telegram", 0, 1, 0, 0)]


def test_instant_answers_and_what_tipsters_said(team, story):
    figure = selectors.instant_answers(workspace=team.workspace, period=NOVEMBER)
    assert [row[1] for row in figure.rows] == [2, 0, 1, 0, 1, 1, 0]


def test_reply_times_count_only_members_replies(team, story):
    figure = selectors.reply_times(workspace=team.workspace, period=NOVEMBER)
    assert figure.extra == {"median_hours": 4.0, "p90_hours": 6.0, "answered": 2,
                            "unanswered": 2}


def test_backlog_by_age_today(team, story):
    figure = selectors.backlog(workspace=team.workspace, period=NOVEMBER, now=at(12, 1))
    assert [row[1:] for row in figure.rows] == [(0, 0, 0, 0), (0, 0, 0, 0), (1, 1, 0, 3),
                                                 (0, 0, 0, 0)]
    assert dict(figure.summary)["Nhận định lâu nhất (ngày)"] == "21"


def test_workload_per_member(team, story):
    figure = selectors.workload(workspace=team.workspace, period=NOVEMBER)
    rows = _by_label(figure)
    assert rows["checker"] == (0, 2, 0, 2)
    assert rows["editor"] == (1, 1, 1, 0)
    assert rows["viewer"] == (0, 0, 0, 0)


def test_workload_is_for_editors_and_admins_only(team, story):
    assert "workload" in selectors.figure_keys(member=team.member(team.editor))
    assert "workload" in selectors.figure_keys(member=team.member(team.admin))
    assert "workload" not in selectors.figure_keys(member=team.member(team.checker))
    assert "workload" not in selectors.figure_keys(member=team.member(team.viewer))


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


QUERY = "?from=2026-11-01&to=2026-11-30"


def test_dashboard_draws_every_figure_with_its_table(team, story):
    client = _client(team.editor)
    pages = {path: client.get(path + QUERY) for path in
             ("/so-lieu/", "/so-lieu/tin-bao/", "/so-lieu/ton-dong/")}
    assert {r.status_code for r in pages.values()} == {200}
    html = "".join(r.content.decode() for r in pages.values())
    for key in selectors.FIGURES:
        assert html.count(f'id="figure-{key}"') == 1
    assert html.count('<svg class="chart"') >= 10
    html = pages["/so-lieu/"].content.decode()
    claims_chart = html.split('id="chart-claims"')[1].split("</svg>")[0]
    assert claims_chart.count('class="point"') == 30 * 3
    verdicts_chart = html.split('id="chart-verdicts"')[1].split("</svg>")[0]
    assert verdicts_chart.count('data-value="2"') == 1


def test_checker_sees_no_workload_and_cannot_download_it(team, story):
    client = _client(team.checker)
    page = client.get("/so-lieu/ton-dong/" + QUERY).content.decode()
    assert 'id="figure-backlog"' in page and 'id="figure-workload"' not in page
    assert client.get("/so-lieu/csv/workload/" + QUERY).status_code == 404


def test_outsider_sees_none_of_the_team_figures(team, story):
    response = _client(team.outsider).get("/so-lieu/csv/topics/" + QUERY)
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    # Only the one claim of the outsider's own workspace.
    assert rows == [["Chủ đề", "Mở mới", "Công bố"], ["(chưa có chủ đề)", "1", "0"]]


def test_csv_has_the_figure_rows(team, story):
    response = _client(team.viewer).get("/so-lieu/csv/topics/" + QUERY)
    assert response["Content-Type"].startswith("text/csv")
    assert "kiemchung-topics-20261101-20261130.csv" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows == [["Chủ đề", "Mở mới", "Công bố"], ["y tế", "2", "3"],
                    ["(chưa có chủ đề)", "2", "0"], ["giáo dục", "1", "0"]]


def test_csv_keeps_a_formula_as_text(team, story):
    claim = story.claims["c1"]
    claim.text = "=HYPERLINK(\"http://x\")"
    claim.save(update_fields=["text", "text_folded"])
    response = _client(team.viewer).get("/so-lieu/csv/returning/" + QUERY)
    body = response.content.decode("utf-8-sig")
    assert "\n\"#" in body or "\n#" in body
    assert ",=" not in body


def test_a_bad_date_shows_the_error_and_the_default_period(team, story):
    response = _client(team.viewer).get("/so-lieu/?from=2026-13-45&to=2026-11-30")
    assert response.status_code == 200
    assert "Nhập một ngày hợp lệ." in response.content.decode() or \
        "Enter a valid date." in response.content.decode()


def test_unknown_figure_is_404(team):
    assert _client(team.viewer).get("/so-lieu/csv/nothing/").status_code == 404


def test_public_page_is_off_until_the_team_shows_it(team, story):
    anonymous = Client()
    assert anonymous.get("/so-lieu/cong-khai/nhom/").status_code == 404
    checker = _client(team.checker)
    assert checker.post("/so-lieu/cong-khai/", {"public_figures": "on"}).status_code == 403
    admin = _client(team.admin)
    assert admin.post("/so-lieu/cong-khai/", {"public_figures": "on"}).status_code == 302
    page = anonymous.get("/so-lieu/cong-khai/nhom/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "checker" not in html and "editor" not in html
    assert "/so-lieu/csv/" not in html
    admin.post("/so-lieu/cong-khai/", {})
    assert anonymous.get("/so-lieu/cong-khai/nhom/").status_code == 404
