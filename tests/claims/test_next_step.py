"""The claim page says, at its top, the one thing that waits on the person looking: start, add
evidence, write the verdict, send it, review it, publish it; nothing once the claim is done."""

from __future__ import annotations

import re

import pytest
from tests.claim_stories import (
    claim_opened,
    claim_with_evidence,
    verdict_approved,
    verdict_drafted,
    verdict_in_review,
    verdict_published,
)

from kiemchung.claims import services

pytestmark = pytest.mark.django_db


def next_step(client, user, claim) -> str | None:
    client.force_login(user)
    html = client.get(f"/claims/{claim.pk}/").content.decode()
    found = re.search(r'<p class="next-step" id="next-step">(.*?)</p>', html, re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split()) if found else None


def link(client, user, claim) -> str | None:
    client.force_login(user)
    html = client.get(f"/claims/{claim.pk}/").content.decode()
    found = re.search(r'id="next-step">((?:(?!</p>).)*?)<a href="#([\w-]+)"', html, re.S)
    return found.group(2) if found else None


def test_a_new_claim_asks_to_be_started(client, team):
    claim = claim_opened(team)
    assert "Bắt đầu kiểm chứng" in next_step(client, team.checker, claim)


def test_a_started_claim_without_evidence_asks_for_evidence(client, team):
    claim = claim_opened(team)
    services.claim_start(claim=claim, actor=team.checker)
    assert next_step(client, team.checker, claim).startswith("Tiếp theo: thêm bằng chứng.")
    assert link(client, team.checker, claim) == "evidence"


def test_with_evidence_the_verdict_comes_next(client, team):
    claim = claim_with_evidence(team, by=team.checker)
    services.claim_start(claim=claim, actor=team.checker)
    assert next_step(client, team.checker, claim).startswith("Tiếp theo: viết kết luận.")
    assert link(client, team.checker, claim) == "verdict"


def test_a_saved_draft_is_to_be_sent_for_review(client, team):
    factcheck = verdict_drafted(team)
    assert next_step(client, team.checker2, factcheck.claim).startswith("Kết luận đã lưu")


def test_a_verdict_in_review_waits_on_the_editor_not_on_its_author(client, team):
    factcheck = verdict_in_review(team)
    assert next_step(client, team.editor, factcheck.claim).startswith(
        "Kết luận đang chờ bạn duyệt."
    )
    assert link(client, team.editor, factcheck.claim) == "review-panel"
    assert next_step(client, team.checker2, factcheck.claim) == (
        "Kết luận đang chờ một người khác duyệt."
    )
    assert link(client, team.checker2, factcheck.claim) is None


def test_an_approved_verdict_is_for_an_editor_who_did_not_write_it_to_publish(client, team):
    factcheck = verdict_approved(team)
    assert next_step(client, team.editor, factcheck.claim).startswith(
        "Kết luận đã được duyệt và có thể công bố."
    )
    assert next_step(client, team.checker2, factcheck.claim) == (
        "Kết luận đã được duyệt và chờ một biên tập viên công bố."
    )


def test_a_published_claim_has_no_next_step_and_no_delete(client, team):
    factcheck = verdict_published(team)
    assert next_step(client, team.admin, factcheck.claim) is None
    client.force_login(team.admin)
    assert 'id="claim-delete"' not in client.get(f"/claims/{factcheck.claim.pk}/").content.decode()


def test_delete_is_tucked_away_below_the_claims_other_actions(client, team):
    claim = claim_opened(team)
    client.force_login(team.admin)
    html = client.get(f"/claims/{claim.pk}/").content.decode()
    start = html.index('class="card claim-head"')
    head = html[start : html.index("</header>", start)]
    assert head.index('<details class="subform subform-danger">') < head.index('id="claim-delete"')
    assert head.index('id="claim-edit-form"') < head.index('id="claim-delete"')
