"""Archiving evidence pages from real local servers: once, with a digest, or with a reason."""

from __future__ import annotations

import hashlib

import pytest

from core.support import answer, http_server
from kiemchung.claims.archive import _store, archive_request, evidence_snapshot_take
from kiemchung.claims.models import ArchiveStatus, Claim, Evidence, EvidenceKind, Snapshot
from kiemchung.claims.tasks import evidence_archive
from kiemchung.core import http

PAGE = "<html><body>Thông cáo: tin đồn về vắc-xin là sai</body></html>".encode()


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def claim(db):
    from kiemchung.accounts.models import Workspace

    workspace = Workspace.objects.create(name="Nhóm Kiểm Chứng", slug="nhom")
    return Claim.objects.create(workspace=workspace, text="Vắc-xin làm thay đổi gen người tiêm")


def _evidence(claim, url: str) -> Evidence:
    return Evidence.objects.create(
        claim=claim, kind=EvidenceKind.URL, url=url, archive_status=ArchiveStatus.PENDING
    )


def _archived_files(media) -> list:
    return sorted(p for p in media.rglob("*") if p.is_file())


def _pages(*answers):
    """A route answering with each (status, body) in turn, repeating the last one."""
    remaining = list(answers)

    def route(handler):
        status, body = remaining.pop(0) if len(remaining) > 1 else remaining[0]
        answer(handler, status, body)

    return route


def test_a_pending_web_source_is_archived_with_its_digest(claim, media):
    with http_server({"/thong-cao": lambda h: answer(h, 200, PAGE)}) as server:
        evidence = _evidence(claim, server.url("/thong-cao"))
        evidence_archive.enqueue(evidence.id)
    evidence.refresh_from_db()
    assert evidence.archive_status == ArchiveStatus.ARCHIVED
    assert evidence.archive_error == ""
    snapshot = evidence.snapshot
    assert snapshot.final_url == server.url("/thong-cao")
    assert snapshot.status_code == 200
    assert snapshot.content_type == "text/html; charset=utf-8"
    assert snapshot.sha256 == hashlib.sha256(PAGE).hexdigest()
    assert snapshot.size == len(PAGE)
    assert snapshot.body.name.endswith(".html")
    with snapshot.body.open("rb") as stored:
        assert stored.read() == PAGE
    assert _archived_files(media) == [media / snapshot.body.name]


def test_archiving_twice_archives_once(claim, media):
    with http_server({"/thong-cao": lambda h: answer(h, 200, PAGE)}) as server:
        evidence = _evidence(claim, server.url("/thong-cao"))
        evidence_archive.enqueue(evidence.id)
        second = evidence_archive.enqueue(evidence.id)
    assert second.return_value == "skipped"
    assert server.hits["/thong-cao"] == 1
    assert Snapshot.objects.filter(evidence=evidence).count() == 1
    assert len(_archived_files(media)) == 1


def test_a_run_that_loses_the_race_writes_nothing(claim, media):
    with http_server({"/thong-cao": lambda h: answer(h, 200, PAGE)}) as server:
        evidence = _evidence(claim, server.url("/thong-cao"))
        # This run has fetched the page; before it stores it, another run archives it.
        page_in_hand = http.fetch(evidence.url)
        assert evidence_snapshot_take(evidence_id=evidence.id) == "archived"
        assert _store(evidence.id, page_in_hand) == "skipped"
    assert Snapshot.objects.filter(evidence=evidence).count() == 1
    assert len(_archived_files(media)) == 1, "the losing run removed the file it wrote"


def test_a_server_error_is_retried_and_then_archived(claim):
    route = _pages((500, b"busy"), (200, PAGE))
    with http_server({"/thong-cao": route}) as server:
        evidence = _evidence(claim, server.url("/thong-cao"))
        evidence_archive.enqueue(evidence.id)
    evidence.refresh_from_db()
    assert evidence.archive_status == ArchiveStatus.ARCHIVED
    assert server.hits["/thong-cao"] == 2


def test_when_the_attempts_run_out_the_reason_is_kept(claim, settings):
    settings.TASK_MAX_ATTEMPTS = 3
    with http_server({"/qua-tai": lambda h: answer(h, 503, b"later")}) as server:
        evidence = _evidence(claim, server.url("/qua-tai"))
        evidence_archive.enqueue(evidence.id)
    evidence.refresh_from_db()
    assert evidence.archive_status == ArchiveStatus.FAILED
    assert evidence.archive_error == "Máy chủ trả lỗi 503"
    assert server.hits["/qua-tai"] == 3
    assert not Snapshot.objects.filter(evidence=evidence).exists()


