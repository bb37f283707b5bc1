"""Two-factor login with an authenticator app: set-up, the second login step, replay, disabling,
and workspaces that require it."""

from __future__ import annotations

import re
import time

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from tests.accounts.helpers import PASSWORD, code_for

from kiemchung.accounts import services
from kiemchung.accounts.models import TotpDevice
from kiemchung.audit.models import AuditEvent

SETUP = "/accounts/security/2fa/"


def start_login(client, login="checker", password=PASSWORD, **data):
    return client.post(reverse("accounts:login"), {"login": login, "password": password, **data})


def test_member_sets_up_two_factor_by_scanning_and_confirming(client, team):
    client.force_login(team.checker)
    page = client.get(SETUP)
    html = page.content.decode()
    assert page.status_code == 200
    assert re.search(r"<svg[^>]*class=\"qr\"", html), "the QR code is inline SVG"
    assert "<img" not in html.split("<main", 1)[1]
    device = TotpDevice.objects.get(user=team.checker)
    assert not device.confirmed
    assert " ".join(device.secret[i : i + 4] for i in range(0, 8, 4)) in html

    wrong = client.post(SETUP, {"code": "12345"})
    assert wrong.status_code == 200
    assert "Mã không đúng hoặc đã hết hạn." in wrong.content.decode()

    done = client.post(SETUP, {"code": code_for(device.secret)})
    assert done.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert AuditEvent.objects.filter(
        workspace=team.workspace, actor=team.checker, action="totp.enable"
    ).exists()


def test_reloading_setup_keeps_the_same_secret_until_confirmed(client, team):
    client.force_login(team.checker)
    client.get(SETUP)
    first = TotpDevice.objects.get(user=team.checker).secret
    client.get(SETUP)
    assert TotpDevice.objects.get(user=team.checker).secret == first


def test_login_asks_for_the_code_when_two_factor_is_on(client, team, with_2fa):
    secret = with_2fa(team.checker)
    response = start_login(client, next="/accounts/security/")
    assert response["Location"] == reverse("accounts:login_totp")
    assert "_auth_user_id" not in client.session, "not logged in before the second step"

    page = client.get(reverse("accounts:login_totp")).content.decode()
    assert 'autocomplete="one-time-code"' in page
    assert 'inputmode="numeric"' in page

    wrong = client.post(reverse("accounts:login_totp"), {"code": "12345"})
    assert "Mã không đúng, đã hết hạn hoặc vừa được dùng." in wrong.content.decode()
    assert "_auth_user_id" not in client.session

    done = client.post(reverse("accounts:login_totp"), {"code": code_for(secret)})
    assert done["Location"] == "/accounts/security/"
    assert client.session["_auth_user_id"] == str(team.checker.pk)


def test_second_step_without_a_password_step_goes_back_to_login(client, team, with_2fa):
    with_2fa(team.checker)
    response = client.get(reverse("accounts:login_totp"))
    assert response["Location"] == reverse("accounts:login")


def test_second_step_expires_after_five_minutes(client, team, with_2fa):
    from kiemchung.accounts.views import PENDING_2FA_KEY

    secret = with_2fa(team.checker)
    start_login(client)
    session = client.session
    session[PENDING_2FA_KEY] = {**session[PENDING_2FA_KEY], "since": time.time() - 5 * 60 - 1}
    session.save()
    response = client.post(reverse("accounts:login_totp"), {"code": code_for(secret)})
    assert response["Location"] == reverse("accounts:login")
    assert "_auth_user_id" not in client.session


def test_totp_code_cannot_be_replayed(team, with_2fa):
    secret = with_2fa(team.checker)
    code = code_for(secret)
    assert services.totp_verify(user=team.checker, code=code) is True
    assert services.totp_verify(user=team.checker, code=code) is False
    # Nor can an older code still inside the drift window be used after a newer one.
    older, newer = code_for(secret, steps_from_now=-1), code_for(secret, steps_from_now=1)
    assert services.totp_verify(user=team.checker, code=older) is False
    assert services.totp_verify(user=team.checker, code=newer) is True


def test_replayed_code_is_refused_at_login(team, with_2fa):
    from django.test import Client

    secret = with_2fa(team.checker)
    code = code_for(secret)
    first, second = Client(), Client()
    start_login(first)
    start_login(second)
    first.post(reverse("accounts:login_totp"), {"code": code})
    assert first.session["_auth_user_id"] == str(team.checker.pk)
    replay = second.post(reverse("accounts:login_totp"), {"code": code})
    assert "vừa được dùng" in replay.content.decode()
    assert "_auth_user_id" not in second.session


def test_wrong_codes_count_towards_the_login_pause(client, team, with_2fa, settings):
    settings.LOGIN_ATTEMPTS = 3
    secret = with_2fa(team.checker)
    start_login(client)
    for _ in range(3):
        client.post(reverse("accounts:login_totp"), {"code": "99999x"})
    response = client.post(reverse("accounts:login_totp"), {"code": code_for(secret)})
    assert "Đăng nhập tạm dừng" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_disabling_two_factor_needs_the_password(client, team, with_2fa):
    with_2fa(team.checker)
    client.force_login(team.checker)
    refused = client.post(reverse("accounts:totp_disable"), {"password": "khong-phai-mat-khau"})
    assert refused.status_code == 400
    assert "Mật khẩu không đúng." in refused.content.decode()
    assert TotpDevice.objects.filter(user=team.checker, confirmed=True).exists()

    done = client.post(reverse("accounts:totp_disable"), {"password": PASSWORD})
    assert done.status_code == 302
    assert not TotpDevice.objects.filter(user=team.checker).exists()
    assert AuditEvent.objects.filter(actor=team.checker, action="totp.disable").exists()
    client.logout()
    start_login(client)
    assert client.session["_auth_user_id"] == str(team.checker.pk), "one step again"


def test_confirming_twice_is_refused(team, with_2fa):
    secret = with_2fa(team.checker)
    with pytest.raises(ValidationError):
        services.totp_begin(user=team.checker)
    with pytest.raises(ValidationError):
        services.totp_confirm(user=team.checker, code=code_for(secret))


def test_totp_required_for_editor_when_workspace_requires_it(client, team):
    team.workspace.require_2fa = True
    team.workspace.save()
    client.force_login(team.editor)
    response = client.get(reverse("accounts:members"))
    assert response["Location"] == SETUP
    response = client.get(reverse("accounts:security"))
    assert response["Location"] == SETUP
    setup = client.get(SETUP)
    assert setup.status_code == 200
    assert "yêu cầu quản trị viên và biên tập viên" in setup.content.decode()

    secret = TotpDevice.objects.get(user=team.editor).secret
    client.post(SETUP, {"code": code_for(secret)})
    assert client.get(reverse("accounts:security")).status_code == 200


def test_admin_is_also_sent_to_setup_but_may_still_log_out(client, team):
    team.workspace.require_2fa = True
    team.workspace.save()
    client.force_login(team.admin)
    assert client.get(reverse("accounts:workspace_settings"))["Location"] == SETUP
    client.post(reverse("accounts:logout"))
    assert "_auth_user_id" not in client.session


def test_checker_is_not_forced_into_two_factor(client, team):
    team.workspace.require_2fa = True
    team.workspace.save()
    client.force_login(team.checker)
    assert client.get(reverse("accounts:security")).status_code == 200


def test_totp_not_required_when_workspace_does_not_ask(client, team):
    client.force_login(team.editor)
    assert client.get(reverse("accounts:security")).status_code == 200
