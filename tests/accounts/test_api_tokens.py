"""API tokens: shown once, stored only as a digest, resolved to their member, revocable."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from ninja.testing import TestClient

from kiemchung.accounts import services
from kiemchung.accounts.api import router
from kiemchung.accounts.auth import ApiTokenAuth
from kiemchung.accounts.models import ApiToken
from kiemchung.audit.models import AuditEvent


def bearer(raw: str):
    return RequestFactory().get("/api/", headers={"Authorization": f"Bearer {raw}"})


def test_api_token_stored_only_as_digest(team):
    member = team.member(team.checker)
    token, raw = services.api_token_create(member=member, name="Tập lệnh nhập tin")
    kind, prefix, secret = raw.split("_", 2)
    assert kind == "kc"
    assert prefix == token.prefix
    assert len(secret) >= 40
    token.refresh_from_db()
    assert token.digest == hashlib.sha256(raw.encode()).hexdigest()
    stored = [str(value) for value in ApiToken.objects.filter(pk=token.pk).values().get().values()]
    assert not any(secret in value for value in stored)
    assert AuditEvent.objects.filter(action="api_token.create", actor=team.checker).exists()


def test_token_resolves_to_its_member(team):
    member = team.member(team.editor)
    _, raw = services.api_token_create(member=member, name="bot")
    request = bearer(raw)
    assert ApiTokenAuth()(request) == member
    assert request.member == member
    assert request.workspace == team.workspace
    assert request.user == team.editor


def test_using_a_token_notes_when_it_was_last_used(team):
    token, raw = services.api_token_create(member=team.member(team.editor), name="bot")
    assert token.last_used_at is None
    ApiTokenAuth()(bearer(raw))
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert timezone.now() - token.last_used_at < timedelta(minutes=1)


def test_revoked_token_is_refused(team):
    token, raw = services.api_token_create(member=team.member(team.checker), name="bot")
    services.api_token_revoke(token=token, actor=team.checker)
    assert ApiTokenAuth()(bearer(raw)) is None
    assert AuditEvent.objects.filter(action="api_token.revoke").exists()


@pytest.mark.parametrize(
    "mangle",
    [
        lambda raw: raw[:-1] + ("A" if raw[-1] != "A" else "B"),
        lambda raw: raw.replace("kc_", "xx_", 1),
        lambda raw: raw.rsplit("_", 1)[0],
        lambda raw: "",
    ],
)
def test_unknown_or_malformed_token_is_refused(team, mangle):
    _, raw = services.api_token_create(member=team.member(team.checker), name="bot")
    assert ApiTokenAuth()(bearer(mangle(raw))) is None


def test_deactivated_member_token_is_refused(team):
    _, raw = services.api_token_create(member=team.member(team.checker), name="bot")
    services.member_deactivate(member=team.member(team.checker), actor=team.admin)
    assert ApiTokenAuth()(bearer(raw)) is None


def test_token_of_deactivated_account_is_refused(team):
    _, raw = services.api_token_create(member=team.member(team.checker), name="bot")
    team.checker.is_active = False
    team.checker.save()
    assert ApiTokenAuth()(bearer(raw)) is None


def test_api_says_who_the_token_belongs_to(team):
    _, raw = services.api_token_create(member=team.member(team.editor), name="bot")
    api = TestClient(router)
    response = api.get("/me", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 200
    assert response.json() == {
        "username": "editor",
        "workspace": "nhom",
        "workspace_name": "Nhóm Kiểm Chứng",
        "role": "editor",
    }
    assert api.get("/me").status_code == 401
    assert api.get("/me", headers={"Authorization": "Bearer kc_nope_nope"}).status_code == 401


def test_token_is_shown_once_on_the_security_page(client, team):
    client.force_login(team.checker)
    response = client.post(
        reverse("accounts:token_create"), {"name": "Tập lệnh", "scopes": ["read", "tipline"]}
    )
    assert response.status_code == 200
    token = ApiToken.objects.get(member__user=team.checker)
    assert token.scopes == ["read", "tipline"]
    page = response.content.decode()
    raw = page.split('id="new-token" value="', 1)[1].split('"', 1)[0]
    assert raw.startswith(f"kc_{token.prefix}_")
    assert token.digest == hashlib.sha256(raw.encode()).hexdigest()
    assert response["Cache-Control"].startswith("max-age=0")
    later = client.get(reverse("accounts:security")).content.decode()
    assert "Tập lệnh" in later
    assert raw not in later


def test_token_needs_a_scope(client, team):
    client.force_login(team.checker)
    response = client.post(reverse("accounts:token_create"), {"name": "Tập lệnh"})
    assert response.status_code == 400
    assert "Hãy chọn ít nhất một phạm vi cho mã truy cập." in response.content.decode()
    assert not ApiToken.objects.exists()


def test_token_needs_a_name(client, team):
    client.force_login(team.checker)
    response = client.post(reverse("accounts:token_create"), {"name": "  "})
    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_member_revokes_own_token_from_the_security_page(client, team):
    token, _ = services.api_token_create(member=team.member(team.checker), name="bot")
    client.force_login(team.checker)
    response = client.post(reverse("accounts:token_revoke", args=[token.pk]))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_member_cannot_revoke_someone_elses_token(client, team):
    token, _ = services.api_token_create(member=team.member(team.editor), name="bot")
    client.force_login(team.checker)
    assert client.post(reverse("accounts:token_revoke", args=[token.pk])).status_code == 403
    token.refresh_from_db()
    assert token.revoked_at is None


def test_admin_may_revoke_a_members_token_but_an_outsider_may_not(team):
    token, _ = services.api_token_create(member=team.member(team.editor), name="bot")
    with pytest.raises(PermissionDenied):
        services.api_token_revoke(token=token, actor=team.outsider)
    services.api_token_revoke(token=token, actor=team.admin)
    token.refresh_from_db()
    assert token.revoked_at is not None
