"""The triage queue and the monitoring pages, as members use them."""

from __future__ import annotations

import io
import json

import pytest
from django.urls import reverse

from kiemchung.claims.models import Appearance, Claim
from kiemchung.monitoring import services
from kiemchung.monitoring.models import ImportJob, Item, ItemState, Source

from .stories import ADVERT, FLOOD, GREETING, RUMOUR, post, source

pytestmark = pytest.mark.django_db

QUEUE = reverse("monitoring:queue")


@pytest.fixture
def items(team):
    src = source(team)
    services.items_ingest(source=src, posts=[
        post(GREETING, url="https://facebook.com/p/1"),
        post(FLOOD, url="https://facebook.com/p/2", shares=900, reactions=5000),
        post(RUMOUR, url="https://facebook.com/p/3", shares=10),
        post(ADVERT, url="https://facebook.com/p/4"),
    ])
    return {i.text: i for i in Item.objects.all()}


def _login(client, user):
    client.force_login(user)
    return client


def test_queue_ranks_items_with_their_reasons(client, team, items):
    page = _login(client, team.viewer).get(QUEUE)
    assert page.status_code == 200
    html = page.content.decode()
    assert html.index(FLOOD[:40]) < html.index(GREETING[:40])
    assert "sức khỏe" in html and "cơ quan, tổ chức" in html  # cues of the rumour
    assert "900 chia sẻ" in html
    assert "triage.js" in html and "<script>" not in html.split("</head>")[1]
    assert 'name="act"' not in html  # a viewer sees the queue but cannot decide


def test_queue_filters_by_topic_and_language(client, team, items):
    page = _login(client, team.checker).get(QUEUE, {"topic": "disaster"})
    html = page.content.decode()
    assert FLOOD[:40] in html and RUMOUR[:40] not in html
    fragment = client.get(QUEUE, {"language": "other"}, HTTP_HX_REQUEST="true")
    body = fragment.content.decode()
    assert body.lstrip().startswith('<div id="triage-queue">') and "<html" not in body
    assert "triage-empty" in body


def test_topic_badges_name_the_topic_as_the_filter_does(client, team, items):
    from kiemchung.monitoring.models import TOPIC_LABELS
    from kiemchung.monitoring.triage import TOPICS

    html = _login(client, team.checker).get(QUEUE).content.decode()

    assert items[FLOOD].topic == "disaster"
    assert '<span class="badge topic">Thiên tai</span>' in html
    assert '<span class="badge topic">disaster</span>' not in html
    assert '<option value="disaster">Thiên tai</option>' in html
    assert set(TOPIC_LABELS) == set(TOPICS)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    english = client.get(QUEUE).content.decode()
    assert '<span class="badge topic">Natural disasters</span>' in english


def test_checker_promotes_an_item_to_a_claim_with_its_appearance(client, team, items):
    rumour = items[RUMOUR]
    answer = _login(client, team.checker).post(QUEUE, {"act": f"promote:{rumour.pk}"})
    assert answer.status_code == 302
    rumour.refresh_from_db()
    assert rumour.state == ItemState.PROMOTED
    claim = rumour.claim
    assert claim.text == RUMOUR and claim.assignee == team.checker
    assert list(claim.appearances.values_list("url", flat=True)) == ["https://facebook.com/p/3"]


def test_items_attach_to_an_existing_claim_in_bulk(client, team, items):
    claim = Claim.objects.create(workspace=team.workspace, text="Nhận định có sẵn")
    picked = [items[FLOOD].pk, items[RUMOUR].pk]
    _login(client, team.checker).post(
        QUEUE, {"act": "attach", "items": picked, "claim": f"#{claim.pk}"}
    )
    assert set(Item.objects.filter(claim=claim).values_list("pk", flat=True)) == set(picked)
    assert Appearance.objects.filter(claim=claim).count() == 2


