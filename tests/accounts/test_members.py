"""Members and roles: admins add people, change roles and take access away; the last admin
stays; other roles cannot manage members."""

from __future__ import annotations

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from kiemchung.accounts import services
from kiemchung.accounts.models import ApiToken, Member, Role
from kiemchung.audit.models import AuditEvent

MEMBERS = "/accounts/members/"


def test_admin_sees_the_members_of_the_workspace(client, team):
    client.force_login(team.admin)
    page = client.get(reverse("accounts:members"))
    assert page.status_code == 200
    html = page.content.decode()
    for name in ("admin", "editor", "checker", "checker2", "viewer"):
        assert f">{name}" in html
    assert "outsider" not in html
    assert "autofocus" in html.split('id="h-new-member"', 1)[1]


@pytest.mark.parametrize("who", ["editor", "checker", "viewer"])
def test_checker_cannot_manage_members(client, team, who):
    client.force_login(getattr(team, who))
    assert client.get(reverse("accounts:members")).status_code == 403
    response = client.post(
        reverse("accounts:member_create"),
        {
            "username": "moi",
            "email": "moi@example.org",
            "role": "admin",
            "password": "a-Long-pass-42",
        },
    )
    assert response.status_code == 403
    checker2 = team.member(team.checker2)
    assert (
        client.post(reverse("accounts:member_role", args=[checker2.pk]), {"role": "admin"})
    ).status_code == 403
    assert client.post(reverse("accounts:member_deactivate", args=[checker2.pk])).status_code == 403
    checker2.refresh_from_db()
    assert checker2.role == Role.CHECKER and checker2.is_active
    assert not get_user_model().objects.filter(username="moi").exists()


def test_admin_adds_a_member_with_a_new_account(client, team):
    client.force_login(team.admin)
    response = client.post(
        reverse("accounts:member_create"),
        {
            "username": "phongvien",
            "email": "phongvien@example.org",
            "role": "checker",
            "password": "Kiem-chung-2027!",
        },
    )
    assert response.status_code == 302
    member = Member.objects.get(workspace=team.workspace, user__username="phongvien")
    assert member.role == Role.CHECKER
    assert (
        authenticate(username="phongvien@example.org", password="Kiem-chung-2027!") == member.user
    )
    event = AuditEvent.objects.get(action="member.add", object_id=str(member.pk))
    assert event.actor == team.admin
    assert event.after["role"] == "checker"
    assert "Kiem-chung-2027!" not in str(event.after)


