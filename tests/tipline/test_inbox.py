"""The staff inbox: the queue by category with matches, pseudonyms only, every view audited,
attaching to claims, replying from templates, closing, searching; the nav's count."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from tests.tipline.answer_stories import (
    LEMON_TIP,
    NEW_RUMOUR,
    index_in_tmp,  # noqa: F401 (fixture)
    lemon_published,
    opened,
    say,  # noqa: F401 (fixture)
    text_of,
)
from tests.tipline.stories import tip_received

from kiemchung.audit.models import AuditEvent
from kiemchung.claims.models import Appearance
from kiemchung.tipline.models import ReplyTemplate, Sender, Tip, TipState

pytestmark = pytest.mark.usefixtures("index_in_tmp")

TELEGRAM_USER = "987654321"


def _page(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_inbox_shows_pseudonyms_only(team, tipline, say, client):
    say(NEW_RUMOUR, user=TELEGRAM_USER)
    tip = Tip.objects.select_related("conversation__sender").get()
    sender = tip.conversation.sender
    client.force_login(team.checker)

    pages = [
        _page(client.get(reverse("tipline_staff:inbox"))),
        _page(client.get(reverse("tipline_staff:tip", args=[tip.pk]))),
    ]

    label = f"Người gửi {sender.pseudonym:04d}"
    for html in pages:
        assert label in html
        assert TELEGRAM_USER not in html
        assert sender.sender_hash not in html
        assert "Lan" not in html  # the first name Telegram sends is never kept
    assert tip.tracking_code in pages[0]
    assert NEW_RUMOUR in pages[1]


def test_staff_view_of_tip_is_audited(team, tipline, say, client):
    say(NEW_RUMOUR, user="1212")
    tip = Tip.objects.get()
    client.force_login(team.checker)

    for _ in range(2):
        _page(client.get(reverse("tipline_staff:tip", args=[tip.pk])))

    views = AuditEvent.objects.filter(action="tip.view", object_id=str(tip.pk))
    assert views.count() == 2
    assert {e.actor_id for e in views} == {team.checker.pk}
    assert {e.object_type for e in views} == {"tipline.tip"}
    # The list shows the start of each tip only and is not a view of any one tip.
    _page(client.get(reverse("tipline_staff:inbox")))
    assert AuditEvent.objects.filter(action="tip.view").count() == 2


def test_viewer_and_outsider_cannot_open_tips(team, tipline, say, client):
    say(NEW_RUMOUR, user="1213")
    tip = Tip.objects.get()
    client.force_login(team.viewer)
    assert client.get(reverse("tipline_staff:inbox")).status_code == 403
    assert client.get(reverse("tipline_staff:tip", args=[tip.pk])).status_code == 403
    # Another team's admin sees their own (empty) inbox, never this tip.
    client.force_login(team.outsider)
    assert tip.tracking_code not in _page(client.get(reverse("tipline_staff:inbox")))
    assert client.get(reverse("tipline_staff:tip", args=[tip.pk])).status_code == 404
    assert not AuditEvent.objects.filter(action="tip.view").exists()


def test_queue_by_category_with_counts(team, tipline, client):
    tip_received(team, text=NEW_RUMOUR)
    tip_received(team, text="Cửa hàng bán thuốc giả ở chợ Bến Thành", category="violation")
    tip_received(team, text="Tôi có được đòi lại tiền cọc thuê nhà không?", category="legal")
    client.force_login(team.checker)

    html = _page(client.get(reverse("tipline_staff:inbox"), {"category": "violation"}))

    assert "Tôi có được đòi lại tiền cọc" not in html  # other categories are not listed
    rows = re.findall(r'id="tip-row-(\d+)"', html)
    assert [int(r) for r in rows] == [Tip.objects.get(category="violation").pk]
    tab = re.search(r'id="tab-violation">[^<]*<span class="badge">(\d+)</span>', html)
    assert tab and tab.group(1) == "1"


def test_search_over_tip_texts_without_accents(team, tipline, client):
    wanted = tip_received(team, text="Clip công an bắt người ở Đà Nẵng là giả mạo?")
    tip_received(team, text=NEW_RUMOUR)
    client.force_login(team.checker)

    html = _page(client.get(reverse("tipline_staff:inbox"), {"q": "cong an da nang"}))
    assert re.findall(r'id="tip-row-(\d+)"', html) == [str(wanted.pk)]
    by_code = _page(client.get(reverse("tipline_staff:inbox"), {"q": wanted.tracking_code}))
    assert re.findall(r'id="tip-row-(\d+)"', by_code) == [str(wanted.pk)]
    # htmx asks for the list only.
    fragment = client.get(reverse("tipline_staff:inbox"), {"q": "cong an"}, HTTP_HX_REQUEST="true")
    assert b"<html" not in fragment.content and b'id="tip-list"' in fragment.content


def test_tip_page_shows_matches_as_suggestions(team, tipline, client, settings,
                                               django_capture_on_commit_callbacks):
    factcheck = lemon_published(team)
    # A team that wants every match checked by a person: a same-claim threshold of 1 never
    # happens, so the best match is only related.
    team.workspace.match_auto_threshold = 1.0
    team.workspace.save()
    with django_capture_on_commit_callbacks(execute=True):
        tip = tip_received(team, text=LEMON_TIP)
    tip.refresh_from_db()
    assert tip.state == TipState.NEW and tip.claim_id is None
    client.force_login(team.checker)

    html = _page(client.get(reverse("tipline_staff:tip", args=[tip.pk])))

    assert f'data-record="factcheck:{factcheck.pk}"' in html
    assert "Liên quan, không cùng nhận định" in html
    assert f'id="attach-{factcheck.claim_id}"' in html


def test_attach_tip_to_claim_creates_an_appearance(team, tipline, client):
    tip = tip_received(
        team, text="Bài này nói vắc xin gây vô sinh https://facebook.com/groups/me/posts/1."
    )
    claim = opened(team, "Tiêm vắc xin COVID-19 gây vô sinh ở phụ nữ trẻ")
    client.force_login(team.checker)
    page = _page(client.get(reverse("tipline_staff:tip", args=[tip.pk])))
    # The link in the tip is offered as where the claim was seen.
    assert 'value="https://facebook.com/groups/me/posts/1"' in page

    response = client.post(
        reverse("tipline_staff:attach", args=[tip.pk]),
        {"claim": claim.pk, "url": "https://facebook.com/groups/me/posts/1", "note": ""},
    )

    assert response.status_code == 302
    tip.refresh_from_db()
    assert tip.claim_id == claim.pk and tip.state == TipState.IN_PROGRESS
    appearance = Appearance.objects.get(claim=claim)
    assert appearance.url == "https://facebook.com/groups/me/posts/1"
    assert appearance.text == f"Tin báo {tip.tracking_code} qua Biểu mẫu trên web"
    assert "vô sinh" not in appearance.text  # the tip's words stay with the tip
    assert AuditEvent.objects.filter(action="tip.attach", object_id=str(tip.pk)).exists()


def test_create_claim_from_tip(team, tipline, client):
    tip = tip_received(team, text=NEW_RUMOUR)
    client.force_login(team.checker)

    response = client.post(
        reverse("tipline_staff:claim_create", args=[tip.pk]),
        {"text": "Mỗi hộ dân phải đóng phí 500 nghìn đồng để giữ sổ đỏ", "topic": "Đất đai",
         "url": ""},
    )

    assert response.status_code == 302
    tip.refresh_from_db()
    assert tip.claim.text == "Mỗi hộ dân phải đóng phí 500 nghìn đồng để giữ sổ đỏ"
    assert tip.claim.topic == "Đất đai" and tip.claim.created_by == team.checker
    assert tip.claim.appearances.count() == 1


def test_reply_with_a_template(team, tipline, say, client):
    say(NEW_RUMOUR, user="2323")
    tip = Tip.objects.get()
    client.force_login(team.checker)
    client.post(
        reverse("tipline_staff:templates"),
        {"title": "Đang kiểm chứng", "category": "check", "is_active": "on",
         "text": "Cảm ơn bạn, nhóm đang kiểm chứng thông tin này."},
    )
    template = ReplyTemplate.objects.get()
    assert template.workspace == team.workspace

    page = _page(client.get(reverse("tipline_staff:tip", args=[tip.pk]), {"template": template.pk}))
    assert "Cảm ơn bạn, nhóm đang kiểm chứng thông tin này.</textarea>" in page

    before = len(tipline.telegram_api.sent())
    response = client.post(
        reverse("tipline_staff:reply", args=[tip.pk]),
        {"text": "Cảm ơn bạn, nhóm đang kiểm chứng thông tin này. Mã KC của bạn vẫn giữ nguyên."},
    )
    assert response.status_code == 302
    # The test client does not run on_commit work; the reply is queued with its Delivery.
    tip.refresh_from_db()
    assert tip.state == TipState.ANSWERED
    line = tip.messages.filter(direction="out", author=team.checker).get()
    assert line.delivery is not None
    assert len(tipline.telegram_api.sent()) == before


def test_reply_is_sent_through_the_channel(team, tipline, say, client,
                                           django_capture_on_commit_callbacks):
    say(NEW_RUMOUR, user="2324")
    tip = Tip.objects.get()
    client.force_login(team.checker)
    before = len(tipline.telegram_api.sent())

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("tipline_staff:reply", args=[tip.pk]),
                    {"text": "Nhóm đã nhận tin và đang xem xét."})

    sent = tipline.telegram_api.sent()[before:]
    assert [text_of(r.json) for r in sent] == ["Nhóm đã nhận tin và đang xem xét."]
    assert sent[0].json["chat_id"] == "2324"


def test_close_and_reopen(team, tipline, client):
    tip = tip_received(team, text=NEW_RUMOUR)
    client.force_login(team.checker)

    assert client.post(reverse("tipline_staff:close", args=[tip.pk])).status_code == 302
    tip.refresh_from_db()
    assert tip.state == TipState.CLOSED and tip.closed_at is not None
    html = _page(client.get(reverse("tipline_staff:inbox")))
    assert f'id="tip-row-{tip.pk}"' not in html
    closed = _page(client.get(reverse("tipline_staff:inbox"), {"show": "closed"}))
    assert f'id="tip-row-{tip.pk}"' in closed

    client.post(reverse("tipline_staff:reopen", args=[tip.pk]))
    tip.refresh_from_db()
    assert tip.state == TipState.NEW and tip.closed_at is None


def test_nav_says_how_many_tips_are_new_and_nothing_else(team, tipline, client):
    for text in (NEW_RUMOUR, "Clip công an bắt người ở Đà Nẵng là giả mạo?"):
        tip_received(team, text=text)
    client.force_login(team.checker)

    html = _page(client.get(reverse("claims:list")))
    nav = re.search(r'<a href="/tips/" id="nav-tips">(.*?)</a>', html, re.DOTALL)
    assert nav is not None
    assert re.search(r'<span class="badge"[^>]*>2<', nav.group(1))
    assert "KC-" not in nav.group(1)
    badge = _page(client.get(reverse("tipline_staff:badge")))
    assert ">2<" in badge and "KC-" not in badge

    client.force_login(team.viewer)
    assert 'id="nav-tips"' not in _page(client.get(reverse("claims:list")))


def test_sender_label_is_the_only_name_staff_see(team, tipline, say, client):
    say(NEW_RUMOUR, kind="zalo", user="5566778899")
    sender = Sender.objects.get()
    client.force_login(team.editor)
    html = _page(client.get(reverse("tipline_staff:tip", args=[Tip.objects.get().pk])))
    assert sender.label in html and "5566778899" not in html
