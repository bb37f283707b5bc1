"""Sources, places a claim was seen, and the team's conversation about it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from claim_stories import claim_opened
from kiemchung.audit.models import AuditEvent
from kiemchung.claims import services
from kiemchung.claims.models import Appearance, ArchiveStatus, Evidence, EvidenceKind


def test_a_web_source_waits_for_its_archive_which_is_enqueued_after_commit(
    team, django_capture_on_commit_callbacks, monkeypatch
):
    enqueued = []

    class RecordingTask:
        def enqueue(self, *ids):
            enqueued.append(ids)

    monkeypatch.setattr("kiemchung.claims.tasks.evidence_archive", RecordingTask())
    claim = claim_opened(team)

    with django_capture_on_commit_callbacks() as callbacks:
        evidence = services.evidence_add(
            claim=claim,
            actor=team.checker,
            kind=EvidenceKind.URL,
            url="  https://moh.gov.vn/tin-tuc/khuyen-cao  ",
            title="Khuyến cáo của Bộ Y tế",
        )
        assert enqueued == []

    assert evidence.url == "https://moh.gov.vn/tin-tuc/khuyen-cao"
    assert evidence.archive_status == ArchiveStatus.PENDING
    assert len(callbacks) == 1
    callbacks[0]()
    assert enqueued == [(evidence.pk,)]
    event = AuditEvent.objects.get(action="evidence.add")
    assert event.actor == team.checker
    assert event.after["kind"] == "url"
    assert event.after["archive_status"] == "pending"


@pytest.mark.parametrize(
    "url", ["", "moh.gov.vn", "javascript:alert(1)", "file:///etc/passwd", "ftp://a.vn/x"]
)
def test_a_web_source_needs_an_http_address(team, url):
    with pytest.raises(ValidationError) as caught:
        services.evidence_add(
            claim=claim_opened(team), actor=team.checker, kind=EvidenceKind.URL, url=url
        )

    assert "url" in caught.value.message_dict
    assert not Evidence.objects.exists()


def test_notes_need_text_and_are_not_archived(team, django_capture_on_commit_callbacks):
    claim = claim_opened(team)
    with pytest.raises(ValidationError):
        services.evidence_add(claim=claim, actor=team.checker, kind=EvidenceKind.NOTE, note=" ")

    with django_capture_on_commit_callbacks() as callbacks:
        note = services.evidence_add(
            claim=claim, actor=team.checker, kind=EvidenceKind.NOTE, note="Đã gọi cho bệnh viện."
        )

    assert note.archive_status == ArchiveStatus.NOT_NEEDED
    assert callbacks == []


def test_an_unknown_kind_of_evidence_is_refused(team):
    with pytest.raises(ValidationError) as caught:
        services.evidence_add(claim=claim_opened(team), actor=team.checker, kind="rumour")

    assert "kind" in caught.value.message_dict


def test_a_document_is_stored(team, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path

    evidence = services.evidence_add(
        claim=claim_opened(team),
        actor=team.checker,
        kind=EvidenceKind.DOCUMENT,
        title="Công văn",
        document=SimpleUploadedFile("cong-van.pdf", b"%PDF-1.4 mot cong van"),
    )

    assert evidence.document.name.endswith(".pdf")
    assert (tmp_path / evidence.document.name).read_bytes() == b"%PDF-1.4 mot cong van"
    assert evidence.archive_status == ArchiveStatus.NOT_NEEDED


def test_a_document_larger_than_the_limit_is_refused_with_the_limit(team, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.UPLOAD_MAX_MB = 1
    too_big = SimpleUploadedFile("lon.pdf", b"x" * (1024 * 1024 + 1))

    with pytest.raises(ValidationError) as caught:
        services.evidence_add(
            claim=claim_opened(team),
            actor=team.checker,
            kind=EvidenceKind.DOCUMENT,
            document=too_big,
        )

    assert "1 MB" in caught.value.message_dict["document"][0]
    assert not Evidence.objects.exists()
    assert not any(tmp_path.rglob("*.pdf"))


@pytest.mark.parametrize(
    "document",
    [None, SimpleUploadedFile("trong.pdf", b""), SimpleUploadedFile("trang.html", b"<script>")],
)
def test_a_document_must_be_a_non_empty_file_of_a_known_kind(team, document):
    with pytest.raises(ValidationError) as caught:
        services.evidence_add(
            claim=claim_opened(team),
            actor=team.checker,
            kind=EvidenceKind.DOCUMENT,
            document=document,
        )

    assert "document" in caught.value.message_dict


def test_a_failed_archive_can_be_tried_again(team, django_capture_on_commit_callbacks):
    evidence = services.evidence_add(
        claim=claim_opened(team), actor=team.checker, kind=EvidenceKind.URL, url="https://a.vn/1"
    )
    Evidence.objects.filter(pk=evidence.pk).update(
        archive_status=ArchiveStatus.FAILED, archive_error="Hết thời gian chờ"
    )

    with django_capture_on_commit_callbacks() as callbacks:
        services.evidence_rearchive(evidence=evidence, actor=team.checker)

    evidence.refresh_from_db()
    assert evidence.archive_status == ArchiveStatus.PENDING
    assert evidence.archive_error == ""
    assert len(callbacks) == 1
    event = AuditEvent.objects.get(action="evidence.rearchive")
    assert event.before == {"archive_status": "failed", "archive_error": "Hết thời gian chờ"}
    assert event.after == {"archive_status": "pending"}


def test_rearchive_is_refused_while_archiving_or_for_a_note(team):
    claim = claim_opened(team)
    pending = services.evidence_add(
        claim=claim, actor=team.checker, kind=EvidenceKind.URL, url="https://a.vn/1"
    )
    note = services.evidence_add(claim=claim, actor=team.checker, kind=EvidenceKind.NOTE, note="x")

    for evidence in (pending, note):
        with pytest.raises(ValidationError):
            services.evidence_rearchive(evidence=evidence, actor=team.checker)


def test_a_source_is_removed_with_its_document_before_publication_never_after(
    team, settings, tmp_path, django_capture_on_commit_callbacks
):
    from claim_stories import verdict_published

    settings.MEDIA_ROOT = tmp_path
    claim = claim_opened(team)
    pdf = SimpleUploadedFile("cong-van.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    document = services.evidence_add(
        claim=claim, actor=team.checker, kind=EvidenceKind.DOCUMENT, document=pdf
    )
    stored = tmp_path / document.document.name
    assert stored.exists()

    with django_capture_on_commit_callbacks(execute=True):
        services.evidence_remove(evidence=document, actor=team.checker)

    assert not Evidence.objects.filter(pk=document.pk).exists()
    assert not stored.exists(), "the stored document goes with the source"
    event = AuditEvent.objects.get(action="evidence.remove")
    assert event.before["kind"] == "document" and event.actor == team.checker

    factcheck = verdict_published(team)
    cited = factcheck.claim.evidence.first()
    with pytest.raises(ValidationError, match="đính chính"):
        services.evidence_remove(evidence=cited, actor=team.checker)
    assert Evidence.objects.filter(pk=cited.pk).exists()


def test_the_claim_page_offers_to_remove_a_source_while_the_claim_is_worked_on(client, team):
    claim = claim_opened(team)
    note = services.evidence_add(
        claim=claim, actor=team.checker, kind=EvidenceKind.NOTE, note="Sai nguồn, gỡ đi"
    )
    client.force_login(team.checker)
    page = client.get(f"/claims/{claim.pk}/").content.decode()
    assert f'id="evidence-{note.pk}-remove"' in page

    response = client.post(f"/claims/{claim.pk}/evidence/{note.pk}/remove/")
    assert response.status_code == 302
    assert not Evidence.objects.filter(pk=note.pk).exists()


def test_appearances_record_where_a_claim_was_seen_once_per_address(team):
    claim = claim_opened(team)
    seen = datetime(2025, 5, 3, 8, 30, tzinfo=UTC)

    appearance = services.appearance_add(
        claim=claim,
        actor=team.checker,
        url="https://www.tiktok.com/@kenh/video/1",
        platform="tiktok",
        seen_at=seen,
        text="Video 2 triệu lượt xem",
    )
    with pytest.raises(ValidationError):
        services.appearance_add(
            claim=claim, actor=team.checker, url="https://www.tiktok.com/@kenh/video/1"
        )
    with pytest.raises(ValidationError):
        services.appearance_add(claim=claim, actor=team.checker)

    assert list(Appearance.objects.filter(claim=claim)) == [appearance]
    event = AuditEvent.objects.get(action="appearance.add")
    assert event.after["seen_at"] == seen.isoformat()
    assert event.after["platform"] == "tiktok"


def test_comment_mentions_are_members_of_the_workspace(team):
    claim = claim_opened(team)

    comment = services.comment_add(
        claim=claim,
        actor=team.checker,
        body="@Editor xem giúp nguồn này, cc @checker2. Không phải @outsider hay @khongai; "
        "email admin@example.org không phải nhắc tên.",
    )

    assert sorted(u.username for u in comment.mentions.all()) == ["checker2", "editor"]
    event = AuditEvent.objects.get(action="comment.add")
    assert event.actor == team.checker
    assert event.after["mentions"] == ["checker2", "editor"]


def test_an_empty_comment_is_refused(team):
    with pytest.raises(ValidationError) as caught:
        services.comment_add(claim=claim_opened(team), actor=team.checker, body="   ")

    assert "body" in caught.value.message_dict
