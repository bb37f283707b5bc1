"""API v1's rules: scopes, the one error format, strict query strings, cursors, text without
NUL, rate limits, items, sources and tips without the tipster, and /api/ kept but deprecated."""

from __future__ import annotations

import json

import pytest

from claim_stories import CLAIM_TEXT, claim_opened
from kiemchung.accounts import services as accounts_services
from kiemchung.accounts.models import ApiToken
from kiemchung.audit.models import AuditEvent
from kiemchung.claims import services
from kiemchung.claims.models import Claim
from kiemchung.monitoring import services as monitoring_services
from kiemchung.monitoring.models import Item, SourceKind
from kiemchung.tipline import services as tipline_services
from kiemchung.tipline.models import Channel, ChannelKind

RUMOUR = "Tin đồn: từ tháng sau xe máy cũ hơn 10 năm bị cấm lưu thông ở Hà Nội"


def assert_error(response, status: int, code: str, field: str | None = None) -> dict:
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"]
    assert error.get("field") == field
    return error


def test_a_read_token_cannot_write(team, v1):
    response = v1("editor", "post", "claims/", {"text": CLAIM_TEXT}, scopes=("read",))

    error = assert_error(response, 403, "forbidden")
    assert "write" in error["message"]
    assert not Claim.objects.exists()


def test_a_write_token_cannot_publish_nor_read_tips(team, v1):
    claim = claim_opened(team)

    publish = v1("editor", "post", f"claims/{claim.pk}/verdict/publish", scopes=("read", "write"))
    tips = v1("editor", "get", "tips/", scopes=("read", "write"))

    assert_error(publish, 403, "forbidden")
    assert_error(tips, 403, "forbidden")


def test_no_token_or_a_wrong_one_is_a_401(team, client, v1):
    missing = client.get("/api/v1/claims/")
    wrong = v1("editor", "get", "claims/", raw="kc_00000000_not-a-token")

    assert_error(missing, 401, "unauthorized")
    assert missing["WWW-Authenticate"] == "Bearer"
    assert_error(wrong, 401, "unauthorized")


def test_an_unknown_filter_is_a_400_naming_it(team, v1):
    response = v1("viewer", "get", "claims/?stat=open", scopes=("read",))

    error = assert_error(response, 400, "bad_request", field="stat")
    assert "stat" in error["message"]


def test_a_malformed_or_forged_cursor_is_a_400_naming_it(team, v1):
    for cursor in ("nonsense", "WyIyMDI2LTAxLTAxVDAwOjAwOjAwIiwgMV0:forged"):
        response = v1("viewer", "get", f"claims/?cursor={cursor}", scopes=("read",))
        assert_error(response, 400, "bad_request", field="cursor")


def test_a_bad_filter_value_is_a_400_naming_it(team, v1):
    assert_error(
        v1("viewer", "get", "claims/?limit=0", scopes=("read",)), 400, "bad_request", field="limit"
    )
    assert_error(
        v1("viewer", "get", "claims/?state=maybe", scopes=("read",)),
        400,
        "bad_request",
        field="state",
    )


@pytest.mark.parametrize("bad", ["nul\x00byte", "lone \ud800 surrogate"])
def test_nul_and_lone_surrogates_are_refused_naming_the_field(team, v1, bad):
    body = json.dumps({"text": bad})  # \u0000 and \ud800 escapes, as a client sends them

    response = v1("editor", "post", "claims/", body)

    assert_error(response, 422, "invalid", field="text")
    assert not Claim.objects.exists()


def test_an_unknown_body_field_is_refused(team, v1):
    response = v1("editor", "post", "claims/", {"text": CLAIM_TEXT, "state": "published"})

    assert_error(response, 422, "invalid", field="state")


def test_past_the_rate_limit_a_token_gets_429_with_retry_after(team, v1, settings):
    settings.API_RATE_LIMIT = 3
    _token, raw = accounts_services.api_token_create(member=team.member(team.viewer), name="bot")

    answers = [v1("viewer", "get", "claims/", raw=raw) for _ in range(4)]

    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert_error(answers[-1], 429, "rate_limited")
    assert 1 <= int(answers[-1]["Retry-After"]) <= 60
    # Another token of the same member has its own count.
    assert v1("viewer", "get", "claims/", scopes=("read",)).status_code == 200


