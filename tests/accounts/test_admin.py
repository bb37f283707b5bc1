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
