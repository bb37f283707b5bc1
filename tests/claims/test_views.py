"""The newsroom's claim pages through the Django test client: lists, the claim page, its forms,
evidence and its archived copies."""

from __future__ import annotations

import hashlib
import logging
import re
from html.parser import HTMLParser

import httpx
import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from claim_stories import CLAIM_TEXT, claim_opened, verdict_published
from kiemchung.claims import services
from kiemchung.claims.models import (
    Appearance,
    ArchiveStatus,
    Claim,
    ClaimState,
    Comment,
    Evidence,
    EvidenceKind,
    Rating,
    Snapshot,
)
from kiemchung.core import http


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def as_user(client, user):
    client.force_login(user)
    return client


def page_text(response) -> str:
    return response.content.decode()


def url_evidence(claim, url="https://example.org/bai-bao", **extra) -> Evidence:
    return Evidence.objects.create(
        claim=claim, kind=EvidenceKind.URL, url=url, archive_status=ArchiveStatus.PENDING, **extra
    )


def archived(evidence: Evidence, body: bytes, content_type="text/html; charset=utf-8") -> Snapshot:
    snapshot = Snapshot(
        evidence=evidence,
        final_url=evidence.url,
        status_code=200,
        content_type=content_type,
        sha256=hashlib.sha256(body).hexdigest(),
        size=len(body),
        fetched_at=timezone.now(),
    )
    snapshot.body.save("trang.html", ContentFile(body), save=False)
    snapshot.save()
    evidence.archive_status = ArchiveStatus.ARCHIVED
    evidence.save()
    return snapshot


# My work and the claim list


