"""The public fact-check page: anyone may read a published verdict, nothing else is public."""

from __future__ import annotations

import hashlib
import json
import re

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from claim_stories import (
    CLAIM_TEXT,
    TITLE,
    claim_opened,
    correction_approved,
    verdict_approved,
    verdict_drafted,
    verdict_in_review,
    verdict_published,
)
from kiemchung.claims import services
from kiemchung.claims.models import ArchiveStatus, Evidence, EvidenceKind, Snapshot
from kiemchung.publishing.jsonld import claim_review, script_json


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def public_url(factcheck) -> str:
    return f"/p/{factcheck.claim.workspace.slug}/{factcheck.pk}/{factcheck.slug}/"


def ld_json(page: str) -> dict:
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert len(blocks) == 1
    return json.loads(blocks[0])


def keep_snapshot(evidence: Evidence, body: bytes, content_type="text/html") -> Snapshot:
    snapshot = Snapshot(
        evidence=evidence,
        final_url=evidence.url,
        status_code=200,
        content_type=content_type,
        sha256=hashlib.sha256(body).hexdigest(),
        size=len(body),
        fetched_at=timezone.now(),
    )
    snapshot.body.save("nguon.html", ContentFile(body), save=False)
    snapshot.save()
    evidence.archive_status = ArchiveStatus.ARCHIVED
    evidence.save()
    return snapshot


def published_for(team, claim):
    """Carry a claim of our own making through evidence, verdict, review and publication."""
    services.evidence_add(claim=claim, actor=team.checker2, kind=EvidenceKind.NOTE, note="Ghi chú")
    factcheck = verdict_drafted(team, claim=claim)
    services.factcheck_submit(factcheck=factcheck, actor=team.checker2)
    services.review_submit(factcheck=factcheck, actor=team.editor, decision="approve")
    factcheck.refresh_from_db()
    return services.factcheck_publish(factcheck=factcheck, actor=team.editor)


def test_published_fact_check_is_readable_without_login(client, team):
    factcheck = verdict_published(team)

    response = client.get(public_url(factcheck))

    page = response.content.decode()
    assert response.status_code == 200
    assert TITLE in page
    quote = f'<blockquote class="claim-quote" id="claim-quote"><p>{CLAIM_TEXT}</p></blockquote>'
    assert quote in page
    assert '<strong class="rating-badge tone-false" id="rating">Sai</strong>' in page
    assert 'id="published-at"' in page
    assert 'id="corrected-at"' not in page
    assert "Nhóm Kiểm Chứng" in page
    assert 'href="mailto:dinhchinh@example.org"' in page
    assert "Việc của tôi" not in page  # no newsroom navigation
    assert f'<meta property="og:title" content="{TITLE}">' in page
    assert '<meta property="og:type" content="article">' in page
    assert f'<link rel="canonical" href="http://127.0.0.1:8000{public_url(factcheck)}">' in page


@pytest.mark.parametrize("stage", [verdict_drafted, verdict_in_review, verdict_approved])
def test_unpublished_verdicts_are_not_found(client, team, stage):
    factcheck = stage(team)
    slug = factcheck.slug or "bai"

    assert client.get(f"/p/nhom/{factcheck.pk}/{slug}/").status_code == 404
    assert client.get(f"/p/nhom/{factcheck.pk}/").status_code == 404


def test_wrong_slug_and_short_address_redirect_to_the_canonical_address(client, team):
    factcheck = verdict_published(team)

    wrong = client.get(f"/p/nhom/{factcheck.pk}/ten-cu/")
    short = client.get(f"/p/nhom/{factcheck.pk}/")

    assert wrong.status_code == 301 and wrong["Location"] == public_url(factcheck)
    assert short.status_code == 301 and short["Location"] == public_url(factcheck)


def test_fact_check_is_not_found_under_another_team_or_unknown_team(client, team):
    factcheck = verdict_published(team)

    assert client.get(f"/p/khac/{factcheck.pk}/{factcheck.slug}/").status_code == 404
    assert client.get(f"/p/khong-co/{factcheck.pk}/{factcheck.slug}/").status_code == 404
    assert client.get("/p/khong-co/").status_code == 404


def test_claim_review_json_ld_has_the_required_keys(client, team):
    claim = claim_opened(team)
    services.appearance_add(
        claim=claim,
        actor=team.editor,
        url="https://facebook.com/bai/2",
        seen_at=timezone.make_aware(timezone.datetime(2025, 1, 20, 23, 30)),
    )
    services.appearance_add(claim=claim, actor=team.editor, text="Chia sẻ trong nhóm kín")
    services.appearance_add(
        claim=claim,
        actor=team.editor,
        url="https://youtube.com/watch?v=1",
        seen_at=timezone.make_aware(timezone.datetime(2025, 1, 25, 10, 0)),
    )
    factcheck = published_for(team, claim)

    data = ld_json(client.get(public_url(factcheck)).content.decode())

    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "ClaimReview"
    assert data["claimReviewed"] == CLAIM_TEXT
    assert data["url"] == f"http://127.0.0.1:8000{public_url(factcheck)}"
    assert data["datePublished"] == timezone.localdate().isoformat()
    # "Sai" is the least accurate of the 4 graded steps ("Chưa đủ căn cứ" has no number).
    assert data["reviewRating"] == {
        "@type": "Rating",
        "ratingValue": 1,
        "bestRating": 4,
        "worstRating": 1,
        "alternateName": "Sai",
    }
    assert data["author"]["@type"] == "Organization"
    assert data["author"]["name"] == "Nhóm Kiểm Chứng"
    assert data["author"]["url"] == "http://127.0.0.1:8000/p/nhom/"
    first = {
        "@type": "CreativeWork",
        "url": "https://facebook.com/bai/2",
        "datePublished": "2025-01-20",
    }
    assert data["itemReviewed"] == {
        "@type": "Claim",
        "appearance": [
            first,
            {
                "@type": "CreativeWork",
                "url": "https://youtube.com/watch?v=1",
                "datePublished": "2025-01-25",
            },
        ],
        "firstAppearance": first,
        "datePublished": "2025-01-20",
    }


