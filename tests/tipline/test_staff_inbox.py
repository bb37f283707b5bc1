"""The staff inbox as a team works it: the start of each tip in the queue, the claim picker
(search typed without accents, the matcher's suggestions first, a number still works), replies
to web form tips posted on the status page, and holding replies that leave the tip waiting."""

from __future__ import annotations

import logging
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from tests.tipline.answer_stories import (
    LEMON_TIP,
    NEW_RUMOUR,
    index_in_tmp,  # noqa: F401 (fixture)
    lemon_published,
    opened,
)
from tests.tipline.stories import tip_received

from kiemchung.audit.models import AuditEvent
from kiemchung.claims import services as claims_services
from kiemchung.core.models import Delivery, DeliveryStatus
from kiemchung.tipline.inbox_selectors import tip_preview
from kiemchung.tipline.models import ReplyKind, ReplyTemplate, Tip, TipState

pytestmark = pytest.mark.usefixtures("index_in_tmp")

VACCINE = "Tiêm vắc xin COVID-19 gây vô sinh ở phụ nữ trẻ"
LONG_TIP = (
    "Mọi người ơi <b>khẩn</b>: nhóm Zalo của khu phố đang chia sẻ một đoạn tin nói rằng từ tháng "
    "sau mỗi hộ dân phải nộp thêm phí giữ sổ đỏ năm trăm nghìn đồng cho phường, ai không nộp "
    "sẽ bị thu hồi đất, nghe rất đáng sợ, nhờ nhóm kiểm tra giúp có đúng không ạ"
)


