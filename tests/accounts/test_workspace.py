"""Workspace settings, switching between workspaces, and changing one's own password."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import SESSION_KEY as AUTH_SESSION_KEY
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from tests.accounts.helpers import PASSWORD

from kiemchung.accounts import services
from kiemchung.accounts.middleware import SESSION_KEY
from kiemchung.accounts.models import Member, Role
from kiemchung.audit.models import AuditEvent

SETTINGS = "/accounts/workspace/"


def test_admin_updates_workspace_settings(client, team):
    client.force_login(team.admin)
    page = client.get(reverse("accounts:workspace_settings"))
    assert page.status_code == 200
    assert 'value="Nhóm Kiểm Chứng"' in page.content.decode()
    response = client.post(
        SETTINGS,
        {
            "name": "Nhóm Kiểm Chứng Miền Trung",
            "description": "Kiểm chứng tin đồn về thiên tai.",
            "corrections_email": "sua@example.org",
            "require_2fa": "on",
        },
    )
    assert response["Location"] == SETTINGS
    team.workspace.refresh_from_db()
    assert team.workspace.name == "Nhóm Kiểm Chứng Miền Trung"
    assert team.workspace.corrections_email == "sua@example.org"
    assert team.workspace.require_2fa is True
    event = AuditEvent.objects.get(action="workspace.update")
    assert event.before["name"] == "Nhóm Kiểm Chứng"
    assert event.after["require_2fa"] is True
    assert "slug" not in event.after


def test_settings_labels_start_with_a_capital_letter(client, team):
    client.force_login(team.admin)

    html = client.get(SETTINGS).content.decode()

    labels = re.findall(r"<label[^>]*>([^<]+)</label>", html)
    assert "Tên nhóm:" in labels
    assert len(labels) >= 6
    assert [label for label in labels if label[:1].islower()] == []


def test_unchanged_settings_write_no_audit_event(team):
    services.workspace_update(workspace=team.workspace, actor=team.admin, name="Nhóm Kiểm Chứng")
    assert not AuditEvent.objects.filter(action="workspace.update").exists()


def test_workspace_settings_reject_a_bad_email(client, team):
    client.force_login(team.admin)
    response = client.post(SETTINGS, {"name": "Nhóm", "corrections_email": "khong-phai-email"})
    assert response.status_code == 400
    assert "Địa chỉ e-mail không hợp lệ." in response.content.decode()
    team.workspace.refresh_from_db()
    assert team.workspace.name == "Nhóm Kiểm Chứng"


@pytest.mark.parametrize("who", ["editor", "checker", "viewer"])
def test_only_admins_change_workspace_settings(client, team, who):
    client.force_login(getattr(team, who))
    assert client.get(SETTINGS).status_code == 403
    assert client.post(SETTINGS, {"name": "Đổi tên"}).status_code == 403
    with pytest.raises(PermissionDenied):
        services.workspace_update(workspace=team.workspace, actor=getattr(team, who), name="x")
    team.workspace.refresh_from_db()
    assert team.workspace.name == "Nhóm Kiểm Chứng"


def test_workspace_update_refuses_fields_it_does_not_manage(team):
    with pytest.raises(TypeError):
        services.workspace_update(workspace=team.workspace, actor=team.admin, slug="khac-nua")


def test_member_of_two_workspaces_switches_between_them(client, team):
    Member.objects.create(workspace=team.other_workspace, user=team.checker, role=Role.EDITOR)
    client.force_login(team.checker)
    page = client.get(reverse("accounts:security")).content.decode()
    assert "Chuyển sang Nhóm khác" in page
    response = client.post(
        reverse("accounts:switch_workspace"), {"workspace": team.other_workspace.pk}
    )
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == team.other_workspace.pk
    page = client.get(reverse("accounts:security"))
    assert page.wsgi_request.workspace == team.other_workspace
    assert page.wsgi_request.member.role == Role.EDITOR


def test_cannot_switch_to_a_workspace_one_does_not_belong_to(client, team):
    client.force_login(team.checker)
    response = client.post(
        reverse("accounts:switch_workspace"), {"workspace": team.other_workspace.pk}
    )
    assert response.status_code == 404
    assert SESSION_KEY not in client.session


def test_member_changes_own_password(client, team):
    client.force_login(team.checker)
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": PASSWORD,
            "new_password": "Mot-mat-khau-moi-2027",
            "new_password_confirm": "Mot-mat-khau-moi-2027",
        },
    )
    assert response.status_code == 302
    assert client.session[AUTH_SESSION_KEY] == str(team.checker.pk), "still logged in"
    team.checker.refresh_from_db()
    assert team.checker.check_password("Mot-mat-khau-moi-2027")
    assert AuditEvent.objects.filter(action="password.change", actor=team.checker).exists()


def test_password_change_explains_what_is_wrong_in_vietnamese(client, team):
    client.force_login(team.checker)
    wrong_old = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": "sai",
            "new_password": "Mot-mat-khau-moi-2027",
            "new_password_confirm": "Mot-mat-khau-moi-2027",
        },
    )
    assert wrong_old.status_code == 400
    assert "Mật khẩu hiện tại không đúng." in wrong_old.content.decode()
    mismatch = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": PASSWORD,
            "new_password": "Mot-mat-khau-moi-2027",
            "new_password_confirm": "Mot-mat-khau-khac-2027",
        },
    )
    assert "Hai mật khẩu mới không khớp nhau." in mismatch.content.decode()
    weak = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": PASSWORD,
            "new_password": "checker123",
            "new_password_confirm": "checker123",
        },
    )
    assert "Mật khẩu quá giống với tên đăng nhập." in weak.content.decode()
    team.checker.refresh_from_db()
    assert team.checker.check_password(PASSWORD)


def test_admins_find_every_settings_page_in_the_top_bar(client, team):
    client.force_login(team.admin)
    html = client.get(reverse("claims:list")).content.decode()

    group = re.search(r'<details class="navgroup" id="nav-settings">(.*?)</details>', html, re.S)
    assert group, "the administration group is in the top bar"
    links = dict(re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', group.group(1)))
    assert links == {
        reverse("accounts:members"): "Thành viên",
        reverse("accounts:workspace_settings"): "Cài đặt nhóm",
        reverse("tipline_channels:channels"): "Kênh nhận tin",
        reverse("outlets:list"): "Kênh đăng",
        reverse("outlets:claimreview_sources"): "ClaimReview của các nhóm khác",
        reverse("webhooks:endpoints"): "Webhook",
        reverse("audit:list"): "Nhật ký",
    }
    for path in links:
        assert client.get(path).status_code == 200

    client.force_login(team.editor)
    assert 'id="nav-settings"' not in client.get(reverse("claims:list")).content.decode()


def test_the_top_bar_has_few_links_of_equal_weight(client, team):
    """The admin's top bar holds on one line at 1280 px (tests/browser/test_staff_inbox.py
    measures it): the daily destinations (my work, claims, triage, figures, tips, readers'
    messages) are links, the administration pages one menu, the account and language another."""
    client.force_login(team.admin)
    html = client.get(reverse("claims:list")).content.decode()

    nav = re.search(r'<nav class="mainnav"[^>]*>(.*?)</nav>', html, re.S)
    assert nav
    top_level = re.sub(r"<details.*?</details>", "", nav.group(1), flags=re.S)
    assert len(re.findall(r"<a ", top_level)) <= 6
    assert len(re.findall(r'<details class="navgroup', nav.group(1))) == 1
    account = re.search(r'<details class="navgroup navgroup-end" id="nav-user">(.*?)</details>',
                        html, re.S)
    assert account, "the account menu is in the top bar"
    for part in (reverse("accounts:security"), reverse("accounts:logout"), 'id="lang-select"'):
        assert part in account.group(1)
