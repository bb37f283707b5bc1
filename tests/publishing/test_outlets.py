"""Announcing a published fact-check on the team's outlets, each against a local fake of its
API: a delivery row before every send, the service's own message on failure, retries for
errors that can pass, resending, and the editor's panel."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from claim_stories import CLAIM_TEXT, TITLE, correction_approved, verdict_published
from fakes.outlet_facebook import FakeGraph, graph_error
from fakes.outlet_server import serving
from fakes.outlet_telegram import FakeBotApi, bot_error, parsed_length
from fakes.outlet_zalo import FakeZaloOA
from kiemchung.core import http
from kiemchung.core.crypto import decrypt
from kiemchung.core.models import Delivery, DeliveryStatus
from kiemchung.publishing import announce
from kiemchung.publishing.models import Announcement, Outlet
from kiemchung.publishing.tasks import outlet_delivery_send

DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@pytest.fixture(autouse=True)
def _quick(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASK_BACKOFF_SECONDS = 0
    settings.TASK_MAX_ATTEMPTS = 3
    settings.FETCH_TIMEOUT_SECONDS = 2


@pytest.fixture
def factcheck(team):
    return verdict_published(team)


def _outlet(team, kind: str, name: str, **values) -> Outlet:
    return announce.outlet_save(
        workspace=team.workspace, actor=team.admin, kind=kind, name=name, values=values
    )


def facebook_outlet(team, graph: FakeGraph, token: str | None = None) -> Outlet:
    return _outlet(
        team, "facebook_page", "Trang Facebook", page_id=graph.page_id,
        access_token=token or graph.token, api_url=graph.graph_url,
    )


def telegram_outlet(team, bot: FakeBotApi) -> Outlet:
    return _outlet(
        team, "telegram_channel", "Kênh Telegram", chat_id=bot.chat_id, bot_token=bot.token,
        api_url=bot.base_url,
    )


def zalo_outlet(team, oa: FakeZaloOA, *, broadcast: bool = False) -> Outlet:
    return _outlet(
        team, "zalo_oa", "Zalo OA", access_token=oa.token, broadcast=broadcast,
        api_url=oa.base_url,
    )


def announce_now(team, factcheck, outlet, django_capture_on_commit_callbacks) -> Delivery:
    """The editor announces on OUTLET; the send task runs inline once the request commits."""
    with django_capture_on_commit_callbacks(execute=True):
        (announcement,) = announce.factcheck_announce(
            factcheck=factcheck, actor=team.editor, outlets=[outlet]
        )
    return Delivery.objects.get(pk=announcement.delivery_id)


def queued(factcheck, outlet) -> Delivery:
    """Announce without running the send, so a test can drive each attempt."""
    (announcement,) = announce._announce(
        factcheck=factcheck, outlets=[outlet], requested_by=None
    )
    return announcement.delivery


# Facebook Page


def test_facebook_post_goes_to_the_page_feed_with_message_link_and_token(
    team, factcheck, django_capture_on_commit_callbacks
):
    with serving(FakeGraph()) as graph:
        outlet = facebook_outlet(team, graph)
        delivery = announce_now(team, factcheck, outlet, django_capture_on_commit_callbacks)

    assert delivery.status == DeliveryStatus.SENT
    assert delivery.external_id == f"{graph.page_id}_1"
    assert delivery.sent_at is not None and delivery.error == ""
    (post,) = graph.posts
    assert post["link"].endswith(f"/p/nhom/{factcheck.pk}/{factcheck.slug}/")
    assert TITLE in post["message"] and CLAIM_TEXT in post["message"]
    assert "Kết luận: Sai" in post["message"]
    # The token travels in the body, never in the address.
    assert all("access_token" not in r.query for r in graph.requests)


def test_facebook_invalid_token_fails_with_api_message(
    team, factcheck, django_capture_on_commit_callbacks
):
    with serving(FakeGraph()) as graph:
        outlet = facebook_outlet(team, graph, token="EAAExpiredToken")
        delivery = announce_now(team, factcheck, outlet, django_capture_on_commit_callbacks)

    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts == 1, "an invalid token is not tried again"
    assert "Error validating access token: Session has expired" in delivery.error
    assert "code 190" in delivery.error and "fbtrace_id AbCdEfGh123" in delivery.error
    assert graph.posts == []


@pytest.mark.parametrize("code", [4, 17, 32, 613, 1, 2])
def test_facebook_rate_limits_and_transient_errors_are_retried(team, factcheck, code):
    with serving(FakeGraph()) as graph:
        graph.then(400, graph_error("(#4) Application request limit reached", code))
        delivery = queued(factcheck, facebook_outlet(team, graph))
        first = announce.announcement_send(delivery_id=delivery.pk)
        delivery.refresh_from_db()
        assert first.status == DeliveryStatus.RETRYING
        assert first.retry_in is not None
        assert "Application request limit reached" in delivery.error

        second = announce.announcement_send(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert second.status == DeliveryStatus.SENT
    assert (delivery.status, delivery.attempts, delivery.error) == (DeliveryStatus.SENT, 2, "")
    assert len(graph.posts) == 1


def test_facebook_missing_message_is_a_final_4xx_with_its_message(team, factcheck):
    with serving(FakeGraph()) as graph:
        graph.then(400, graph_error("(#100) The parameter message is required", 100,
                                    kind="GraphMethodException"))
        delivery = queued(factcheck, facebook_outlet(team, graph))
        outcome = announce.announcement_send(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert outcome.status == DeliveryStatus.FAILED and outcome.retry_in is None
    assert delivery.error.startswith("(#100) The parameter message is required (code 100")


def test_server_errors_and_timeouts_are_retried_then_fail_with_the_last_reason(
    team, factcheck, settings, django_capture_on_commit_callbacks
):
    settings.FETCH_TIMEOUT_SECONDS = 0.5
    with serving(FakeGraph()) as graph:
        graph.then(503, {"error": {"message": "Service temporarily unavailable", "code": 2}})
        graph.then(200, {"id": "never-seen"}, delay=3)
        graph.then(500, "<html>Internal error</html>")
        delivery = announce_now(
            team, factcheck, facebook_outlet(team, graph), django_capture_on_commit_callbacks
        )

    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts == 3
    assert "(đã thử 3 lần)" in delivery.error
    assert len(graph.requests) == 3


# Telegram channel


def test_telegram_message_goes_to_the_channel_in_html(
    team, factcheck, django_capture_on_commit_callbacks
):
    with serving(FakeBotApi()) as bot:
        delivery = announce_now(
            team, factcheck, telegram_outlet(team, bot), django_capture_on_commit_callbacks
        )

    assert delivery.status == DeliveryStatus.SENT
    assert delivery.external_id == "100"
    (message,) = bot.messages
    assert message["chat_id"] == "@kiemchung_test"
    assert message["parse_mode"] == "HTML"
    assert message["text"].startswith(f"<b>{TITLE}</b>")
    assert bot.requests[0].path == f"/bot{bot.token}/sendMessage"


def test_telegram_429_is_retried_after_its_retry_after(team, factcheck, settings):
    settings.TASKS = DATABASE_QUEUE
    settings.TASK_BACKOFF_SECONDS = 1
    with serving(FakeBotApi()) as bot:
        bot.then(429, bot_error(429, "Too Many Requests: retry after 37", retry_after=37))
        delivery = queued(factcheck, telegram_outlet(team, bot))
        before = timezone.now()

        assert outlet_delivery_send.call(delivery.pk) == DeliveryStatus.RETRYING

        delivery.refresh_from_db()
        assert delivery.status == DeliveryStatus.RETRYING
        assert delivery.error == "Too Many Requests: retry after 37"
        (later,) = DBTaskResult.objects.all()
        assert later.args_kwargs["args"] == [delivery.pk]
        wait = later.run_after - before
        assert timedelta(seconds=36) < wait < timedelta(seconds=40), "the backoff alone is 1 s"

        assert outlet_delivery_send.call(delivery.pk) == DeliveryStatus.SENT

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 2)
    assert len(bot.messages) == 1


def test_telegram_long_summary_is_shortened_to_fit_4096(team, factcheck):
    factcheck.summary = "Bộ Y tế khuyến cáo người bệnh không tự ý bỏ điều trị. " * 200
    factcheck.save()
    with serving(FakeBotApi()) as bot:
        delivery = queued(factcheck, telegram_outlet(team, bot))
        outcome = announce.announcement_send(delivery_id=delivery.pk)

    assert outcome.status == DeliveryStatus.SENT
    (message,) = bot.messages
    assert 4000 < parsed_length(message["text"]) <= 4096
    assert "…" in message["text"]
    assert message["text"].endswith(f"{factcheck.slug}/</a>"), "the link is never cut"


def test_telegram_unknown_chat_fails_with_api_description(team, factcheck):
    with serving(FakeBotApi()) as bot:
        outlet = _outlet(team, "telegram_channel", "Sai kênh", chat_id="@kenh_khac",
                         bot_token=bot.token, api_url=bot.base_url)
        delivery = queued(factcheck, outlet)
        outcome = announce.announcement_send(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert outcome.status == DeliveryStatus.FAILED
    assert delivery.error == "Bad Request: chat not found"


# Zalo Official Account


def test_zalo_article_is_created_with_the_token_in_a_header(team, factcheck):
    with serving(FakeZaloOA()) as oa:
        delivery = queued(factcheck, zalo_outlet(team, oa))
        outcome = announce.announcement_send(delivery_id=delivery.pk)

    assert outcome.status == DeliveryStatus.SENT
    (article,) = oa.articles
    assert article["title"] == TITLE
    assert article["author"] == "Nhóm Kiểm Chứng"
    assert article["cover"]["photo_url"].startswith("http://127.0.0.1:8000/p/nhom/")
    assert "/card/og.png?v=" in article["cover"]["photo_url"]
    assert oa.requests[0].headers["access_token"] == oa.token
    assert oa.broadcasts == []


def test_zalo_broadcast_resumes_after_the_article_without_creating_it_twice(team, factcheck):
    with serving(FakeZaloOA(processing_rounds=1)) as oa:
        delivery = queued(factcheck, zalo_outlet(team, oa, broadcast=True))
        first = announce.announcement_send(delivery_id=delivery.pk)
        assert first.status == DeliveryStatus.RETRYING
        progress = Announcement.objects.get(delivery=delivery).progress
        assert progress == {"article_token": "article-token-1"}

        second = announce.announcement_send(delivery_id=delivery.pk)

    assert second.status == DeliveryStatus.SENT
    assert len(oa.articles) == 1
    (broadcast,) = oa.broadcasts
    element = broadcast["message"]["attachment"]["payload"]["elements"][0]
    assert element == {"media_type": "article", "attachment_id": "article-id-1"}


def test_zalo_invalid_token_fails_with_api_message(team, factcheck):
    with serving(FakeZaloOA()) as oa:
        outlet = _outlet(team, "zalo_oa", "Zalo OA", access_token="expired",
                         api_url=oa.base_url)
        delivery = queued(factcheck, outlet)
        outcome = announce.announcement_send(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert outcome.status == DeliveryStatus.FAILED
    assert delivery.error == "Access token is invalid (error -216)"


def test_zalo_rate_limit_is_retried(team, factcheck):
    with serving(FakeZaloOA()) as oa:
        oa.then(200, {"error": -32, "message": "Exceed rate limit"})
        delivery = queued(factcheck, zalo_outlet(team, oa))
        outcome = announce.announcement_send(delivery_id=delivery.pk)

    assert outcome.status == DeliveryStatus.RETRYING
    assert oa.articles == []


# Deliveries


def test_delivery_row_written_before_send(team, factcheck, monkeypatch):
    seen: list[tuple[str, int]] = []
    real_fetch = http.fetch

    def spy(url, **kwargs):
        row = Delivery.objects.get(subject_type="factcheck", subject_id=str(factcheck.pk))
        seen.append((row.status, row.attempts))
        return real_fetch(url, **kwargs)

    monkeypatch.setattr(http, "fetch", spy)
    with serving(FakeBotApi()) as bot:
        delivery = queued(factcheck, telegram_outlet(team, bot))
        assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 0)
        announce.announcement_send(delivery_id=delivery.pk)

    assert seen == [(DeliveryStatus.PENDING, 1)]
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    assert delivery.key == (
        f"outlet:{delivery.announcement.outlet_id}:factcheck:{factcheck.pk}:v{factcheck.version}"
    )


def test_announcing_the_same_version_twice_posts_once(
    team, factcheck, django_capture_on_commit_callbacks
):
    with serving(FakeBotApi()) as bot:
        outlet = telegram_outlet(team, bot)
        first = announce_now(team, factcheck, outlet, django_capture_on_commit_callbacks)
        second = announce_now(team, factcheck, outlet, django_capture_on_commit_callbacks)
        # A duplicated task for the same delivery sends nothing either.
        assert announce.announcement_send(delivery_id=first.pk).status == DeliveryStatus.SENT

    assert first.pk == second.pk
    assert len(bot.messages) == 1
    assert Delivery.objects.filter(subject_id=str(factcheck.pk)).count() == 1


def test_a_corrected_version_can_be_announced_again(
    team, factcheck, django_capture_on_commit_callbacks
):

    with serving(FakeBotApi()) as bot:
        outlet = telegram_outlet(team, bot)
        announce_now(team, factcheck, outlet, django_capture_on_commit_callbacks)
        correction_approved(team, factcheck, note="Sửa tóm tắt", summary="Tóm tắt mới.")
        factcheck.refresh_from_db()
        again = announce_now(team, factcheck, outlet, django_capture_on_commit_callbacks)

    assert again.status == DeliveryStatus.SENT
    assert again.key.endswith(f":v{factcheck.version}")
    assert len(bot.messages) == 2
    assert "Tóm tắt mới." in bot.messages[1]["text"]


def test_resend_after_failure(team, factcheck, django_capture_on_commit_callbacks):
    with serving(FakeBotApi()) as bot:
        bot.then(401, bot_error(401, "Unauthorized"))
        outlet = telegram_outlet(team, bot)
        failed = announce_now(team, factcheck, outlet, django_capture_on_commit_callbacks)
        assert (failed.status, failed.error) == (DeliveryStatus.FAILED, "Unauthorized")

        with django_capture_on_commit_callbacks(execute=True):
            announce.delivery_resend(delivery=failed, actor=team.editor)

    failed.refresh_from_db()
    assert (failed.status, failed.error, failed.attempts) == (DeliveryStatus.SENT, "", 1)
    assert len(bot.messages) == 1
    with pytest.raises(ValidationError):
        announce.delivery_resend(delivery=failed, actor=team.editor)


def test_checker_cannot_announce_or_resend(team, factcheck):
    with serving(FakeBotApi()) as bot:
        outlet = telegram_outlet(team, bot)
        with pytest.raises(PermissionDenied):
            announce.factcheck_announce(factcheck=factcheck, actor=team.checker, outlets=[outlet])
        delivery = queued(factcheck, outlet)
        Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.FAILED)
        with pytest.raises(PermissionDenied):
            announce.delivery_resend(delivery=delivery, actor=team.checker)


def test_announce_on_publish_queues_every_outlet_that_asks_for_it(team):
    from claim_stories import verdict_approved
    from kiemchung.claims import services

    with serving(FakeBotApi()) as bot:
        outlet = telegram_outlet(team, bot)
        outlet.announce_on_publish = True
        outlet.save()
        _outlet(team, "facebook_page", "Không tự đăng", page_id="1", access_token="x")
        factcheck = services.factcheck_publish(
            factcheck=verdict_approved(team), actor=team.editor
        )

    # Publishing alone queued it, once, on the one outlet that asks for it.
    (announcement,) = Announcement.objects.filter(factcheck=factcheck)
    assert announcement.outlet == outlet
    assert announcement.requested_by is None
    assert announcement.delivery.key.startswith(f"outlet:{outlet.pk}:factcheck:{factcheck.pk}:")


def test_an_unpublished_fact_check_cannot_be_announced(team):
    from claim_stories import verdict_approved

    with serving(FakeBotApi()) as bot:
        outlet = telegram_outlet(team, bot)
        with pytest.raises(ValidationError):
            announce.factcheck_announce(
                factcheck=verdict_approved(team), actor=team.editor, outlets=[outlet]
            )


# Configuring outlets


def test_outlet_secrets_are_stored_encrypted_and_kept_when_left_empty(team):
    outlet = _outlet(team, "telegram_channel", "Kênh", chat_id="@kenh_thu",
                     bot_token="123456789:AAHgoodTokenGoodTokenGoodToken")
    assert "AAHgood" not in outlet.credentials
    assert "AAHgood" in decrypt(outlet.credentials)
    assert "bot_token" not in outlet.config

    announce.outlet_save(workspace=team.workspace, actor=team.admin, kind="telegram_channel",
                         name="Kênh mới", values={"chat_id": "@kenh_thu", "bot_token": ""},
                         outlet=outlet)

    outlet.refresh_from_db()
    assert outlet.name == "Kênh mới"
    assert "AAHgood" in decrypt(outlet.credentials)


@pytest.mark.parametrize(
    ("kind", "values", "field"),
    [
        ("telegram_channel", {"chat_id": "kenh khong hop le", "bot_token": "1:x" * 10}, "chat_id"),
        ("facebook_page", {"page_id": "trang-abc", "access_token": "EAA"}, "page_id"),
        ("facebook_page", {"page_id": "123"}, "access_token"),
    ],
)
def test_outlet_settings_are_checked(team, kind, values, field):
    with pytest.raises(ValidationError) as caught:
        announce.outlet_save(workspace=team.workspace, actor=team.admin, kind=kind,
                             name="Kênh", values=values)
    assert field in caught.value.message_dict


def test_only_admins_configure_outlets(team):
    with pytest.raises(PermissionDenied):
        _outlet_as(team.editor, team)


def _outlet_as(user, team):
    return announce.outlet_save(workspace=team.workspace, actor=user, kind="email_newsletter",
                                name="Bản tin", values={})


# Pages


def test_claim_page_panel_shows_each_outlets_status_and_resend(
    client, team, factcheck, django_capture_on_commit_callbacks
):
    with serving(FakeGraph()) as graph:
        outlet = facebook_outlet(team, graph, token="EAAExpiredToken")
        delivery = announce_now(team, factcheck, outlet, django_capture_on_commit_callbacks)

    client.force_login(team.editor)
    page = client.get(f"/newsroom/factchecks/{factcheck.pk}/outlets/").content.decode()
    assert f'id="delivery-status-{outlet.pk}">Gửi thất bại</span>' in page
    assert "Error validating access token" in page
    assert f'action="/newsroom/deliveries/{delivery.pk}/resend/"' in page

    client.force_login(team.checker)
    page = client.get(f"/newsroom/factchecks/{factcheck.pk}/outlets/").content.decode()
    assert "Gửi thất bại" in page
    assert "/resend/" not in page


def test_announce_and_resend_through_the_pages(
    client, team, factcheck, django_capture_on_commit_callbacks
):
    with serving(FakeBotApi()) as bot:
        bot.then(500, bot_error(500, "Internal Server Error"))
        bot.then(500, bot_error(500, "Internal Server Error"))
        bot.then(500, bot_error(500, "Internal Server Error"))
        outlet = telegram_outlet(team, bot)
        client.force_login(team.editor)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(f"/newsroom/factchecks/{factcheck.pk}/announce/",
                                   {"outlet": [outlet.pk]})
        assert response.status_code == 302
        assert response["Location"] == f"/claims/{factcheck.claim_id}/#outlets"
        delivery = Delivery.objects.get(subject_id=str(factcheck.pk))
        assert delivery.status == DeliveryStatus.FAILED

        with django_capture_on_commit_callbacks(execute=True):
            client.post(f"/newsroom/deliveries/{delivery.pk}/resend/")

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    assert len(bot.messages) == 1


def test_announcing_with_no_outlet_ticked_posts_nowhere_and_says_so(
    client, team, factcheck, django_capture_on_commit_callbacks
):
    with serving(FakeBotApi()) as bot:
        telegram_outlet(team, bot)
        client.force_login(team.editor)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(f"/newsroom/factchecks/{factcheck.pk}/announce/", {})
        page = client.get(response["Location"]).content.decode()

    assert response.status_code == 302
    assert response["Location"] == f"/claims/{factcheck.claim_id}/#outlets"
    assert not Delivery.objects.filter(subject_id=str(factcheck.pk)).exists()
    assert bot.messages == []
    assert "Hãy đánh dấu ít nhất một kênh để đăng bài lên." in page


def test_outlet_pages_are_for_admins(client, team):
    client.force_login(team.editor)
    assert client.get("/newsroom/outlets/").status_code == 403
    client.force_login(team.admin)
    assert client.get("/newsroom/outlets/").status_code == 200
    response = client.post("/newsroom/outlets/new/telegram_channel/", {
        "name": "Kênh Telegram", "is_active": "on", "chat_id": "@kenh_thu",
        "bot_token": "123456789:AAHgoodTokenGoodTokenGoodToken",
    })
    assert response.status_code == 302
    outlet = Outlet.objects.get(workspace=team.workspace)
    assert outlet.config["chat_id"] == "@kenh_thu"
    page = client.get(f"/newsroom/outlets/{outlet.pk}/").content.decode()
    assert "AAHgood" not in page


def test_claim_page_shows_the_outlet_panel_once_published(client, team, factcheck):
    from claim_stories import verdict_approved

    with serving(FakeBotApi()) as bot:
        outlet = telegram_outlet(team, bot)
    client.force_login(team.editor)
    page = client.get(f"/claims/{factcheck.claim_id}/").content.decode()
    assert 'id="outlets"' in page
    assert f'id="announce-outlet-{outlet.pk}"' in page
    assert f'action="/newsroom/factchecks/{factcheck.pk}/announce/"' in page

    approved = verdict_approved(team)
    assert 'id="outlets"' not in client.get(f"/claims/{approved.claim_id}/").content.decode()
