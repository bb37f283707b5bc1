"""The conversation: choices, tracking codes, status, deletion, takeover and the matcher hook."""

from __future__ import annotations

import time
import types

import pytest
from tests.fakes import tipline_telegram as telegram
from tests.fakes import tipline_zalo as zalo
from tests.tipline.conftest import TELEGRAM_SECRET, ZALO_APP_ID, ZALO_SECRET

from kiemchung.core.models import Delivery, DeliveryStatus
from kiemchung.tipline import selectors, services_inbound, services_staff, tasks
from kiemchung.tipline.models import Conversation, Message, Tip, TipState

pytestmark = pytest.mark.usefixtures("no_matcher")

CLAIM = "Ảnh chụp thông báo: ngân hàng nhà nước ngừng lưu hành tiền polymer từ tháng 9"


@pytest.fixture
def chat(client, tipline, deliver):
    """Send Telegram messages as one person; returns the texts the bot sent back to them."""

    def say(text: str, user_id: int = 77) -> list[str]:
        before = len(tipline.telegram_api.sent())
        body, headers = telegram.signed(telegram.update(user_id=user_id, text=text),
                                        TELEGRAM_SECRET)
        assert deliver(client, tipline.hook(tipline.telegram), body, headers).status_code == 200
        return [r.json["text"] for r in tipline.telegram_api.sent()[before:]]

    return say


def test_choosing_from_the_menu_files_the_tip_in_that_category(chat):
    assert "Bạn muốn làm gì" in chat("xin chào")[0]
    assert "câu hỏi pháp luật" in chat("3. Hỏi về pháp luật")[0]
    replies = chat("Người thuê nhà có được giữ lại tiền cọc khi chủ nhà bán nhà không?")
    tip = Tip.objects.get()
    assert tip.category == "legal"
    assert tip.tracking_code in replies[0]


def test_free_text_without_a_choice_is_a_check_request(chat):
    replies = chat(CLAIM)
    tip = Tip.objects.get()
    assert (tip.category, tip.text) == ("check", CLAIM)
    assert tip.tracking_code in replies[0]
    # The first contact also gets the menu, for next time.
    assert any("Bạn muốn làm gì" in r for r in replies)


def test_tracking_codes_use_an_unambiguous_alphabet(chat):
    chat(CLAIM)
    code = Tip.objects.get().tracking_code
    assert code.startswith("KC-") and len(code) == 9
    assert not set(code[3:]) & set("01OIL")


def test_status_by_tracking_code(chat):
    chat(CLAIM)
    tip = Tip.objects.get()
    Tip.objects.filter(pk=tip.pk).update(state=TipState.IN_PROGRESS)

    replies = chat(f"trạng thái {tip.tracking_code}")
    assert tip.tracking_code in replies[0] and "đang được xử lý" in replies[0]
    # Without diacritics and in lower case, as people type on a phone.
    assert "đang được xử lý" in chat(f"trang thai {tip.tracking_code.lower()}")[0]
    # Someone else who learnt the code learns nothing.
    assert "Không tìm thấy" in chat(f"trạng thái {tip.tracking_code}", user_id=99)[0]


def test_tipster_can_delete_by_tracking_code(chat):
    chat(CLAIM)
    tip = Tip.objects.get()

    assert "Không tìm thấy" in chat(f"xóa {tip.tracking_code}", user_id=99)[0]
    assert Tip.objects.filter(pk=tip.pk).exists()

    replies = chat(f"xóa {tip.tracking_code}")
    assert "Đã xóa" in replies[0]
    assert not Tip.objects.filter(pk=tip.pk).exists()
    # Nothing of the tip's text is left in the conversation.
    assert not [m for m in Message.objects.all() if "polymer" in m.text]


def test_staff_takeover_silences_bot(chat, team, tipline, django_capture_on_commit_callbacks):
    chat(CLAIM)
    conversation = Conversation.objects.get()
    services_staff.conversation_take_over(conversation=conversation, actor=team.checker)

    assert chat("Xin hỏi bao giờ có kết quả ạ?") == []
    assert chat("menu") == []
    assert Message.objects.filter(direction="in", conversation=conversation).count() == 3

    with django_capture_on_commit_callbacks(execute=True):
        services_staff.staff_reply(conversation=conversation, actor=team.checker,
                             text="Chào bạn, mình là biên tập viên, đang kiểm tra thông tin này.")
    staff_line = tipline.telegram_api.sent()[-1].json["text"]
    assert staff_line.startswith("Chào bạn, mình là biên tập viên")

    services_staff.conversation_release(conversation=conversation, actor=team.checker)
    assert chat("menu") != []


