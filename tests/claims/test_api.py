"""The claims JSON API: a member's token reads and records claims and sources for its workspace."""

from __future__ import annotations

import pytest

from claim_stories import CLAIM_TEXT, claim_opened, verdict_published
from kiemchung.accounts import services as accounts_services
from kiemchung.claims.models import ArchiveStatus, Claim, Evidence


@pytest.fixture
def api(team, client):
    """A client that calls the API with the token of a member of the team."""

    def call(role, method, path, payload=None):
        member = team.member(getattr(team, role))
        _token, raw = accounts_services.api_token_create(member=member, name=f"tích hợp {role}")
        send = getattr(client, method)
        kwargs = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
        if payload is not None:
            kwargs.update(data=payload, content_type="application/json")
        return send(f"/api/claims/{path}", **kwargs)

    return call


def test_a_checker_records_a_claim_through_the_api(team, api):
    response = api(
        "checker",
        "post",
        "",
        {
            "text": CLAIM_TEXT,
            "topic": "Sức khỏe",
            "tags": ["ung thư"],
            "appearance_url": "https://facebook.com/posts/1",
            "platform": "facebook",
        },
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["text"] == CLAIM_TEXT
    assert body["state"] == "open"
    assert body["assignee"] == "checker"
    claim = Claim.objects.get(pk=body["id"])
    assert claim.workspace == team.workspace
    assert claim.appearances.get().platform == "facebook"


def test_an_editor_assigns_by_username(team, api):
    response = api("editor", "post", "", {"text": "Một nhận định", "assignee": "checker2"})

    assert response.status_code == 201
    assert response.json()["assignee"] == "checker2"


def test_an_unknown_assignee_is_a_422_with_the_field(team, api):
    response = api("editor", "post", "", {"text": "Một nhận định", "assignee": "outsider"})

    assert response.status_code == 422
    assert "assignee" in response.json()["errors"]
    assert not Claim.objects.exists()


def test_a_viewer_token_cannot_create_and_gets_a_403_in_json(team, api):
    response = api("viewer", "post", "", {"text": "Một nhận định"})

    assert response.status_code == 403
    assert response["Content-Type"].startswith("application/json")
    assert "Tạo nhận định" in response.json()["detail"]
    assert not Claim.objects.exists()


def test_invalid_input_is_a_422_with_messages(team, api):
    response = api("checker", "post", "", {"text": "   "})

    assert response.status_code == 422
    assert response.json()["errors"]["text"]


def test_no_token_or_a_bad_token_is_401(team, client):
    assert client.get("/api/claims/").status_code == 401
    bad = client.get("/api/claims/", HTTP_AUTHORIZATION="Bearer kc_abcd_sai")
    assert bad.status_code == 401


def test_listing_is_filtered_and_searched_without_accents(team, api):
    lemon = claim_opened(team, text="Uống nước chanh chữa ung thư")
    claim_opened(team, text="Đà Nẵng cấm xe máy")
    services_claim = Claim.objects.create(workspace=team.other_workspace, text="nuoc chanh khac")

    response = api("viewer", "get", "?q=nuoc+chanh")

    assert response.status_code == 200
    assert [c["id"] for c in response.json()] == [lemon.pk]
    assert services_claim.pk not in [c["id"] for c in api("viewer", "get", "").json()]
    assert api("viewer", "get", "?state=published").json() == []
    assert api("viewer", "get", "?state=nonsense").status_code == 422


def test_one_claim_comes_with_its_verdict_and_sources(team, api):
    factcheck = verdict_published(team)

    response = api("viewer", "get", f"{factcheck.claim.pk}")

    assert response.status_code == 200
    body = response.json()
    assert body["factcheck"]["rating"] == "Sai"
    assert body["factcheck"]["slug"] == factcheck.slug
    assert [e["kind"] for e in body["evidence"]] == ["note"]


def test_another_workspace_claim_is_404(team, api):
    theirs = Claim.objects.create(workspace=team.other_workspace, text="Của nhóm khác")

    assert api("admin", "get", f"{theirs.pk}").status_code == 404
    assert (
        api("admin", "post", f"{theirs.pk}/evidence", {"kind": "note", "note": "x"}).status_code
        == 404
    )


def test_adding_a_web_source_through_the_api(team, api):
    claim = claim_opened(team)

    response = api(
        "checker",
        "post",
        f"{claim.pk}/evidence",
        {"kind": "url", "url": "https://moh.gov.vn/khuyen-cao", "title": "Bộ Y tế"},
    )

    assert response.status_code == 201, response.content
    assert response.json()["archive_status"] == "pending"
    evidence = Evidence.objects.get(pk=response.json()["id"])
    assert evidence.added_by == team.checker
    assert evidence.archive_status == ArchiveStatus.PENDING


def test_a_bad_source_address_is_422_and_a_viewer_is_403(team, api):
    claim = claim_opened(team)

    bad = api("checker", "post", f"{claim.pk}/evidence", {"kind": "url", "url": "javascript:x"})
    denied = api("viewer", "post", f"{claim.pk}/evidence", {"kind": "note", "note": "x"})

    assert bad.status_code == 422
    assert "url" in bad.json()["errors"]
    assert denied.status_code == 403
    assert not Evidence.objects.exists()


def test_the_api_is_described_in_openapi(team, client):
    schema = client.get("/api/openapi.json").json()

    assert "/api/claims/" in schema["paths"]
    assert "/api/claims/{claim_id}/evidence" in schema["paths"]


def _refused_field(response):
    """The field a legacy validation refusal names (its location's last part)."""
    [problem] = response.json()["detail"]
    return problem["loc"][-1], problem["msg"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("text", "Uống nước chanh\x00 chữa ung thư"),
        ("text", "Uống nước chanh \ud800 chữa ung thư"),
        ("topic", "Sức\x00khỏe"),
        ("appearance_url", "https://facebook.com/\udfff"),
    ],
)
def test_nul_and_lone_surrogates_in_a_new_claim_are_a_422_naming_the_field(
    team, api, field, value
):
    payload = {"text": "Một nhận định bình thường", field: value}
    response = api("checker", "post", "", payload)

    assert response.status_code == 422, response.content
    named, message = _refused_field(response)
    assert named == field
    assert "NUL" in message or "surrogate" in message
    assert not Claim.objects.exists()


def test_nul_and_lone_surrogates_in_evidence_and_searches_are_refused(team, api):
    claim = claim_opened(team)
    for payload in ({"kind": "note", "note": "ghi chú\x00"}, {"kind": "note", "title": "\ud83d"}):
        response = api("checker", "post", f"{claim.pk}/evidence", payload)
        assert response.status_code == 422, response.content
        assert _refused_field(response)[0] in payload
    assert not Evidence.objects.exists()

    for path in ("?q=chanh%00", "?topic=%00", "already-checked?q=n%C6%B0%E1%BB%9Bc%00chanh"):
        response = api("viewer", "get", path)
        assert response.status_code == 422, (path, response.content)
        assert _refused_field(response)[0] in ("q", "topic")