def test_claim_review_leaves_out_appearances_it_does_not_know(team):
    factcheck = verdict_published(team)

    data = claim_review(factcheck)

    assert data["itemReviewed"] == {"@type": "Claim"}


def test_json_ld_cannot_close_its_script_element(client, team):
    text = 'Nhận định </script><script>alert("x")</script> & <!-- bình luận'
    factcheck = published_for(team, claim_opened(team, text=text))

    page = client.get(public_url(factcheck)).content.decode()

    assert "</script><script>" not in page
    assert ld_json(page)["claimReviewed"] == text
    serialised = str(script_json({"claimReviewed": text}))
    assert "<" not in serialised and ">" not in serialised and "&" not in serialised


def test_every_script_on_the_public_page_is_data_not_code(client, team):
    factcheck = verdict_published(team)

    response = client.get(public_url(factcheck))

    scripts = re.findall(r"<script[^>]*>", response.content.decode())
    assert scripts == ['<script type="application/ld+json">']
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_sources_show_web_pages_with_their_archived_copy_but_no_internal_notes(client, team):
    factcheck = verdict_published(team)  # its claim has one internal note as evidence
    claim = factcheck.claim
    kept = Evidence.objects.create(
        claim=claim, kind=EvidenceKind.URL, url="https://moh.gov.vn/a", title="Bộ Y tế"
    )
    keep_snapshot(kept, b"<p>khuyen cao</p>")
    Evidence.objects.create(
        claim=claim,
        kind=EvidenceKind.URL,
        url="https://example.org/that-bai",
        archive_status=ArchiveStatus.FAILED,
    )

    page = client.get(public_url(factcheck)).content.decode()

    assert "https://moh.gov.vn/a" in page
    assert f"/p/nhom/{factcheck.pk}/sources/{kept.pk}/archive/" in page
    assert "https://example.org/that-bai" in page
    assert page.count('class="source-archive"') == 1
    assert "Bộ Y tế khuyến cáo người bệnh không tự ý bỏ điều trị" not in page  # the note


def test_archived_source_is_served_publicly_as_inert_text(client, team):
    factcheck = verdict_published(team)
    evidence = Evidence.objects.create(
        claim=factcheck.claim, kind=EvidenceKind.URL, url="https://example.org/x"
    )
    keep_snapshot(evidence, b"<script>alert(1)</script>")

    response = client.get(f"/p/nhom/{factcheck.pk}/sources/{evidence.pk}/archive/")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Content-Security-Policy"].startswith("sandbox")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == b"<script>alert(1)</script>"


def test_archived_sources_of_unpublished_claims_stay_private(client, team):
    published = verdict_published(team)
    draft = verdict_drafted(team)
    private = Evidence.objects.create(
        claim=draft.claim, kind=EvidenceKind.URL, url="https://example.org/rieng"
    )
    keep_snapshot(private, b"rieng")

    assert client.get(f"/p/nhom/{draft.pk}/sources/{private.pk}/archive/").status_code == 404
    # Nor through a published fact-check of another claim.
    assert client.get(f"/p/nhom/{published.pk}/sources/{private.pk}/archive/").status_code == 404


def test_correction_shows_its_note_date_and_the_version_readers_saw_before(client, team):
    factcheck = verdict_published(team)
    first_summary = factcheck.summary
    correction_approved(
        team,
        factcheck,
        note="Đã sửa tóm tắt cho rõ nguồn số liệu.",
        summary=first_summary + " Số liệu từ Bộ Y tế năm 2024.",
    )
    factcheck.refresh_from_db()

    page = client.get(public_url(factcheck)).content.decode()

    assert "Đã sửa tóm tắt cho rõ nguồn số liệu." in page
    assert 'id="corrected-at"' in page
    assert "Số liệu từ Bộ Y tế năm 2024." in page
    earlier = re.search(r'<details class="earlier-version" id="version-(\d+)">(.*?)</details>',
                        page, re.S)
    assert earlier is not None
    assert "năm 2024" not in earlier.group(2)
    assert ld_json(page)["dateModified"] == timezone.localdate().isoformat()


def test_team_index_lists_only_published_fact_checks(client, team):
    published = verdict_published(team)
    draft = verdict_drafted(team, claim=claim_opened(team, text="Nhận định chưa xong"))
    draft.title = "Bản nháp bí mật"
    draft.save()

    page = client.get("/p/nhom/").content.decode()

    assert public_url(published) in page
    assert "Bản nháp bí mật" not in page
