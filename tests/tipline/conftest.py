"""The tipline's story: the team's web form, Telegram bot, Zalo OA and Messenger page, each with
its platform faked by a real HTTP server on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import reverse
from tests.fakes.tipline_messenger import FakeSendApi
from tests.fakes.tipline_telegram import FakeTelegramApi
from tests.fakes.tipline_zalo import FakeZaloApi
from tests.tipline.stories import DATABASE_QUEUE, work_queue

from kiemchung.tipline import services_inbound
from kiemchung.tipline.models import Channel, ChannelKind

TELEGRAM_SECRET = "telegram-secret-token-abc123"
BOT_TOKEN = "123456:ABC-bot-token"
ZALO_APP_ID = "360846524940903967"
ZALO_SECRET = "zalo-oa-secret-key"
ZALO_TOKEN = "zalo-access-token"
META_SECRET = "meta-app-secret"
META_VERIFY = "meta-verify-token"
PAGE_TOKEN = "page-access-token"


@dataclass
class Tipline:
    web: Channel
    telegram: Channel
    zalo: Channel
    messenger: Channel
    telegram_api: FakeTelegramApi
    zalo_api: FakeZaloApi
    send_api: FakeSendApi

    def hook(self, channel: Channel) -> str:
        return reverse(f"tipline:hook_{channel.kind}", args=[channel.public_id])


@pytest.fixture
def platforms(settings) -> Iterator[tuple[FakeTelegramApi, FakeZaloApi, FakeSendApi]]:
    telegram_api = FakeTelegramApi(bot_token=BOT_TOKEN)
    zalo_api = FakeZaloApi(access_token=ZALO_TOKEN)
    send_api = FakeSendApi(page_access_token=PAGE_TOKEN)
    settings.TELEGRAM_API_URL = telegram_api.url
    settings.ZALO_OA_URL = zalo_api.url
    settings.FACEBOOK_GRAPH_URL = send_api.url + "/v21.0"
    yield telegram_api, zalo_api, send_api
    for fake in (telegram_api, zalo_api, send_api):
        fake.close()
    # No reply sent during a test broke a rule of the real API.
    assert not [p for fake in (telegram_api, zalo_api, send_api) for p in fake.problems]


def make_channels(workspace: Any) -> dict[str, Channel]:
    channels = {
        kind: Channel.objects.create(workspace=workspace, kind=kind, name=f"{kind} của nhóm")
        for kind in ChannelKind.values
    }
    services_inbound.channel_credentials_set(
        channel=channels["telegram"],
        values={"bot_token": BOT_TOKEN, "secret_token": TELEGRAM_SECRET},
    )
    channels["zalo"].config = {"app_id": ZALO_APP_ID}
    channels["zalo"].save()
    services_inbound.channel_credentials_set(
        channel=channels["zalo"], values={"oa_secret_key": ZALO_SECRET, "access_token": ZALO_TOKEN}
    )
    services_inbound.channel_credentials_set(
        channel=channels["messenger"],
        values={"app_secret": META_SECRET, "verify_token": META_VERIFY,
                "page_access_token": PAGE_TOKEN},
    )
    return channels


@pytest.fixture
def tipline(team, platforms) -> Tipline:
    channels = make_channels(team.workspace)
    telegram_api, zalo_api, send_api = platforms
    return Tipline(
        web=channels["web"],
        telegram=channels["telegram"],
        zalo=channels["zalo"],
        messenger=channels["messenger"],
        telegram_api=telegram_api,
        zalo_api=zalo_api,
        send_api=send_api,
    )


@pytest.fixture
def no_matcher(monkeypatch):
    """Leave "check this" tips queued for staff, as when the matcher is not installed: these
    tests are about the channels, not about finding earlier fact-checks."""
    from kiemchung.tipline import tasks

    real_import = tasks.import_module

    def without_answers(name: str, *args: Any) -> Any:
        if name == tasks.ANSWERS_MODULE:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return real_import(name, *args)

    monkeypatch.setattr(tasks, "import_module", without_answers)


@pytest.fixture
def deliver(django_capture_on_commit_callbacks):
    """Post a webhook and run everything it set off (processing, replies), as a worker would."""

    def post(client: Any, url: str, body: bytes, headers: dict[str, str], **extra: Any) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                url, data=body, content_type="application/json", headers=headers, **extra
            )

    return post


@pytest.fixture
def database_queue(settings, django_capture_on_commit_callbacks):
    """Tasks go to the database queue, as in production; calling the fixture runs that queue in
    this thread, with what each task enqueues, until it is empty."""
    settings.TASKS = DATABASE_QUEUE

    def work() -> None:
        work_queue(django_capture_on_commit_callbacks)

    return work
