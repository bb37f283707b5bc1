"""API v1: claims, their appearances and evidence, the verdict through its review, fact-checks
and "already checked?", each through the services the newsroom's pages use."""

from __future__ import annotations

from claim_stories import (
    CLAIM_TEXT,
    claim_opened,
    claim_with_evidence,
    rating,
    verdict_approved,
    verdict_drafted,
    verdict_in_review,
    verdict_published,
)
from kiemchung.audit.models import AuditEvent
from kiemchung.claims import services
from kiemchung.claims.models import Appearance, Claim, FactCheckState, Rating


def test_a_checker_records_a_claim_and_finds_it_in_the_list(team, v1):
    created = v1("checker", "post", "claims/", {"text": CLAIM_TEXT, "topic": "Sức khỏe"})

    assert created.status_code == 201, created.content
    body = created.json()
    assert body["assignee"] == "checker"
    listed = v1("viewer", "get", "claims/?q=nuoc chanh", scopes=("read",))
    assert listed.status_code == 200
    assert [c["id"] for c in listed.json()["results"]] == [body["id"]]
    assert Claim.objects.get(pk=body["id"]).workspace == team.workspace


def test_claims_come_in_pages_joined_by_an_opaque_cursor(team, v1):
    made = [claim_opened(team, text=f"Nhận định số {n} về giá xăng").pk for n in range(5)]

    seen: list[int] = []
    path = "claims/?limit=2"
    pages = 0
    while path:
        response = v1("viewer", "get", path, scopes=("read",))
        assert response.status_code == 200, response.content
        page = response.json()
        assert len(page["results"]) <= 2
        seen += [c["id"] for c in page["results"]]
        pages += 1
        path = f"claims/?limit=2&cursor={page['next']}" if page["next"] else ""

    assert seen == sorted(made, reverse=True)
    assert pages == 3


def test_another_workspaces_claim_is_a_404_in_the_error_format(team, v1):
    other = services.claim_create(
        workspace=team.other_workspace, actor=team.outsider, text="Nhận định của nhóm khác"
    )
    response = v1("admin", "get", f"claims/{other.pk}")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_an_appearance_and_a_source_are_added_and_listed(team, v1):
    claim = claim_opened(team)

    seen = v1(
        "checker",
        "post",
        f"claims/{claim.pk}/appearances",
        {"url": "https://facebook.com/posts/9", "platform": "facebook", "text": CLAIM_TEXT},
    )
    source = v1(
        "checker",
        "post",
        f"claims/{claim.pk}/evidence",
        {"kind": "note", "title": "Bộ Y tế", "note": "Khuyến cáo không bỏ điều trị."},
    )

    assert seen.status_code == 201, seen.content
    assert source.status_code == 201, source.content
    assert Appearance.objects.filter(claim=claim, platform="facebook").exists()
    listed = v1("viewer", "get", f"claims/{claim.pk}/evidence", scopes=("read",)).json()
    assert [e["title"] for e in listed["results"]] == ["Bộ Y tế"]
    again = v1(
        "checker",
        "post",
        f"claims/{claim.pk}/appearances",
        {"url": "https://facebook.com/posts/9"},
    )
    assert again.status_code == 422
    assert again.json()["error"]["field"] == "url"


def test_the_verdict_goes_through_review_to_publication_and_a_correction(team, v1):
    claim = claim_with_evidence(team, by=team.checker2)
    label = rating(team)

    draft = v1(
        "checker2",
        "put",
        f"claims/{claim.pk}/verdict",
        {"rating_id": label.pk, "title": "Sai sự thật", "summary": "Không đúng.", "body": "Vì…"},
    )
    assert draft.status_code == 200, draft.content
    assert draft.json()["state"] == FactCheckState.DRAFT
    submitted = v1("checker2", "post", f"claims/{claim.pk}/verdict/submit")
    assert submitted.status_code == 200, submitted.content
    assert submitted.json()["state"] == FactCheckState.IN_REVIEW

    approved = v1("editor", "post", f"claims/{claim.pk}/verdict/approve", {"comment": ""})
    assert approved.status_code == 201, approved.content
    published = v1("editor", "post", f"claims/{claim.pk}/verdict/publish")
    assert published.status_code == 200, published.content
    assert published.json()["state"] == FactCheckState.PUBLISHED
    assert published.json()["slug"]

    corrected = v1(
        "editor",
        "post",
        f"claims/{claim.pk}/verdict/corrections",
        {"note": "Sửa tên cơ quan.", "body": "Vì Bộ Y tế đã khuyến cáo…"},
    )
    assert corrected.status_code == 201, corrected.content
    assert corrected.json()["published"] is True
    correction = corrected.json()["correction"]
    assert correction["to_version"] > correction["from_version"]
    assert AuditEvent.objects.filter(action="factcheck.correct", actor=team.editor).exists()
    listed = v1("viewer", "get", "factchecks/?state=published", scopes=("read",)).json()
    assert [f["claim_id"] for f in listed["results"]] == [claim.pk]


