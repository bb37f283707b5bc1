"""Reading a post's figures back from its outlet, against a local fake of the Graph API that
checks the token and the fields and metrics asked: the counters, the viewers and views, a
retired metric refused, insights the token may not read, and errors that say whether a later
try can help. Outlets whose platform gives no figures say so without asking anything."""

from __future__ import annotations

import pytest

from fakes.outlet_facebook import POST_FIELDS, RETIRED_METRICS, FakeGraph, graph_error
from fakes.outlet_server import serving
from kiemchung.publishing import announce
from kiemchung.publishing.outlets import adapter_class, adapter_for
from kiemchung.publishing.outlets.base import Engagement, OutletError

POST = "104857600123_7"


@pytest.fixture(autouse=True)
def _quick(settings):
    settings.FETCH_TIMEOUT_SECONDS = 2


def _reader(team, graph: FakeGraph, token: str | None = None):
    outlet = announce.outlet_save(
        workspace=team.workspace, actor=team.admin, kind="facebook_page", name="Trang Facebook",
        values={"page_id": graph.page_id, "access_token": token or graph.token,
                "api_url": graph.graph_url},
    )
    return adapter_for(outlet)


def test_facebook_reads_the_totals_then_viewers_and_views_with_the_page_token(team):
    with serving(FakeGraph()) as graph:
        graph.figures[POST] = {"reactions": 12, "comments": 4, "shares": 3, "viewers": 900,
                               "views": 1500}
        found = _reader(team, graph).engagement(POST)

    assert found == Engagement(reactions=12, comments=4, shares=3, reach=900, views=1500)
    assert found.interactions == 19
    counters, insights = graph.reads()
    assert counters.path == f"/v21.0/{POST}"
    assert counters.query["access_token"] == [graph.token]
    assert set(counters.query["fields"][0].split(",")) == {
        "shares", "reactions.summary(total_count).limit(0)",
        "comments.summary(total_count).limit(0)",
    } <= POST_FIELDS
    assert insights.path == f"/v21.0/{POST}/insights"
    assert insights.query["access_token"] == [graph.token]
    assert insights.query["metric"] == ["post_total_media_view_unique,post_media_view"]
    assert not set(insights.query["metric"][0].split(",")) & RETIRED_METRICS


def test_a_post_nobody_shared_has_zero_shares(team):
    # Graph leaves `shares` out of the answer until someone shares the post.
    with serving(FakeGraph()) as graph:
        graph.figures[POST] = {"reactions": 2, "comments": 0, "viewers": 40, "views": 44}
        found = _reader(team, graph).engagement(POST)
    assert (found.reactions, found.comments, found.shares, found.interactions) == (2, 0, 0, 2)


def test_a_version_that_refuses_views_is_asked_for_viewers_alone(team):
    with serving(FakeGraph(refused_metrics={"post_media_view"})) as graph:
        graph.figures[POST] = {"reactions": 5, "viewers": 300, "views": 410}
        found = _reader(team, graph).engagement(POST)
    assert (found.reach, found.views, found.note) == (300, None, "")
    assert [r.query["metric"][0] for r in graph.reads()[1:]] == [
        "post_total_media_view_unique,post_media_view", "post_total_media_view_unique",
    ]


def test_insights_the_token_may_not_read_keep_the_counters_and_say_why(team):
    refusal = graph_error("(#10) This endpoint requires the 'read_insights' permission", 10)
    with serving(FakeGraph(insights_refusal=(400, refusal))) as graph:
        graph.figures[POST] = {"reactions": 7, "comments": 1, "shares": 1}
        found = _reader(team, graph).engagement(POST)
    assert (found.interactions, found.reach, found.views) == (9, None, None)
    assert "read_insights" in found.note and "code 10" in found.note
    assert len(graph.reads()) == 2, "a refusal that is not about the metric is not asked again"


def test_insights_that_do_not_answer_in_time_keep_the_counters(team, settings):
    # Long enough for the counters' answer on a busy machine, shorter than the insights' wait.
    settings.FETCH_TIMEOUT_SECONDS = 2
    with serving(FakeGraph()) as graph:
        graph.figures[POST] = {"reactions": 3, "comments": 2}
        graph.then(200, {"id": POST, "reactions": {"data": [], "summary": {"total_count": 3}},
                         "comments": {"data": [], "summary": {"total_count": 2}}})
        graph.then(200, {"data": []}, delay=10)
        found = _reader(team, graph).engagement(POST)
    assert (found.interactions, found.reach, found.views) == (5, None, None)
    assert found.note


@pytest.mark.parametrize(
    ("status", "body", "retryable", "words"),
    [
        (400, graph_error("Error validating access token: Session has expired", 190,
                          subcode=463), False, "code 190"),
        (400, graph_error("Unsupported get request. Object with ID '1' does not exist", 100,
                          kind="GraphMethodException", subcode=33), False, "subcode 33"),
        (404, "<html>Not Found</html>", False, "404"),
        (400, graph_error("(#4) Application request limit reached", 4), True, "code 4"),
        (503, graph_error("Service temporarily unavailable", 2), True, "code 2"),
    ],
)
def test_errors_reading_a_post_say_whether_trying_later_can_help(
    team, status, body, retryable, words
):
    with serving(FakeGraph()) as graph:
        graph.figures[POST] = {"reactions": 1}
        graph.then(status, body)
        with pytest.raises(OutletError) as failed:
            _reader(team, graph).engagement(POST)
    assert failed.value.retryable is retryable
    assert words in failed.value.message
    assert graph.token not in failed.value.message


def test_the_fake_checks_the_token_as_graph_does(team):
    with serving(FakeGraph()) as graph:
        graph.figures[POST] = {"reactions": 1}
        with pytest.raises(OutletError) as failed:
            _reader(team, graph, token="EAAExpiredToken").engagement(POST)
    assert "Session has expired" in failed.value.message and not failed.value.retryable


@pytest.mark.parametrize("kind", ["telegram_channel", "zalo_oa", "email_newsletter"])
def test_outlets_whose_platform_gives_no_figures_say_so_without_asking(kind):
    cls = adapter_class(kind)
    assert cls.offers_engagement is False
    adapter = cls(outlet_id=1, workspace_id=1, config={"api_url": "http://127.0.0.1:9"},
                  credentials={})
    # Port 9 answers nothing: a request would raise instead of returning None.
    assert adapter.engagement("100") is None
    assert adapter_class("facebook_page").offers_engagement is True
