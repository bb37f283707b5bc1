"""The "Kênh nhận tin" screen: an admin opens the web form and sets up Telegram, Zalo and
Messenger from the newsroom, sees each made-up secret once, turns channels off and on, and
presses "Gửi thử", which asks the platform (a fake of its API on 127.0.0.1) in words."""

from __future__ import annotations

import json
import logging

import pytest
from django.urls import reverse
from tests.fakes.tipline_messenger import FakeSendApi
from tests.fakes.tipline_telegram import FakeTelegramApi
from tests.fakes.tipline_zalo import FakeZaloApi
from tests.publishing.stories import lemon

from kiemchung.audit.models import AuditEvent
from kiemchung.tipline.channels.registry import adapter_for
from kiemchung.tipline.models import Channel
from kiemchung.tipline.views_channels import ONCE_KEY

BOT_TOKEN = "7012345678:AAFkiemchung-bot-token_0123456789ab"
ZALO_TOKEN = "zalo-oa-access-token-0123456789"
PAGE_TOKEN = "EAAGpage-access-token-0123456789"
SETUP = "tipline_channels:channel"


def page(response) -> str:
    assert response.status_code == 200, response.content.decode()[:2000]
    return response.content.decode()


def setup_url(kind: str) -> str:
    return reverse(SETUP, args=[kind])


def check_url(kind: str) -> str:
    return reverse("tipline_channels:channel_check", args=[kind])


@pytest.fixture
def admin(client, team):
    client.force_login(team.admin)
    return client


@pytest.fixture
def telegram_api(settings):
    api = FakeTelegramApi(bot_token=BOT_TOKEN)
    settings.TELEGRAM_API_URL = api.url
    yield api
    api.close()
    assert not api.problems


@pytest.fixture
def zalo_api(settings):
    api = FakeZaloApi(access_token=ZALO_TOKEN)
    settings.ZALO_OA_URL = api.url
    yield api
    api.close()


@pytest.fixture
def graph_api(settings):
    api = FakeSendApi(page_access_token=PAGE_TOKEN)
    settings.FACEBOOK_GRAPH_URL = api.url + "/v21.0"
    yield api
    api.close()


@pytest.mark.parametrize("role", ["editor", "checker", "viewer"])
def test_only_admins_reach_the_channel_screen(client, team, role):
    client.force_login(getattr(team, role))

    for url in (reverse("tipline_channels:channels"), setup_url("telegram")):
        response = client.get(url)
        assert response.status_code == 403
        assert "Vai trò của bạn không được phép: Cài đặt nhóm" in response.content.decode()
    response = client.post(setup_url("web"), {"name": ""})
    assert response.status_code == 403
    assert not Channel.objects.exists()


def test_the_screen_lists_the_four_platforms_and_is_in_the_settings_menu(admin):
    html = page(admin.get(reverse("tipline_channels:channels")))

    for kind in ("web", "telegram", "zalo", "messenger"):
        assert f'id="channel-{kind}"' in html
    assert html.count("Chưa thiết lập") == 4
    assert f'href="{reverse("tipline_channels:channels")}" id="nav-channels"' in html


def test_opening_the_web_form_links_it_from_the_public_home_at_once(
    admin, client, team, django_capture_on_commit_callbacks
):
    lemon(team)
    form_path = reverse("tipline:form", args=[team.workspace.slug])
    assert form_path not in client.get("/p/nhom/").content.decode(), "kept without the link"

    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(setup_url("web"), {"name": ""})
    assert response.status_code == 302
    assert "Gửi tin cho nhóm" in client.get("/p/nhom/").content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        admin.post(reverse("tipline_channels:channel_switch", args=["web"]), {"active": "0"})
    assert form_path not in client.get("/p/nhom/").content.decode()
    html = page(admin.get(setup_url("web")))
    assert "Đang tắt" in html and 'id="channel-on"' in html
    actions = list(AuditEvent.objects.order_by("pk").values_list("action", flat=True))
    assert actions[-2:] == ["channel.create", "channel.disable"]