def test_a_missing_page_fails_at_once(claim, media):
    with http_server({}) as server:
        evidence = _evidence(claim, server.url("/da-xoa"))
        evidence_archive.enqueue(evidence.id)
    evidence.refresh_from_db()
    assert evidence.archive_status == ArchiveStatus.FAILED
    assert evidence.archive_error == "Máy chủ trả lỗi 404"
    assert server.hits["/da-xoa"] == 1
    assert _archived_files(media) == []


def test_a_page_that_never_answers_fails_with_the_timeout_in_vietnamese(claim, settings):
    settings.TASK_MAX_ATTEMPTS = 2
    settings.FETCH_TIMEOUT_SECONDS = 0.5
    with http_server({"/cham": lambda h: server.released.wait(10)}) as server:
        evidence = _evidence(claim, server.url("/cham"))
        evidence_archive.enqueue(evidence.id)
    evidence.refresh_from_db()
    assert evidence.archive_status == ArchiveStatus.FAILED
    assert evidence.archive_error == "Trang không phản hồi trong 0,5 giây"
    assert server.hits["/cham"] == 2


def test_a_page_that_is_too_large_fails_with_its_reason(claim, settings):
    settings.FETCH_MAX_BYTES = 1024 * 1024
    body = b"x" * (2 * 1024 * 1024)
    with http_server({"/lon": lambda h: answer(h, 200, body)}) as server:
        evidence = _evidence(claim, server.url("/lon"))
        evidence_archive.enqueue(evidence.id)
    evidence.refresh_from_db()
    assert evidence.archive_status == ArchiveStatus.FAILED
    assert evidence.archive_error == "Trang quá lớn (hơn 1 MB)"


def test_an_internal_address_is_refused(claim, settings):
    settings.ALLOW_PRIVATE_URLS = False
    with http_server({"/quan-tri": lambda h: answer(h, 200, b"router admin")}) as server:
        evidence = _evidence(claim, server.url("/quan-tri"))
        evidence_archive.enqueue(evidence.id)
    evidence.refresh_from_db()
    assert evidence.archive_status == ArchiveStatus.FAILED
    assert evidence.archive_error == "Địa chỉ nội bộ không được phép"
    assert server.hits["/quan-tri"] == 0


def test_archive_request_enqueues_the_fetch_after_commit(
    claim, django_capture_on_commit_callbacks
):
    with http_server({"/thong-cao": lambda h: answer(h, 200, PAGE)}) as server:
        evidence = Evidence.objects.create(
            claim=claim, kind=EvidenceKind.URL, url=server.url("/thong-cao")
        )
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            archive_request(evidence)
        evidence.refresh_from_db()
        assert evidence.archive_status == ArchiveStatus.PENDING
        assert server.hits["/thong-cao"] == 0, "nothing is fetched before the commit"
        for callback in callbacks:
            callback()
    evidence.refresh_from_db()
    assert evidence.archive_status == ArchiveStatus.ARCHIVED


def test_archive_request_refuses_evidence_without_a_url(claim):
    note = Evidence.objects.create(claim=claim, kind=EvidenceKind.NOTE, note="Gọi điện cho Sở")
    with pytest.raises(ValueError):
        archive_request(note)


def test_archiving_again_replaces_the_copy_and_its_file(
    claim, media, django_capture_on_commit_callbacks
):
    updated = PAGE + "<!-- cập nhật -->".encode()
    versions = _pages((200, PAGE), (200, updated))
    with http_server({"/thong-cao": versions}) as server:
        evidence = _evidence(claim, server.url("/thong-cao"))
        evidence_archive.enqueue(evidence.id)
        first_file = media / Snapshot.objects.get(evidence=evidence).body.name
        with django_capture_on_commit_callbacks(execute=True):
            archive_request(evidence)
            assert evidence.snapshot.body.name, "the earlier copy stays while fetching again"
        assert first_file.exists() is False, "its file is removed once the new copy is saved"
    snapshot = Snapshot.objects.get(evidence=evidence)
    assert snapshot.sha256 == hashlib.sha256(updated).hexdigest()
    assert _archived_files(media) == [media / snapshot.body.name]


def test_archiving_again_keeps_the_earlier_copy_when_the_page_is_gone(claim):
    versions = _pages((200, PAGE), (404, b"gone"))
    with http_server({"/thong-cao": versions}) as server:
        evidence = _evidence(claim, server.url("/thong-cao"))
        evidence_archive.enqueue(evidence.id)
        archive_request(evidence)
        evidence_archive.enqueue(evidence.id)
    evidence.refresh_from_db()
    assert evidence.archive_status == ArchiveStatus.ARCHIVED
    assert evidence.archive_error == (
        "Lưu trữ lại không thành công, vẫn giữ bản lưu trước: Máy chủ trả lỗi 404"
    )
    assert evidence.snapshot.sha256 == hashlib.sha256(PAGE).hexdigest()


def test_evidence_deleted_before_its_turn_is_skipped(claim):
    assert evidence_archive.call(987654) == "missing"
