"""Instant answers from the published fact-checks, the tipster's say on them, subscriptions and
the verdict notifications, within each platform's messaging window."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from tests.tipline.answer_stories import (
    LEMON_TIP,
    NEW_RUMOUR,
    answer_from_flow,
    index_in_tmp,  # noqa: F401 (fixture)
    lemon_published,
    opened,
    publish,
    say,  # noqa: F401 (fixture)
    text_of,
)
from tests.tipline.stories import tip_received

from kiemchung.core.models import Delivery, DeliveryStatus
from kiemchung.tipline import answers, notifications, selectors, services, services_staff
from kiemchung.tipline.models import Conversation, Message, Subscription, Tip, TipState

pytestmark = pytest.mark.usefixtures("index_in_tmp")

FEE_SUMMARY = (
    "Sai: không có văn bản pháp luật nào quy định hộ dân phải đóng phí hằng năm để giữ sổ đỏ; "
    "Bộ Tài nguyên và Môi trường đã bác bỏ tin này."
)


def _answer_requests(sent: list[dict]) -> list[dict]:
    return [r for r in sent if "Kết luận" in text_of(r)]


def test_matching_tip_gets_instant_answer_with_rating_and_link(team, tipline, say):
    factcheck = lemon_published(team)

    sent = say(LEMON_TIP, kind="messenger", user="7001")

    tip = Tip.objects.get()
    assert tip.state == TipState.ANSWERED and tip.claim_id == factcheck.claim_id
    assert tip.answered_at is not None and tip.match_checked_at is not None
    answer = _answer_requests(sent)
    assert len(answer) == 1, [text_of(r) for r in sent]
    text = text_of(answer[0])
    assert "Kết luận: Sai" in text
    assert factcheck.title in text
    assert "chưa có nghiên cứu nào cho thấy nước chanh chữa được ung thư" in text
    assert notifications.factcheck_url(factcheck) in text
    assert f"/p/{team.workspace.slug}/" in notifications.factcheck_url(factcheck)
    assert tip.tracking_code in text
    # Messenger shows the question's choices as quick replies.
    quick = answer[0]["message"]["quick_replies"]
    assert [q["payload"] for q in quick] == [answers.ANSWER_YES, answers.ANSWER_NO]
    assert [q["title"] for q in quick] == ["Có", "Chưa"]
    # One Delivery per reply, sent.
    question = Message.objects.filter(tip=tip, direction="out").exclude(buttons=[]).get()
    assert question.delivery.status == DeliveryStatus.SENT


def test_platform_without_buttons_gets_numbered_choices(team, tipline, say):
    lemon_published(team)

    sent = say(LEMON_TIP, kind="zalo", user="8812")

    text = text_of(_answer_requests(sent)[0])
    assert text.endswith("1. Có\n2. Chưa")


def test_no_answer_sends_tip_to_team(team, tipline, say, django_capture_on_commit_callbacks):
    lemon_published(team)
    say(LEMON_TIP, user="4242")
    tip = Tip.objects.get()
    assert tip.state == TipState.ANSWERED
    before = len(tipline.telegram_api.sent())
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        assert answer_from_flow(tip, "2. Chưa")

    tip.refresh_from_db()
    assert tip.state == TipState.NEW
    # The tipster said the fact-check is not about their question: no claim is assumed.
    assert tip.claim_id is None
    # Staff are told a tip waits (how many, nothing else), and the tipster is offered the verdict.
    assert [m.subject for m in mail.outbox] == ["Có 1 tin báo mới"]
    assert tip.tracking_code not in mail.outbox[0].body
    replies = [text_of(r) for r in tipline.telegram_api.sent()[before:]]
    assert len(replies) == 1
    assert "đã chuyển tin" in replies[0] and "nhận kết luận" in replies[0]
    # The next "1" is the answer to that offer, not a menu choice.
    with django_capture_on_commit_callbacks(execute=True):
        assert answer_from_flow(tip, "1")
    assert Subscription.objects.get(tip=tip).claim_id is None


def test_yes_answer_closes_the_tip(team, tipline, say, django_capture_on_commit_callbacks):
    lemon_published(team)
    say(LEMON_TIP, kind="messenger", user="7002")
    tip = Tip.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        assert answer_from_flow(tip, "Có", choice=answers.ANSWER_YES)

    tip.refresh_from_db()
    assert tip.state == TipState.CLOSED and tip.closed_at is not None
    # Answered once: a second "1" is not read as the same answer again.
    with django_capture_on_commit_callbacks(execute=True):
        assert not answer_from_flow(tip, "1")


def test_message_that_answers_nothing_is_left_to_the_flow(team, tipline, say,
                                                          django_capture_on_commit_callbacks):
    lemon_published(team)
    say(LEMON_TIP, user="4243")
    tip = Tip.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        assert not answer_from_flow(tip, "Còn tin về vắc xin thì sao, các bạn kiểm chứng chưa?")
    tip.refresh_from_db()
    assert tip.state == TipState.ANSWERED


def test_unmatched_tip_is_offered_the_verdict_and_stays_for_staff(team, tipline, say):
    lemon_published(team)

    sent = say(NEW_RUMOUR, user="5151")

    tip = Tip.objects.get()
    assert tip.state == TipState.NEW and tip.claim_id is None
    assert tip.match_checked_at is not None
    offer = [r for r in sent if "nhận kết luận" in text_of(r)]
    assert len(offer) == 1
    keyboard = offer[0]["reply_markup"]["keyboard"]
    assert [row[0]["text"] for row in keyboard] == ["1. Có, báo cho tôi", "2. Không cần"]
    assert not Subscription.objects.exists()


def test_subscriber_notified_when_verdict_published(
    team, tipline, say, django_capture_on_commit_callbacks
):
    say(NEW_RUMOUR, user="5152")
    tip = Tip.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        assert answer_from_flow(tip, "1. Có, báo cho tôi")
    subscription = Subscription.objects.get()
    assert (subscription.tip_id, subscription.claim_id) == (tip.pk, None)

    # Staff record the claim and attach the tip: the subscription follows the claim.
    with django_capture_on_commit_callbacks(execute=True):
        claim = services_staff.tip_claim_create(
            tip=tip, actor=team.checker,
            text="Mỗi hộ dân phải đóng phí 500 nghìn đồng để giữ sổ đỏ",
        )
    subscription.refresh_from_db()
    assert subscription.claim_id == claim.pk and subscription.notified_at is None
    before = len(tipline.telegram_api.sent())

    with django_capture_on_commit_callbacks(execute=True):
        factcheck = publish(
            team, claim, title="Không có khoản phí giữ sổ đỏ nào",
            summary=FEE_SUMMARY,
        )

    sent = [text_of(r) for r in tipline.telegram_api.sent()[before:]]
    assert len(sent) == 1
    assert tip.tracking_code in sent[0]
    assert "Kết luận: Sai" in sent[0] and notifications.factcheck_url(factcheck) in sent[0]
    subscription.refresh_from_db()
    assert subscription.notified_at is not None
    assert subscription.delivery.status == DeliveryStatus.SENT
    tip.refresh_from_db()
    assert tip.state == TipState.ANSWERED
    # A correction later does not notify again.
    with django_capture_on_commit_callbacks(execute=True):

        from claim_stories import correction_approved

        correction_approved(
            team, factcheck, note="Sửa lỗi chính tả.",
            summary=FEE_SUMMARY + " Cập nhật ngày đính chính.",
        )
    assert len(tipline.telegram_api.sent()) == before + 1


def test_tip_attached_after_publication_gets_the_verdict_at_once(
    team, tipline, say, django_capture_on_commit_callbacks
):
    factcheck = lemon_published(team)
    # Worded too differently for the matcher: staff find the claim themselves.
    say("Có người bảo sáng nào cũng uống chanh thì hết bệnh hiểm nghèo, thật không ạ?",
        user="6161")
    tip = Tip.objects.get()
    assert tip.state == TipState.NEW
    before = len(tipline.telegram_api.sent())

    with django_capture_on_commit_callbacks(execute=True):
        services_staff.tip_attach(tip=tip, claim=factcheck.claim, actor=team.checker)

    sent = [text_of(r) for r in tipline.telegram_api.sent()[before:]]
    assert len(sent) == 1 and notifications.factcheck_url(factcheck) in sent[0]
    tip.refresh_from_db()
    assert tip.state == TipState.ANSWERED


def test_notification_outside_messenger_window_is_recorded_not_sent(
    team, tipline, say, django_capture_on_commit_callbacks
):
    say(NEW_RUMOUR, kind="messenger", user="9001")
    tip = Tip.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        assert answer_from_flow(tip, "Có, báo cho tôi", choice=answers.SUBSCRIBE_YES)
        claim = services_staff.tip_claim_create(
            tip=tip, actor=team.checker, text="Mỗi hộ dân phải đóng phí giữ sổ đỏ"
        )
    # The person last wrote 25 hours ago: Messenger no longer lets the page write to them.
    Conversation.objects.filter(pk=tip.conversation_id).update(
        last_inbound_at=timezone.now() - timedelta(hours=25)
    )
    before = len(tipline.send_api.sent())

    with django_capture_on_commit_callbacks(execute=True):
        publish(team, claim, title="Không có phí giữ sổ đỏ", summary=FEE_SUMMARY)

    assert len(tipline.send_api.sent()) == before
    subscription = Subscription.objects.get(tip=tip)
    assert subscription.notified_at is not None
    delivery = subscription.delivery
    assert delivery.status == DeliveryStatus.SKIPPED
    assert "24 giờ" in delivery.error
    assert delivery.attempts == 0 and delivery.sent_at is None
    # The message is kept, so staff see what could not be sent and why.
    assert Message.objects.get(delivery=delivery).tip_id == tip.pk


def test_zalo_free_window_is_a_setting(team, tipline, say, settings,
                                       django_capture_on_commit_callbacks):
    settings.TIPLINE_ZALO_WINDOW_HOURS = 48
    say(NEW_RUMOUR, kind="zalo", user="7777")
    tip = Tip.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        assert answer_from_flow(tip, "1")
        claim = services_staff.tip_claim_create(
            tip=tip, actor=team.checker, text="Mỗi hộ dân phải đóng phí giữ sổ đỏ"
        )
    Conversation.objects.filter(pk=tip.conversation_id).update(
        last_inbound_at=timezone.now() - timedelta(hours=50)
    )
    before = len(tipline.zalo_api.sent())
    with django_capture_on_commit_callbacks(execute=True):
        publish(team, claim, title="Không có phí giữ sổ đỏ", summary=FEE_SUMMARY)

    assert len(tipline.zalo_api.sent()) == before
    delivery = Subscription.objects.get(tip=tip).delivery
    assert delivery.status == DeliveryStatus.SKIPPED and "48 giờ" in delivery.error

    # Within the 7 days of most tiers, the same wait is fine.
    settings.TIPLINE_ZALO_WINDOW_HOURS = 168
    conversation = Conversation.objects.select_related("channel").get(pk=tip.conversation_id)
    assert notifications.outside_window(conversation) == ""


def test_telegram_has_no_window(team, tipline):
    conversation = Conversation(channel=tipline.telegram,
                                last_inbound_at=timezone.now() - timedelta(days=90))
    assert notifications.outside_window(conversation) == ""


def test_web_tip_answer_waits_on_the_status_page(team, tipline,
                                                 django_capture_on_commit_callbacks):
    factcheck = lemon_published(team)
    with django_capture_on_commit_callbacks(execute=True):
        tip = tip_received(team, text=LEMON_TIP)

    tip.refresh_from_db()
    assert tip.state == TipState.ANSWERED
    replies = selectors.public_replies(tip=tip)
    assert len(replies) == 1 and notifications.factcheck_url(factcheck) in replies[0].text
    assert not replies[0].by_team
    # Nobody to send to: the answer is delivered by being on the status page, not failed.
    posted = Delivery.objects.get(adapter="tipline-web")
    assert posted.status == DeliveryStatus.SENT and not posted.error


def test_unmatched_web_tip_waits_for_the_verdict_without_asking(
    team, tipline, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        tip = tip_received(team, text=NEW_RUMOUR)
    subscription = Subscription.objects.get(tip=tip)
    with django_capture_on_commit_callbacks(execute=True):
        claim = opened(team, "Mỗi hộ dân phải đóng phí giữ sổ đỏ", by=team.checker2)
        services_staff.tip_attach(tip=tip, claim=claim, actor=team.checker)
        publish(team, claim, title="Không có phí giữ sổ đỏ", summary=FEE_SUMMARY)

    subscription.refresh_from_db()
    assert subscription.notified_at is not None
    assert "Không có phí giữ sổ đỏ" in selectors.public_replies(tip=tip)[-1].text


def test_bot_stays_silent_when_staff_have_taken_over(
    team, tipline, say, django_capture_on_commit_callbacks
):
    lemon_published(team)
    say("xin chào", user="3131")
    conversation = Conversation.objects.select_related("channel", "workspace").get()
    Conversation.objects.filter(pk=conversation.pk).update(mode="human")
    conversation.refresh_from_db()
    before = len(tipline.telegram_api.sent())

    with django_capture_on_commit_callbacks(execute=True):
        tip = services.tip_create(conversation=conversation, category="check", text=LEMON_TIP)

    assert tipline.telegram_api.sent()[before:] == []
    tip.refresh_from_db()
    # Matched all the same: staff see the fact-check on the tip's page.
    assert tip.state == TipState.NEW and tip.match_checked_at is not None


def test_a_tip_worded_as_a_merged_duplicate_gets_the_published_answer(team, tipline, say):
    from tests.claims.matching_stories import MOTORBIKE, MOTORBIKE_AGAIN, MOTORBIKE_AGAIN_TYPED

    from kiemchung.claims import services as claims_services

    bike = opened(team, MOTORBIKE, by=team.checker2)
    again = opened(team, MOTORBIKE_AGAIN)
    claims_services.claim_merge(source=again, target=bike, actor=team.editor)
    factcheck = publish(
        team,
        bike,
        title="Hà Nội chưa cấm xe máy chạy xăng vào nội thành",
        summary="Sai: thành phố mới lấy ý kiến về vùng phát thải thấp, chưa có lệnh cấm.",
    )

    sent = say(MOTORBIKE_AGAIN_TYPED + " co that ko", user="7002")

    tip = Tip.objects.get()
    assert tip.state == TipState.ANSWERED and tip.claim_id == bike.pk
    answer = _answer_requests(sent)
    assert len(answer) == 1, [text_of(r) for r in sent]
    assert factcheck.title in text_of(answer[0])


def test_many_wordings_of_one_claim_do_not_crowd_out_the_answer(team):
    from kiemchung.claims import matching
    from kiemchung.claims import services as claims_services
    from kiemchung.matching.index import Match

    factcheck = lemon_published(team)
    viral = opened(team, NEW_RUMOUR)
    posts = [
        claims_services.appearance_add(
            claim=viral, actor=team.checker, text=f"{NEW_RUMOUR}, bài chia sẻ lần {i}"
        )
        for i in range(3 * answers.MATCH_CANDIDATES + 5)
    ]
    # The viral claim's posts score above the fact-check, filling the first read-back.
    matches = [
        Match(f"appearance:{post.pk}", 0.9999 - i / 100000, 0.9, 0.9, 0.9, i + 1, i + 1)
        for i, post in enumerate(posts)
    ] + [Match(f"factcheck:{factcheck.pk}", 0.9995, 0.9, 0.9, 0.9, 30, 30)]

    # What the tipline reads back (`answers._best_records`), from these matches.
    found = matching.resolve(
        team.workspace, matches, answers.MATCH_CANDIDATES, kinds=("claim", "factcheck")
    )

    assert [r.record_id for r in found] == [f"claim:{viral.pk}", f"factcheck:{factcheck.pk}"]
    assert found[0].wording == f"{NEW_RUMOUR}, bài chia sẻ lần 0"


@pytest.mark.django_db(transaction=True)
def test_the_page_a_web_tipster_lands_on_shows_the_instant_answer(team, client, settings,
                                                                     tmp_path):
    from django.urls import reverse
    from tests.tipline.stories import web_channel

    settings.MEDIA_ROOT = tmp_path
    factcheck = lemon_published(team)
    web_channel(team)
    form = reverse("tipline:form", args=[team.workspace.slug])

    page = client.post(form, {"category": "check", "text": LEMON_TIP}).content.decode()
    tip = Tip.objects.get()
    assert tip.state == TipState.ANSWERED
    assert tip.tracking_code in page
    assert 'id="tip-replies"' in page and notifications.factcheck_url(factcheck) in page
    assert "Nhóm đang tìm" not in page and "Nhóm chưa trả lời tin này." not in page

    page = client.post(form, {"category": "check", "text": NEW_RUMOUR}).content.decode()
    # No earlier fact-check: the holding message is on the page, and no verdict.
    assert "Kết luận:" not in page and "Kết luận sẽ hiện ở đây khi được công bố." in page


def test_a_tip_leaves_no_trace_in_the_embedding_cache(team, tipline, say, settings, tmp_path):
    """The tip is matched against the index, but neither its text's embedding nor a hash of
    its text is written to the cache every process shares (it would outlive the tip)."""
    import hashlib
    import sqlite3

    from kiemchung.claims import matching
    from kiemchung.matching.cache import cache_key

    settings.MATCHING_CACHE_PATH = tmp_path / "cache" / "embeddings.sqlite"
    matching.forget_replicas()
    factcheck = lemon_published(team)

    say(LEMON_TIP, user="7002")
    tip = Tip.objects.get()
    assert tip.claim_id == factcheck.claim_id, "the tip was matched"

    embedder = matching.shared_embedder()
    with sqlite3.connect(settings.MATCHING_CACHE_PATH) as db:
        keys = {row[0] for row in db.execute("SELECT key FROM embedding")}
        [(scheme,)] = db.execute("SELECT value FROM meta WHERE name = 'scheme'").fetchall()
    assert keys, "the fact-check's passages are cached"
    tip_keys = {
        cache_key(embedder.name, kind, text, secret)
        for kind in ("query", "passage")
        for text in (LEMON_TIP, tip.text)
        for secret in (b"", embedder.secret)
    }
    assert not keys & tip_keys
    # The cache's keys are HMACs under a key derived from the secret key.
    assert scheme.startswith("hmac-sha256:") and embedder.secret
    raw = settings.MATCHING_CACHE_PATH.read_bytes()
    assert hashlib.sha256(LEMON_TIP.encode()).hexdigest().encode() not in raw
