"""Recording claims: who they go to, what is checked on the way in, and what is kept."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from claim_stories import CLAIM_TEXT, claim_opened, verdict_drafted, verdict_published
from kiemchung.audit.models import AuditEvent
from kiemchung.claims import services
from kiemchung.claims.models import Appearance, Claim, ClaimState, Evidence, EvidenceKind


def test_checker_own_claims_are_assigned_to_them(team):
    claim = services.claim_create(workspace=team.workspace, actor=team.checker, text=CLAIM_TEXT)

    assert claim.assignee == team.checker
    assert claim.created_by == team.checker
    assert claim.state == ClaimState.OPEN


def test_editor_claims_stay_unassigned_unless_given(team):
    unassigned = services.claim_create(workspace=team.workspace, actor=team.editor, text="Một")
    given = services.claim_create(
        workspace=team.workspace, actor=team.editor, text="Hai", assignee=team.checker2
    )

    assert unassigned.assignee is None
    assert given.assignee == team.checker2


def test_checker_cannot_hand_a_new_claim_to_someone_else(team):
    with pytest.raises(PermissionDenied):
        services.claim_create(
            workspace=team.workspace, actor=team.checker, text="Một", assignee=team.checker2
        )
    assert not Claim.objects.exists()


def test_claim_create_records_where_it_appeared(team):
    claim = services.claim_create(
        workspace=team.workspace,
        actor=team.checker,
        text=f"  {CLAIM_TEXT}  ",
        topic="Sức khỏe",
        tags=["ung thư", "Ung thư", " chanh "],
        appearance_url="https://www.facebook.com/groups/1/posts/2",
        platform="facebook",
    )

    assert claim.text == CLAIM_TEXT
    assert claim.tags == ["ung thư", "chanh"]
    appearance = Appearance.objects.get(claim=claim)
    assert appearance.url == "https://www.facebook.com/groups/1/posts/2"
    assert appearance.platform == "facebook"
    assert appearance.added_by == team.checker
    event = AuditEvent.objects.get(action="claim.create")
    assert event.actor == team.checker
    assert event.after["text"] == CLAIM_TEXT
    assert event.after["assignee"] == "checker"
    assert event.after["appearance"]["platform"] == "facebook"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"text": "   "}, "text"),
        ({"text": "x" * 2001}, "text"),
        ({"text": "Một", "topic": "c" * 81}, "topic"),
        ({"text": "Một", "tags": ["t" * 41]}, "tags"),
        ({"text": "Một", "appearance_url": "javascript:alert(1)"}, "appearance_url"),
        ({"text": "Một", "appearance_url": "ftp://example.org/a"}, "appearance_url"),
    ],
)
def test_claim_create_refuses_bad_input_with_a_message(team, fields, field):
    with pytest.raises(ValidationError) as caught:
        services.claim_create(workspace=team.workspace, actor=team.editor, **fields)

    assert field in caught.value.message_dict
    assert not Claim.objects.exists()


@pytest.mark.parametrize("who", ["viewer", "outsider"])
def test_claims_are_assigned_only_to_members_who_may_write_verdicts(team, who):
    claim = claim_opened(team)

    with pytest.raises(ValidationError) as caught:
        services.claim_assign(claim=claim, actor=team.editor, assignee=getattr(team, who))

    assert "assignee" in caught.value.message_dict
    claim.refresh_from_db()
    assert claim.assignee is None


def test_a_deactivated_member_cannot_be_assigned(team):
    member = team.member(team.checker2)
    member.is_active = False
    member.save()

    with pytest.raises(ValidationError):
        services.claim_assign(claim=claim_opened(team), actor=team.editor, assignee=team.checker2)


def test_assign_and_unassign_are_audited(team):
    claim = claim_opened(team)

    services.claim_assign(claim=claim, actor=team.editor, assignee=team.checker)
    services.claim_assign(claim=claim, actor=team.editor, assignee=None)

    claim.refresh_from_db()
    assert claim.assignee is None
    events = list(AuditEvent.objects.filter(action="claim.assign").order_by("id"))
    assert [(e.before, e.after) for e in events] == [
        ({"assignee": None}, {"assignee": "checker"}),
        ({"assignee": "checker"}, {"assignee": None}),
    ]


def test_claim_update_records_before_and_after(team):
    claim = claim_opened(team)

    services.claim_update(
        claim=claim, actor=team.checker, text="Nước chanh chữa ung thư", topic="Y tế"
    )

    claim.refresh_from_db()
    assert claim.text == "Nước chanh chữa ung thư"
    event = AuditEvent.objects.get(action="claim.update")
    assert event.actor == team.checker
    assert event.before == {"text": CLAIM_TEXT, "topic": ""}
    assert event.after == {"text": "Nước chanh chữa ung thư", "topic": "Y tế"}


def test_claim_update_without_a_change_writes_nothing(team):
    claim = claim_opened(team)

    services.claim_update(claim=claim, actor=team.checker, text=CLAIM_TEXT, tags=[])

    assert not AuditEvent.objects.filter(action="claim.update").exists()


def test_published_claim_wording_is_frozen(team):
    claim = verdict_published(team).claim

    with pytest.raises(ValidationError):
        services.claim_update(claim=claim, actor=team.editor, text="Một câu khác")
    services.claim_update(claim=claim, actor=team.editor, topic="Sức khỏe")

    claim.refresh_from_db()
    assert claim.text == CLAIM_TEXT
    assert claim.topic == "Sức khỏe"


def test_claim_delete_removes_it_with_its_files(
    team, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    claim = claim_opened(team)
    evidence = services.evidence_add(
        claim=claim,
        actor=team.editor,
        kind=EvidenceKind.DOCUMENT,
        document=SimpleUploadedFile("cong-van.pdf", b"%PDF-1.4 noi dung"),
    )
    stored = tmp_path / evidence.document.name
    assert stored.exists()
    claim_id, evidence_id = claim.pk, evidence.pk

    with django_capture_on_commit_callbacks(execute=True):
        services.claim_delete(claim=claim, actor=team.editor)

    assert not Claim.objects.filter(pk=claim_id).exists()
    assert not Evidence.objects.filter(pk=evidence_id).exists()
    assert not stored.exists()
    event = AuditEvent.objects.get(action="claim.delete")
    assert event.object_id == str(claim_id)
    assert event.before["text"] == CLAIM_TEXT


def test_claim_delete_is_refused_once_published(team):
    claim = verdict_published(team).claim

    with pytest.raises(ValidationError):
        services.claim_delete(claim=claim, actor=team.admin)

    assert Claim.objects.filter(pk=claim.pk).exists()


def test_a_claim_with_a_draft_verdict_can_be_deleted(team):
    claim = verdict_drafted(team).claim

    services.claim_delete(claim=claim, actor=team.editor)

    assert not Claim.objects.filter(pk=claim.pk).exists()