def test_password_validation_errors_are_shown_in_vietnamese(client, team):
    client.force_login(team.admin)
    response = client.post(
        reverse("accounts:member_create"),
        {"username": "moi", "email": "moi@example.org", "role": "checker", "password": "12345"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Mật khẩu quá ngắn: cần ít nhất 10 ký tự." in html
    assert "Mật khẩu này quá phổ biến, dễ bị đoán ra." in html
    assert "Mật khẩu không được chỉ gồm chữ số." in html
    assert "This password" not in html
    assert not get_user_model().objects.filter(username="moi").exists()


def test_new_account_needs_an_unused_username_and_email(client, team):
    client.force_login(team.admin)
    response = client.post(
        reverse("accounts:member_create"),
        {
            "username": "Editor",
            "email": "VIEWER@example.org",
            "role": "checker",
            "password": "Kiem-chung-2027!",
        },
    )
    html = response.content.decode()
    assert "Tên đăng nhập này đã có người dùng." in html
    assert "Địa chỉ e-mail này đã gắn với một tài khoản khác." in html


def test_admin_adds_an_existing_account_by_email(client, team):
    client.force_login(team.admin)
    response = client.post(
        reverse("accounts:member_add_existing"), {"login": "Outsider@example.org", "role": "viewer"}
    )
    assert response.status_code == 302
    member = Member.objects.get(workspace=team.workspace, user=team.outsider)
    assert member.role == Role.VIEWER
    # The outsider's own workspace is untouched.
    assert Member.objects.get(workspace=team.other_workspace, user=team.outsider).role == Role.ADMIN


def test_adding_someone_who_is_not_there_or_already_a_member_is_refused(client, team):
    client.force_login(team.admin)
    missing = client.post(
        reverse("accounts:member_add_existing"), {"login": "khongco", "role": "viewer"}
    )
    assert "Không tìm thấy tài khoản nào" in missing.content.decode()
    already = client.post(
        reverse("accounts:member_add_existing"), {"login": "checker", "role": "viewer"}
    )
    assert "checker đã là thành viên của nhóm." in already.content.decode()
    assert team.member(team.checker).role == Role.CHECKER


def test_adding_a_deactivated_member_back_gives_them_access_again(team):
    member = services.member_deactivate(member=team.member(team.checker), actor=team.admin)
    again = services.member_add(
        workspace=team.workspace, actor=team.admin, username="checker", email="", role="editor"
    )
    assert again.pk == member.pk
    assert again.is_active and again.role == Role.EDITOR


def test_admin_changes_a_role(client, team):
    client.force_login(team.admin)
    checker = team.member(team.checker)
    response = client.post(reverse("accounts:member_role", args=[checker.pk]), {"role": "editor"})
    assert response["Location"] == MEMBERS
    checker.refresh_from_db()
    assert checker.role == Role.EDITOR
    event = AuditEvent.objects.get(action="member.set_role")
    assert (event.before, event.after) == ({"role": "checker"}, {"role": "editor"})


def test_admin_cannot_demote_last_admin(client, team):
    admin = team.member(team.admin)
    with pytest.raises(ValidationError):
        services.member_set_role(member=admin, actor=team.admin, role="editor")
    client.force_login(team.admin)
    response = client.post(reverse("accounts:member_role", args=[admin.pk]), {"role": "editor"})
    page = client.get(response["Location"]).content.decode()
    assert "Nhóm cần ít nhất một quản trị viên đang hoạt động" in page
    admin.refresh_from_db()
    assert admin.role == Role.ADMIN


def test_admin_cannot_deactivate_last_admin(client, team):
    admin = team.member(team.admin)
    client.force_login(team.admin)
    client.post(reverse("accounts:member_deactivate", args=[admin.pk]))
    admin.refresh_from_db()
    assert admin.is_active


def test_an_admin_may_step_down_once_there_is_another(team):
    services.member_set_role(member=team.member(team.editor), actor=team.admin, role="admin")
    services.member_set_role(member=team.member(team.admin), actor=team.admin, role="editor")
    assert team.member(team.admin).role == Role.EDITOR
    # The remaining admin is now the last one.
    with pytest.raises(ValidationError):
        services.member_deactivate(member=team.member(team.editor), actor=team.editor)


def test_deactivated_admin_does_not_count_as_the_remaining_admin(team):
    second = services.member_set_role(
        member=team.member(team.editor), actor=team.admin, role="admin"
    )
    services.member_deactivate(member=second, actor=team.admin)
    with pytest.raises(ValidationError):
        services.member_set_role(member=team.member(team.admin), actor=team.admin, role="viewer")


def test_deactivated_member_loses_access_and_tokens(client, team):
    token, _ = services.api_token_create(member=team.member(team.checker), name="bot")
    admin = client
    admin.force_login(team.admin)
    checker = team.member(team.checker)
    admin.post(reverse("accounts:member_deactivate", args=[checker.pk]))
    checker.refresh_from_db()
    token.refresh_from_db()
    assert not checker.is_active
    assert token.revoked_at is not None
    event = AuditEvent.objects.get(action="member.deactivate")
    assert event.after == {"is_active": False, "api_tokens_revoked": 1}

    admin.post(reverse("accounts:member_reactivate", args=[checker.pk]))
    checker.refresh_from_db()
    assert checker.is_active
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None, "tokens stay revoked"


def test_admin_of_another_workspace_cannot_touch_these_members(client, team):
    checker = team.member(team.checker)
    with pytest.raises(PermissionDenied):
        services.member_set_role(member=checker, actor=team.outsider, role="viewer")
    with pytest.raises(PermissionDenied):
        services.member_add(
            workspace=team.workspace,
            actor=team.outsider,
            username="x",
            email="x@example.org",
            role="admin",
            password="Kiem-chung-2027!",
        )
    client.force_login(team.outsider)
    assert client.post(reverse("accounts:member_deactivate", args=[checker.pk])).status_code == 404
    checker.refresh_from_db()
    assert checker.is_active


def test_unknown_role_is_refused(team):
    with pytest.raises(ValidationError):
        services.member_set_role(member=team.member(team.checker), actor=team.admin, role="owner")
