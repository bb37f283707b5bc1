"""From a claim to a published fact-check, through the newsroom's pages as people use them."""

from __future__ import annotations

import hashlib
import json
import re

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from claim_stories import (
    CLAIM_TEXT,
    SUMMARY,
    TITLE,
    claim_with_evidence,
    rating,
    verdict_approved,
    verdict_drafted,
    verdict_in_review,
    verdict_published,
)
from kiemchung.claims.models import (
    ArchiveStatus,
    ClaimState,
    Correction,
    Evidence,
    FactCheck,
    FactCheckState,
    Rating,
    Review,
    Snapshot,
)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def as_user(client, user):
    client.force_login(user)
    return client


def text(response) -> str:
    return response.content.decode()


def verdict_data(team, **changes) -> dict[str, str]:
    data = {
        "rating": str(rating(team).pk),
        "title": TITLE,
        "summary": SUMMARY,
        "body": "## Bằng chứng\n\nBộ Y tế khuyến cáo người bệnh không bỏ điều trị.",
    }
    data.update(changes)
    return data


def ld_json(page: str) -> dict:
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert match, "no JSON-LD on the page"
    return json.loads(match.group(1))


def archive_as_if_fetched(evidence: Evidence, body: bytes) -> None:
    """What the archive task leaves behind: a stored body, its digest, the evidence archived."""
    snapshot = Snapshot(
        evidence=evidence,
        final_url=evidence.url,
        status_code=200,
        content_type="text/html; charset=utf-8",
        sha256=hashlib.sha256(body).hexdigest(),
        size=len(body),
        fetched_at=timezone.now(),
    )
    snapshot.body.save("nguon.html", ContentFile(body), save=False)
    snapshot.save()
    evidence.archive_status = ArchiveStatus.ARCHIVED
    evidence.save()


