"""Known wordings: a claim is also found by the words it was seen in (the text of its
appearances) and by the wording of the claims merged into it; a search shows the claim, or its
fact-check once published, never the wording as a record of its own. Real model, real
database; the texts are written for these tests."""

from __future__ import annotations

import json
import re
from io import StringIO

import pytest
from django.core.management import call_command
from tests.claims.matching_stories import (
    GARLIC,
    MOTORBIKE,
    MOTORBIKE_AGAIN,
    MOTORBIKE_AGAIN_TYPED,
    VACCINE,
    VACCINE_POST,
    VACCINE_POST_RESHARED,
    held,
    opened,
    publish,
    search,
)

from kiemchung.accounts import services as accounts_services
from kiemchung.claims import matching, services

pytestmark = pytest.mark.usefixtures("index_in_tmp")


def test_a_merged_claims_wording_finds_the_claim_it_went_into_then_its_factcheck(team):
    workspace = team.workspace
    bike = opened(team, MOTORBIKE, by=team.checker2)
    again = opened(team, MOTORBIKE_AGAIN)
    opened(team, GARLIC)
    assert search(workspace, MOTORBIKE_AGAIN_TYPED)[0].claim == again

    services.claim_merge(source=again, target=bike, actor=team.editor)

    results = search(workspace, MOTORBIKE_AGAIN_TYPED)
    best = results[0]
    assert best.record_id == f"claim:{bike.pk}"
    assert best.kind == "claim" and best.is_open_claim
    assert best.wording == MOTORBIKE_AGAIN
    assert best.decision == "same"
    # One result for the claim, whether found by its own words or by the merged ones.
    assert [r.claim.pk for r in results].count(bike.pk) == 1
    assert again.pk not in [r.claim.pk for r in results]
    # Its own words still find it directly, with no wording to explain.
    direct = search(workspace, MOTORBIKE)[0]
    assert direct.record_id == f"claim:{bike.pk}" and direct.wording == ""

    factcheck = publish(
        team,
        bike,
        title="Hà Nội chưa cấm xe máy chạy xăng vào nội thành",
        summary="Sai: thành phố mới lấy ý kiến về vùng phát thải thấp, chưa có lệnh cấm.",
    )

    best = search(workspace, MOTORBIKE_AGAIN_TYPED)[0]
    assert best.record_id == f"factcheck:{factcheck.pk}"
    assert best.kind == "factcheck" and best.rating == "Sai"
    assert best.wording == MOTORBIKE_AGAIN
    assert best.decision == "same"
    # Readers of the public search find the fact-check by the merged wording too.
    public = matching.published_matches(text=MOTORBIKE_AGAIN_TYPED, k=3)
    assert public[0].record_id == f"factcheck:{factcheck.pk}"
    # ...without the newsroom's wording that matched.
    assert public[0].wording == ""


def test_wordings_follow_the_claim_they_went_into_out_of_the_index_and_back(team):
    workspace = team.workspace
    bike = opened(team, MOTORBIKE)
    again = opened(team, MOTORBIKE_AGAIN)
    post = services.appearance_add(claim=again, actor=team.checker, text=VACCINE_POST)
    bike.appearances.create(url="https://x.com/a/1")  # a link only: not a wording
    services.claim_merge(source=again, target=bike, actor=team.editor)
    wordings = {f"claim:{again.pk}", f"appearance:{post.pk}"}
    assert wordings <= held(workspace)

    services.claim_dismiss(claim=bike, actor=team.editor, reason="Không đủ lan truyền.")
    assert not wordings & held(workspace)
    services.claim_reopen(claim=bike, actor=team.editor)
    assert wordings <= held(workspace)

    services.claim_delete(claim=bike, actor=team.editor)
    assert not wordings & held(workspace)
    # A rebuild from the database agrees with the copy kept up to date.
    matching.forget_replicas()
    matching.index_rebuild(workspace=workspace)
    assert not wordings & held(workspace)