@pytest.mark.parametrize(
    ("kind", "values", "generated"),
    [
        ("telegram", {"bot_token": BOT_TOKEN}, "secret_token"),
        ("messenger", {"app_secret": "meta-app-secret-0123", "page_access_token": PAGE_TOKEN},
         "verify_token"),
    ],
)
def test_a_made_up_secret_is_shown_once_and_stored_ones_never(
    admin, team, kind, values, generated
):
    saved = page(admin.post(setup_url(kind), {"name": "", **values}, follow=True))

    channel = Channel.objects.get(kind=kind)
    credentials = adapter_for(channel).credentials
    secret = credentials[generated]
    assert len(secret) >= 32
    assert f'id="once-{generated}">{secret}</code>' in saved and "chỉ hiện lần này" in saved
    assert channel.is_active and channel.public_id in saved, "the webhook address is shown"

    again = page(admin.get(setup_url(kind)))
    assert secret not in again and "chỉ hiện lần này" not in again
    assert ONCE_KEY not in admin.session, "nothing of it waits in the session"
    for value in values.values():
        assert value not in again and value not in saved
    assert again.count("Đã lưu. Để trống để giữ nguyên.") == len(values)
    for event in AuditEvent.objects.filter(object_type="tipline.channel"):
        recorded = json.dumps([event.before, event.after])
        assert secret not in recorded and not any(v in recorded for v in values.values())
    assert AuditEvent.objects.get(action="channel.create").after["secrets_changed"] == sorted(
        credentials
    )


def test_saving_again_keeps_the_secrets_and_a_new_webhook_secret_is_shown_once(admin):
    admin.post(setup_url("telegram"), {"name": "", "bot_token": BOT_TOKEN})
    first = adapter_for(Channel.objects.get()).credentials

    response = admin.post(setup_url("telegram"), {"name": "Bot của nhóm", "bot_token": ""})
    assert response.status_code == 302
    channel = Channel.objects.get()
    assert channel.name == "Bot của nhóm"
    assert adapter_for(channel).credentials == first

    renewed = page(admin.post(setup_url("telegram"), {"name": "", "regenerate": "on"}, follow=True))
    credentials = adapter_for(Channel.objects.get()).credentials
    assert credentials["bot_token"] == BOT_TOKEN
    assert credentials["secret_token"] != first["secret_token"]
    assert credentials["secret_token"] in renewed


def test_wrong_values_are_refused_next_to_their_field_in_vietnamese(admin):
    response = admin.post(setup_url("telegram"), {"name": "", "bot_token": "mã sai"})
    html = response.content.decode()
    assert response.status_code == 400
    assert "Mã không có khoảng trắng" in html

    response = admin.post(setup_url("telegram"), {"name": "", "bot_token": "khong-phai-ma"})
    assert "Mã bot có dạng 123456789:AAF" in response.content.decode()

    response = admin.post(setup_url("zalo"), {"name": "", "app_id": "1234",
                                              "oa_secret_key": "zalo-secret"})
    assert response.status_code == 400
    assert "Cần điền ô này để kênh nhận được tin." in response.content.decode()
    assert not Channel.objects.exists()


def test_send_a_test_names_the_telegram_bot_and_registers_its_address(
    admin, telegram_api, settings
):
    settings.SITE_URL = "https://kiemchung.example.org"
    admin.post(setup_url("telegram"), {"name": "", "bot_token": BOT_TOKEN})
    channel = Channel.objects.get()
    address = f"https://kiemchung.example.org/tin/hooks/telegram/{channel.public_id}/"

    html = page(admin.post(check_url("telegram")))
    assert "Được:" in html and "Kiểm Chứng (@KiemChungNhomBot)" in html
    assert "Telegram chưa gửi tin của bot tới đâu" in html
    assert [r.path for r in telegram_api.requests] == [
        f"/bot{BOT_TOKEN}/getMe", f"/bot{BOT_TOKEN}/getWebhookInfo",
    ]

    html = page(admin.post(check_url("telegram"), {"register": "1"}))
    assert "Telegram đã nhận địa chỉ nhận tin (Webhook was set)" in html
    assert "Telegram gửi tin của bot tới đúng địa chỉ của kênh." in html
    registered = next(r for r in telegram_api.requests if r.path.endswith("/setWebhook"))
    assert registered.json["url"] == address
    assert registered.json["secret_token"] == adapter_for(channel).credentials["secret_token"]
    assert AuditEvent.objects.filter(action="channel.webhook_register").get().after == {
        "address": address
    }