def test_full_path_from_claim_to_public_fact_check(
    client, team, django_capture_on_commit_callbacks
):
    # The checker records the claim and where it was seen.
    checker = as_user(client, team.checker)
    created = checker.post(
        "/claims/new/",
        {
            "text": CLAIM_TEXT,
            "topic": "y tế",
            "appearance_url": "https://facebook.com/bai-dang/123",
            "platform": "Facebook",
        },
    )
    claim_url = created["Location"]
    claim_pk = int(claim_url.strip("/").split("/")[-1])
    checker.post(
        f"{claim_url}appearances/",
        {"url": "https://tiktok.com/@kenh/video/9", "platform": "TikTok",
         "seen_at": "2025-02-14T09:00"},
    )

    # A web source, archived in the background.
    with django_capture_on_commit_callbacks(execute=False):
        checker.post(
            f"{claim_url}evidence/",
            {"kind": "url", "url": "https://moh.gov.vn/khuyen-cao", "title": "Bộ Y tế"},
        )
    evidence = Evidence.objects.get(claim_id=claim_pk)
    archive_as_if_fetched(evidence, b"<html>Khuyen cao cua Bo Y te</html>")

    # The verdict draft, its preview, its checklist.
    saved = checker.post(f"{claim_url}verdict/", verdict_data(team, summary="Sai"))
    assert saved.status_code == 302 and saved["Location"].endswith("#verdict")
    page = text(checker.get(claim_url))
    assert 'id="verdict-checklist"' in page
    assert 'data-key="rating_explained"' in page
    assert re.search(r'<li class="todo" data-key="rating_explained">', page)
    refused = checker.post(f"{claim_url}verdict/submit/", follow=True)
    assert "Chưa thể gửi duyệt, còn thiếu" in text(refused)
    assert FactCheck.objects.get(claim_id=claim_pk).state == FactCheckState.DRAFT

    checker.post(f"{claim_url}verdict/", verdict_data(team))
    page = text(checker.get(claim_url))
    assert re.search(r'<li class="done" data-key="claim_quoted">', page)
    assert re.search(r'<li class="done" data-key="sources_archived">', page)
    checker.post(f"{claim_url}verdict/submit/")
    factcheck = FactCheck.objects.get(claim_id=claim_pk)
    assert factcheck.state == FactCheckState.IN_REVIEW

    # The author sees no review buttons; the editor does and asks for changes.
    page = text(checker.get(claim_url))
    assert 'id="review-approve"' not in page
    assert 'id="review-waiting"' in page
    editor = as_user(client, team.editor)
    page = text(editor.get(claim_url))
    assert 'id="review-approve"' in page and 'id="review-request-changes"' in page
    no_comment = editor.post(f"{claim_url}verdict/review/", {"decision": "request_changes"})
    assert no_comment.status_code == 400
    assert "Hãy ghi rõ cần sửa những gì." in text(no_comment)
    editor.post(
        f"{claim_url}verdict/review/",
        {"decision": "request_changes", "comment": "Cần dẫn thêm nghiên cứu."},
    )
    factcheck.refresh_from_db()
    assert factcheck.state == FactCheckState.CHANGES_REQUESTED

    # The checker revises and sends it again; the editor approves and publishes.
    checker = as_user(client, team.checker)
    page = text(checker.get(claim_url))
    assert "Cần dẫn thêm nghiên cứu." in page and 'id="verdict-changes-requested"' in page
    checker.post(
        f"{claim_url}verdict/",
        verdict_data(team, body="## Bằng chứng\n\nHai nghiên cứu [đã công bố](https://pubmed.example/1)."),
    )
    checker.post(f"{claim_url}verdict/submit/")
    editor = as_user(client, team.editor)
    editor.post(f"{claim_url}verdict/review/", {"decision": "approve", "comment": ""})
    factcheck.refresh_from_db()
    assert factcheck.state == FactCheckState.APPROVED
    assert 'id="verdict-publish"' in text(editor.get(claim_url))
    editor.post(f"{claim_url}verdict/publish/")
    factcheck.refresh_from_db()
    assert factcheck.state == FactCheckState.PUBLISHED
    assert factcheck.claim.state == ClaimState.PUBLISHED

    # The newsroom page links the public page and keeps the history.
    page = text(editor.get(claim_url))
    assert 'id="public-link"' in page
    assert 'id="history"' in page and "Yêu cầu sửa" in page

    # Anyone can read it, with its sources and ClaimReview data.
    client.logout()
    public_url = f"/p/nhom/{factcheck.pk}/{factcheck.slug}/"
    public = client.get(public_url)
    assert public.status_code == 200
    page = text(public)
    assert TITLE in page
    assert CLAIM_TEXT in page
    assert "https://moh.gov.vn/khuyen-cao" in page
    assert f"/p/nhom/{factcheck.pk}/sources/{evidence.pk}/archive/" in page
    assert "dinhchinh@example.org" in page
    assert "Nhóm Kiểm Chứng" in page
    assert '<a href="https://pubmed.example/1" rel="noopener noreferrer nofollow">' in page
    data = ld_json(page)
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "ClaimReview"
    assert data["claimReviewed"] == CLAIM_TEXT
    assert data["url"] == f"http://127.0.0.1:8000{public_url}"
    assert data["reviewRating"]["@type"] == "Rating"
    assert data["reviewRating"]["alternateName"] == "Sai"
    assert data["author"] == {
        "@type": "Organization",
        "name": "Nhóm Kiểm Chứng",
        "url": "http://127.0.0.1:8000/p/nhom/",
    }
    assert data["datePublished"] == timezone.localdate().isoformat()
    assert data["itemReviewed"]["@type"] == "Claim"
    assert [a["url"] for a in data["itemReviewed"]["appearance"]] == [
        "https://facebook.com/bai-dang/123",
        "https://tiktok.com/@kenh/video/9",
    ]
    assert data["itemReviewed"]["datePublished"] == "2025-02-14"

    archive = client.get(f"/p/nhom/{factcheck.pk}/sources/{evidence.pk}/archive/")
    assert archive["Content-Type"] == "text/plain; charset=utf-8"
    assert archive["Content-Security-Policy"].startswith("sandbox")


def test_checker_sees_no_approve_button_on_own_verdict_and_the_post_is_refused(client, team):
    factcheck = verdict_in_review(team, author=team.checker)
    as_user(client, team.checker)

    page = text(client.get(f"/claims/{factcheck.claim_id}/"))
    response = client.post(
        f"/claims/{factcheck.claim_id}/verdict/review/", {"decision": "approve"}
    )

    assert 'id="review-approve"' not in page
    assert 'id="review-panel"' not in page
    assert response.status_code == 403
    factcheck.refresh_from_db()
    assert factcheck.state == FactCheckState.IN_REVIEW
    assert not Review.objects.exists()


