"""Legal questions: suggested answers from the workspace's checked knowledge base, which a person
reads, edits and only then sends."""

from __future__ import annotations

import pytest
from django.urls import reverse
from tests.tipline.answer_stories import (
    index_in_tmp,  # noqa: F401 (fixture)
    say,  # noqa: F401 (fixture)
    text_of,
)

from kiemchung.audit.models import AuditEvent
from kiemchung.tipline import services_staff
from kiemchung.tipline.legal import legal_suggestions
from kiemchung.tipline.models import LegalAnswer, Tip, TipState

pytestmark = pytest.mark.usefixtures("index_in_tmp")

KNOWLEDGE = [
    (
        "Chủ nhà có được giữ lại tiền đặt cọc khi bán nhà đang cho thuê không?",
        "Khi bán nhà đang cho thuê, hợp đồng thuê vẫn có hiệu lực với chủ mới; tiền đặt cọc "
        "được xử lý theo thỏa thuận trong hợp đồng, chủ nhà không được tự ý giữ lại.",
        "Điều 328 và Điều 474 Bộ luật Dân sự 2015",
    ),
    (
        "Chia sẻ tin giả trên mạng xã hội bị phạt bao nhiêu tiền?",
        "Người cung cấp, chia sẻ thông tin giả mạo, sai sự thật trên mạng xã hội có thể bị phạt "
        "tiền từ 10 đến 20 triệu đồng.",
        "Điều 101 Nghị định 15/2020/NĐ-CP (sửa đổi bởi Nghị định 14/2022/NĐ-CP)",
    ),
    (
        "Người lao động nghỉ việc không báo trước có được nhận lương những ngày đã làm không?",
        "Người sử dụng lao động vẫn phải trả đủ tiền lương những ngày đã làm việc; người lao "
        "động có thể phải bồi thường nửa tháng lương nếu đơn phương chấm dứt trái pháp luật.",
        "Điều 40 và Điều 48 Bộ luật Lao động 2019",
    ),
]
QUESTION = "Tôi chia sẻ một tin sai sự thật lên Facebook thì có bị phạt tiền không, phạt bao nhiêu?"


def _knowledge(team) -> list[LegalAnswer]:
    return [
        services_staff.legal_answer_save(
            workspace=team.workspace, actor=team.editor, question=q, answer=a, source=src
        )
        for q, a, src in KNOWLEDGE
    ]


def test_legal_question_gets_suggested_answer_for_review(
    team, tipline, say, client, django_capture_on_commit_callbacks
):
    entries = _knowledge(team)
    say("3", user="3030")
    before = len(tipline.telegram_api.sent())
    say(QUESTION, user="3030")
    tip = Tip.objects.get()
    assert tip.category == "legal"
    # Nothing is sent by itself: only the receipt went out.
    sent = [text_of(r) for r in tipline.telegram_api.sent()[before:]]
    assert len(sent) == 1 and "Điều 101" not in sent[0]
    client.force_login(team.checker)

    page = client.get(reverse("tipline_staff:tip", args=[tip.pk])).content.decode()

    fines = entries[1]
    first = page.index('class="legal-suggestion"')
    assert f'data-answer="{fines.pk}"' in page[first:first + 120]
    assert f'data-answer="{entries[2].pk}"' not in page
    draft = client.get(
        reverse("tipline_staff:tip", args=[tip.pk]), {"legal": fines.pk}
    ).content.decode()
    reply_box = draft.split('name="text"')[1].split("</textarea>")[0]
    assert "phạt tiền từ 10 đến 20 triệu đồng" in reply_box
    assert "Căn cứ: Điều 101 Nghị định 15/2020/NĐ-CP" in draft

    # The checker edits the draft before sending it.
    edited = (
        "Chào bạn, theo Điều 101 Nghị định 15/2020/NĐ-CP, chia sẻ thông tin sai sự thật trên "
        "mạng xã hội có thể bị phạt từ 10 đến 20 triệu đồng. Bạn nên gỡ bài và đính chính."
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("tipline_staff:reply", args=[tip.pk]), {"text": edited})
    assert response.status_code == 302
    assert text_of(tipline.telegram_api.sent()[-1].json) == edited
    tip.refresh_from_db()
    assert tip.state == TipState.ANSWERED
    assert AuditEvent.objects.filter(action="tip.reply", actor=team.checker).exists()


def test_unpublished_and_edited_entries_follow_the_knowledge_base(team, tipline):
    entries = _knowledge(team)
    found = legal_suggestions(workspace=team.workspace, question=QUESTION)
    assert found and found[0].answer == entries[1]

    services_staff.legal_answer_save(
        workspace=team.workspace, actor=team.editor, entry=entries[1],
        question=entries[1].question, answer=entries[1].answer, source=entries[1].source,
        is_published=False,
    )
    assert all(s.answer != entries[1] for s in
               legal_suggestions(workspace=team.workspace, question=QUESTION))
    # Another team's knowledge base is never used.
    assert legal_suggestions(workspace=team.other_workspace, question=QUESTION) == []


def test_knowledge_base_is_written_by_editors(team, tipline, client):
    client.force_login(team.checker)
    payload = {"question": KNOWLEDGE[0][0], "answer": KNOWLEDGE[0][1], "source": KNOWLEDGE[0][2],
               "source_url": "", "is_published": "on"}
    assert client.get(reverse("tipline_staff:legal")).status_code == 200
    assert client.post(reverse("tipline_staff:legal"), payload).status_code == 403
    client.force_login(team.editor)
    assert client.post(reverse("tipline_staff:legal"), payload).status_code == 302
    entry = LegalAnswer.objects.get()
    assert entry.created_by == team.editor and entry.workspace == team.workspace