def test_bulk_dismiss_and_refusals(client, team, items):
    ads = [items[ADVERT].pk, items[GREETING].pk]
    _login(client, team.viewer).post(QUEUE, {"act": "dismiss", "items": ads})
    assert Item.objects.filter(state=ItemState.DISMISSED).count() == 0
    _login(client, team.checker).post(QUEUE, {"act": "dismiss", "items": ads})
    assert set(Item.objects.filter(state=ItemState.DISMISSED).values_list("pk", flat=True)) == \
        set(ads)
    # Items of another team cannot be touched.
    other = services.source_create(workspace=team.other_workspace, actor=None, name="X",
                                   kind="import")
    services.items_ingest(source=other, posts=[post(FLOOD)])
    foreign = Item.objects.get(workspace=team.other_workspace)
    _login(client, team.checker).post(QUEUE, {"act": f"dismiss:{foreign.pk}"})
    foreign.refresh_from_db()
    assert foreign.state == ItemState.NEW


def test_attach_without_a_claim_explains_why(client, team, items):
    page = _login(client, team.checker).post(
        QUEUE, {"act": f"attach:{items[FLOOD].pk}"}, follow=True
    )
    assert "Hãy chọn một nhận định của nhóm để gắn vào." in page.content.decode()


def test_source_health_page_shows_last_error(client, team):
    src = source(team, name="Báo hỏng", kind="feed", url="https://example.org/rss")
    Source.objects.filter(pk=src.pk).update(error_count=2, last_error="Máy chủ trả lỗi 404")
    page = _login(client, team.viewer).get(reverse("monitoring:sources"))
    html = page.content.decode()
    assert "Báo hỏng" in html and "Máy chủ trả lỗi 404" in html and "Lỗi 2 lần" in html
    assert 'id="source-form"' not in html
    admin_page = _login(client, team.admin).get(reverse("monitoring:sources"))
    assert 'id="source-form"' in admin_page.content.decode()


def test_upload_map_preview_and_import(client, team):
    _login(client, team.checker)
    rows = [{"message": RUMOUR, "link": "https://facebook.com/p/9", "likes": "1,2K",
             "page_name": "Trang A"}]
    data = io.BytesIO("\n".join(json.dumps(r, ensure_ascii=False) for r in rows).encode())
    data.name = "fb.jsonl"
    client.post(reverse("monitoring:import_new"),
                {"file": data, "source": "Trang A xuất", "platform": "facebook"})
    page = client.get(reverse("monitoring:import_map"))
    html = page.content.decode()
    assert page.status_code == 200 and "1200" in html  # 1,2K reactions, in the preview
    done = client.post(reverse("monitoring:import_map"), {
        "format": "jsonl", "text": "message", "url": "link", "reactions": "likes", "go": "import",
    })
    job = ImportJob.objects.get()
    assert done.url == reverse("monitoring:import_detail", args=[job.pk])
    progress = client.get(done.url)
    assert progress.status_code == 200
    assert job.mapping == {"text": "message", "url": "link", "reactions": "likes"}


def test_an_export_over_the_upload_limit_is_refused_with_the_limit(client, team, settings):
    settings.UPLOAD_MAX_MB = 1
    _login(client, team.checker)
    line = json.dumps({"message": RUMOUR}, ensure_ascii=False) + "\n"
    data = io.BytesIO((line * (1024 * 1024 // len(line) + 2)).encode())
    data.name = "fb.jsonl"
    page = client.post(reverse("monitoring:import_new"),
                       {"file": data, "source": "Trang A xuất", "platform": "facebook"})
    assert page.status_code == 200
    assert "Tệp lớn hơn 1 MB" in page.content.decode()
    assert not ImportJob.objects.exists()
    assert "kiemchung_monitoring_upload" not in client.session


def test_paste_urls_makes_one_off_sources(client, team):
    _login(client, team.checker).post(
        reverse("monitoring:paste"), {"urls": "https://example.org/a\nkhông phải đường dẫn"}
    )
    assert not Source.objects.filter(kind="url").exists()  # refused as a whole, with the reason
    client.post(reverse("monitoring:paste"), {"urls": "https://example.org/a\nhttps://example.org/b"})
    assert Source.objects.filter(kind="url").count() == 2
