"""What the newsroom and the public read: my work, the claim list, a claim, published verdicts."""

from __future__ import annotations

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from claim_stories import (
    claim_in_state,
    claim_opened,
    verdict_approved,
    verdict_in_review,
    verdict_published,
)
from kiemchung.claims import selectors, services
from kiemchung.claims.models import ClaimState, EvidenceKind


def test_my_work_lists_my_unfinished_claims_and_verdicts_waiting_for_my_review(team):
    mine_open = claim_opened(team, assignee=team.checker)
    mine_started = services.claim_start(
        claim=claim_opened(team, by=team.checker), actor=team.checker
    )
    services.claim_dismiss(
        claim=claim_opened(team, assignee=team.checker), actor=team.editor, reason="Trùng."
    )
    claim_opened(team, assignee=team.checker2)
    waiting = verdict_in_review(team, author=team.checker2)

    checker_work = selectors.my_work(member=team.member(team.checker))
    editor_work = selectors.my_work(member=team.member(team.editor))

    assert set(checker_work.assigned) == {mine_open, mine_started}
    assert list(checker_work.to_review) == []  # checkers do not review
    assert list(editor_work.assigned) == []
    assert list(editor_work.to_review) == [waiting]
    assert not checker_work.is_empty


def test_my_work_of_nobody_is_empty(team):
    assert selectors.my_work(member=None).is_empty


def test_claim_list_search_ignores_case_and_diacritics(team):
    lemon = claim_opened(team, text="Uống NƯỚC CHANH ấm chữa khỏi ung thư")
    claim_opened(team, text="Đà Nẵng cấm xe máy từ năm 2030")

    for query in ("nuoc chanh", "Nước Chanh", "UNG THU", "chanh ung"):
        assert list(selectors.claim_list(workspace=team.workspace, q=query)) == [lemon], query
    assert [c.text for c in selectors.claim_list(workspace=team.workspace, q="da nang")] == [
        "Đà Nẵng cấm xe máy từ năm 2030"
    ]
    assert list(selectors.claim_list(workspace=team.workspace, q="vaccine")) == []


def test_claim_list_search_follows_a_changed_wording(team):
    claim = claim_opened(team, text="Nước chanh chữa ung thư")
    services.claim_update(claim=claim, actor=team.editor, text="Tỏi chữa cảm cúm")

    assert list(selectors.claim_list(workspace=team.workspace, q="toi chua cam")) == [claim]
    assert list(selectors.claim_list(workspace=team.workspace, q="chanh")) == []


def test_claim_list_filters_by_state_assignee_and_topic(team):
    health = claim_opened(team, topic="Sức khỏe", assignee=team.checker)
    traffic = claim_opened(team, topic="Giao thông", assignee=team.checker2)
    started = services.claim_start(claim=traffic, actor=team.checker2)

    ws = team.workspace
    assert list(selectors.claim_list(workspace=ws, state=ClaimState.IN_PROGRESS)) == [started]
    assert list(selectors.claim_list(workspace=ws, assignee=team.checker)) == [health]
    assert list(selectors.claim_list(workspace=ws, topic="sức khỏe")) == [health]
    assert set(selectors.claim_list(workspace=ws)) == {health, traffic}


def test_claim_list_never_shows_another_workspace(team):
    services.claim_create(workspace=team.other_workspace, actor=team.outsider, text="Của nhóm khác")

    assert list(selectors.claim_list(workspace=team.workspace)) == []


def test_claim_detail_loads_the_page_in_a_fixed_number_of_queries(team):
    factcheck = verdict_published(team)
    claim = factcheck.claim
    services.appearance_add(claim=claim, actor=team.editor, url="https://a.vn/1")
    services.comment_add(claim=claim, actor=team.editor, body="@checker xem nhé")
    services.evidence_add(claim=claim, actor=team.editor, kind=EvidenceKind.URL, url="https://b.vn")

    with CaptureQueriesContext(connection) as queries:
        loaded = selectors.claim_detail(workspace=team.workspace, pk=claim.pk)
        seen = (
            [a.url for a in loaded.appearances.all()],
            [(e.url, getattr(e, "snapshot", None)) for e in loaded.evidence.all()],
            [(c.author.username, list(c.mentions.all())) for c in loaded.comments.all()],
            loaded.factcheck.rating.label,
            loaded.factcheck.reviewer.username,
            [v.number for v in loaded.factcheck.versions.all()],
            [r.reviewer.username for r in loaded.factcheck.reviews.all()],
        )
        count = len(queries)

    assert seen[3] == "Sai"
    assert count == 9, [q["sql"] for q in queries.captured_queries]


def test_claim_detail_is_404_for_another_workspace(team):
    theirs = services.claim_create(
        workspace=team.other_workspace, actor=team.outsider, text="Của nhóm khác"
    )

    with pytest.raises(Http404):
        selectors.claim_detail(workspace=team.workspace, pk=theirs.pk)


def test_published_factchecks_holds_only_published_verdicts_newest_first(team):
    first = verdict_published(team)
    second = verdict_published(team)
    verdict_approved(team)
    verdict_in_review(team)
    claim_in_state(team, ClaimState.DISMISSED)

    assert list(selectors.published_factchecks()) == [second, first]
    assert list(selectors.published_factchecks(workspace=team.workspace)) == [second, first]
    assert list(selectors.published_factchecks(workspace=team.other_workspace)) == []