def test_editor_cannot_approve_their_own_verdict(client, team):
    factcheck = verdict_in_review(team, author=team.editor)
    as_user(client, team.editor)

    page = text(client.get(f"/claims/{factcheck.claim_id}/"))
    response = client.post(
        f"/claims/{factcheck.claim_id}/verdict/review/", {"decision": "approve"}, follow=True
    )

    assert 'id="review-approve"' not in page
    assert "Theo quy tắc hai người" in page
    assert response.redirect_chain[-1][0] == f"/claims/{factcheck.claim_id}/#verdict"
    assert "Quy tắc hai người: bạn đã viết, sửa hoặc gửi duyệt một phần" in text(response)
    factcheck.refresh_from_db()
    assert factcheck.state == FactCheckState.IN_REVIEW


def test_checker_cannot_publish_an_approved_verdict(client, team):
    factcheck = verdict_approved(team)
    as_user(client, team.checker)

    page = text(client.get(f"/claims/{factcheck.claim_id}/"))
    response = client.post(f"/claims/{factcheck.claim_id}/verdict/publish/")

    assert 'id="verdict-publish"' not in page
    assert response.status_code == 403
    factcheck.refresh_from_db()
    assert factcheck.state == FactCheckState.APPROVED


def test_viewer_reads_the_verdict_but_gets_no_verdict_forms(client, team):
    factcheck = verdict_in_review(team)
    as_user(client, team.viewer)

    page = text(client.get(f"/claims/{factcheck.claim_id}/"))

    assert TITLE in page
    assert 'id="verdict-current"' in page
    for element in ("verdict-form", "verdict-submit", "review-approve", "verdict-publish"):
        assert f'id="{element}"' not in page
    assert client.post(
        f"/claims/{factcheck.claim_id}/verdict/", verdict_data(team)
    ).status_code == 403


def test_verdict_form_errors_are_in_vietnamese(client, team):
    claim = claim_with_evidence(team, by=team.checker)
    as_user(client, team.checker)

    response = client.post(
        f"/claims/{claim.pk}/verdict/", {"rating": "", "title": "", "summary": "", "body": ""}
    )

    assert response.status_code == 400
    assert "Trường này là bắt buộc." in text(response)
    assert not FactCheck.objects.exists()


def test_rating_of_another_workspace_is_refused(client, team):
    claim = claim_with_evidence(team, by=team.checker)
    foreign = Rating.objects.get(workspace=team.other_workspace, label="Sai")
    as_user(client, team.checker)

    response = client.post(
        f"/claims/{claim.pk}/verdict/", verdict_data(team, rating=str(foreign.pk))
    )

    assert response.status_code == 400
    assert not FactCheck.objects.exists()


def test_saving_a_verdict_while_it_is_in_review_is_refused_with_a_message(client, team):
    factcheck = verdict_in_review(team, author=team.checker)
    as_user(client, team.checker)

    response = client.post(
        f"/claims/{factcheck.claim_id}/verdict/",
        verdict_data(team, title="Sửa lén"),
        follow=True,
    )

    assert "Kết luận đang chờ duyệt; hãy chờ người duyệt trả lời trước khi sửa." in text(response)
    factcheck.refresh_from_db()
    assert factcheck.title == TITLE


def test_preview_renders_markdown_safely_without_saving(client, team):
    factcheck = verdict_drafted(team, author=team.checker)
    as_user(client, team.checker)
    body = (
        "**Kết luận** <script>alert('x')</script>"
        '<img src=x onerror="alert(1)"> [bấm](javascript:alert(1))'
    )

    fragment = client.post(
        f"/claims/{factcheck.claim_id}/verdict/",
        verdict_data(team, body=body, preview="1"),
        HTTP_HX_REQUEST="true",
    )
    full = client.post(
        f"/claims/{factcheck.claim_id}/verdict/", verdict_data(team, body=body, preview="1")
    )

    html = text(fragment)
    assert "<html" not in html
    assert 'id="verdict-preview"' in html
    assert "<strong>Kết luận</strong>" in html
    assert "<script" not in html and "onerror" not in html and "javascript:" not in html
    assert "<html" in text(full) and "<strong>Kết luận</strong>" in text(full)
    factcheck.refresh_from_db()
    assert "Kết luận" not in factcheck.body


