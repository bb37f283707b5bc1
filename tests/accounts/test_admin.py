"""The Django admin: read-only for accounts, except resetting a lost two-factor device."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.urls import reverse

from kiemchung.accounts.models import Member, TotpDevice
from kiemchung.audit.models import AuditEvent


def operator(client):
    root = get_user_model().objects.create_superuser("root", "root@example.org", "Root-pass-2027!")
    client.force_login(root)
    return root


def test_operator_resets_a_lost_two_factor_device_with_an_audit_event(client, team, with_2fa):
    with_2fa(team.editor)
    root = operator(client)
    device = TotpDevice.objects.get(user=team.editor)
    url = reverse("admin:accounts_totpdevice_delete", args=[device.pk])
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert not TotpDevice.objects.filter(user=team.editor).exists()
    event = AuditEvent.objects.get(action="totp.reset")
    assert (event.workspace, event.actor) == (team.workspace, root)


def test_members_cannot_be_changed_through_the_admin(client, team):
    operator(client)
    member = Member.objects.get(user=team.checker)
    url = reverse("admin:accounts_member_change", args=[member.pk])
    client.post(url, {"role": "admin", "is_active": "on"})
    member.refresh_from_db()
    assert member.role == "checker"


def test_admin_shows_neither_token_digests_nor_two_factor_secrets(client, team, with_2fa):
    from kiemchung.accounts import services

    token, _ = services.api_token_create(member=team.member(team.checker), name="bot")
    secret = with_2fa(team.checker)
    operator(client)
    token_page = client.get(reverse("admin:accounts_apitoken_change", args=[token.pk]))
    assert token_page.status_code == 200
    assert token.digest not in token_page.content.decode()
    device = TotpDevice.objects.get(user=team.checker)
    device_page = client.get(reverse("admin:accounts_totpdevice_change", args=[device.pk]))
    assert device_page.status_code == 200
    assert secret not in device_page.content.decode()


ADMIN_LOGIN = "/django-admin/login/"


def _superuser(username: str = "root"):
    from tests.accounts.helpers import PASSWORD

    return get_user_model().objects.create_superuser(username, f"{username}@example.org", PASSWORD)


def _admin_login(client, username: str):
    from tests.accounts.helpers import PASSWORD

    return client.post(
        ADMIN_LOGIN + "?next=/django-admin/",
        {"username": username, "password": PASSWORD, "login": username},
        follow=True,
    )


def test_a_paused_account_cannot_log_in_through_the_admin_login(client, db, settings):
    from tests.accounts.helpers import PASSWORD

    settings.LOGIN_ATTEMPTS = 3
    _superuser()
    for _ in range(3):
        client.post("/accounts/login/", {"login": "root", "password": "sai-mat-khau"})
    response = _admin_login(client, "root")
    assert client.session.get("_auth_user_id") is None
    assert client.get("/django-admin/").status_code == 302
    # The admin's login is the app's own page, which says why it waits.
    login_page = response.redirect_chain[-1][0]
    assert login_page.startswith(reverse("accounts:login"))
    again = client.post(login_page, {"login": "root", "password": PASSWORD})
    assert "Đăng nhập tạm dừng" in again.content.decode()
    assert client.session.get("_auth_user_id") is None


def test_the_admin_login_asks_an_account_with_two_factor_login_for_its_code(
    client, db, with_2fa
):
    from tests.accounts.helpers import PASSWORD, code_for

    root = _superuser()
    secret = with_2fa(root)
    response = _admin_login(client, "root")
    assert client.session.get("_auth_user_id") is None
    login_page = response.redirect_chain[-1][0]
    step = client.post(login_page, {"login": "root", "password": PASSWORD})
    assert step["Location"] == reverse("accounts:login_totp")
    assert client.session.get("_auth_user_id") is None
    done = client.post(reverse("accounts:login_totp"), {"code": code_for(secret)}, follow=True)
    assert client.session.get("_auth_user_id") == str(root.pk)
    assert done.redirect_chain[-1][0] == "/django-admin/"
    assert done.status_code == 200


def test_admin_login_goes_to_the_app_login_and_back(client, db):
    from tests.accounts.helpers import PASSWORD

    _superuser()
    first = client.get("/django-admin/")
    assert first.status_code == 302
    page = client.get(first["Location"], follow=True)
    assert page.redirect_chain[-1][0].startswith(reverse("accounts:login"))
    done = client.post(
        page.redirect_chain[-1][0], {"login": "root", "password": PASSWORD}, follow=True
    )
    assert done.redirect_chain[-1][0] == "/django-admin/"
    assert done.status_code == 200


def test_a_member_who_is_not_staff_is_refused_the_admin_without_a_loop(client, team):
    client.force_login(team.editor)
    response = client.get(ADMIN_LOGIN + "?next=/django-admin/")
    assert response.status_code == 403
