"""Trustworthy instant answers: a verdict only for the same claim, a related fact-check only as
reading (the tip stays with the team), staff review when the workspace asks for it, and the
tipster's "no" counted."""

from __future__ import annotations

import pytest
from django.urls import reverse
from tests.claims.matching_stories import published
from tests.tipline.answer_stories import (
    LEMON_TIP,
    answer_from_flow,
    index_in_tmp,  # noqa: F401 (fixture)
    lemon_published,
    say,  # noqa: F401 (fixture)
    text_of,
)

from kiemchung.tipline import notifications
from kiemchung.tipline.models import AutoAnswerState, Tip, TipState

pytestmark = pytest.mark.usefixtures("index_in_tmp")

EBIKE = "Từ tháng 1/2027, người đi xe đạp điện không đội mũ bảo hiểm bị phạt 2 triệu đồng"
# The same subject with another amount, and a rumour about another subject with the same shape.
EBIKE_OTHER_FINE = "tu thang 1/2027 di xe dap dien khong doi mu bao hiem bi phat 3 trieu dong"
DOG_TIP = "tu thang 1/2027 nuoi cho khong ro mom bi phat 3 trieu dong"


def ebike_published(team):
    return published(
        team,
        EBIKE,
        title="Không có quy định phạt 2 triệu đồng với xe đạp điện không đội mũ bảo hiểm",
        summary="Sai: mức phạt người đi xe đạp điện không đội mũ bảo hiểm không phải 2 triệu "
        "đồng; chưa có văn bản nào đổi mức phạt từ tháng 1/2027.",
    )


def _verdicts(sent):
    return [text_of(r) for r in sent if "Kết luận:" in text_of(r)]


def test_a_tip_that_changes_the_amount_gets_reading_never_the_verdict(team, tipline, say):
    factcheck = ebike_published(team)

    sent = say(EBIKE_OTHER_FINE, user="6101")

    assert _verdicts(sent) == []
    tip = Tip.objects.get()
    # Staff still have to check it: the tip stays in the queue, linked to no claim.
    assert tip.state == TipState.NEW and tip.claim_id is None
    assert (tip.auto_decision, tip.auto_state) == ("related", AutoAnswerState.SENT)
    assert tip.auto_factcheck_id == factcheck.pk
    texts = [text_of(r) for r in sent]
    reading = [t for t in texts if notifications.factcheck_url(factcheck) in t]
    assert len(reading) == 1
    assert "chưa kiểm chứng đúng thông tin" in reading[0]
    assert "không áp dụng" in reading[0]
    assert "Sai" not in reading[0]


def test_a_rumour_about_another_subject_never_gets_the_verdict(team, tipline, say):
    ebike_published(team)

    sent = say(DOG_TIP, user="6102")

    assert _verdicts(sent) == []
    tip = Tip.objects.get()
    assert tip.state == TipState.NEW and tip.claim_id is None
    assert tip.auto_decision != "same"


def test_reviewed_workspace_holds_the_answer_until_staff_approve(team, tipline, say, client,
                                                                 django_capture_on_commit_callbacks):
    factcheck = lemon_published(team)
    team.workspace.tipline_answers_reviewed = True
    team.workspace.save(update_fields=["tipline_answers_reviewed"])

    sent = say(LEMON_TIP, user="6103")

    assert _verdicts(sent) == []
    assert any("sau khi xem xét" in text_of(r) for r in sent)
    tip = Tip.objects.get()
    assert (tip.state, tip.auto_state, tip.auto_decision) == (
        TipState.NEW, AutoAnswerState.PENDING, "same")

    client.force_login(team.checker)
    inbox = client.get(reverse("tipline_staff:inbox"), {"show": "auto"}).content.decode()
    assert tip.tracking_code in inbox and "Chờ duyệt" in inbox
    page = client.get(reverse("tipline_staff:tip", args=[tip.pk])).content.decode()
    assert 'id="auto-answer-send"' in page and factcheck.title in page

    before = len(tipline.telegram_api.sent())
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("tipline_staff:auto_answer", args=[tip.pk]), {"send": "1"})
    assert response.status_code == 302
    tip.refresh_from_db()
    assert (tip.state, tip.auto_state) == (TipState.ANSWERED, AutoAnswerState.APPROVED)
    answer = [text_of(r) for r in tipline.telegram_api.sent()[before:]]
    assert any("Kết luận: Sai" in t for t in answer), answer
    # Approved once: a second approval is refused, nothing is sent twice.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("tipline_staff:auto_answer", args=[tip.pk]), {"send": "1"})
    assert len(tipline.telegram_api.sent()) == before + len(answer)


def test_staff_can_decide_not_to_send_an_answer(team, tipline, say, client):
    lemon_published(team)
    team.workspace.tipline_answers_reviewed = True
    team.workspace.save(update_fields=["tipline_answers_reviewed"])
    say(LEMON_TIP, user="6104")
    tip = Tip.objects.get()
    before = len(tipline.telegram_api.sent())

    client.force_login(team.checker)
    client.post(reverse("tipline_staff:auto_answer", args=[tip.pk]), {"send": "0"})

    tip.refresh_from_db()
    assert (tip.state, tip.auto_state) == (TipState.NEW, AutoAnswerState.REJECTED)
    assert len(tipline.telegram_api.sent()) == before


def test_a_tipsters_no_reopens_the_tip_and_is_counted(team, tipline, say, client,
                                                     django_capture_on_commit_callbacks):
    lemon_published(team)
    say(LEMON_TIP, user="6105")
    tip = Tip.objects.get()
    assert (tip.state, tip.auto_state) == (TipState.ANSWERED, AutoAnswerState.SENT)

    with django_capture_on_commit_callbacks(execute=True):
        assert answer_from_flow(tip, "2. Chưa")

    tip.refresh_from_db()
    assert tip.state == TipState.NEW and tip.auto_feedback == "no"
    client.force_login(team.checker)
    inbox = client.get(reverse("tipline_staff:inbox"), {"show": "auto"}).content.decode()
    assert tip.tracking_code in inbox
    assert "nói chưa: 1" in inbox