def _page(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def _row(html: str, tip: Tip) -> str:
    found = re.search(rf'<tr id="tip-row-{tip.pk}">(.*?)</tr>', html, re.S)
    assert found, f"no row for {tip.tracking_code}"
    return found.group(1)


def _status_page(client, team, tip: Tip) -> str:
    url = reverse("tipline:status", args=[team.workspace.slug])
    return _page(client.get(url, {"code": tip.tracking_code}))


# The queue


def test_tip_preview_is_the_start_of_the_text_cut_at_a_word():
    preview = tip_preview(LONG_TIP)
    assert preview.endswith("…") and len(preview) <= 161
    assert LONG_TIP.startswith(preview[:-1])
    assert LONG_TIP[len(preview) - 1] == " "  # cut between two words
    assert tip_preview("ngắn\n\n  gọn ") == "ngắn gọn"
    # One long word (a link) is cut rather than hidden.
    assert tip_preview("https://example.org/" + "a" * 300).startswith("https://example.org/aaa")


def test_inbox_shows_the_start_of_each_tip_escaped(team, tipline, client, caplog):
    long_tip = tip_received(team, text=LONG_TIP)
    short_tip = tip_received(team, text=NEW_RUMOUR)
    client.force_login(team.checker)

    with caplog.at_level(logging.DEBUG):
        html = _page(client.get(reverse("tipline_staff:inbox")))

    assert NEW_RUMOUR in _row(html, short_tip)
    row = _row(html, long_tip)
    # On a phone each row is a card, every cell saying its column.
    assert '<table class="stack">' in html
    assert 'data-label="Nội dung" class="tip-preview"' in row
    assert "&lt;b&gt;khẩn&lt;/b&gt;" in row and "<b>" not in row
    assert "nhóm Zalo của khu phố" in row and "có đúng không ạ" not in row
    # On the page only: no log line carries a tip's words.
    assert "khu phố" not in caplog.text and "sổ đỏ" not in caplog.text
    # The list is not a reading of any one tip.
    assert not AuditEvent.objects.filter(action="tip.view").exists()


def test_inbox_previews_cost_no_query_per_tip(team, tipline, client):
    client.force_login(team.checker)
    tip_received(team, text=LONG_TIP)
    client.get(reverse("tipline_staff:inbox"))  # sessions, caches and the like, once

    def queries() -> int:
        with CaptureQueriesContext(connection) as run:
            _page(client.get(reverse("tipline_staff:inbox")))
        return len(run)

    few = queries()
    for n in range(6):
        tip_received(team, text=f"{NEW_RUMOUR} ({n})")
    assert queries() == few


# The claim picker


def test_picker_finds_claims_typed_without_accents_and_attaches(team, tipline, client):
    tip = tip_received(team, text="Bài này nói vắc xin gây vô sinh, đúng không?", category="other")
    wanted = opened(team, VACCINE)
    other = opened(team, "Ăn tỏi sống mỗi ngày giúp phòng được bệnh cúm")
    dismissed = opened(team, "Vắc xin COVID-19 làm vô sinh cả nam giới")
    claims_services.claim_dismiss(claim=dismissed, actor=team.editor, reason="Trùng lặp")
    client.force_login(team.checker)

    html = _page(client.get(reverse("tipline_staff:tip", args=[tip.pk]), {"q": "vac xin vo sinh"}))

    results = html[html.index('id="claim-results"'):]
    assert f'name="claim" value="{wanted.pk}"' in results
    assert f'value="{other.pk}"' not in results
    assert f'value="{dismissed.pk}"' not in results  # a dismissed claim cannot take a tip
    assert 'id="attach-submit"' in html

    response = client.post(
        reverse("tipline_staff:attach", args=[tip.pk]), {"claim": wanted.pk, "url": "", "note": ""}
    )
    assert response.status_code == 302
    tip.refresh_from_db()
    assert tip.claim_id == wanted.pk and tip.state == TipState.IN_PROGRESS


def test_picker_offers_the_matchers_suggestions_first(
    team, tipline, client, django_capture_on_commit_callbacks
):
    factcheck = lemon_published(team)
    team.workspace.match_auto_threshold = 1.0  # nothing is answered on its own
    team.workspace.save()
    with django_capture_on_commit_callbacks(execute=True):
        tip = tip_received(team, text=LEMON_TIP)
    opened(team, "Nước chanh ấm giúp giảm cân nhanh")
    client.force_login(team.checker)

    html = _page(client.get(reverse("tipline_staff:tip", args=[tip.pk]), {"q": "nuoc chanh"}))

    suggested = html.index('id="claim-suggested"')
    results = html.index('id="claim-results"')
    mine = html.index(f'id="claim-choice-{factcheck.claim_id}"')
    assert suggested < mine < results
    # Offered once: a suggested claim is not repeated among the search results.
    assert html.count(f'id="claim-choice-{factcheck.claim_id}"') == 1


def test_picker_results_alone_for_htmx_without_reading_the_tip(team, tipline, client):
    tip = tip_received(team, text=LONG_TIP)
    claim = opened(team, VACCINE)
    client.force_login(team.checker)

    fragment = _page(
        client.get(
            reverse("tipline_staff:tip", args=[tip.pk]),
            {"q": "VAC XIN"},
            headers={"HX-Request": "true", "HX-Target": "claim-results"},
        )
    )

    assert "<html" not in fragment and fragment.lstrip().startswith('<div id="claim-results"')
    assert f'value="{claim.pk}"' in fragment
    assert "sổ đỏ" not in fragment
    assert not AuditEvent.objects.filter(action="tip.view").exists()
    # Another team's member finds nothing there.
    client.force_login(team.outsider)
    assert client.get(
        reverse("tipline_staff:tip", args=[tip.pk]), {"q": "vac xin"},
        headers={"HX-Request": "true", "HX-Target": "claim-results"},
    ).status_code == 404


def test_a_claim_number_still_attaches_and_a_search_by_number_finds_it(team, tipline, client):
    tip = tip_received(team, text=NEW_RUMOUR)
    claim = opened(team, VACCINE)
    client.force_login(team.checker)

    html = _page(client.get(reverse("tipline_staff:tip", args=[tip.pk]), {"q": f"#{claim.pk}"}))
    assert f'name="claim" value="{claim.pk}"' in html
    both = client.post(
        reverse("tipline_staff:attach", args=[tip.pk]), {"claim": claim.pk, "number": claim.pk + 1}
    )
    assert both.status_code == 400
    assert client.post(reverse("tipline_staff:attach", args=[tip.pk]), {}).status_code == 400
    missing = client.post(reverse("tipline_staff:attach", args=[tip.pk]), {"number": 999999})
    assert "Không tìm thấy nhận định số 999999." in missing.content.decode()

    typed = client.post(reverse("tipline_staff:attach", args=[tip.pk]), {"number": claim.pk})

    assert typed.status_code == 302
    tip.refresh_from_db()
    assert tip.claim_id == claim.pk


# Replies


def test_a_reply_to_a_web_form_tip_is_posted_on_its_status_page(team, tipline, client):
    tip = tip_received(team, text=NEW_RUMOUR)
    client.force_login(team.checker)

    client.post(
        reverse("tipline_staff:reply", args=[tip.pk]),
        {"text": "Thông tin này không đúng: không có khoản phí nào như vậy.", "kind": "answer"},
    )

    delivery = Delivery.objects.get(adapter="tipline-web")
    assert delivery.status == DeliveryStatus.SENT and not delivery.error
    html = _page(client.get(reverse("tipline_staff:tip", args=[tip.pk])))
    lines = html[html.index('id="tip-lines"'):]
    assert "Đã đăng lên trang theo dõi của người gửi" in lines
    assert "Không gửi được" not in lines
    assert "không có khoản phí nào như vậy" in _status_page(client, team, tip)


def test_a_holding_reply_leaves_the_tip_waiting(team, tipline, client):
    tip = tip_received(team, text=NEW_RUMOUR)
    client.force_login(team.checker)

    response = client.post(
        reverse("tipline_staff:reply", args=[tip.pk]),
        {"text": "Cảm ơn bạn, nhóm đang kiểm chứng thông tin này.", "kind": "holding"},
    )

    assert response.status_code == 302
    tip.refresh_from_db()
    assert tip.state == TipState.IN_PROGRESS and tip.answered_at is None
    status = _status_page(client, team, tip)
    assert "đang được xử lý" in status and "đã có câu trả lời" not in status
    assert "nhóm đang kiểm chứng thông tin này" in status
    event = AuditEvent.objects.get(action="tip.reply", object_id=str(tip.pk))
    assert event.after["kind"] == "holding"

    client.post(
        reverse("tipline_staff:reply", args=[tip.pk]),
        {"text": "Thông tin này không đúng.", "kind": "answer"},
    )
    tip.refresh_from_db()
    assert tip.state == TipState.ANSWERED
    assert "đã có câu trả lời" in _status_page(client, team, tip)


def test_a_holding_template_chooses_the_holding_reply(team, tipline, client):
    tip = tip_received(team, text=NEW_RUMOUR)
    client.force_login(team.checker)
    client.post(
        reverse("tipline_staff:templates"),
        {"title": "Đang kiểm chứng", "category": "", "kind": "holding", "is_active": "on",
         "text": "Cảm ơn bạn, nhóm đang kiểm chứng thông tin này."},
    )
    template = ReplyTemplate.objects.get()
    assert template.kind == ReplyKind.HOLDING
    assert "Báo đang xử lý" in _page(client.get(reverse("tipline_staff:templates")))

    html = _page(client.get(reverse("tipline_staff:tip", args=[tip.pk]), {"template": template.pk}))

    checked = re.findall(r'<input type="radio" name="kind" value="(\w+)"[^>]*checked', html)
    assert checked == ["holding"]
    assert "Trả lời xong" in html and "Báo đang xử lý" in html