def test_items_and_sources_are_listed_with_filters(team, v1):
    source = monitoring_services.source_create(
        workspace=team.workspace,
        actor=team.admin,
        name="Nhóm công khai",
        kind=SourceKind.IMPORT,
        platform="facebook",
    )
    monitoring_services.items_ingest(
        source=source, posts=[monitoring_services.Post(text=RUMOUR, url="https://fb.com/p/1")]
    )

    items = v1("viewer", "get", f"items/?source_id={source.pk}&state=new", scopes=("read",))
    sources = v1("viewer", "get", "sources/?kind=import", scopes=("read",))

    assert items.status_code == 200, items.content
    assert [i["url"] for i in items.json()["results"]] == ["https://fb.com/p/1"]
    assert [s["id"] for s in sources.json()["results"]] == [source.pk]
    one = v1("viewer", "get", f"items/{items.json()['results'][0]['id']}", scopes=("read",))
    assert one.json()["text"] == RUMOUR


def test_tips_never_carry_the_tipster_and_reading_one_is_audited(team, v1):
    channel = Channel.objects.create(workspace=team.workspace, kind=ChannelKind.WEB, name="Web")
    tip = tipline_services.web_tip_submit(channel=channel, category="check", text=RUMOUR, images=[])

    listed = v1("checker", "get", "tips/?category=check", scopes=("tipline",))
    one = v1("checker", "get", f"tips/{tip.pk}", scopes=("tipline",))

    assert listed.status_code == 200, listed.content
    row = listed.json()["results"][0]
    assert "text" not in row
    raw = listed.content.decode() + one.content.decode()
    for private in (
        tip.tracking_code,
        str(tip.conversation.sender.pseudonym),
        tip.conversation.sender.sender_hash,
        channel.public_id,
    ):
        assert private not in raw
    assert one.json()["text"] == RUMOUR
    assert AuditEvent.objects.filter(action="tip.view", actor=team.checker).exists()


def test_a_viewer_with_the_tipline_scope_still_cannot_read_tips(team, v1):
    response = v1("viewer", "get", "tips/", scopes=("tipline",))

    assert_error(response, 403, "forbidden")


def test_me_tells_the_token_scopes(team, v1):
    response = v1("checker", "get", "me", scopes=("read", "tipline"))

    assert response.status_code == 200
    assert response.json()["token"]["scopes"] == ["read", "tipline"]
    assert response.json()["role"] == "checker"


def test_the_first_api_still_answers_marked_deprecated(team, client):
    _token, raw = accounts_services.api_token_create(member=team.member(team.editor), name="cũ")

    response = client.get("/api/claims/", HTTP_AUTHORIZATION=f"Bearer {raw}")
    schema = client.get("/api/openapi.json")

    assert response.status_code == 200
    assert response["Deprecation"].startswith("@")  # RFC 9745: a date
    assert response["Sunset"]
    assert "successor-version" in response["Link"]
    operations = [op for path in schema.json()["paths"].values() for op in path.values()]
    assert operations and all(op["deprecated"] for op in operations)
    assert "deprecated" not in str(client.get("/api/v1/openapi.json").json()["paths"])


def test_the_first_api_refuses_to_write_with_a_read_token(team, client):
    _token, raw = accounts_services.api_token_create(
        member=team.member(team.editor), name="đọc", scopes=["read"]
    )

    response = client.post(
        "/api/claims/",
        data={"text": CLAIM_TEXT},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )

    assert response.status_code == 403


def test_tokens_from_before_scopes_read_and_write(team):
    token, _raw = accounts_services.api_token_create(member=team.member(team.editor), name="x")

    assert ApiToken.objects.get(pk=token.pk).scopes == ["read", "write"]


def test_a_token_needs_known_scopes(team):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        accounts_services.api_token_create(member=team.member(team.editor), name="x", scopes=[])
    with pytest.raises(ValidationError):
        accounts_services.api_token_create(
            member=team.member(team.editor), name="x", scopes=["admin"]
        )