def test_non_image_attachment_gets_a_clear_refusal(client, tipline, deliver):
    payload = zalo.event(app_id=ZALO_APP_ID, user_id="8812", text=None,
                         event_name="user_send_file")
    body, headers = zalo.signed(payload, app_id=ZALO_APP_ID, secret=ZALO_SECRET)
    deliver(client, tipline.hook(tipline.zalo), body, headers)
    texts = [r.json["message"]["text"] for r in tipline.zalo_api.sent()]
    assert "chỉ nhận tin nhắn chữ và ảnh" in texts[0]
    assert "biểu mẫu" not in texts[0], "photos are accepted here, no need for the web form"
    assert Tip.objects.count() == 0


def test_check_tip_is_handed_to_the_matcher_when_it_exists(chat, monkeypatch):
    seen: list[int] = []
    answers = types.ModuleType(tasks.ANSWERS_MODULE)
    answers.tip_answer = lambda *, tip_id: seen.append(tip_id)  # type: ignore[attr-defined]
    monkeypatch.setattr(tasks, "import_module", lambda name: answers)

    chat(CLAIM)
    assert seen == [Tip.objects.get().pk]


def test_without_the_matcher_a_check_tip_stays_queued_for_staff(chat):
    # no_matcher (for every test here) makes the import fail as if the module were absent.
    chat(CLAIM)
    tip = Tip.objects.get()
    assert tip.state == TipState.NEW
    assert tasks.tip_match.call(tip.pk) == "queued for staff"


