"""The tipline's commands: adding a channel, registering the Telegram webhook, the bench."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from tests.fakes.tipline_telegram import FakeTelegramApi

from kiemchung.tipline.channels.registry import adapter_for
from kiemchung.tipline.models import Channel

pytestmark = pytest.mark.usefixtures("no_matcher")


def test_tipline_channel_adds_a_channel_with_secrets_kept_out_of_sight(team, tmp_path):
    token_file = tmp_path / "token"
    token_file.write_text("999:bot-token-from-file\n")
    out = StringIO()
    call_command("tipline_channel", "--workspace", team.workspace.slug, "--kind", "telegram",
                 "--set", f"bot_token=@{token_file}", stdout=out)
    channel = Channel.objects.get(kind="telegram")
    credentials = adapter_for(channel).credentials
    assert credentials["bot_token"] == "999:bot-token-from-file"
    assert len(credentials["secret_token"]) >= 32, "a secret token is made up"
    assert "bot-token" not in channel.credentials_enc
    assert f"/tin/hooks/telegram/{channel.public_id}/" in out.getvalue()

    with pytest.raises(CommandError, match="app_secret"):
        call_command("tipline_channel", "--workspace", team.workspace.slug, "--kind",
                     "telegram", "--set", "app_secret=x", stdout=StringIO())


def test_telegram_setwebhook_registers_the_url_and_secret_token(team, settings):
    api = FakeTelegramApi(bot_token="999:abc")
    settings.TELEGRAM_API_URL = api.url
    try:
        call_command("tipline_channel", "--workspace", team.workspace.slug, "--kind", "telegram",
                     "--set", "bot_token=999:abc", stdout=StringIO())
        channel = Channel.objects.get(kind="telegram")
        out = StringIO()
        call_command("telegram_setwebhook", "--workspace", team.workspace.slug,
                     "--base-url", "https://kiemchung.example.org", stdout=out)
        [request] = api.requests
        assert request.path == "/bot999:abc/setWebhook"
        assert request.json["url"] == (
            f"https://kiemchung.example.org/tin/hooks/telegram/{channel.public_id}/"
        )
        assert request.json["secret_token"] == adapter_for(channel).credentials["secret_token"]
        assert "Webhook was set" in out.getvalue()

        with pytest.raises(CommandError, match="Telegram refused: Bad Request"):
            call_command("telegram_setwebhook", "--workspace", team.workspace.slug,
                         "--base-url", "http://plain.example.org", stdout=StringIO())
    finally:
        api.close()
    assert not api.problems


@pytest.mark.slow
def test_bench_tipline_counts_no_lost_and_no_duplicated_tips(tmp_path):
    env = {**os.environ, "KIEMCHUNG_ENV": "development"}
    env.pop("KIEMCHUNG_TASKS", None)
    done = subprocess.run(
        [sys.executable, "-m", "kiemchung.cli", "bench", "tipline", "--rate", "40",
         "--seconds", "1", "--duplicates", "0.5", "--drain", "60", "--threads", "8"],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=240,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["unique_messages"] == 40
    assert result["duplicates_sent"] >= 10
    assert (result["tips_in_db"], result["lost"], result["duplicated"]) == (40, 0, 0)
    assert result["tips_processed"] == 40, "the worker turned every message into a tip"