def test_editing_an_approved_verdict_sends_it_back_to_draft(client, team):
    factcheck = verdict_approved(team, author=team.checker)
    as_user(client, team.checker)

    page = text(client.get(f"/claims/{factcheck.claim_id}/"))
    client.post(f"/claims/{factcheck.claim_id}/verdict/", verdict_data(team, title="Tiêu đề mới"))

    assert "bài sẽ phải được duyệt lại" in page
    factcheck.refresh_from_db()
    assert factcheck.state == FactCheckState.DRAFT
    assert factcheck.title == "Tiêu đề mới"


def test_correction_is_published_with_the_earlier_version_kept_visible(client, team):
    factcheck = verdict_published(team)
    as_user(client, team.editor)

    missing_note = client.post(
        f"/claims/{factcheck.claim_id}/verdict/correct/",
        {**verdict_data(team), "note": ""},
    )
    assert missing_note.status_code == 400
    assert "Trường này là bắt buộc." in text(missing_note)

    client.post(
        f"/claims/{factcheck.claim_id}/verdict/correct/",
        {
            **verdict_data(team, rating=str(rating(team, "Gây hiểu lầm").pk)),
            "note": "Sửa kết luận sau khi có thêm số liệu.",
        },
    )
    # A new rating waits for a second person: the admin approves it from the same page.
    factcheck.refresh_from_db()
    assert factcheck.rating.label == "Sai"
    proposal = factcheck.correction_proposals.get()
    as_user(client, team.admin)
    client.post(
        f"/claims/{factcheck.claim_id}/verdict/corrections/{proposal.pk}/review/",
        {"decision": "approve"},
    )

    factcheck.refresh_from_db()
    correction = Correction.objects.get(factcheck=factcheck)
    assert factcheck.rating.label == "Gây hiểu lầm"
    assert factcheck.last_corrected_at is not None
    client.logout()
    page = text(client.get(f"/p/nhom/{factcheck.pk}/{factcheck.slug}/"))
    assert correction.note in page
    assert 'id="corrected-at"' in page
    assert f'id="version-{correction.from_version}"' in page  # the version readers saw before
    assert ld_json(page)["reviewRating"]["alternateName"] == "Gây hiểu lầm"
    assert "dateModified" in ld_json(page)


def test_checker_cannot_post_a_correction(client, team):
    factcheck = verdict_published(team)
    as_user(client, team.checker)

    page = text(client.get(f"/claims/{factcheck.claim_id}/"))
    response = client.post(
        f"/claims/{factcheck.claim_id}/verdict/correct/",
        {**verdict_data(team), "note": "Đính chính"},
    )

    assert 'id="correction-form"' not in page
    assert response.status_code == 403
    assert not Correction.objects.exists()


def test_verdict_actions_on_a_claim_without_verdict_are_not_found(client, team):
    claim = claim_with_evidence(team)
    as_user(client, team.editor)

    for action in ("submit", "review", "publish", "correct"):
        assert client.post(f"/claims/{claim.pk}/verdict/{action}/").status_code == 404


@pytest.mark.parametrize(
    ("stage", "who"),
    [
        (verdict_drafted, "checker2"),
        (verdict_in_review, "editor"),
        (verdict_approved, "admin"),
        (verdict_published, "editor"),
    ],
)
def test_every_id_on_the_claim_page_is_unique(client, team, stage, who):
    factcheck = stage(team)
    as_user(client, getattr(team, who))

    page = text(client.get(f"/claims/{factcheck.claim_id}/"))

    ids = re.findall(r'\sid="([^"]+)"', page)
    assert len(ids) > 20
    assert sorted({i for i in ids if ids.count(i) > 1}) == []
    described = re.findall(r'aria-describedby="([^"]+)"', page)
    assert all(f'id="{target}"' in page for target in described)


def test_published_claim_takes_no_new_evidence_but_a_failed_archive_can_be_retried(client, team):
    factcheck = verdict_published(team)
    failed = Evidence.objects.create(
        claim=factcheck.claim,
        kind="url",
        url="https://example.org/loi",
        archive_status=ArchiveStatus.FAILED,
        archive_error="Hết thời gian chờ",
    )
    as_user(client, team.checker)

    page = text(client.get(f"/claims/{factcheck.claim_id}/"))

    assert 'id="evidence-form"' not in page
    assert f'id="evidence-{failed.pk}-rearchive"' in page