def test_anonymous_visitor_is_sent_to_login(client):
    response = client.get("/claims/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_htmx_poll_after_logout_sends_the_tab_to_login(client, team):
    claim = claim_opened(team)

    response = client.get(f"/claims/{claim.pk}/", {"part": "evidence"}, HTTP_HX_REQUEST="true")

    assert response["HX-Redirect"] == f"/accounts/login/?next=/claims/{claim.pk}/%3Fpart%3Devidence"


def test_my_work_shows_my_claims_and_verdicts_waiting_for_my_review(client, team):
    mine = claim_opened(team, by=team.checker, text="Nhận định giao cho người kiểm chứng")
    claim_opened(team, by=team.checker2, text="Nhận định của người khác")
    published = verdict_published(team)  # written by checker2, reviewed by the editor
    in_review = services.factcheck_submit(
        factcheck=services.factcheck_save(
            claim=services.evidence_add(
                claim=claim_opened(team, by=team.checker2, text="Đang chờ duyệt"),
                actor=team.checker2,
                kind=EvidenceKind.NOTE,
                note="Ghi chú",
            ).claim,
            actor=team.checker2,
            rating=Rating.objects.get(workspace=team.workspace, label="Sai"),
            title="Tiêu đề chờ duyệt",
            summary="Nhận định “Đang chờ duyệt” là sai vì không có căn cứ.",
            body="",
        ),
        actor=team.checker2,
    )

    checker_page = page_text(as_user(client, team.checker).get("/claims/"))
    assert mine.text in checker_page
    assert "Nhận định của người khác" not in checker_page
    assert "Tiêu đề chờ duyệt" not in checker_page  # a checker does not review

    editor_page = page_text(as_user(client, team.editor).get("/claims/"))
    assert "Tiêu đề chờ duyệt" in editor_page
    assert f'href="/claims/{in_review.claim_id}/#verdict"' in editor_page
    assert published.title not in editor_page


def test_my_work_shows_no_card_a_role_cannot_fill(client, team):
    checker_page = page_text(as_user(client, team.checker).get("/claims/"))
    assert 'id="my-reviews"' not in checker_page  # a checker never reviews
    assert "chờ tôi duyệt" not in checker_page
    assert 'id="my-claims"' in checker_page

    editor_page = page_text(as_user(client, team.editor).get("/claims/"))
    assert 'id="my-reviews"' in editor_page
    assert "Không có kết luận nào chờ bạn duyệt." in editor_page

    viewer_page = page_text(as_user(client, team.viewer).get("/claims/"))
    assert 'id="my-reviews"' not in viewer_page and 'id="my-claims"' not in viewer_page
    assert 'id="nothing-to-do"' in viewer_page


def test_claim_list_filters_by_state_and_finds_text_typed_without_accents(client, team):
    open_claim = claim_opened(team, text="Giá xăng sẽ tăng gấp đôi vào tháng tới", topic="kinh tế")
    dismissed = services.claim_dismiss(
        claim=claim_opened(team, text="Ăn tỏi chữa được cúm"),
        actor=team.editor,
        reason="Đã có bài kiểm chứng khác",
    )
    as_user(client, team.viewer)

    by_text = page_text(client.get("/claims/all/", {"q": "gia xang"}))
    assert open_claim.text in by_text
    assert dismissed.text not in by_text

    by_state = page_text(client.get("/claims/all/", {"state": ClaimState.DISMISSED}))
    assert dismissed.text in by_state
    assert open_claim.text not in by_state

    by_topic = page_text(client.get("/claims/all/", {"topic": "kinh tế"}))
    assert open_claim.text in by_topic
    assert dismissed.text not in by_topic


def test_claim_list_answers_htmx_with_the_table_only(client, team):
    claim_opened(team, text="Nhận định cho bảng")
    as_user(client, team.checker)

    full = client.get("/claims/all/")
    fragment = client.get("/claims/all/", HTTP_HX_REQUEST="true")

    assert "<html" in page_text(full)
    assert "<html" not in page_text(fragment)
    assert 'id="claim-table"' in page_text(fragment)
    assert "Nhận định cho bảng" in page_text(fragment)
    assert "HX-Request" in fragment["Vary"]


def test_claims_of_another_workspace_are_not_found(client, team):
    claim = claim_opened(team)
    as_user(client, team.outsider)

    assert client.get(f"/claims/{claim.pk}/").status_code == 404
    assert client.post(f"/claims/{claim.pk}/start/").status_code == 404
    assert CLAIM_TEXT not in page_text(client.get("/claims/all/"))


# Creating and changing a claim


def test_checker_records_a_claim_and_lands_on_its_page(client, team):
    as_user(client, team.checker)

    response = client.post(
        "/claims/new/",
        {
            "text": "  Vắc-xin gây vô sinh  ",
            "topic": "y tế",
            "tags": "vắc-xin, sức khỏe, vắc-xin",
            "appearance_url": "https://facebook.com/bai-dang/1",
            "platform": "Facebook",
        },
    )

    claim = Claim.objects.get(workspace=team.workspace)
    assert response.status_code == 302
    assert response["Location"] == f"/claims/{claim.pk}/"
    assert claim.text == "Vắc-xin gây vô sinh"
    assert claim.tags == ["vắc-xin", "sức khỏe"]
    assert claim.assignee == team.checker
    assert claim.appearances.get().url == "https://facebook.com/bai-dang/1"
    page = page_text(client.get(response["Location"]))
    assert 'id="claim-state"' in page and "Mới" in page
    assert "Đã tạo nhận định." in page


def test_new_claim_form_errors_are_in_vietnamese(client, team):
    as_user(client, team.checker)

    response = client.post("/claims/new/", {"text": "", "appearance_url": "không phải địa chỉ"})

    page = page_text(response)
    assert response.status_code == 400
    assert "Trường này là bắt buộc." in page
    assert "Nhập một URL hợp lệ." in page
    assert not Claim.objects.exists()


def test_service_errors_are_shown_on_the_form_field(client, team):
    as_user(client, team.checker)

    tags = ", ".join(f"t{n}" for n in range(21))

    response = client.post("/claims/new/", {"text": "Vắc-xin gây vô sinh", "tags": tags})

    assert response.status_code == 400
    assert "Tối đa 20 thẻ." in page_text(response)


def test_an_overlong_claim_is_refused_next_to_its_field_with_the_limit(client, team, caplog):
    as_user(client, team.checker)
    text = ("Tin đồn " * 2775).strip()  # 22,199 characters

    response = client.post("/claims/new/", {"text": text})

    page = page_text(response)
    assert response.status_code == 400
    errors = re.search(r'<ul class="errorlist" id="claim-text_error">(.*?)</ul>', page, re.S)
    assert errors and "dài 22199 ký tự; tối đa 2000 ký tự" in errors.group(1)
    assert "vẫn được tạo" not in page
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not Claim.objects.exists()


def test_the_new_claim_form_states_the_length_limit(client, team):
    page = page_text(as_user(client, team.checker).get("/claims/new/"))

    assert "tối đa 2000 ký tự." in page
    textarea = re.search(r"<textarea[^>]*>", page).group(0)
    assert "maxlength" not in textarea  # a browser would cut a long paste short unsaid


def test_checker_does_not_get_the_assignee_field(client, team):
    checker_page = page_text(as_user(client, team.checker).get("/claims/new/"))
    editor_page = page_text(as_user(client, team.editor).get("/claims/new/"))

    assert 'id="claim-assignee"' not in checker_page
    assert 'id="claim-assignee"' in editor_page
    assert "autofocus" in checker_page


def test_editor_assigns_a_claim(client, team):
    claim = claim_opened(team)
    as_user(client, team.editor)

    response = client.post(f"/claims/{claim.pk}/assign/", {"assignee": team.checker.pk})

    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.assignee == team.checker


def test_viewers_cannot_be_chosen_as_assignee(client, team):
    claim = claim_opened(team)
    as_user(client, team.editor)

    response = client.post(f"/claims/{claim.pk}/assign/", {"assignee": team.viewer.pk})

    assert response.status_code == 400
    assert "Hãy chọn một lựa chọn hợp lệ." in page_text(response)


def test_claim_moves_start_dismiss_reopen(client, team):
    claim = claim_opened(team, by=team.checker)
    as_user(client, team.checker)

    assert 'id="claim-start"' in page_text(client.get(f"/claims/{claim.pk}/"))
    client.post(f"/claims/{claim.pk}/start/")
    claim.refresh_from_db()
    assert claim.state == ClaimState.IN_PROGRESS

    no_reason = client.post(f"/claims/{claim.pk}/dismiss/", {"reason": ""})
    assert no_reason.status_code == 400
    assert "Trường này là bắt buộc." in page_text(no_reason)

    client.post(f"/claims/{claim.pk}/dismiss/", {"reason": "Không kiểm chứng được"})
    claim.refresh_from_db()
    assert claim.state == ClaimState.DISMISSED
    page = page_text(client.get(f"/claims/{claim.pk}/"))
    assert "Không kiểm chứng được" in page
    assert 'id="claim-reopen"' in page

    client.post(f"/claims/{claim.pk}/reopen/")
    claim.refresh_from_db()
    assert claim.state == ClaimState.OPEN


def test_a_refused_move_is_explained_in_vietnamese(client, team):
    claim = claim_opened(team, by=team.checker)
    as_user(client, team.checker)

    response = client.post(f"/claims/{claim.pk}/reopen/", follow=True)

    assert "Chỉ mở lại được nhận định đã bỏ qua" in page_text(response)


def test_editor_deletes_a_claim_but_checker_may_not(client, team):
    claim = claim_opened(team)

    checker = as_user(client, team.checker)
    assert 'id="claim-delete"' not in page_text(checker.get(f"/claims/{claim.pk}/"))
    refused = checker.post(f"/claims/{claim.pk}/delete/")
    assert refused.status_code == 403
    assert "Vai trò của bạn không được phép" in page_text(refused)

    editor = as_user(client, team.editor)
    response = editor.post(f"/claims/{claim.pk}/delete/")
    assert response.status_code == 302
    assert response["Location"] == "/claims/all/"
    assert not Claim.objects.filter(pk=claim.pk).exists()


def test_editing_the_claim_wording(client, team):
    claim = claim_opened(team)
    as_user(client, team.checker)

    client.post(f"/claims/{claim.pk}/edit/", {"text": "Lời lẽ mới", "topic": "", "tags": ""})

    claim.refresh_from_db()
    assert claim.text == "Lời lẽ mới"


def test_viewer_sees_no_forms_and_every_write_is_refused(client, team):
    claim = claim_opened(team)
    as_user(client, team.viewer)

    page = page_text(client.get(f"/claims/{claim.pk}/"))
    assert CLAIM_TEXT in page
    for form_id in (
        "claim-start",
        "claim-dismiss-form",
        "claim-edit-form",
        "appearance-form",
        "evidence-form",
        "comment-form",
        "verdict-form",
    ):
        assert f'id="{form_id}"' not in page
    assert client.get("/claims/new/").status_code == 403

    for path, data in [
        ("/claims/new/", {"text": "Không được tạo"}),
        (f"/claims/{claim.pk}/start/", {}),
        (f"/claims/{claim.pk}/edit/", {"text": "Sửa"}),
        (f"/claims/{claim.pk}/dismiss/", {"reason": "Lý do"}),
        (f"/claims/{claim.pk}/appearances/", {"url": "https://example.org/a"}),
        (f"/claims/{claim.pk}/evidence/", {"kind": "note", "note": "Ghi chú"}),
        (f"/claims/{claim.pk}/comments/", {"body": "Bình luận"}),
    ]:
        response = client.post(path, data)
        assert response.status_code == 403, path
    assert Claim.objects.count() == 1
    assert not Comment.objects.exists()
    assert not Evidence.objects.exists()


# Appearances and the discussion


def test_appearance_is_added_with_its_time(client, team):
    claim = claim_opened(team)
    as_user(client, team.checker)

    response = client.post(
        f"/claims/{claim.pk}/appearances/",
        {
            "url": "https://tiktok.com/@kenh/video/1",
            "platform": "TikTok",
            "seen_at": "2025-03-01T08:30",
            "text": "",
        },
    )

    assert response.status_code == 302
    appearance = Appearance.objects.get(claim=claim)
    assert appearance.platform == "TikTok"
    assert timezone.localtime(appearance.seen_at).strftime("%d/%m/%Y %H:%M") == "01/03/2025 08:30"


def test_empty_appearance_is_refused_with_a_message(client, team):
    claim = claim_opened(team)
    as_user(client, team.checker)

    response = client.post(f"/claims/{claim.pk}/appearances/", {"url": "", "text": ""})

    assert response.status_code == 400
    assert "Hãy nhập đường dẫn hoặc nội dung" in page_text(response)


def test_comment_with_mention_is_shown_in_the_discussion(client, team):
    claim = claim_opened(team)
    as_user(client, team.checker)

    response = client.post(
        f"/claims/{claim.pk}/comments/", {"body": "@editor xem giúp nguồn này <b>nhé</b>"}
    )

    comment = Comment.objects.get(claim=claim)
    assert response["Location"].endswith("#discussion")
    assert list(comment.mentions.all()) == [team.editor]
    page = page_text(client.get(f"/claims/{claim.pk}/"))
    assert "@editor xem giúp nguồn này &lt;b&gt;nhé&lt;/b&gt;" in page


# Evidence and archived copies


def test_url_evidence_is_archived_and_its_status_polled_until_done(
    client, team, monkeypatch, django_capture_on_commit_callbacks
):
    page_body = b"<html><body><script>alert(1)</script>Bo Y te khuyen cao</body></html>"

    def fake_fetch(url, **kwargs):
        return http.FetchResult(
            url=url,
            status_code=200,
            headers=httpx.Headers({"content-type": "text/html; charset=utf-8"}),
            content=page_body,
        )

    claim = claim_opened(team)
    as_user(client, team.checker)
    with django_capture_on_commit_callbacks(execute=False) as archive_later:
        response = client.post(
            f"/claims/{claim.pk}/evidence/",
            {"kind": "url", "url": "https://moh.gov.vn/khuyen-cao", "title": "Bộ Y tế"},
        )
    assert response.status_code == 302
    evidence = Evidence.objects.get(claim=claim)
    assert evidence.archive_status == ArchiveStatus.PENDING

    pending = page_text(client.get(f"/claims/{claim.pk}/"))
    assert 'hx-trigger="every 2s"' in pending
    assert f'hx-get="/claims/{claim.pk}/?part=evidence"' in pending
    assert "Đang lưu trữ" in pending

    monkeypatch.setattr(http, "fetch", fake_fetch)
    for callback in archive_later:
        callback()
    evidence.refresh_from_db()
    assert evidence.archive_status == ArchiveStatus.ARCHIVED

    fragment = client.get(f"/claims/{claim.pk}/", {"part": "evidence"}, HTTP_HX_REQUEST="true")
    html = page_text(fragment)
    assert "<html" not in html
    assert 'id="evidence-list"' in html
    assert "every 2s" not in html  # archived: the polling stops
    assert hashlib.sha256(page_body).hexdigest() in html
    assert f'/claims/{claim.pk}/evidence/{evidence.pk}/snapshot/' in html


def test_failed_archive_shows_the_reason_and_can_be_retried(
    client, team, django_capture_on_commit_callbacks
):
    claim = claim_opened(team)
    evidence = url_evidence(claim)
    evidence.archive_status = ArchiveStatus.FAILED
    evidence.archive_error = "Máy chủ trả về lỗi 503"
    evidence.save()
    as_user(client, team.checker)

    page = page_text(client.get(f"/claims/{claim.pk}/"))
    assert "Máy chủ trả về lỗi 503" in page
    assert f'id="evidence-{evidence.pk}-rearchive"' in page

    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(f"/claims/{claim.pk}/evidence/{evidence.pk}/rearchive/")
    assert response.status_code == 302
    evidence.refresh_from_db()
    assert evidence.archive_status == ArchiveStatus.PENDING
    assert evidence.archive_error == ""


def test_evidence_url_is_required_for_url_evidence(client, team):
    claim = claim_opened(team)
    as_user(client, team.checker)

    response = client.post(f"/claims/{claim.pk}/evidence/", {"kind": "url", "url": ""})

    assert response.status_code == 400
    assert "Hãy nhập đường dẫn của nguồn." in page_text(response)
    assert not Evidence.objects.exists()


def test_an_invalid_evidence_url_is_explained_once(client, team):
    claim = claim_opened(team)
    as_user(client, team.checker)

    response = client.post(f"/claims/{claim.pk}/evidence/", {"kind": "url", "url": "không phải"})

    page = page_text(response)
    assert response.status_code == 400
    errors = re.search(r'<ul class="errorlist" id="evidence-url_error">(.*?)</ul>', page, re.S)
    assert errors is not None
    assert errors.group(1).count("<li>") == 1
    assert "Nhập một URL hợp lệ." in errors.group(1)
    assert "Hãy nhập đường dẫn của nguồn." not in page


def _docx() -> bytes:
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


def _zip() -> bytes:
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("chuong-trinh.exe", "MZ")
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("ghi-chu.txt", "Công văn số 12 của Bộ Y tế".encode()),
        ("bang.csv", b"ngay,so ca\n1/1,12\n"),
        ("van-ban.pdf", b"Day khong phai PDF, chi la chu"),  # a name is not a content
        ("trang.html", b"<html><script>alert(1)</script></html>"),
        ("goi.zip", _zip()),
        ("utf16.txt", "\ufeffvăn bản".encode("utf-16")),
    ],
)
def test_what_is_not_a_document_is_refused_by_its_content(client, team, name, content):
    claim = claim_opened(team)
    as_user(client, team.checker)
    upload = SimpleUploadedFile(name, content, content_type="application/pdf")

    response = client.post(
        f"/claims/{claim.pk}/evidence/", {"kind": "document", "document": upload}
    )

    page = page_text(response)
    assert response.status_code == 400
    assert "Tệp này không phải là một tài liệu được nhận." in page
    assert "Văn bản thuần hãy dán vào một ghi chú." in page
    assert not Evidence.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "stored"),
    [
        ("cong-van.pdf", b"%PDF-1.7\n...", "cong-van.pdf"),
        ("ban-chup.txt", b"%PDF-1.4\n...", "ban-chup.pdf"),  # a PDF, whatever its name
        ("bien-ban.docx", _docx(), "bien-ban.docx"),
        ("anh", b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, "anh.png"),
        ("ghi-am.mp3", b"ID3\x04\x00" + b"\x00" * 20, "ghi-am.mp3"),
    ],
)
def test_documents_are_known_by_their_content(client, team, name, content, stored):
    claim = claim_opened(team)
    as_user(client, team.checker)
    upload = SimpleUploadedFile(name, content)

    response = client.post(
        f"/claims/{claim.pk}/evidence/", {"kind": "document", "document": upload}
    )

    assert response.status_code == 302
    evidence = Evidence.objects.get(claim=claim, kind=EvidenceKind.DOCUMENT)
    assert evidence.document.name.rsplit("/", 1)[-1].startswith(stored.rsplit(".", 1)[0])
    assert evidence.document.name.endswith("." + stored.rsplit(".", 1)[-1])