def test_the_author_cannot_approve_their_own_verdict(team, v1):
    # The two-person rule is the review service's, whatever the token's scopes.
    claim = verdict_in_review(team, author=team.editor).claim

    response = v1("editor", "post", f"claims/{claim.pk}/verdict/approve", {"comment": ""})

    assert response.status_code in (403, 409), response.content
    assert response.json()["error"]["message"]
    claim.factcheck.refresh_from_db()
    assert claim.factcheck.state == FactCheckState.IN_REVIEW


def test_requesting_changes_needs_a_comment_naming_the_field(team, v1):
    claim = verdict_in_review(team).claim

    response = v1("editor", "post", f"claims/{claim.pk}/verdict/request-changes", {})

    assert response.status_code == 422
    assert response.json()["error"]["field"] == "comment"
    ok = v1(
        "editor",
        "post",
        f"claims/{claim.pk}/verdict/request-changes",
        {"comment": "Thêm nguồn thứ hai."},
    )
    assert ok.status_code == 201
    assert ok.json()["decision"] == "request_changes"


def test_a_checker_cannot_publish_even_with_the_publish_scope(team, v1):
    claim = verdict_approved(team).claim

    response = v1("checker", "post", f"claims/{claim.pk}/verdict/publish")

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"


def test_publishing_a_draft_is_a_conflict(team, v1):
    claim = verdict_drafted(team).claim

    response = v1("editor", "post", f"claims/{claim.pk}/verdict/publish")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"


def test_already_checked_gives_the_decision_and_its_key_facts(team, v1, index_in_tmp):
    factcheck = verdict_published(team)

    response = v1("viewer", "get", f"matches?q={CLAIM_TEXT}", scopes=("read",))

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["decision"] == "same"
    best = body["results"][0]
    assert best["claim_id"] == factcheck.claim_id
    assert best["kind"] == "factcheck"
    assert best["conflicts"] == []


def test_a_new_rating_waits_for_a_second_person_before_it_is_public(team, v1):
    claim = verdict_published(team).claim
    path = f"claims/{claim.pk}/verdict"
    other = (
        Rating.objects.filter(workspace=team.workspace, is_active=True)
        .exclude(pk=claim.factcheck.rating_id)
        .first()
    )

    proposed = v1(
        "editor",
        "post",
        f"{path}/corrections",
        {"note": "Mức kết luận đổi sau nguồn mới.", "rating_id": other.pk},
    )
    assert proposed.status_code == 202, proposed.content
    proposal = proposed.json()["proposal"]
    assert proposed.json()["published"] is False
    assert proposal["state"] == "pending"
    claim.factcheck.refresh_from_db()
    assert claim.factcheck.rating_id != other.pk

    own = v1("editor", "post", f"{path}/correction-proposals/{proposal['id']}/approve", {})
    assert own.status_code == 409, own.content
    approved = v1("admin", "post", f"{path}/correction-proposals/{proposal['id']}/approve", {})
    assert approved.status_code == 200, approved.content
    assert approved.json()["state"] == "approved"
    assert approved.json()["correction"]["author"] == "editor"
    claim.factcheck.refresh_from_db()
    assert claim.factcheck.rating_id == other.pk
    listed = v1("viewer", "get", f"{path}/correction-proposals", scopes=("read",)).json()
    assert [p["state"] for p in listed] == ["approved"]