def test_dates_are_iso_8601_only(team, v1):
    claim_opened(team)

    number = v1("viewer", "get", "claims/?created_after=0.5", scopes=("read",))
    iso = v1("viewer", "get", "claims/?created_after=2000-01-01T00:00:00%2B07:00", scopes=("read",))

    error = assert_error(number, 400, "bad_request", field="created_after")
    assert "ISO 8601" in error["message"]
    assert len(iso.json()["results"]) == 1


def test_the_api_token_command_makes_a_token_with_chosen_scopes(team, v1):
    from io import StringIO

    from django.core.management import CommandError, call_command

    out = StringIO()
    call_command(
        "api_token",
        "--workspace",
        "nhom",
        "--user",
        "editor",
        "--name",
        "Bot",
        "--scope",
        "read",
        "--scope",
        "publish",
        stdout=out,
        stderr=StringIO(),
    )
    made = json.loads(out.getvalue().strip().splitlines()[-1])

    assert made["scopes"] == ["read", "publish"]
    assert v1("editor", "get", "me", raw=made["token"]).json()["token"]["scopes"] == [
        "read",
        "publish",
    ]
    with pytest.raises(CommandError, match="--user"):
        call_command("api_token", "--workspace", "nhom", "--user", "outsider", "--name", "x")


def test_an_id_past_what_a_database_stores_is_a_400_naming_it(team, v1):
    # Found by schemathesis: such an id overflowed SQLite's driver (a 500).
    response = v1("viewer", "get", "items/129794087283994525696", scopes=("read",))

    assert_error(response, 400, "bad_request", field="item_id")


def test_the_first_api_also_limits_each_token_with_retry_after(team, client, settings):
    settings.API_RATE_LIMIT = 1
    _token, raw = accounts_services.api_token_create(member=team.member(team.editor), name="cũ")

    answers = [client.get("/api/claims/", HTTP_AUTHORIZATION=f"Bearer {raw}") for _ in range(2)]

    assert [a.status_code for a in answers] == [200, 429]
    assert int(answers[1]["Retry-After"]) >= 1


def test_an_item_is_promoted_or_attached_as_in_the_triage_queue(team, v1):
    source = monitoring_services.source_create(
        workspace=team.workspace,
        actor=team.admin,
        name="Nhóm công khai",
        kind=SourceKind.IMPORT,
        platform="facebook",
    )
    monitoring_services.items_ingest(
        source=source,
        posts=[
            monitoring_services.Post(text=RUMOUR, url="https://fb.com/p/1"),
            monitoring_services.Post(text=CLAIM_TEXT, url="https://fb.com/p/2"),
        ],
    )
    first, second = Item.objects.filter(source=source).order_by("pk")
    other = services.claim_create(
        workspace=team.other_workspace, actor=team.outsider, text="Nhận định của nhóm khác"
    )

    viewer = v1("viewer", "post", f"items/{first.pk}/decision", {"decision": "dismiss"})
    promoted = v1("checker", "post", f"items/{first.pk}/decision", {"decision": "promote"})
    elsewhere = v1(
        "checker",
        "post",
        f"items/{second.pk}/decision",
        {"decision": "attach", "claim_id": other.pk},
    )
    attached = v1(
        "checker",
        "post",
        f"items/{second.pk}/decision",
        {"decision": "attach", "claim_id": promoted.json()["claim_id"]},
    )

    assert_error(viewer, 403, "forbidden")
    assert promoted.status_code == 200, promoted.content
    assert promoted.json()["state"] == "promoted"
    claim = Claim.objects.get(pk=promoted.json()["claim_id"])
    assert claim.text == RUMOUR
    assert claim.appearances.filter(url="https://fb.com/p/1").exists()
    assert_error(elsewhere, 422, "invalid", field="claim_id")
    assert attached.json()["state"] == "attached"
    assert claim.appearances.filter(url="https://fb.com/p/2").exists()


def test_an_address_no_operation_has_is_a_404_in_the_error_format(team, client):
    response = client.get("/api/v1/claimz/")
    no_slash = client.get("/api/v1/claims")

    assert_error(response, 404, "not_found")
    assert "/api/v1/claims/" in assert_error(no_slash, 404, "not_found")["message"]
