"""Every move a claim and its verdict can make, and the moves they cannot."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from claim_stories import (
    claim_in_state,
    claim_opened,
    rating,
    verdict_approved,
    verdict_drafted,
    verdict_in_review,
    verdict_published,
)
from kiemchung.audit.models import AuditEvent
from kiemchung.claims import services
from kiemchung.claims.models import ClaimState, FactCheckState

ALL_STATES = list(ClaimState.values)


def test_start_moves_open_to_in_progress_and_gives_it_to_the_starter(team):
    claim = claim_opened(team)

    services.claim_start(claim=claim, actor=team.checker)

    claim.refresh_from_db()
    assert claim.state == ClaimState.IN_PROGRESS
    assert claim.assignee == team.checker
    event = AuditEvent.objects.get(action="claim.start")
    assert event.before == {"state": "open", "assignee": None}
    assert event.after == {"state": "in_progress", "assignee": "checker"}


def test_start_keeps_an_existing_assignee(team):
    claim = claim_opened(team, assignee=team.checker2)

    services.claim_start(claim=claim, actor=team.checker)

    claim.refresh_from_db()
    assert claim.assignee == team.checker2


@pytest.mark.parametrize("state", [s for s in ALL_STATES if s != ClaimState.OPEN])
def test_only_an_open_claim_can_be_started(team, state):
    claim = claim_in_state(team, state)

    with pytest.raises(ValidationError):
        services.claim_start(claim=claim, actor=team.editor)

    claim.refresh_from_db()
    assert claim.state == state


@pytest.mark.parametrize("state", [ClaimState.OPEN, ClaimState.IN_PROGRESS])
def test_open_and_in_progress_claims_can_be_dismissed_with_a_reason(team, state):
    claim = claim_in_state(team, state)

    services.claim_dismiss(claim=claim, actor=team.checker, reason="Chỉ là ý kiến cá nhân.")

    claim.refresh_from_db()
    assert claim.state == ClaimState.DISMISSED
    assert claim.dismiss_reason == "Chỉ là ý kiến cá nhân."
    event = AuditEvent.objects.get(action="claim.dismiss")
    assert event.before["state"] == state
    assert event.after == {"state": "dismissed", "dismiss_reason": "Chỉ là ý kiến cá nhân."}


def test_dismissing_needs_a_reason(team):
    claim = claim_opened(team)

    with pytest.raises(ValidationError) as caught:
        services.claim_dismiss(claim=claim, actor=team.editor, reason="  ")

    assert "reason" in caught.value.message_dict
    claim.refresh_from_db()
    assert claim.state == ClaimState.OPEN


@pytest.mark.parametrize(
    "state", [ClaimState.IN_REVIEW, ClaimState.PUBLISHED, ClaimState.DISMISSED]
)
def test_claims_in_review_published_or_dismissed_cannot_be_dismissed(team, state):
    claim = claim_in_state(team, state)

    with pytest.raises(ValidationError):
        services.claim_dismiss(claim=claim, actor=team.editor, reason="Lý do")


def test_reopen_brings_a_dismissed_claim_back_to_open(team):
    claim = claim_in_state(team, ClaimState.DISMISSED)

    services.claim_reopen(claim=claim, actor=team.checker)

    claim.refresh_from_db()
    assert claim.state == ClaimState.OPEN
    assert claim.dismiss_reason == ""
    event = AuditEvent.objects.get(action="claim.reopen")
    assert event.before["state"] == "dismissed"
    assert event.before["dismiss_reason"]
    assert event.after == {"state": "open", "dismiss_reason": ""}


@pytest.mark.parametrize("state", [s for s in ALL_STATES if s != ClaimState.DISMISSED])
def test_only_dismissed_claims_can_be_reopened(team, state):
    claim = claim_in_state(team, state)

    with pytest.raises(ValidationError):
        services.claim_reopen(claim=claim, actor=team.editor)


def test_writing_a_verdict_on_an_open_claim_starts_it(team):
    claim = claim_opened(team)

    factcheck = services.factcheck_save(
        claim=claim, actor=team.checker, rating=None, title="Nháp", summary="", body=""
    )

    claim.refresh_from_db()
    assert claim.state == ClaimState.IN_PROGRESS
    assert claim.assignee == team.checker
    assert factcheck.author == team.checker
    assert factcheck.state == FactCheckState.DRAFT


@pytest.mark.parametrize(
    "state", [ClaimState.IN_REVIEW, ClaimState.PUBLISHED, ClaimState.DISMISSED]
)
def test_no_verdict_writing_in_review_after_publication_or_on_a_dismissed_claim(team, state):
    claim = claim_in_state(team, state)

    with pytest.raises(ValidationError):
        services.factcheck_save(
            claim=claim, actor=team.editor, rating=None, title="Khác", summary="", body=""
        )


def test_submitting_moves_verdict_and_claim_to_review(team):
    factcheck = verdict_drafted(team)

    services.factcheck_submit(factcheck=factcheck, actor=team.checker2)

    factcheck.refresh_from_db()
    assert factcheck.state == FactCheckState.IN_REVIEW
    assert factcheck.claim.state == ClaimState.IN_REVIEW
    assert list(factcheck.versions.values_list("number", "reason")) == [(1, "submitted")]


@pytest.mark.parametrize("make", [verdict_in_review, verdict_approved, verdict_published])
def test_a_verdict_already_sent_on_cannot_be_submitted_again(team, make):
    factcheck = make(team)
    state = factcheck.state

    with pytest.raises(ValidationError):
        services.factcheck_submit(factcheck=factcheck, actor=team.checker2)

    factcheck.refresh_from_db()
    assert factcheck.state == state


def test_a_draft_on_a_dismissed_claim_cannot_be_submitted(team):
    factcheck = verdict_drafted(team)
    services.claim_dismiss(claim=factcheck.claim, actor=team.editor, reason="Trùng lặp.")

    with pytest.raises(ValidationError):
        services.factcheck_submit(factcheck=factcheck, actor=team.checker2)


@pytest.mark.parametrize("make", [verdict_drafted, verdict_approved, verdict_published])
def test_only_a_verdict_in_review_can_be_reviewed(team, make):
    factcheck = make(team)

    with pytest.raises(ValidationError):
        services.review_submit(factcheck=factcheck, actor=team.admin, decision="approve")


def test_an_unknown_review_decision_is_refused(team):
    factcheck = verdict_in_review(team)

    with pytest.raises(ValidationError):
        services.review_submit(factcheck=factcheck, actor=team.editor, decision="maybe")


def test_approval_keeps_the_claim_in_review_until_publication(team):
    factcheck = verdict_approved(team)

    assert factcheck.state == FactCheckState.APPROVED
    assert factcheck.reviewer == team.editor
    assert factcheck.claim.state == ClaimState.IN_REVIEW


def test_editing_an_approved_verdict_withdraws_the_approval(team):
    factcheck = verdict_approved(team)

    services.factcheck_save(
        claim=factcheck.claim,
        actor=team.checker2,
        rating=rating(team, "Gây hiểu lầm"),
        title=factcheck.title,
        summary=factcheck.summary,
        body=factcheck.body,
    )

    factcheck.refresh_from_db()
    assert factcheck.state == FactCheckState.DRAFT
    assert factcheck.reviewer is None
    assert factcheck.claim.state == ClaimState.IN_PROGRESS
    with pytest.raises(ValidationError):
        services.factcheck_publish(factcheck=factcheck, actor=team.editor)


def test_publishing_moves_verdict_and_claim_to_published(team):
    factcheck = verdict_published(team)

    assert factcheck.state == FactCheckState.PUBLISHED
    assert factcheck.claim.state == ClaimState.PUBLISHED
    assert factcheck.published_at is not None


def test_a_published_verdict_cannot_be_published_again(team):
    factcheck = verdict_published(team)
    first = factcheck.published_at

    with pytest.raises(ValidationError):
        services.factcheck_publish(factcheck=factcheck, actor=team.admin)

    factcheck.refresh_from_db()
    assert factcheck.published_at == first


@pytest.mark.parametrize("make", [verdict_drafted, verdict_in_review, verdict_approved])
def test_only_a_published_verdict_can_be_corrected(team, make):
    factcheck = make(team)

    with pytest.raises(ValidationError):
        services.factcheck_correct(factcheck=factcheck, actor=team.editor, note="Sửa")


def test_a_stale_copy_cannot_sneak_past_a_transition(team):
    """Services read the state from the database, not from the object they were handed."""
    factcheck = verdict_in_review(team)
    stale = type(factcheck).objects.get(pk=factcheck.pk)
    services.review_submit(
        factcheck=factcheck, actor=team.editor, decision="request_changes", comment="Thêm nguồn."
    )

    with pytest.raises(ValidationError):
        services.review_submit(factcheck=stale, actor=team.admin, decision="approve")

    factcheck.refresh_from_db()
    assert factcheck.state == FactCheckState.CHANGES_REQUESTED
