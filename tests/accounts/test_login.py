"""Logging in and out: by username or e-mail, errors in Vietnamese, a pause after failures."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from tests.accounts.helpers import PASSWORD

LOGIN = "/accounts/login/"


def post_login(client: Client, login: str, password: str, **extra):
    return client.post(LOGIN, {"login": login, "password": password}, **extra)


def logged_in_as(client: Client) -> str | None:
    return client.session.get("_auth_user_id")


def test_login_page_is_at_accounts_login_and_is_keyboard_friendly(client):
    assert reverse("accounts:login") == LOGIN
    page = client.get(LOGIN).content.decode()
    assert 'autocomplete="username"' in page
    assert 'autocomplete="current-password"' in page
    assert re.search(r'<input[^>]*name="login"[^>]*autofocus', page)
    assert '<label for="id_login">Tên đăng nhập hoặc e-mail' in page
    assert '<label for="id_password">Mật khẩu' in page


def test_login_by_username(client, team):
    response = post_login(client, "checker", PASSWORD)
    assert response.status_code == 302
    assert logged_in_as(client) == str(team.checker.pk)


def test_login_by_email(client, team):
    response = post_login(client, "Checker@Example.org", PASSWORD)
    assert response.status_code == 302
    assert logged_in_as(client) == str(team.checker.pk)


def test_login_goes_to_the_page_asked_for_but_never_off_site(client, team):
    response = client.post(
        LOGIN, {"login": "checker", "password": PASSWORD, "next": "/accounts/security/"}
    )
    assert response["Location"] == "/accounts/security/"
    client.logout()
    response = client.post(
        LOGIN, {"login": "checker", "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert response.status_code == 302
    assert "evil.example" not in response["Location"]


def test_wrong_password_is_refused_in_vietnamese(client, team):
    response = post_login(client, "checker", "sai-mat-khau")
    assert response.status_code == 200
    assert "Tên đăng nhập/e-mail hoặc mật khẩu không đúng." in response.content.decode()
    assert logged_in_as(client) is None


def test_empty_fields_are_reported_in_vietnamese(client, db):
    response = client.post(LOGIN, {"login": "", "password": ""})
    assert "Trường này là bắt buộc." in response.content.decode()


def test_deactivated_account_cannot_log_in(client, team):
    team.checker.is_active = False
    team.checker.save()
    post_login(client, "checker", PASSWORD)
    assert logged_in_as(client) is None


def test_login_paused_after_too_many_failures(client, team, settings):
    settings.LOGIN_ATTEMPTS = 3
    for _ in range(3):
        post_login(client, "checker", "sai-mat-khau")
    response = post_login(client, "checker", PASSWORD)  # even the right password waits
    page = response.content.decode()
    assert "Đăng nhập tạm dừng vì có quá nhiều lần thử không thành công" in page
    assert "15 phút" in page
    assert logged_in_as(client) is None


def test_failures_count_per_account_whichever_name_is_typed(client, team, settings):
    settings.LOGIN_ATTEMPTS = 2
    other_place = Client(REMOTE_ADDR="203.0.113.7")
    post_login(client, "checker", "sai-mat-khau")
    post_login(other_place, "checker@example.org", "sai-mat-khau")
    response = post_login(Client(REMOTE_ADDR="198.51.100.9"), "CHECKER", PASSWORD)
    assert "Đăng nhập tạm dừng" in response.content.decode()
    # Another account is not affected by the checker's pause.
    fresh = Client(REMOTE_ADDR="192.0.2.44")
    post_login(fresh, "editor", PASSWORD)
    assert logged_in_as(fresh) == str(team.editor.pk)


def test_login_paused_per_client_address_across_accounts(team, settings):
    settings.LOGIN_ATTEMPTS = 3
    guesser = Client(REMOTE_ADDR="203.0.113.50")
    for name in ("admin", "editor", "no-such-person"):
        post_login(guesser, name, "doan-bua-123")
    response = post_login(guesser, "viewer", PASSWORD)
    assert "Đăng nhập tạm dừng" in response.content.decode()
    elsewhere = Client(REMOTE_ADDR="203.0.113.51")
    post_login(elsewhere, "viewer", PASSWORD)
    assert logged_in_as(elsewhere) == str(team.viewer.pk)


def test_pause_ends_after_fifteen_minutes(client, team, settings, monkeypatch):
    import time as real_time

    from django.core.cache.backends import locmem

    settings.LOGIN_ATTEMPTS = 2
    for _ in range(2):
        post_login(client, "checker", "sai-mat-khau")
    assert "Đăng nhập tạm dừng" in post_login(client, "checker", PASSWORD).content.decode()

    class Later:
        @staticmethod
        def time() -> float:
            return real_time.time() + 15 * 60 + 1

    monkeypatch.setattr(locmem, "time", Later)
    post_login(client, "checker", PASSWORD)
    assert logged_in_as(client) == str(team.checker.pk)


def test_successful_login_clears_the_account_failures(client, team, settings):
    settings.LOGIN_ATTEMPTS = 3
    for _ in range(2):
        post_login(client, "checker", "sai-mat-khau")
    post_login(client, "checker", PASSWORD)
    assert logged_in_as(client) == str(team.checker.pk)
    client.post(reverse("accounts:logout"))
    other_place = Client(REMOTE_ADDR="203.0.113.8")
    for _ in range(2):
        post_login(other_place, "checker", "sai-mat-khau")
    post_login(other_place, "checker", PASSWORD)
    assert logged_in_as(other_place) == str(team.checker.pk)


def test_no_address_or_login_name_is_kept_in_the_cache(client, team):
    from django.core.cache import cache

    post_login(client, "checker", "sai-mat-khau")
    stored = " ".join(str(key) for key in cache._cache)  # type: ignore[attr-defined]
    assert stored, "the failure was counted"
    assert "127.0.0.1" not in stored
    assert "checker" not in stored


def test_logout_needs_a_post(client, team):
    client.force_login(team.checker)
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert logged_in_as(client) == str(team.checker.pk)
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert response["Location"] == LOGIN
    assert logged_in_as(client) is None


@pytest.mark.parametrize(
    "name",
    [
        "accounts:login",
        "accounts:security",
        "accounts:totp_setup",
        "accounts:members",
        "accounts:workspace_settings",
    ],
)
def test_account_pages_carry_no_inline_script_or_style(client, team, name):
    if name != "accounts:login":
        client.force_login(team.admin)
    response = client.get(reverse(name))
    assert response.status_code == 200
    page = response.content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)
    assert "<style" not in page
    assert " style=" not in page
