"""`kiemchung createworkspace`: a new team with its first admin, ready to log in."""

from __future__ import annotations

import io
import re

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command, get_commands, load_command_class
from django.core.management.base import CommandError

from kiemchung.accounts.models import Member, Role, Workspace
from kiemchung.audit.models import AuditEvent
from kiemchung.claims.models import Rating


def createworkspace(*args: str) -> str:
    out = io.StringIO()
    call_command("createworkspace", *args, stdout=out)
    return out.getvalue()


def test_createworkspace_prints_login(db):
    output = createworkspace(
        "--name",
        "Tổ Kiểm Chứng Đà Nẵng",
        "--slug",
        "da-nang",
        "--admin-username",
        "lan",
        "--admin-email",
        "lan@example.org",
    )
    assert "http://127.0.0.1:8000/accounts/login/" in output
    assert "username: lan" in output
    password = re.search(r"password: (\S+)", output).group(1)
    assert len(password) >= 20
    user = authenticate(username="lan", password=password)
    assert user is not None

    workspace = Workspace.objects.get(slug="da-nang")
    assert workspace.name == "Tổ Kiểm Chứng Đà Nẵng"
    assert Member.objects.get(workspace=workspace, user=user).role == Role.ADMIN
    assert Rating.objects.filter(workspace=workspace).count() == 5
    assert AuditEvent.objects.filter(workspace=workspace, action="workspace.create").exists()


def test_createworkspace_uses_the_given_password_and_does_not_echo_it(db):
    output = createworkspace(
        "--name",
        "Nhóm",
        "--slug",
        "nhom-moi",
        "--admin-username",
        "minh",
        "--admin-email",
        "minh@example.org",
        "--admin-password",
        "Kiem-chung-2027!",
    )
    assert "Kiem-chung-2027!" not in output
    assert authenticate(username="minh@example.org", password="Kiem-chung-2027!") is not None


def test_createworkspace_refuses_a_slug_or_user_that_exists(team):
    with pytest.raises(CommandError) as refused:
        createworkspace(
            "--name",
            "Trùng",
            "--slug",
            "nhom",
            "--admin-username",
            "Admin",
            "--admin-email",
            "editor@example.org",
        )
    message = str(refused.value)
    assert "--slug: Định danh “nhom” đã được dùng." in message
    assert "--admin-username: Tên đăng nhập này đã có người dùng." in message
    assert "--admin-email: Địa chỉ e-mail này đã gắn với một tài khoản khác." in message
    assert Workspace.objects.filter(name="Trùng").count() == 0


def test_createworkspace_refuses_a_weak_password_and_creates_nothing(db):
    with pytest.raises(CommandError, match="--admin-password: Mật khẩu quá ngắn"):
        createworkspace(
            "--name",
            "Nhóm",
            "--slug",
            "nhom-yeu",
            "--admin-username",
            "an",
            "--admin-email",
            "an@example.org",
            "--admin-password",
            "ngan",
        )
    assert not Workspace.objects.filter(slug="nhom-yeu").exists()


def test_createworkspace_error_is_one_message_without_a_traceback(team, capsys, monkeypatch):
    # run_from_argv closes the database connections when done; the test still needs its own.
    monkeypatch.setattr("django.db.connections.close_all", lambda: None)
    command = load_command_class(get_commands()["createworkspace"], "createworkspace")
    with pytest.raises(SystemExit) as exited:
        command.run_from_argv(
            [
                "kiemchung",
                "createworkspace",
                "--name",
                "X",
                "--slug",
                "nhom",
                "--admin-username",
                "moi",
                "--admin-email",
                "moi@example.org",
            ]
        )
    assert exited.value.code == 1
    err = capsys.readouterr().err
    assert "CommandError: cannot create the workspace" in err
    assert "Traceback" not in err


def test_createworkspace_has_help_on_every_option():
    command = load_command_class(get_commands()["createworkspace"], "createworkspace")
    parser = command.create_parser("kiemchung", "createworkspace")
    ours = [
        a
        for a in parser._actions
        if a.dest in {"name", "slug", "admin_username", "admin_email", "admin_password"}
    ]
    assert len(ours) == 5
    assert all(action.help and len(action.help) > 15 for action in ours)


def test_createworkspace_keeps_slugs_lowercase_so_they_stay_unique(db):
    createworkspace(
        "--name", "Nhóm", "--slug", "Ha-Noi", "--admin-username", "hoa",
        "--admin-email", "hoa@example.org",
    )  # fmt: skip
    assert Workspace.objects.get().slug == "ha-noi"
    with pytest.raises(CommandError, match="ha-noi"):
        createworkspace(
            "--name", "Nhóm 2", "--slug", "HA-NOI", "--admin-username", "hoa2",
            "--admin-email", "hoa2@example.org",
        )  # fmt: skip