def test_a_refused_reply_shows_the_platform_message(chat, tipline):
    tipline.telegram_api.fail_next(
        403,
        {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"},
        times=5,
    )
    chat(CLAIM)
    refused = Delivery.objects.filter(adapter="tipline-telegram").exclude(
        status=DeliveryStatus.SENT
    ).first()
    assert refused is not None and refused.status == DeliveryStatus.SKIPPED
    assert refused.error == "Forbidden: bot was blocked by the user"
    assert refused.attempts == 1, "a 403 will not change by trying again"


def test_a_platform_that_is_briefly_down_gets_the_reply_on_retry(chat, tipline, settings):
    settings.TASK_BACKOFF_SECONDS = 0
    tipline.telegram_api.fail_next(
        502, {"ok": False, "error_code": 502, "description": "Bad Gateway"}, times=2
    )
    chat(CLAIM)
    first = Delivery.objects.filter(adapter="tipline-telegram").order_by("pk").first()
    assert first is not None and first.status == DeliveryStatus.SENT
    assert first.attempts == 3


def test_a_long_reply_is_split_within_the_platform_limit(
    tipline, team, chat, django_capture_on_commit_callbacks
):
    chat(CLAIM)
    conversation = Conversation.objects.get()
    text = ("Kết luận của chúng tôi, có dẫn nguồn đầy đủ. " * 200).strip()
    with django_capture_on_commit_callbacks(execute=True):
        services_staff.staff_reply(conversation=conversation, actor=team.editor, text=text)
    parts = [r.json["text"] for r in tipline.telegram_api.sent()][-3:]
    assert all(len(p) <= 4096 for p in parts)
    assert " ".join(parts).replace("  ", " ") == text


def test_messenger_reply_after_24_hours_is_skipped_with_the_reason(
    client, tipline, deliver, team, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone
    from tests.fakes import tipline_messenger as messenger
    from tests.tipline.conftest import META_SECRET

    body, headers = messenger.signed(messenger.message_event(psid="55", text=CLAIM),
                                     app_secret=META_SECRET)
    deliver(client, tipline.hook(tipline.messenger), body, headers)
    conversation = Conversation.objects.get()
    Conversation.objects.filter(pk=conversation.pk).update(
        last_inbound_at=timezone.now() - timedelta(hours=25)
    )
    conversation.refresh_from_db()
    sent_before = len(tipline.send_api.sent())
    with django_capture_on_commit_callbacks(execute=True):
        [message] = services_staff.staff_reply(conversation=conversation, actor=team.editor,
                                         text="Kết quả đã có.")
    delivery = Delivery.objects.get(pk=message.delivery_id)
    assert delivery.status == DeliveryStatus.SKIPPED
    assert "24 giờ" in delivery.error
    assert len(tipline.send_api.sent()) == sent_before


def test_an_answer_to_the_matchers_question_is_not_taken_for_a_menu_choice(
    chat, monkeypatch, tipline
):
    from kiemchung.tipline import flow

    asked: list[str] = []
    answers = types.ModuleType(flow.ANSWERS_MODULE)

    def conversation_reply(*, conversation, text, choice, message):
        asked.append(text)
        return text == "2"

    answers.conversation_reply = conversation_reply  # type: ignore[attr-defined]
    real_import = flow.import_module
    monkeypatch.setattr(
        flow, "import_module",
        lambda name: answers if name == flow.ANSWERS_MODULE else real_import(name),
    )
    assert chat("2") == [], "the question's module took it"
    replies = chat("3")
    assert asked == ["2", "3"]
    assert "Hãy gửi câu hỏi pháp luật" in replies[0]


def test_staff_see_the_platforms_refusal_on_the_conversation_page(chat, tipline, team, client):
    from django.urls import reverse

    from kiemchung.audit.models import AuditEvent

    tipline.telegram_api.fail_next(
        403,
        {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"},
        times=5,
    )
    platform_id = 918273645
    chat(CLAIM, user_id=platform_id)
    conversation = Conversation.objects.get()
    client.force_login(team.checker)
    page = client.get(reverse("tipline:conversation", args=[conversation.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert conversation.sender.label in html
    assert "Forbidden: bot was blocked by the user" in html
    assert str(platform_id) not in html, "the platform id is not shown"
    assert AuditEvent.objects.filter(
        action="conversation.view", actor=team.checker
    ).exists()


def test_a_drain_sharing_the_gate_reads_again_at_once_after_opening_it(tipline, deliver):
    """A row stored while the enqueue gate was closed is read by the drain's last look, which
    follows the gate's release at once."""
    from kiemchung.tipline import flow
    from kiemchung.tipline.channels.base import InboundEvent
    from kiemchung.tipline.models import InboundMessage

    def event(n: int) -> InboundEvent:
        return InboundEvent(external_id=f"m{n}", platform_user_id=str(500 + n),
                            reply_address=str(500 + n), sent_at=0.0, text=CLAIM)

    services_inbound.inbound_accept(channel=tipline.telegram, events=[event(1)])
    released: list[int] = []

    def release() -> None:
        # A webhook lands just as the drain opens the gate (its own enqueue is not run here).
        released.append(1)
        services_inbound.inbound_accept(channel=tipline.telegram, events=[event(2)])

    done = flow.inbound_drain(channel_id=tipline.telegram.pk, release_gate=release)
    assert released == [1]
    assert done == 2
    assert not InboundMessage.objects.filter(state="queued").exists()
    assert Tip.objects.count() == 2


def test_a_drain_in_its_own_process_leaves_its_last_look_to_a_later_task(
    tipline, settings, monkeypatch
):
    """With the cache gate (SQLite) a worker in another process cannot open the web processes'
    gate: instead of waiting for it to expire, the drain enqueues a last look for then and
    returns, leaving the worker free for the matching and the replies."""
    from django_tasks_db.models import DBTaskResult

    from kiemchung.tipline import tasks
    from kiemchung.tipline.channels.base import InboundEvent
    from kiemchung.tipline.models import InboundMessage

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend",
                                  "QUEUES": ["default"]}}
    monkeypatch.setattr(services_inbound, "_queue_on_postgresql", lambda: False)
    monkeypatch.setattr(tasks, "cache_shared_with_requests", lambda: False)
    assert services_inbound.drain_gate() == "cache"
    late = InboundEvent(external_id="late", platform_user_id="601", reply_address="601",
                        sent_at=0.0, text=CLAIM)
    InboundMessage.objects.all().delete()
    enqueued_ms = int(time.time() * 1000)
    first = InboundEvent(external_id="first", platform_user_id="600", reply_address="600",
                         sent_at=0.0, text=CLAIM)
    services_inbound.inbound_accept(channel=tipline.telegram, events=[first])

    assert tasks.inbound_drain.call(tipline.telegram.pk, enqueued_ms) == 1

    last_look = DBTaskResult.objects.get(task_path=tasks.inbound_drain.module_path)
    assert last_look.args_kwargs["args"] == [tipline.telegram.pk, enqueued_ms, True]
    expected = enqueued_ms / 1000 + services_inbound.DRAIN_GATE_SECONDS + 0.5
    assert abs(last_look.run_after.timestamp() - expected) < 0.01
    # A webhook stored while the gate is still closed (its own enqueue is not run here)...
    services_inbound.inbound_accept(channel=tipline.telegram, events=[late])
    # ...is read by the last look, which enqueues nothing more.
    assert tasks.inbound_drain.call(*last_look.args_kwargs["args"]) == 1
    assert DBTaskResult.objects.filter(task_path=tasks.inbound_drain.module_path).count() == 1
    assert not InboundMessage.objects.filter(state="queued").exists()


def test_a_drain_on_the_queue_gate_leaves_no_last_look(tipline, settings, monkeypatch):
    """On PostgreSQL the webhooks enqueue a drain unless one is waiting, so a drain never
    looks again later, whether or not its process sees the webhooks' cache."""
    from django_tasks_db.models import DBTaskResult

    from kiemchung.tipline.channels.base import InboundEvent

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend",
                                  "QUEUES": ["default"]}}
    monkeypatch.setattr(services_inbound, "_queue_on_postgresql", lambda: True)
    assert services_inbound.drain_gate() == "queue"
    for shared in (False, True):
        monkeypatch.setattr(tasks, "cache_shared_with_requests", lambda shared=shared: shared)
        event = InboundEvent(external_id=f"q{shared}", platform_user_id=f"61{shared:d}",
                             reply_address="610", sent_at=0.0, text=CLAIM)
        services_inbound.inbound_accept(channel=tipline.telegram, events=[event])
        assert tasks.inbound_drain.call(tipline.telegram.pk, int(time.time() * 1000)) == 1
        assert not DBTaskResult.objects.filter(
            task_path=tasks.inbound_drain.module_path
        ).exists(), "no last look is enqueued"


def test_on_postgresql_webhooks_enqueue_a_drain_unless_one_is_waiting(
    tipline, settings, django_capture_on_commit_callbacks, monkeypatch
):
    """On PostgreSQL the webhook looks in the database queue rather than in a gate kept in
    the cache, whether a worker runs in its process or in another one (which could not open
    a gate kept in this process's cache). A drain that has not started will read the new row;
    a running one may be past its last read, and a drain due later (for senders over the
    rate) is too late, so in those cases another is enqueued. The queries are the same on
    SQLite, where this runs with the choice of PostgreSQL's gate."""
    monkeypatch.setattr(services_inbound, "_queue_on_postgresql", lambda: True)
    from datetime import timedelta

    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from kiemchung.tipline import tasks
    from kiemchung.tipline.channels.base import InboundEvent

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend",
                                  "QUEUES": ["default"]}}
    n = iter(range(1000))

    def webhook() -> None:
        i = next(n)
        event = InboundEvent(external_id=f"g{i}", platform_user_id=str(700 + i),
                             reply_address=str(700 + i), sent_at=0.0, text=CLAIM)
        with django_capture_on_commit_callbacks(execute=True):
            services_inbound.inbound_accept(channel=tipline.telegram, events=[event])

    def drains():
        return DBTaskResult.objects.filter(task_path=tasks.inbound_drain.module_path)

    webhook()
    assert drains().count() == 1
    webhook()
    webhook()
    assert drains().count() == 1, "the waiting drain reads these rows too"

    drains().update(status="RUNNING")
    webhook()
    assert drains().count() == 2, "the running drain may be past its last read"

    drains().update(status="SUCCESSFUL")
    with django_capture_on_commit_callbacks(execute=True):
        services_inbound.inbound_drain_soon(tipline.telegram.pk, delay_seconds=30)
    later = drains().filter(status="READY").get()
    assert later.run_after > timezone.now() + timedelta(seconds=20)
    webhook()
    assert drains().filter(status="READY").count() == 2, "a drain due later does not count"
    assert drains().filter(status="READY").exclude(pk=later.pk).count() == 1


