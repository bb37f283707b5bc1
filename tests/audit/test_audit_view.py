"""The audit log page: admins read it, filter it and page through it; nobody else gets in."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from claim_stories import claim_opened
from kiemchung.audit.models import AuditEvent
from kiemchung.claims import services

URL = "/audit/"


def test_the_audit_page_has_its_name():
    assert reverse("audit:list") == URL


def test_admin_reads_the_audit_log(team, client):
    claim = claim_opened(team, by=team.editor)
    services.claim_update(claim=claim, actor=team.checker, topic="Y tế")
    client.force_login(team.admin)

    response = client.get(URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Nhật ký hoạt động" in html
    assert 'data-action="claim.create"' in html
    assert 'data-action="claim.update"' in html
    assert "Y tế" in html
    assert "nhận định" in html  # the object type, named for people
    assert "<html" in html  # the full page, inside the newsroom layout


@pytest.mark.parametrize("role", ["editor", "checker", "viewer"])
def test_members_who_are_not_admins_are_refused(team, client, role):
    claim_opened(team)
    client.force_login(getattr(team, role))

    response = client.get(URL)

    assert response.status_code == 403
    assert b"claim.create" not in response.content


def test_an_admin_of_another_workspace_sees_only_their_own(team, client):
    claim_opened(team)
    services.claim_create(workspace=team.other_workspace, actor=team.outsider, text="Của họ")
    client.force_login(team.outsider)

    response = client.get(URL)

    assert response.status_code == 200
    assert response.content.decode().count('data-action="claim.create"') == 1
    assert "Của họ" in response.content.decode()


def test_anonymous_visitors_are_sent_to_log_in(team, client):
    response = client.get(URL)

    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def _actions(response):
    html = response.content.decode()
    return [part.split('"', 1)[0] for part in html.split('data-action="')[1:]]


def test_filters_narrow_the_list(team, client):
    claim = claim_opened(team, by=team.editor)
    services.claim_update(claim=claim, actor=team.checker, topic="Y tế")
    services.comment_add(claim=claim, actor=team.checker, body="Xem lại nguồn")
    client.force_login(team.admin)

    assert _actions(client.get(URL, {"actor": "checker"})) == ["comment.add", "claim.update"]
    assert _actions(client.get(URL, {"action": "claim.create"})) == ["claim.create"]
    assert _actions(client.get(URL, {"object_type": "claims.comment"})) == ["comment.add"]
    today = timezone.localdate()
    assert len(_actions(client.get(URL, {"since": today, "until": today}))) == 3
    assert _actions(client.get(URL, {"since": today + timedelta(days=1)})) == []


def test_a_backwards_date_range_is_explained(team, client):
    claim_opened(team)
    client.force_login(team.admin)
    today = timezone.localdate()

    response = client.get(URL, {"since": today, "until": today - timedelta(days=1)})

    assert response.status_code == 200
    assert "phải trước hoặc bằng" in response.content.decode()


def test_htmx_gets_only_the_table(team, client):
    claim_opened(team)
    client.force_login(team.admin)

    response = client.get(URL, {"action": "claim.create"}, HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="audit-table"')
    assert "<html" not in html
    assert _actions(response) == ["claim.create"]


def test_the_log_is_paginated(team, client):
    claim = claim_opened(team)
    for i in range(55):
        services.comment_add(claim=claim, actor=team.checker, body=f"Bình luận {i}")
    assert AuditEvent.objects.count() == 56
    client.force_login(team.admin)

    first = client.get(URL)
    second = client.get(URL, {"page": 2})

    assert len(_actions(first)) == 50
    assert len(_actions(second)) == 6
    assert "Trang 1/2" in first.content.decode()
    assert _actions(second)[-1] == "claim.create"


def _visible(html: str) -> str:
    """The page's text as a reader sees it: no tags, no attributes."""
    import re

    return re.sub(r"<[^>]+>", " ", html)


def test_the_log_tells_actions_fields_and_states_in_words(team, client):
    claim = claim_opened(team, by=team.editor)
    services.claim_dismiss(claim=claim, actor=team.editor, reason="Ý kiến cá nhân")
    client.force_login(team.admin)

    html = client.get(URL).content.decode()

    text = _visible(html)
    assert "Bỏ qua nhận định" in text
    assert "Tạo nhận định" in text
    assert "Lý do bỏ qua" in text
    assert "Mới" in text and "Đã bỏ qua" in text
    for raw in ("claim.dismiss", "claim.create", "dismiss_reason", "open", "dismissed"):
        assert raw not in text.split(), raw
    assert '<option value="claim.dismiss">Bỏ qua nhận định</option>' in html


def test_the_log_is_in_english_once_chosen(team, client):
    claim = claim_opened(team, by=team.editor)
    services.claim_dismiss(claim=claim, actor=team.editor, reason="Ý kiến cá nhân")
    client.force_login(team.admin)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})

    text = _visible(client.get(URL).content.decode())

    assert "Dismiss claim" in text
    assert "Reason for dismissing" in text
    assert "New" in text and "Dismissed" in text


def test_every_recorded_action_has_words():
    import ast
    from pathlib import Path

    import kiemchung
    from kiemchung.audit.labels import ACTIONS

    recorded = set()
    for path in Path(kiemchung.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "audit_record":
                for keyword in node.keywords:
                    if keyword.arg == "action":
                        recorded |= {
                            c.value
                            for c in ast.walk(keyword.value)
                            if isinstance(c, ast.Constant) and isinstance(c.value, str)
                        }
    # f"items.{decision}" and the like leave only their prefix here: those are listed below.
    recorded = {action for action in recorded if "." in action.strip(".")}
    decisions = {f"items.{d}" for d in ("promote", "attach", "dismiss")}
    decisions |= {f"factcheck.{d}" for d in ("approve", "request_changes")}
    assert recorded - set(ACTIONS) == set()
    assert decisions - set(ACTIONS) == set()