def test_a_wrong_bot_token_gives_telegrams_refusal_in_words(admin, telegram_api, caplog):
    wrong = "7012345678:AAFwrong-token-000000000000000000"
    admin.post(setup_url("telegram"), {"name": "", "bot_token": wrong})

    with caplog.at_level(logging.DEBUG):
        html = page(admin.post(check_url("telegram")))

    assert "Chưa được:" in html
    assert "Telegram không nhận mã bot (Unauthorized): mã sai hoặc đã bị thu hồi" in html
    assert "@BotFather" in html
    assert wrong not in html and wrong not in caplog.text
    assert AuditEvent.objects.get(action="channel.check").after == {"ok": False}


def test_telegram_refuses_a_plain_http_address(admin, telegram_api):
    admin.post(setup_url("telegram"), {"name": "", "bot_token": BOT_TOKEN})

    html = page(admin.post(check_url("telegram"), {"register": "1"}))

    assert 'id="channel-not-https"' in html
    assert "Telegram không nhận địa chỉ: Bad Request: bad webhook: HTTPS url must be provided" in (
        html
    )


def test_send_a_test_names_the_zalo_oa_or_says_why_not(admin, zalo_api):
    values = {"name": "", "app_id": "360846524940903967", "oa_secret_key": "zalo-oa-secret",
              "access_token": ZALO_TOKEN}
    admin.post(setup_url("zalo"), values)

    html = page(admin.post(check_url("zalo")))
    assert "Zalo nhận mã truy cập: đây là OA Kiểm Chứng Nhóm." in html
    [asked] = zalo_api.gets()
    assert (asked.path, asked.headers["access_token"]) == ("/v2.0/oa/getoa", ZALO_TOKEN)

    admin.post(setup_url("zalo"), {**values, "access_token": "zalo-token-da-het-han"})
    html = page(admin.post(check_url("zalo")))
    assert "Zalo không nhận mã truy cập (Access token is invalid): mã sai hoặc đã hết hạn" in html


def test_send_a_test_names_the_facebook_page_or_says_why_not(admin, graph_api):
    values = {"name": "", "app_secret": "meta-app-secret-0123", "page_access_token": PAGE_TOKEN}
    admin.post(setup_url("messenger"), values)

    html = page(admin.post(check_url("messenger")))
    assert "Meta nhận mã truy cập trang: đây là Trang Kiểm Chứng Nhóm." in html
    assert graph_api.gets()[0].query["access_token"] == [PAGE_TOKEN]

    admin.post(setup_url("messenger"), {**values, "page_access_token": "EAAG-thu-hoi"})
    html = page(admin.post(check_url("messenger")))
    assert "Meta không nhận mã truy cập trang (Invalid OAuth access token" in html


def test_send_a_test_answers_the_htmx_request_with_the_result_alone(admin, zalo_api):
    admin.post(setup_url("zalo"), {"name": "", "app_id": "1", "oa_secret_key": "k",
                                   "access_token": ZALO_TOKEN})

    html = page(admin.post(check_url("zalo"), headers={"HX-Request": "true"}))

    assert "<html" not in html and "channel-result channel-ok" in html


@pytest.mark.django_db(transaction=True)
def test_send_a_test_opens_the_public_web_form_at_its_address(live_server, settings, team):
    from django.test import Client

    settings.SITE_URL = live_server.url
    admin = Client()
    admin.force_login(team.admin)
    admin.post(setup_url("web"), {"name": ""})

    html = page(admin.post(check_url("web")))
    assert f"Biểu mẫu mở được tại {live_server.url}/tin/gui/nhom/." in html

    admin.post(reverse("tipline_channels:channel_switch", args=["web"]), {"active": "0"})
    html = page(admin.post(check_url("web")))
    assert "Chưa được:" in html and "Biểu mẫu đang tắt" in html


def test_the_command_shares_the_checks_and_turns_a_channel_off(team, capsys):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="bot_token"):
        call_command("tipline_channel", "--workspace", "nhom", "--kind", "telegram",
                     "--set", "bot_token=khong-phai-ma")
    call_command("tipline_channel", "--workspace", "nhom", "--kind", "messenger",
                 "--set", "app_secret=meta-secret", "--set", f"page_access_token={PAGE_TOKEN}")
    out = capsys.readouterr().out
    channel = Channel.objects.get()
    verify = adapter_for(channel).credentials["verify_token"]
    assert f"verify_token (shown once): {verify}" in out and PAGE_TOKEN not in out

    call_command("tipline_channel", "--workspace", "nhom", "--kind", "messenger", "--off")
    channel.refresh_from_db()
    assert not channel.is_active
    assert "shown once" not in capsys.readouterr().out
    event = AuditEvent.objects.get(action="channel.disable")
    assert event.actor_id is None
