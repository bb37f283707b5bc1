"""The audit trail: every write leaves an event in its author's name, and no event ever changes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from claim_stories import claim_opened, rating, verdict_published
from kiemchung.audit.models import AuditEvent
from kiemchung.audit.selectors import audit_events, event_changes
from kiemchung.claims import services
from kiemchung.claims.models import EvidenceKind


def test_a_claims_whole_life_is_in_the_audit_trail_in_order(team):
    claim = services.claim_create(workspace=team.workspace, actor=team.editor, text="Tỏi chữa cúm")
    services.claim_assign(claim=claim, actor=team.editor, assignee=team.checker)
    services.claim_start(claim=claim, actor=team.checker)
    services.appearance_add(claim=claim, actor=team.checker, url="https://a.vn/bai-1")
    services.evidence_add(claim=claim, actor=team.checker, kind=EvidenceKind.NOTE, note="Đã hỏi")
    services.comment_add(claim=claim, actor=team.checker, body="@editor nhờ duyệt")
    factcheck = services.factcheck_save(
        claim=claim,
        actor=team.checker,
        rating=rating(team),
        title="Tỏi không chữa được cúm",
        summary="Sai: tỏi không chữa được cúm, theo các bác sĩ.",
        body="",
    )
    services.factcheck_submit(factcheck=factcheck, actor=team.checker)
    services.review_submit(factcheck=factcheck, actor=team.editor, decision="approve")
    services.factcheck_publish(factcheck=factcheck, actor=team.admin)
    services.factcheck_correct(factcheck=factcheck, actor=team.editor, note="Sửa lỗi chính tả")

    trail = [
        (e.action, e.actor.username)
        for e in AuditEvent.objects.filter(workspace=team.workspace).order_by("id")
    ]
    assert trail == [
        ("claim.create", "editor"),
        ("claim.assign", "editor"),
        ("claim.start", "checker"),
        ("appearance.add", "checker"),
        ("evidence.add", "checker"),
        ("comment.add", "checker"),
        ("factcheck.create", "checker"),
        ("factcheck.submit", "checker"),
        ("factcheck.approve", "editor"),
        ("factcheck.publish", "admin"),
        ("factcheck.correct", "editor"),
    ]
    submit = AuditEvent.objects.get(action="factcheck.submit")
    assert (submit.before, submit.after) == (
        {"state": "draft"},
        {"state": "in_review", "version": 1},
    )
    assert submit.object_type == "claims.factcheck"
    assert submit.object_id == str(factcheck.pk)


def test_an_audit_event_cannot_be_changed(team):
    claim_opened(team)
    event = AuditEvent.objects.get()

    event.action = "claim.nothing_happened"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(action="claim.nothing_happened")

    assert AuditEvent.objects.get(pk=event.pk).action == "claim.create"


def test_an_audit_event_cannot_be_deleted(team):
    claim_opened(team)
    event = AuditEvent.objects.get()

    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()

    assert AuditEvent.objects.count() == 1


def test_deleting_a_claim_keeps_its_events(team):
    claim = claim_opened(team)
    services.claim_delete(claim=claim, actor=team.editor)

    assert list(AuditEvent.objects.order_by("id").values_list("action", flat=True)) == [
        "claim.create",
        "claim.delete",
    ]


def test_audit_events_are_for_those_who_may_view_the_audit_log(team):
    claim_opened(team)

    assert len(audit_events(workspace=team.workspace, user=team.admin)) == 1
    for user in (team.editor, team.checker, team.viewer, team.outsider):
        with pytest.raises(PermissionDenied):
            audit_events(workspace=team.workspace, user=user)


def test_audit_events_filter_by_actor_action_type_and_days(team):
    claim = claim_opened(team, by=team.editor)
    services.claim_update(claim=claim, actor=team.checker, topic="Y tế")
    verdict_published(team)
    ws, admin = team.workspace, team.admin

    by_checker = audit_events(workspace=ws, user=admin, actor=team.checker)
    assert {e.action for e in by_checker} == {"claim.update"}
    published = audit_events(workspace=ws, user=admin, action="factcheck.publish")
    assert [e.actor for e in published] == [team.editor]
    evidence = audit_events(workspace=ws, user=admin, object_type="claims.evidence")
    assert [e.action for e in evidence] == ["evidence.add"]
    today = timezone.localdate()
    assert audit_events(workspace=ws, user=admin, since=today, until=today).count() == (
        AuditEvent.objects.filter(workspace=ws).count()
    )
    tomorrow = today + timedelta(days=1)
    assert audit_events(workspace=ws, user=admin, since=tomorrow).count() == 0
    assert audit_events(workspace=ws, user=admin, until=today - timedelta(days=1)).count() == 0


def test_audit_events_of_another_workspace_stay_there(team):
    services.claim_create(workspace=team.other_workspace, actor=team.outsider, text="Của họ")

    assert audit_events(workspace=team.workspace, user=team.admin).count() == 0
    assert audit_events(workspace=team.other_workspace, user=team.outsider).count() == 1


def test_event_changes_pair_each_field_before_and_after(team):
    claim = claim_opened(team)
    services.claim_update(claim=claim, actor=team.editor, topic="Y tế", tags=["cúm"])

    event = AuditEvent.objects.get(action="claim.update")
    changes = [(c.field, c.before, c.after) for c in event_changes(event)]

    assert changes == [("tags", [], ["cúm"]), ("topic", "", "Y tế")]
    assert [(c.before_text, c.after_text) for c in event_changes(event)] == [
        ("—", "cúm"),
        ("", "Y tế"),
    ]
