"""Readers ask for a correction or a right of reply through the public form (no JavaScript
needed); the message lands in the newsroom's inbox, where editors and admins handle it."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from tests.publishing.stories import lemon
from tests.publishing.test_public_site import other_team_factcheck

from kiemchung.audit.models import AuditEvent
from kiemchung.publishing.models import ContactKind, ContactMessage
from kiemchung.publishing.services import CONTACT_LIMIT, MESSAGE_MAX

pytestmark = pytest.mark.django_db

MESSAGE = "Bài viết ghi sai năm công bố của nghiên cứu: đúng là năm 2019, không phải 2021."


def form(**changes):
    data = {
        "kind": ContactKind.CORRECTION,
        "name": "Nguyễn Văn An",
        "email": "an@example.org",
        "message": MESSAGE,
        "website": "",
    }
    data.update(changes)
    return data


def test_contact_form_lands_in_newsroom_inbox(client, team):
    factcheck = lemon(team)
    page = client.get(f"/p/nhom/contact/?factcheck={factcheck.pk}").content.decode()
    assert factcheck.title in page
    assert f'name="factcheck" value="{factcheck.pk}"' in page
    assert 'method="post" action="/p/nhom/contact/"' in page

    sent = client.post("/p/nhom/contact/", form(factcheck=str(factcheck.pk)))

    assert sent.status_code == 302 and sent["Location"] == "/p/nhom/contact/sent/"
    message = ContactMessage.objects.get()
    assert (message.workspace, message.factcheck, message.kind) == (
        team.workspace, factcheck, ContactKind.CORRECTION
    )
    assert (message.name, message.email) == ("Nguyễn Văn An", "an@example.org")
    assert message.message == MESSAGE
    assert AuditEvent.objects.filter(action="contact.receive", object_id=str(message.pk)).exists()

    client.force_login(team.editor)
    inbox = client.get("/inbox/").content.decode()
    assert MESSAGE in inbox and "an@example.org" in inbox and factcheck.title in inbox
    assert 'href="/inbox/"' in client.get("/claims/").content.decode()

    handled = client.post(f"/inbox/{message.pk}/handle/", {"handled": "1"})

    assert handled.status_code == 302
    message.refresh_from_db()
    assert message.handled_at is not None and message.handled_by == team.editor
    assert MESSAGE not in client.get("/inbox/").content.decode()
    assert MESSAGE in client.get("/inbox/?show=handled").content.decode()
    assert AuditEvent.objects.filter(action="contact.handle", actor=team.editor).exists()


def test_handling_with_htmx_returns_the_message_row(client, team):
    client.post("/p/nhom/contact/", form())
    message = ContactMessage.objects.get()
    client.force_login(team.admin)

    response = client.post(
        f"/inbox/{message.pk}/handle/", {"handled": "1"}, HTTP_HX_REQUEST="true"
    )

    row = response.content.decode()
    assert row.startswith('<article class="card inbox-row handled"')
    assert "Mở lại" in row
    reopened = client.post(
        f"/inbox/{message.pk}/handle/", {"handled": "0"}, HTTP_HX_REQUEST="true"
    )
    assert "Đánh dấu đã xử lý" in reopened.content.decode()
    message.refresh_from_db()
    assert message.handled_at is None


@pytest.mark.parametrize("who", ["checker", "viewer"])
def test_only_editors_and_admins_see_the_inbox(client, team, who):
    client.post("/p/nhom/contact/", form())
    message = ContactMessage.objects.get()
    client.force_login(getattr(team, who))

    assert client.get("/inbox/").status_code == 403
    assert client.post(f"/inbox/{message.pk}/handle/", {"handled": "1"}).status_code == 403
    assert 'href="/inbox/"' not in client.get("/claims/").content.decode()
    message.refresh_from_db()
    assert message.handled_at is None


def test_another_teams_messages_are_not_in_the_inbox(client, team):
    client.post("/p/khac/contact/", form(message="Tin nhắn gửi cho nhóm khác, không phải ở đây."))
    message = ContactMessage.objects.get()
    client.force_login(team.editor)

    assert "nhóm khác" not in client.get("/inbox/?show=all").content.decode()
    assert client.post(f"/inbox/{message.pk}/handle/", {"handled": "1"}).status_code == 404


def test_inbox_needs_login(client, team):
    response = client.get("/inbox/")

    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"name": "", "email": "", "message": ""}, "Hãy cho biết tên của bạn."),
        (
            {"name": "", "email": "", "message": ""},
            "Hãy nhập một địa chỉ e-mail để nhóm trả lời bạn.",
        ),
        ({"name": "", "email": "", "message": ""}, "Hãy viết nội dung yêu cầu."),
        ({"message": "   "}, "Hãy viết nội dung yêu cầu."),
        ({"message": "Sai rồi"}, "Nội dung quá ngắn: hãy viết ít nhất 10 ký tự."),
        (
            {"message": "x" * (MESSAGE_MAX + 1)},
            f"Nội dung dài quá {MESSAGE_MAX} ký tự (bạn đã viết {MESSAGE_MAX + 1}).",
        ),
        ({"name": "A" * 121}, "Tên dài quá 120 ký tự."),
        ({"email": "khong-phai-email"}, "Hãy nhập một địa chỉ e-mail đúng để nhóm trả lời bạn."),
        ({"kind": "khieu-nai"}, "Hãy chọn loại yêu cầu."),
        ({"website": "http://spam.example"}, "Không gửi được: ô “Để trống ô này” phải để trống."),
        (
            {"message": "Mua ngay " + " ".join(f"https://spam.example/{i}" for i in range(6))},
            "Tin nhắn có quá nhiều đường dẫn (tối đa 5).",
        ),
        ({"factcheck": "999999"}, "Bài kiểm chứng này không thuộc nhóm hoặc chưa được công bố."),
    ],
)
def test_bad_contact_messages_get_vietnamese_errors_and_nothing_is_stored(
    client, team, changes, error
):
    response = client.post("/p/nhom/contact/", form(**changes))

    assert response.status_code == 400
    assert error in response.content.decode()
    assert 'role="alert"' in response.content.decode()
    assert ContactMessage.objects.count() == 0
    assert not AuditEvent.objects.filter(action="contact.receive").exists()


def test_a_factcheck_of_another_team_cannot_be_named(client, team):
    theirs = other_team_factcheck(team)

    response = client.post("/p/nhom/contact/", form(factcheck=str(theirs.pk)))

    assert response.status_code == 400
    assert ContactMessage.objects.count() == 0


def test_fields_with_errors_are_marked_for_screen_readers(client, team):
    bad = form(name="", message="x" * (MESSAGE_MAX + 1))
    page = client.post("/p/nhom/contact/", bad).content.decode()

    assert 'aria-invalid="true"' in page
    assert 'id="id_name_error"' in page and 'aria-describedby="id_name_error"' in page
    assert "x" * 50 in page  # what was typed is kept, so the reader can shorten it


def test_contact_is_rate_limited_per_client_without_keeping_its_address(client, team):
    address = "203.0.113.77"
    for _n in range(CONTACT_LIMIT):
        assert client.post("/p/nhom/contact/", form(), REMOTE_ADDR=address).status_code == 302

    refused = client.post("/p/nhom/contact/", form(), REMOTE_ADDR=address)
    other_client = client.post("/p/nhom/contact/", form(), REMOTE_ADDR="198.51.100.5")

    assert refused.status_code == 429
    assert f"Bạn đã gửi {CONTACT_LIMIT} tin nhắn trong một giờ qua." in refused.content.decode()
    assert other_client.status_code == 302
    assert ContactMessage.objects.count() == CONTACT_LIMIT + 1
    stored = repr(list(cache._cache.items()))  # locmem: keys and pickled values
    assert address not in stored and address.encode() not in b"".join(cache._cache.values())


def test_contact_page_is_private_and_sent_page_is_public(client, team):
    assert "no-store" in client.get("/p/nhom/contact/")["Cache-Control"]
    assert "public" in client.get("/p/nhom/contact/sent/")["Cache-Control"]


def test_contact_form_preselects_the_kind_asked_for(client, team):
    page = client.get("/p/nhom/contact/?kind=right_of_reply").content.decode()

    assert 'value="right_of_reply" id="id_kind_1" required checked>' in page
    assert 'value="correction" id="id_kind_0" required>' in page