def test_note_evidence_is_added(client, team):
    claim = claim_opened(team)
    as_user(client, team.checker)

    client.post(
        f"/claims/{claim.pk}/evidence/",
        {"kind": "note", "title": "Gọi điện", "note": "Đã gọi cho bệnh viện, họ phủ nhận."},
    )

    evidence = Evidence.objects.get(claim=claim)
    assert evidence.kind == EvidenceKind.NOTE
    assert evidence.archive_status == ArchiveStatus.NOT_NEEDED
    assert "Đã gọi cho bệnh viện" in page_text(client.get(f"/claims/{claim.pk}/"))


def test_uploaded_document_is_served_only_as_a_download(client, team):
    claim = claim_opened(team)
    as_user(client, team.checker)
    upload = SimpleUploadedFile(
        "cong-van.pdf", b"%PDF-1.4 <script>alert(1)</script>", content_type="text/html"
    )

    client.post(f"/claims/{claim.pk}/evidence/", {"kind": "document", "document": upload})

    evidence = Evidence.objects.get(claim=claim, kind=EvidenceKind.DOCUMENT)
    response = client.get(f"/claims/{claim.pk}/evidence/{evidence.pk}/document/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "sandbox" in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content).startswith(b"%PDF-1.4")


def test_archived_html_is_served_as_plain_text_in_a_sandbox(client, team):
    claim = claim_opened(team)
    evidence = url_evidence(claim)
    archived(evidence, b"<html><script>alert(document.cookie)</script></html>")
    as_user(client, team.viewer)

    response = client.get(f"/claims/{claim.pk}/evidence/{evidence.pk}/snapshot/")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["X-Content-Type-Options"] == "nosniff"
    csp = response["Content-Security-Policy"]
    assert csp.startswith("sandbox") and "default-src 'none'" in csp
    assert b"".join(response.streaming_content) == (
        b"<html><script>alert(document.cookie)</script></html>"
    )

    download = client.get(
        f"/claims/{claim.pk}/evidence/{evidence.pk}/snapshot/", {"download": "1"}
    )
    assert download["Content-Type"] == "application/octet-stream"
    assert re.match(r'attachment; filename="kiemchung-archive-[0-9a-f]{16}\.html"',
                    download["Content-Disposition"])


def test_snapshot_of_another_workspace_or_missing_is_not_found(client, team):
    claim = claim_opened(team)
    evidence = url_evidence(claim)
    as_user(client, team.checker)
    assert client.get(f"/claims/{claim.pk}/evidence/{evidence.pk}/snapshot/").status_code == 404

    archived(evidence, b"trang")
    as_user(client, team.outsider)
    assert client.get(f"/claims/{claim.pk}/evidence/{evidence.pk}/snapshot/").status_code == 404


def test_archived_pdf_is_only_offered_as_a_download(client, team):
    claim = claim_opened(team)
    evidence = url_evidence(claim)
    archived(evidence, b"%PDF-1.7", content_type="application/pdf")
    as_user(client, team.checker)

    response = client.get(f"/claims/{claim.pk}/evidence/{evidence.pk}/snapshot/")

    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Disposition"].endswith('.pdf"')


# The rating scale


class FormValues(HTMLParser):
    """The values a browser would send for one form of a page (inputs, checkboxes, textareas)."""

    def __init__(self, form_id: str):
        super().__init__()
        self.form_id, self.inside, self.values = form_id, False, {}
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("id") == self.form_id
        elif self.inside and tag == "input" and a.get("name"):
            if a.get("type") == "checkbox":
                if "checked" in a:
                    self.values[a["name"]] = "on"
            elif a.get("type") != "submit":
                self.values[a["name"]] = a.get("value") or ""
        elif self.inside and tag == "textarea":
            self._textarea = a["name"]
            self.values[self._textarea] = ""

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        elif tag == "form":
            self.inside = False


def form_values(response, form_id: str) -> dict[str, str]:
    parser = FormValues(form_id)
    parser.feed(page_text(response))
    return {k: v.removeprefix("\n") for k, v in parser.values.items()}


def test_saving_the_scale_as_shown_keeps_every_step(client, team):
    before = list(
        Rating.objects.filter(workspace=team.workspace).order_by("position")
        .values_list("pk", "label", "description")
    )
    as_user(client, team.admin)

    data = form_values(client.get("/claims/ratings/"), "ratings-form")
    response = client.post("/claims/ratings/", data)

    assert response.status_code == 302
    after = list(
        Rating.objects.filter(workspace=team.workspace).order_by("position")
        .values_list("pk", "label", "description")
    )
    assert after == before


def _rating_post(rows):
    """The scale form as the browser sends it: existing steps first, then new rows."""
    data = {
        "ratings-TOTAL_FORMS": str(len(rows)),
        "ratings-INITIAL_FORMS": str(sum(1 for row in rows if row.get("id"))),
        "ratings-MIN_NUM_FORMS": "0",
        "ratings-MAX_NUM_FORMS": "30",
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"ratings-{i}-{key}"] = value
    return data


def test_admin_reorders_renames_and_adds_rating_steps(client, team):
    steps = list(Rating.objects.filter(workspace=team.workspace).order_by("position"))
    as_user(client, team.admin)
    rows = [
        {"id": str(r.pk), "label": r.label, "description": r.description,
         "position": str(i), "is_active": "on"}
        for i, r in enumerate(steps, start=1)
    ]
    rows[0]["position"] = "2"  # "Đúng" after "Gần đúng"
    rows[1]["position"] = "1"
    rows[3]["label"] = "Sai sự thật"
    rows.append({"id": "", "label": "Bịa đặt", "description": "", "position": "6",
                 "is_active": "on"})

    response = client.post("/claims/ratings/", _rating_post(rows))

    assert response.status_code == 302
    labels = list(
        Rating.objects.filter(workspace=team.workspace).order_by("position")
        .values_list("label", flat=True)
    )
    assert labels == ["Gần đúng", "Đúng", "Gây hiểu lầm", "Sai sự thật", "Chưa đủ căn cứ",
                      "Bịa đặt"]


def test_admin_says_what_each_step_means_and_everyone_sees_its_colour(client, team):
    steps = list(Rating.objects.filter(workspace=team.workspace).order_by("position"))
    as_user(client, team.admin)
    assert 'name="ratings-0-tone"' in page_text(client.get("/claims/ratings/"))
    rows = [
        {"id": str(r.pk), "label": r.label, "position": str(i), "is_active": "on", "tone": r.tone}
        for i, r in enumerate(steps, start=1)
    ]
    rows.append({"id": "", "label": "Bịa đặt", "position": "6", "is_active": "on",
                 "tone": "false"})

    response = client.post("/claims/ratings/", _rating_post(rows))

    assert response.status_code == 302
    assert Rating.objects.get(workspace=team.workspace, label="Bịa đặt").tone == "false"
    page = page_text(as_user(client, team.editor).get("/claims/ratings/"))
    assert '<strong class="rating-badge tone-false">Bịa đặt</strong>' in page
    assert '<strong class="rating-badge tone-unproven">Chưa đủ căn cứ</strong>' in page


def test_rating_scale_errors_are_in_vietnamese(client, team):
    as_user(client, team.admin)

    response = client.post(
        "/claims/ratings/",
        _rating_post([{"label": "Sai", "position": "1"}, {"label": "sai", "position": "2"}]),
    )

    assert response.status_code == 400
    assert "Hai mức không được trùng nhãn." in page_text(response)


def test_editor_sees_the_scale_but_cannot_change_it(client, team):
    as_user(client, team.editor)

    page = page_text(client.get("/claims/ratings/"))
    assert 'id="ratings-readonly"' in page
    assert 'id="ratings-form"' not in page

    response = client.post(
        "/claims/ratings/", _rating_post([{"label": "Một mức", "position": "1"}])
    )
    assert response.status_code == 403
    assert Rating.objects.filter(workspace=team.workspace).count() == 5
