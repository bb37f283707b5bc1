"""Every door of the tipline, with any body a platform (or an attacker who has the secret) could
send: the answer is 200, 400 or 401, never a server error, and a refused request stores
nothing. The adapters' parsers raise only WebhookMalformed or WebhookRejected."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from django.core.cache import cache
from hypothesis import given
from hypothesis import strategies as st
from tests.fakes import tipline_messenger, tipline_telegram, tipline_zalo
from tests.fakes.tipline_telegram import SECRET_HEADER
from tests.fuzz.strategies import any_text, json_bytes, mutated, raw_bodies
from tests.tipline.conftest import (
    META_SECRET,
    TELEGRAM_SECRET,
    ZALO_APP_ID,
    ZALO_SECRET,
    make_channels,
)
from tests.tipline.stories import web_channel

from kiemchung.tipline.channels import zalo
from kiemchung.tipline.channels.base import WebhookMalformed, WebhookRejected
from kiemchung.tipline.channels.registry import adapter_for
from kiemchung.tipline.models import InboundMessage, Message, Tip


def _telegram() -> st.SearchStrategy[dict]:
    return st.builds(lambda: tipline_telegram.update(user_id=4242, text="Tin này đúng không?"))


def _zalo() -> st.SearchStrategy[dict]:
    return st.builds(
        lambda: tipline_zalo.event(app_id=ZALO_APP_ID, user_id="8812", text="Kiểm tra giúp")
    )


def _messenger() -> st.SearchStrategy[dict]:
    return st.builds(lambda: tipline_messenger.message_event(psid="77", text="Có thật không?"))


PAYLOADS = {"telegram": _telegram, "zalo": _zalo, "messenger": _messenger}


def bodies(kind: str) -> st.SearchStrategy[bytes]:
    return st.one_of(raw_bodies(), json_bytes(PAYLOADS[kind]().flatmap(mutated)))


def _headers(kind: str, body: bytes) -> dict[str, str]:
    if kind == "telegram":
        return {SECRET_HEADER: TELEGRAM_SECRET}
    if kind == "messenger":
        mac = hmac.new(META_SECRET.encode(), body, hashlib.sha256).hexdigest()
        return {tipline_messenger.SIGNATURE_HEADER: f"sha256={mac}"}
    # Signed over the timestamp the adapter reads, so that the parser is what gets tested.
    found = zalo._TIMESTAMP.search(body)
    stamp = found.group(1).decode() if found else ""
    mac = tipline_zalo.signature(app_id=ZALO_APP_ID, body=body, timestamp=stamp, secret=ZALO_SECRET)
    return {tipline_zalo.SIGNATURE_HEADER: mac}


def _stored() -> tuple[int, int, int]:
    return InboundMessage.objects.count(), Tip.objects.count(), Message.objects.count()


@pytest.fixture
def channels(team):
    return make_channels(team.workspace)


@pytest.mark.parametrize("kind", ["telegram", "zalo", "messenger"])
def test_a_parser_raises_only_its_two_errors(channels, kind):
    adapter = adapter_for(channels[kind])

    @given(bodies(kind))
    def parse(body):
        try:
            events = adapter.parse(body)
        except (WebhookMalformed, WebhookRejected):
            return
        assert isinstance(events, list)

    parse()


@pytest.mark.parametrize("kind", ["telegram", "zalo", "messenger"])
def test_a_signed_body_of_any_shape_is_answered_without_a_server_error(client, channels, kind):
    from django.urls import reverse

    url = reverse(f"tipline:hook_{kind}", args=[channels[kind].public_id])

    @given(bodies(kind))
    def post(body):
        before = _stored()
        response = client.post(
            url, data=body, content_type="application/json", headers=_headers(kind, body)
        )
        assert response.status_code in (200, 400, 401), response.status_code
        if response.status_code != 200:
            assert _stored() == before

    post()


def test_the_web_form_takes_any_input_and_stores_a_tip_or_nothing(client, team, settings, tmp_path):
    from django.urls import reverse

    settings.MEDIA_ROOT = tmp_path
    web_channel(team)
    url = reverse("tipline:form", args=[team.workspace.slug])
    fields = st.fixed_dictionaries(
        {},
        optional={
            "category": st.one_of(st.sampled_from(["check", "report", "legal"]), any_text),
            "text": any_text,
            "website": any_text,
            "contact": any_text,
        },
    )

    @given(fields)
    def submit(data):
        cache.clear()  # the form's hourly limit per address is not what is tested here
        data = {k: v.encode("utf-8", "replace").decode("utf-8") for k, v in data.items()}
        before = _stored()
        response = client.post(url, data)
        assert response.status_code in (200, 400), response.status_code
        if response.status_code == 400:
            assert _stored() == before
        else:
            assert _stored()[1] - before[1] in (0, 1)

    submit()