def test_the_text_of_an_appearance_finds_its_claim_while_the_claim_is_worked_on(team):
    workspace = team.workspace
    vaccine = opened(team, VACCINE)
    opened(team, GARLIC)
    opened(team, MOTORBIKE)
    appearance = services.appearance_add(
        claim=vaccine,
        actor=team.checker,
        url="https://facebook.com/nhom-chi-em/posts/1",
        platform="Facebook",
        text=VACCINE_POST,
    )
    record = f"appearance:{appearance.pk}"
    assert record in held(workspace)

    best = search(workspace, VACCINE_POST_RESHARED)[0]
    assert best.record_id == f"claim:{vaccine.pk}"
    assert best.wording == VACCINE_POST
    assert best.decision == "same"

    # The claim page leaves out its own claim, whatever words found it.
    page_results = search(workspace, VACCINE_POST_RESHARED, exclude_claim=vaccine)
    assert vaccine.pk not in [r.claim.pk for r in page_results]

    # Set aside, its wordings leave the index; reopened, they come back.
    services.claim_dismiss(claim=vaccine, actor=team.editor, reason="Không đủ lan truyền.")
    assert record not in held(workspace)
    assert vaccine.pk not in [r.claim.pk for r in search(workspace, VACCINE_POST_RESHARED)]
    services.claim_reopen(claim=vaccine, actor=team.editor)
    assert record in held(workspace)
    assert search(workspace, VACCINE_POST_RESHARED)[0].record_id == f"claim:{vaccine.pk}"

    # A rebuild from the database holds them too.
    matching.forget_replicas()
    matching.index_rebuild(workspace=workspace)
    assert record in held(workspace)
    assert f"claim:{vaccine.pk}" in held(workspace)


def test_a_note_about_a_sighting_is_not_a_wording(team):
    vaccine = opened(team, VACCINE)
    link_only = services.appearance_add(
        claim=vaccine, actor=team.checker, url="https://tiktok.com/@kenh/video/9"
    )
    note = services.appearance_add(
        claim=vaccine, actor=team.checker, text="Tin báo ABC123 qua Zalo", wording=False
    )

    records = held(team.workspace)

    assert f"appearance:{link_only.pk}" not in records
    assert f"appearance:{note.pk}" not in records
    assert not note.wording
    # The claim is found by its own words, never by the note.
    best = search(team.workspace, f"Tin báo ABC123 qua Zalo: {VACCINE}")[0]
    assert best.claim == vaccine and best.wording == ""


def test_already_checked_shows_the_wording_that_matched(team, client):
    vaccine = opened(team, VACCINE)
    services.appearance_add(claim=vaccine, actor=team.checker, text=VACCINE_POST)
    client.force_login(team.viewer)

    html = client.get("/claims/already-checked/", {"q": VACCINE_POST_RESHARED}).content.decode()

    first = re.search(r'<li class="match[^"]*" data-record="([^"]+)">(.*?)</li>', html, re.S)
    assert first and first.group(1) == f"claim:{vaccine.pk}"
    assert "Khớp qua một cách diễn đạt đã gặp:" in first.group(2)
    assert "bác sĩ quen mình nói mũi đó" in first.group(2)

    member = team.member(team.checker)
    _token, raw = accounts_services.api_token_create(member=member, name="tích hợp")
    body = client.get(
        "/api/claims/already-checked",
        {"q": VACCINE_POST_RESHARED, "k": 3},
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    ).json()
    best = body["results"][0]
    assert best["id"] == f"claim:{vaccine.pk}"
    assert best["matched_wording"] == VACCINE_POST
    direct = client.get(
        "/api/claims/already-checked", {"q": VACCINE, "k": 1}, HTTP_AUTHORIZATION=f"Bearer {raw}"
    ).json()
    assert direct["results"][0]["matched_wording"] is None

    out, err = StringIO(), StringIO()
    call_command("match", VACCINE_POST_RESHARED, workspace="nhom", k=1, stdout=out, stderr=err)
    printed = json.loads(out.getvalue().strip().splitlines()[-1])["results"][0]
    assert printed["id"] == f"claim:{vaccine.pk}"
    assert printed["matched_wording"] == VACCINE_POST


def test_results_never_show_another_workspaces_rows_whatever_the_index_holds(team):
    from tests.claims.matching_stories import lemon_published

    from kiemchung.matching.index import Match

    theirs = lemon_published(team)  # published in team.workspace
    their_claim = opened(team, GARLIC)
    appearance = services.appearance_add(claim=their_claim, actor=team.checker, text=VACCINE_POST)
    stray = [
        Match(record, 0.995, 0.9, 0.9, 0.9, 1, 1)
        for record in (
            f"factcheck:{theirs.pk}",
            f"claim:{their_claim.pk}",
            f"appearance:{appearance.pk}",
        )
    ]

    assert matching.resolve(team.other_workspace, stray, 5) == []
    assert [r.record_id for r in matching.resolve(team.workspace, stray, 5)] == [
        f"factcheck:{theirs.pk}",
        f"claim:{their_claim.pk}",
    ]
