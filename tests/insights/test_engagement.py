"""The figures of the team's outlet posts, read back from a local fake of the Graph API by the
periodic job: stored per post and fact-check, shown on the reach page, one failing post not
stopping the others, a second round updating instead of adding, only recent posts of
published fact-checks asked for, and outlets without figures not asked at all."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from claim_stories import rating, verdict_published
from fakes.outlet_facebook import FakeGraph, graph_error
from fakes.outlet_server import serving
from fakes.outlet_telegram import FakeBotApi
from kiemchung.claims import services as claim_services
from kiemchung.claims.models import EvidenceKind
from kiemchung.core.models import Delivery, DeliveryStatus
from kiemchung.core.schedule import schedule_run_now
from kiemchung.insights import selectors_reach, services, services_engagement
from kiemchung.insights.figures import Period
from kiemchung.insights.models import ReachPage, ReachPost
from kiemchung.publishing import announce

FIGURES = {"reactions": 120, "comments": 31, "shares": 9, "viewers": 4200, "views": 6100}


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    from kiemchung.claims import matching

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MATCHING_INDEX_ROOT = tmp_path / "index"
    settings.FETCH_TIMEOUT_SECONDS = 2
    settings.ENGAGEMENT_DAYS = 30
    matching.forget_replicas()
    yield
    matching.forget_replicas()


def _published(team, text: str, title: str):
    """A second published fact-check, on a claim of its own."""
    claim = claim_services.claim_create(workspace=team.workspace, actor=team.editor, text=text)
    claim_services.evidence_add(claim=claim, actor=team.checker2, kind=EvidenceKind.NOTE,
                                title="Ý kiến chuyên gia", note="Không có nghiên cứu nào.")
    factcheck = claim_services.factcheck_save(
        claim=claim, actor=team.checker2, rating=rating(team), title=title,
        summary="Không đúng.", body="Chúng tôi đã hỏi ba bác sĩ.",
    )
    claim_services.factcheck_submit(factcheck=factcheck, actor=team.checker2)
    claim_services.review_submit(factcheck=factcheck, actor=team.editor, decision="approve")
    factcheck.refresh_from_db()
    return claim_services.factcheck_publish(factcheck=factcheck, actor=team.editor)


def _outlet(team, kind: str, name: str, **values):
    return announce.outlet_save(
        workspace=team.workspace, actor=team.admin, kind=kind, name=name, values=values
    )


def _facebook(team, graph: FakeGraph, name: str = "Trang Facebook"):
    return _outlet(team, "facebook_page", name, page_id=graph.page_id,
                   access_token=graph.token, api_url=graph.graph_url)


def _announced(team, factcheck, outlet, capture) -> Delivery:
    with capture(execute=True):
        (announcement,) = announce.factcheck_announce(
            factcheck=factcheck, actor=team.editor, outlets=[outlet]
        )
    delivery = Delivery.objects.get(pk=announcement.delivery_id)
    assert delivery.status == DeliveryStatus.SENT, delivery.error
    return delivery


def _today() -> Period:
    today = timezone.localdate()
    return Period(first=today - timedelta(days=1), last=today)


def test_the_engagement_job_stores_each_post_for_its_fact_check(
    team, django_capture_on_commit_callbacks
):
    factcheck = verdict_published(team)
    with serving(FakeGraph()) as graph:
        outlet = _facebook(team, graph)
        delivery = _announced(team, factcheck, outlet, django_capture_on_commit_callbacks)
        graph.figures[delivery.external_id] = FIGURES
        with django_capture_on_commit_callbacks(execute=True):
            schedule_run_now(name="engagement")

    post = ReachPost.objects.get()
    assert (post.external_id, post.factcheck_id) == (delivery.external_id, factcheck.pk)
    assert (post.reach, post.impressions, post.interactions) == (4200, 6100, 160)
    assert post.published_at == delivery.sent_at
    page = post.page
    assert (page.outlet_id, page.platform, page.name) == (outlet.pk, "facebook", outlet.name)
    assert (page.engagement_posts, page.engagement_failed, page.engagement_error) == (1, 0, "")
    assert page.engagement_fetched_at is not None
    assert [r.query["access_token"] for r in graph.reads()] == [[graph.token]] * 2

    period = _today()
    per_factcheck = selectors_reach.reach_per_factcheck(workspace=team.workspace, period=period)
    assert per_factcheck.rows == [(factcheck.title, 1, 4200, 160)]
    over_time = selectors_reach.reach_over_time(workspace=team.workspace, period=period)
    assert sum(row[1] for row in over_time.rows) == 4200
    assert sum(row[2] for row in over_time.rows) == 160
    per_page = selectors_reach.reach_per_page(workspace=team.workspace, period=period)
    assert per_page.rows == [("Facebook: Trang Facebook", 4200, 160, 0, 0)]


@pytest.mark.parametrize(
    ("first_answer", "words"),
    [
        (None, "does not exist"),
        ((404, "<html>Not Found</html>"), "404"),
        ((400, graph_error("Error validating access token: Session has expired", 190)),
         "code 190"),
    ],
    ids=["deleted", "404", "token"],
)
def test_a_post_that_cannot_be_read_does_not_stop_the_others(
    team, django_capture_on_commit_callbacks, caplog, first_answer, words
):
    first = verdict_published(team)
    second = _published(team, "Ăn tỏi sống mỗi ngày ngừa được mọi loại cúm",
                        "Sai: tỏi sống không ngừa được cúm")
    with serving(FakeGraph()) as graph:
        outlet = _facebook(team, graph)
        lost = _announced(team, first, outlet, django_capture_on_commit_callbacks)
        kept = _announced(team, second, outlet, django_capture_on_commit_callbacks)
        graph.figures[kept.external_id] = FIGURES
        if first_answer is not None:
            graph.figures[lost.external_id] = FIGURES
            graph.then(*first_answer)
        with caplog.at_level(logging.WARNING, logger="kiemchung.insights"):
            done = services_engagement.engagement_refresh(workspace=team.workspace)

    assert (done.outlets, done.posts, done.failed) == (1, 1, 1)
    assert list(ReachPost.objects.values_list("external_id", "factcheck_id")) == [
        (kept.external_id, second.pk)
    ]
    page = ReachPage.objects.get(outlet=outlet)
    assert (page.engagement_posts, page.engagement_failed) == (1, 1)
    assert words in page.engagement_error
    (record,) = [r for r in caplog.records if "not read" in r.getMessage()]
    assert f"delivery {lost.pk}" in record.getMessage()
    assert all(graph.token not in r.getMessage() for r in caplog.records)


def test_reading_again_updates_the_post_instead_of_adding_one(
    team, django_capture_on_commit_callbacks
):
    factcheck = verdict_published(team)
    with serving(FakeGraph()) as graph:
        delivery = _announced(team, factcheck, _facebook(team, graph),
                              django_capture_on_commit_callbacks)
        graph.figures[delivery.external_id] = dict(FIGURES)
        services_engagement.engagement_refresh(workspace=team.workspace)
        graph.figures[delivery.external_id].update(reactions=200, comments=40, shares=10)
        # Insights refused this time: viewers and views keep the value read before.
        graph.insights_refusal = (
            400, graph_error("(#10) This endpoint requires the 'read_insights' permission", 10)
        )
        services_engagement.engagement_refresh(workspace=team.workspace)

    post = ReachPost.objects.get()
    assert (post.reach, post.impressions, post.interactions) == (4200, 6100, 250)
    assert ReachPage.objects.count() == 1
    assert "read_insights" in ReachPage.objects.get().engagement_error
    per_factcheck = selectors_reach.reach_per_factcheck(workspace=team.workspace,
                                                        period=_today())
    assert per_factcheck.rows == [(factcheck.title, 1, 4200, 250)]


def test_only_recent_posts_that_went_through_are_asked_for(
    team, django_capture_on_commit_callbacks, settings
):
    settings.ENGAGEMENT_DAYS = 7
    first = verdict_published(team)
    second = _published(team, "Uống nước dừa thay được truyền dịch", "Sai: nước dừa")
    third = _published(team, "Đắp lá trầu chữa khỏi zona", "Sai: lá trầu và zona")
    with serving(FakeGraph()) as graph:
        outlet = _facebook(team, graph)
        old, recent, failed = (
            _announced(team, fc, outlet, django_capture_on_commit_callbacks)
            for fc in (first, second, third)
        )
        Delivery.objects.filter(pk=old.pk).update(sent_at=timezone.now() - timedelta(days=8))
        Delivery.objects.filter(pk=failed.pk).update(status=DeliveryStatus.FAILED)
        for delivery in (old, recent, failed):
            graph.figures[delivery.external_id] = FIGURES
        services_engagement.engagement_refresh(workspace=team.workspace)

    assert {r.path.split("/")[2] for r in graph.reads()} == {recent.external_id}
    assert list(ReachPost.objects.values_list("external_id", flat=True)) == [recent.external_id]


def test_outlets_without_figures_are_not_asked_and_the_reach_page_says_when_each_was_read(
    team, django_capture_on_commit_callbacks
):
    factcheck = verdict_published(team)
    with serving(FakeGraph()) as graph, serving(FakeBotApi()) as bot:
        facebook = _facebook(team, graph)
        telegram = _outlet(team, "telegram_channel", "Kênh Telegram", chat_id=bot.chat_id,
                           bot_token=bot.token, api_url=bot.base_url)
        delivery = _announced(team, factcheck, facebook, django_capture_on_commit_callbacks)
        _announced(team, factcheck, telegram, django_capture_on_commit_callbacks)
        _outlet(team, "facebook_page", "Trang phụ", page_id="99", access_token="EAAOther")
        graph.figures[delivery.external_id] = FIGURES
        sent_to_bot = len(bot.requests)
        done = services_engagement.engagement_refresh(workspace=team.workspace)
        assert len(bot.requests) == sent_to_bot, "the Bot API was asked for nothing"

    assert (done.outlets, done.posts) == (2, 1)
    client = Client()
    client.force_login(team.checker)
    page = client.get("/so-lieu/tiep-can/").content.decode()
    section = page[page.index('id="outlet-readings"'):]
    assert "Trang Facebook: lấy lần cuối lúc" in section and "(1 bài)" in section
    assert "Kênh Telegram: nền tảng không cho lấy số liệu" in section
    assert "Trang phụ: lấy lần cuối lúc" in section and "(0 bài)" in section


def test_a_post_imported_from_the_page_export_and_read_from_graph_stays_one_row(
    team, django_capture_on_commit_callbacks, tmp_path
):
    factcheck = verdict_published(team)
    with serving(FakeGraph()) as graph:
        outlet = _facebook(team, graph)
        delivery = _announced(team, factcheck, outlet, django_capture_on_commit_callbacks)
        graph.figures[delivery.external_id] = FIGURES
        services_engagement.engagement_refresh(workspace=team.workspace)

    # Meta Business Suite's export names the post by its part after the Page's id.
    short = delivery.external_id.split("_")[1]
    export = tmp_path / "posts.csv"
    export.write_text(f"Post ID,Publish time,Reach\n{short},2026-12-01 08:00,5000\n",
                      encoding="utf-8")
    page = ReachPage.objects.get(outlet=outlet)
    job = services.import_create(
        workspace=team.workspace, page=page, path=export, original_name="posts.csv",
        mapping={"post_id": "Post ID", "day": "Publish time", "reach": "Reach"},
        actor=team.checker,
    )
    services.import_run(job)

    post = ReachPost.objects.get()
    assert (post.external_id, post.reach, post.factcheck_id) == (
        delivery.external_id, 5000, factcheck.pk
    )