def test_on_sqlite_webhooks_keep_the_gate_in_the_cache(
    tipline, settings, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    from kiemchung.tipline import tasks
    from kiemchung.tipline.channels.base import InboundEvent

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend",
                                  "QUEUES": ["default"]}}
    for i in range(3):
        event = InboundEvent(external_id=f"s{i}", platform_user_id=str(800 + i),
                             reply_address=str(800 + i), sent_at=0.0, text=CLAIM)
        with django_capture_on_commit_callbacks(execute=True):
            services_inbound.inbound_accept(channel=tipline.telegram, events=[event])
        DBTaskResult.objects.update(status="RUNNING")
    assert DBTaskResult.objects.filter(task_path=tasks.inbound_drain.module_path).count() == 1
    services_inbound.inbound_drain_gate_release(tipline.telegram.pk)


def test_webhook_rows_stored_at_burst_rate_are_seen_from_another_process(tipline):
    from datetime import timedelta

    from django.utils import timezone

    from kiemchung.core import pressure
    from kiemchung.tipline.channels.base import InboundEvent
    from kiemchung.tipline.models import InboundMessage

    window = pressure.WINDOW_SECONDS
    assert not selectors.webhooks_stored_in_burst(window)
    enough = int(pressure.BURST_PER_SECOND * window)
    events = [InboundEvent(external_id=f"b{i}", platform_user_id=str(900 + i),
                           reply_address=str(900 + i), sent_at=0.0, text="tin đồn")
              for i in range(enough)]
    services_inbound.inbound_accept(channel=tipline.telegram, events=events[:-1])
    assert not selectors.webhooks_stored_in_burst(window), "one row short of a burst"
    services_inbound.inbound_accept(channel=tipline.telegram, events=events[-1:])
    assert selectors.webhooks_stored_in_burst(window)
    assert pressure.stored_burst(), "the tipline registers its probe"
    InboundMessage.objects.update(created_at=timezone.now() - timedelta(seconds=1))
    assert not selectors.webhooks_stored_in_burst(window)
