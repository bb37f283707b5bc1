"""Matching where the newsroom works: the "already checked?" box and its API, similar claims on
the claim page, the duplicate check of the new-claim form, and merging two claims."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation
from tests.claims.matching_stories import (
    GARLIC,
    MOTORBIKE,
    VACCINE,
    lemon_published,
    opened,
    published,
)

from kiemchung.accounts import services as accounts_services
from kiemchung.audit.models import AuditEvent
from kiemchung.claims import services
from kiemchung.claims.models import Appearance, Claim, ClaimState, Comment, Evidence, EvidenceKind
from kiemchung.matching.thresholds import DEFAULT_SUGGEST

pytestmark = pytest.mark.usefixtures("index_in_tmp")


def page(response) -> str:
    return response.content.decode()


# Merging


def test_merge_keeps_appearances_evidence_and_history(team, client):
    target = opened(team, VACCINE, by=team.checker)
    services.appearance_add(
        claim=target, actor=team.checker, url="https://facebook.com/nhom-me/1", platform="Facebook"
    )
    source = services.claim_create(
        workspace=team.workspace,
        actor=team.checker2,
        text="Vắc xin Covid làm phụ nữ bị vô sinh",
        appearance_url="https://tiktok.com/@kenh/video/7",
        platform="TikTok",
    )
    services.appearance_add(
        claim=source, actor=team.checker2, url="https://facebook.com/nhom-me/1", platform="Facebook"
    )
    note = services.evidence_add(
        claim=source,
        actor=team.checker2,
        kind=EvidenceKind.NOTE,
        title="Khuyến cáo của Bộ Y tế",
        note="Bộ Y tế: chưa có bằng chứng vắc xin gây vô sinh.",
    )
    comment = services.comment_add(
        claim=source, actor=team.checker2, body="Bài này đã lan sang Zalo."
    )

    result = services.claim_merge(source=source, target=target, actor=team.checker)

    assert result == target
    source.refresh_from_db()
    assert source.state == ClaimState.DISMISSED
    assert source.merged_into == target
    assert source.dismiss_reason == f"Đã gộp vào nhận định #{target.pk}."
    # Appearances move, except a link the target already had, which stays with the source.
    assert sorted(a.url for a in target.appearances.all()) == [
        "https://facebook.com/nhom-me/1",
        "https://tiktok.com/@kenh/video/7",
    ]
    assert [a.url for a in source.appearances.all()] == ["https://facebook.com/nhom-me/1"]
    assert Evidence.objects.get(pk=note.pk).claim == target
    assert Comment.objects.get(pk=comment.pk).claim == target
    # History: both claims keep their trail, and each names the other and what moved.
    merged = AuditEvent.objects.get(action="claim.merge", object_id=str(source.pk))
    assert merged.actor == team.checker
    assert merged.before["state"] == ClaimState.OPEN
    assert merged.after["merged_into"] == target.pk
    assert merged.after["evidence"] == [note.pk]
    assert merged.after["comments"] == [comment.pk]
    assert len(merged.after["appearances"]) == 1
    received = AuditEvent.objects.get(action="claim.merge_in", object_id=str(target.pk))
    assert received.after["merged_from"] == source.pk
    assert AuditEvent.objects.filter(action="claim.create", object_id=str(source.pk)).exists()

    client.force_login(team.checker)
    source_page = page(client.get(f"/claims/{source.pk}/"))
    assert re.search(rf'id="claim-merged-into">.*href="/claims/{target.pk}/"', source_page, re.S)
    target_page = page(client.get(f"/claims/{target.pk}/"))
    assert re.search(rf'id="claim-merged-from">.*href="/claims/{source.pk}/"', target_page, re.S)
    assert "Bộ Y tế: chưa có bằng chứng vắc xin gây vô sinh." in target_page
    assert "Bài này đã lan sang Zalo." in target_page


@pytest.fixture
def english(client):
    """The client reads the newsroom in English; the language is set back afterwards (the
    request leaves it active in this thread)."""
    client.post("/i18n/setlang/", {"language": "en", "next": "/claims/"})
    yield client
    translation.deactivate()


def test_merge_reason_is_kept_in_the_newsrooms_language_whoever_merges(team, english):
    client = english
    target = opened(team, VACCINE)
    source = opened(team, "Vắc xin Covid làm phụ nữ bị vô sinh", by=team.checker)
    client.force_login(team.checker)

    response = client.post(f"/claims/{source.pk}/merge/", {"target": target.pk}, follow=True)

    assert "Merged claim" in page(response)  # the person reads English...
    source.refresh_from_db()
    assert source.dismiss_reason == f"Đã gộp vào nhận định #{target.pk}."  # ...the record stays
    event = AuditEvent.objects.get(action="claim.merge", object_id=str(source.pk))
    assert event.after["dismiss_reason"] == source.dismiss_reason


def test_merge_refuses_itself_other_workspaces_published_claims_and_viewers(team):
    claim = opened(team, VACCINE)
    other = opened(team, GARLIC)
    elsewhere = opened(team, MOTORBIKE, by=team.outsider, workspace=team.other_workspace)
    done = lemon_published(team).claim

    with pytest.raises(ValidationError, match="chính nó"):
        services.claim_merge(source=claim, target=claim, actor=team.editor)
    with pytest.raises(ValidationError, match="cùng một nhóm"):
        services.claim_merge(source=claim, target=elsewhere, actor=team.editor)
    with pytest.raises(ValidationError, match="đã công bố"):
        services.claim_merge(source=done, target=claim, actor=team.editor)
    with pytest.raises(PermissionDenied):
        services.claim_merge(source=claim, target=other, actor=team.viewer)
    with pytest.raises(PermissionDenied):
        services.claim_merge(source=elsewhere, target=claim, actor=team.editor)
    assert not AuditEvent.objects.filter(action__startswith="claim.merge").exists()
    claim.refresh_from_db()
    assert claim.state == ClaimState.OPEN


def test_claim_page_shows_similar_claims_with_scores_and_merges(team, client):
    factcheck = lemon_published(team)
    claim = opened(team, "Uống chanh ấm mỗi sáng sẽ khỏi bệnh ung thư", by=team.checker)
    duplicate = opened(team, "Sáng nào cũng uống nước chanh ấm thì chữa được ung thư")
    opened(team, MOTORBIKE)
    client.force_login(team.checker)

    # The page asks for the section once shown; without script, a link does.
    full = page(client.get(f"/claims/{claim.pk}/"))
    assert f'hx-get="/claims/{claim.pk}/?part=similar"' in full
    assert f'href="/claims/{claim.pk}/?similar=1#similar"' in full

    part = page(client.get(f"/claims/{claim.pk}/?part=similar", HTTP_HX_REQUEST="true"))
    assert "<html" not in part
    assert f'data-record="factcheck:{factcheck.pk}"' in part
    assert f'data-record="claim:{duplicate.pk}"' in part
    assert f'data-record="claim:{claim.pk}"' not in part
    assert "Xe máy" not in part
    # The decision in words, never a raw score.
    assert "Cùng nhận định" in part or "Liên quan, không cùng nhận định" in part
    assert not re.search(r"\d{1,3}%", part)
    assert "Sai" in part  # the fact-check's rating
    # Only an open claim is offered as a place to merge into.
    assert f'id="merge-into-{duplicate.pk}"' in part
    assert f'id="merge-into-{factcheck.claim_id}"' not in part

    no_js = page(client.get(f"/claims/{claim.pk}/?similar=1"))
    assert f'data-record="claim:{duplicate.pk}"' in no_js

    response = client.post(f"/claims/{claim.pk}/merge/", {"target": duplicate.pk})
    assert response.status_code == 302
    assert response["Location"] == f"/claims/{duplicate.pk}/"
    claim.refresh_from_db()
    assert claim.merged_into == duplicate

    client.force_login(team.viewer)
    assert 'id="merge-into-' not in page(
        client.get(f"/claims/{duplicate.pk}/?part=similar", HTTP_HX_REQUEST="true")
    )


# The new-claim form


def test_duplicate_claim_offers_merge(team, client):
    existing = opened(team, VACCINE)
    before = Claim.objects.count()
    client.force_login(team.checker)
    typed = {
        "text": "tiem vac xin covid gay vo sinh o phu nu tre",
        "topic": "y tế",
        "appearance_url": "https://facebook.com/bai-dang/42",
        "platform": "Facebook",
    }

    offered = client.post("/claims/new/", typed)

    assert offered.status_code == 200
    html = page(offered)
    assert 'id="duplicate-candidates"' in html
    assert f'data-record="claim:{existing.pk}"' in html
    assert f'name="merge_into" value="{existing.pk}"' in html
    assert 'name="create_anyway" value="1"' in html
    assert 'value="https://facebook.com/bai-dang/42"' in html  # what was typed is kept
    assert Claim.objects.count() == before

    merged = client.post("/claims/new/", {**typed, "merge_into": str(existing.pk)})

    assert merged.status_code == 302
    assert merged["Location"] == f"/claims/{existing.pk}/#appearances"
    assert Claim.objects.count() == before
    seen = Appearance.objects.get(claim=existing, url="https://facebook.com/bai-dang/42")
    assert seen.text == typed["text"]
    assert seen.platform == "Facebook"

    created = client.post("/claims/new/", {**typed, "create_anyway": "1"})

    assert created.status_code == 302
    assert Claim.objects.count() == before + 1
    assert Claim.objects.latest("pk").text == typed["text"]

    # Something new is created at once, without a question.
    fresh = client.post("/claims/new/", {"text": "Giá xăng sẽ giảm một nửa từ thứ Hai tới"})
    assert fresh.status_code == 302
    assert Claim.objects.count() == before + 2


def test_merge_from_the_new_claim_form_refuses_a_claim_that_is_not_open(team, client):
    closed = services.claim_dismiss(
        claim=opened(team, VACCINE), actor=team.editor, reason="Ý kiến cá nhân."
    )
    client.force_login(team.checker)

    response = client.post("/claims/new/", {"text": VACCINE, "merge_into": str(closed.pk)})

    assert response.status_code == 400
    assert "Chỉ gộp được vào một nhận định đang mở" in page(response)
    assert not Appearance.objects.filter(claim=closed).exists()


def test_a_failing_duplicate_check_does_not_stop_a_claim_being_recorded(
    team, client, monkeypatch, caplog
):
    from kiemchung.claims import matching

    def broken(**kwargs):
        raise RuntimeError("embedding model missing")

    monkeypatch.setattr(matching, "similar_records", broken)
    client.force_login(team.checker)

    response = client.post("/claims/new/", {"text": VACCINE}, follow=True)

    assert Claim.objects.filter(text=VACCINE).exists()
    assert "Không kiểm tra được nhận định trùng lúc này" in page(response)
    assert "duplicate check failed" in caplog.text


def test_a_wording_longer_than_a_search_is_checked_by_its_beginning(
    team, client, monkeypatch, caplog
):
    from kiemchung.claims import matching

    monkeypatch.setattr(matching, "QUERY_MAX_CHARS", 40)
    target = opened(team, VACCINE)
    client.force_login(team.checker)

    response = client.post("/claims/new/", {"text": VACCINE + ". " + "Lan truyền rộng. " * 5})

    assert "vẫn được tạo" not in page(response)
    assert "duplicate check failed" not in caplog.text
    assert f'data-record="claim:{target.pk}"' in page(response)


# The "already checked?" box


def test_already_checked_box_works_without_js(team, client):
    factcheck = lemon_published(team)
    client.force_login(team.viewer)

    home = page(client.get("/claims/"))
    box = re.search(
        r'<form method="get" action="/claims/already-checked/"[^>]*>.*?</form>', home, re.S
    )
    assert box and 'name="q"' in box.group(0)

    response = client.get("/claims/already-checked/", {"q": "uong nuoc chanh co chua duoc ung thu"})

    assert response.status_code == 200
    html = page(response)
    assert "<html" in html
    first = re.search(r'<li class="match[^"]*" data-record="([^"]+)">(.*?)</li>', html, re.S)
    assert first and first.group(1) == f"factcheck:{factcheck.pk}"
    result = first.group(2)
    assert "Cùng nhận định" in result
    assert "Sai" in result
    assert factcheck.published_at.astimezone().strftime("%d/%m/%Y") in result
    assert f'href="/claims/{factcheck.claim_id}/"' in result
    assert f'href="/p/nhom/{factcheck.pk}/{factcheck.slug}/"' in result

    live = client.get(
        "/claims/already-checked/", {"q": "nuoc chanh ung thu"}, HTTP_HX_REQUEST="true"
    )
    fragment = page(live)
    assert "<html" not in fragment
    assert fragment.lstrip().startswith('<div id="already-checked-live"')
    assert f'data-record="factcheck:{factcheck.pk}"' in fragment
    assert live["Vary"] and "HX-Request" in live["Vary"]

    empty = page(client.get("/claims/already-checked/", {"q": "   "}))
    assert "data-record" not in empty and "errorlist" not in empty
    cleared = page(client.get("/claims/already-checked/", {"q": ""}, HTTP_HX_REQUEST="true"))
    assert re.search(r'<div id="already-checked-live"[^>]*></div>', cleared)  # hidden by :empty
    too_long = page(client.get("/claims/already-checked/", {"q": "chanh " * 1200}))
    assert "data-record" not in too_long and "errorlist" in too_long

    # Another team searches its own work only.
    client.force_login(team.outsider)
    theirs = page(client.get("/claims/already-checked/", {"q": "nuoc chanh chua ung thu"}))
    assert "data-record" not in theirs

    client.logout()
    assert client.get("/claims/already-checked/", {"q": "chanh"}).status_code == 302


def test_already_checked_results_show_the_default_rating_in_english(team, client):
    from tests.test_i18n import choose_english

    factcheck = lemon_published(team)  # rated "Sai", the default wording
    client.force_login(team.viewer)
    choose_english(client)
    try:
        html = page(client.get("/claims/already-checked/", {"q": "nuoc chanh chua ung thu"}))
    finally:
        translation.deactivate()
    first = re.search(r'<li class="match[^"]*" data-record="([^"]+)">(.*?)</li>', html, re.S)
    assert first and first.group(1) == f"factcheck:{factcheck.pk}"
    assert '<span class="rating-badge">False</span>' in first.group(2)


def test_api_already_checked_requires_token(team, client):
    factcheck = lemon_published(team)
    opened(team, GARLIC)
    member = team.member(team.checker)
    _token, raw = accounts_services.api_token_create(member=member, name="tích hợp tiếp nhận")
    url = "/api/claims/already-checked"
    query = {"q": "uong nuoc chanh chua ung thu", "k": 2}

    assert client.get(url, query).status_code == 401
    assert client.get(url, query, HTTP_AUTHORIZATION="Bearer kc_sai_ma").status_code == 401

    response = client.get(url, query, HTTP_AUTHORIZATION=f"Bearer {raw}")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["query"] == query["q"]
    assert 0 <= body["thresholds"]["related"] <= 1 and 0 <= body["thresholds"]["same"] <= 1
    assert len(body["results"]) <= 2
    best = body["results"][0]
    assert best["id"] == f"factcheck:{factcheck.pk}"
    assert best["kind"] == "factcheck"
    assert best["rating"] == "Sai"
    assert best["url"] == f"http://127.0.0.1:8000/p/nhom/{factcheck.pk}/{factcheck.slug}/"
    assert best["date"].startswith(factcheck.published_at.date().isoformat()[:7])
    assert best["decision"] in ("related", "same")
    assert best["score"] >= body["results"][-1]["score"]

    blank = client.get(url, {"q": "   "}, HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert blank.status_code == 422
    no_results = client.get(url, {"q": "chanh", "k": 0}, HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert no_results.status_code == 422

    other_member = team.outsider.memberships.get()
    _t, other_raw = accounts_services.api_token_create(member=other_member, name="nhóm khác")
    theirs = client.get(url, query, HTTP_AUTHORIZATION=f"Bearer {other_raw}").json()
    assert theirs["results"] == []


def test_published_factchecks_of_other_teams_stay_out_of_a_workspace_search(team):
    published(
        team,
        GARLIC,
        title="Tỏi không phòng được cúm",
        summary="Sai: tỏi không thay được vắc xin cúm.",
    )
    elsewhere = opened(team, GARLIC, by=team.outsider, workspace=team.other_workspace)

    from kiemchung.claims import matching

    ours = matching.similar_records(workspace=team.workspace, text="an toi song phong cum")
    theirs = matching.similar_records(
        workspace=team.other_workspace, text="an toi song phong cum"
    )

    assert {r.claim.workspace_id for r in ours} == {team.workspace.pk}
    assert [r.record_id for r in theirs] == [f"claim:{elsewhere.pk}"]


def test_workspace_thresholds_are_set_in_settings_and_used(team, client):
    existing = opened(team, VACCINE)
    client.force_login(team.admin)
    form = page(client.get("/accounts/workspace/"))
    assert 'name="match_suggest_threshold"' in form and 'name="match_auto_threshold"' in form
    typed = {"text": "Tiêm vắc xin COVID-19 gây vô sinh ở phụ nữ trẻ tuổi"}
    offered = page(client.post("/claims/new/", typed))
    assert f'name="merge_into" value="{existing.pk}"' in offered

    refused = client.post(
        "/accounts/workspace/",
        {"name": "Nhóm Kiểm Chứng", "match_suggest_threshold": "1.5"},
    )
    assert refused.status_code == 400

    # A team that wants no suggestions at all raises the suggest threshold to the top.
    saved = client.post(
        "/accounts/workspace/",
        {"name": "Nhóm Kiểm Chứng", "match_suggest_threshold": "1", "match_auto_threshold": "1"},
    )
    assert saved.status_code == 302
    team.workspace.refresh_from_db()
    assert (team.workspace.match_suggest_threshold, team.workspace.match_auto_threshold) == (1, 1)
    created = client.post("/claims/new/", typed)
    assert created.status_code == 302
    assert Claim.objects.filter(text=typed["text"]).exists()

    # Emptied, they fall back to the calibrated defaults.
    client.post("/accounts/workspace/", {"name": "Nhóm Kiểm Chứng"})
    team.workspace.refresh_from_db()
    assert team.workspace.match_suggest_threshold is None
    assert team.workspace.match_thresholds.suggest == DEFAULT_SUGGEST
