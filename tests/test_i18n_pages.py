"""The main pages read as English once English is chosen: counts agree with their nouns, one
Vietnamese word gets the English word its place needs, and the default rating scale is shown in
English while the team's published data keeps the stored wording."""

from __future__ import annotations

import json
import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import translation
from tests.monitoring.stories import FLOOD, GREETING, RUMOUR, post, source
from tests.publishing.stories import lemon, publish
from tests.test_i18n import choose_english, page
from tests.tipline.stories import tip_received

from kiemchung.claims.models import Rating, VersionReason, rating_text_display
from kiemchung.monitoring import services as monitoring_services
from kiemchung.monitoring.models import Item
from kiemchung.tipline.models import InboundState

pytestmark = pytest.mark.django_db

QUEUE = reverse("monitoring:queue")


@pytest.fixture(autouse=True)
def _default_language_afterwards():
    yield
    translation.deactivate()


def english_client(client, user):
    client.force_login(user)
    choose_english(client)
    return client


def ingest(team, *posts):
    monitoring_services.items_ingest(source=source(team), posts=list(posts))
    return {item.text: item for item in Item.objects.all()}


def public_html(client, factcheck) -> str:
    return page(client.get(f"/p/nhom/{factcheck.pk}/{factcheck.slug}/"))


def claim_review(html: str) -> dict:
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert len(blocks) == 1
    return json.loads(blocks[0])


# --- counts agree with their nouns ------------------------------------------------------------


def test_triage_queue_counts_read_one_share_and_many_shares_in_english(client, team):
    ingest(team, post(FLOOD, url="https://facebook.com/p/2", shares=1, reactions=5, comments=1))
    html = page(english_client(client, team.checker).get(QUEUE))
    assert "5 reactions · 1 comment · 1 share" in html
    assert "1 copy · " in html
    assert "1 shares" not in html and "1 comment ·" in html


def test_triage_queue_counts_keep_vietnamese_wording_by_default(client, team):
    ingest(team, post(FLOOD, url="https://facebook.com/p/2", shares=1, reactions=5, comments=2))
    client.force_login(team.checker)
    html = page(client.get(QUEUE))
    assert "5 cảm xúc · 2 bình luận · 1 chia sẻ" in html
    assert "1 bản · " in html


def test_triage_decisions_are_counted_in_english_singular_and_plural(client, team):
    items = ingest(
        team,
        post(FLOOD, url="https://facebook.com/p/2"),
        post(RUMOUR, url="https://facebook.com/p/3"),
        post(GREETING, url="https://facebook.com/p/1"),
    )
    english = english_client(client, team.checker)
    answer = english.post(QUEUE, {"act": f"promote:{items[FLOOD].pk}"})
    assert [str(m) for m in get_messages(answer.wsgi_request)] == ["Created 1 claim."]
    picked = [items[RUMOUR].pk, items[GREETING].pk]
    answer = english.post(QUEUE, {"act": "dismiss", "items": picked})
    # The first answer was not followed, so its message is still waiting before this one.
    assert [str(m) for m in get_messages(answer.wsgi_request)][-1] == "Dismissed 2 items."


def test_triage_decision_message_stays_vietnamese_by_default(client, team):
    items = ingest(
        team,
        post(FLOOD, url="https://facebook.com/p/2"),
        post(RUMOUR, url="https://facebook.com/p/3"),
    )
    client.force_login(team.checker)
    answer = client.post(QUEUE, {"act": "dismiss", "items": [i.pk for i in items.values()]})
    assert [str(m) for m in get_messages(answer.wsgi_request)] == ["Đã bỏ qua 2 mục."]


def test_new_tips_badge_says_tip_or_tips_in_english(client, team):
    tip_received(team)
    english = english_client(client, team.editor)
    assert '1<span class="sr-only"> new tip</span>' in page(english.get(reverse("claims:list")))
    tip_received(team, text="Một tin báo khác về giá xăng tăng gấp đôi từ tháng sau")
    assert '2<span class="sr-only"> new tips</span>' in page(english.get(reverse("claims:list")))


# --- one Vietnamese word, the English word its place needs ------------------------------------


def test_claims_page_is_called_claims_and_a_single_claim_is_a_claim(client, team):
    factcheck = lemon(team)
    english = english_client(client, team.editor)
    html = page(english.get(reverse("claims:list")))
    assert "<h1>Claims</h1>" in html
    assert '<th scope="col">Claim</th>' in html
    public = public_html(english, factcheck)
    assert '<h2 id="claim-label" class="label">Claim</h2>' in public


def test_public_navigation_names_the_lists_of_topics_and_corrections_in_plural(client, team):
    factcheck = lemon(team)
    html = public_html(english_client(client, team.editor), factcheck)
    nav = re.search(r'<nav class="public-nav".*?</nav>', html, re.S)
    assert nav is not None
    assert ">Topics</a>" in nav.group(0) and ">Corrections</a>" in nav.group(0)
    assert ">Topic</a>" not in nav.group(0) and ">Correction</a>" not in nav.group(0)


def test_publication_date_reads_published_while_the_button_reads_publish(client, team):
    factcheck = lemon(team)
    english = english_client(client, team.editor)
    assert re.search(r"Published\s+<time", public_html(english, factcheck))
    with translation.override("en"):
        assert str(VersionReason.PUBLISHED.label) == "Published"
        assert str(InboundState.IGNORED.label) == "Ignored"
        assert translation.gettext("Công bố") == "Publish"
        assert translation.gettext("Bỏ qua") == "Dismiss"
    with translation.override("vi"):
        assert str(VersionReason.PUBLISHED.label) == "Công bố"
        assert str(InboundState.IGNORED.label) == "Bỏ qua"


# --- the default rating scale in English ------------------------------------------------------


def test_default_rating_label_is_english_on_public_pages_but_stored_in_claimreview(client, team):
    factcheck = lemon(team)  # rated "Sai", the default label
    html = public_html(english_client(client, team.editor), factcheck)
    assert '<strong class="rating-badge tone-false" id="rating">False</strong>' in html
    assert "The claim is inaccurate." in html
    assert claim_review(html)["reviewRating"]["alternateName"] == "Sai"
    index = page(client.get(reverse("publishing:workspace_index", args=["nhom"])))
    assert '<span class="badge rating-badge tone-false">False</span>' in index


def test_renamed_rating_label_is_shown_as_stored_in_english(client, team):
    Rating.objects.filter(workspace=team.workspace, label="Sai").update(label="Sai sự thật")
    factcheck = publish(team, "Ăn tỏi sống chữa được cúm", title="Tỏi", label="Sai sự thật")
    html = public_html(english_client(client, team.editor), factcheck)
    assert '<strong class="rating-badge tone-false" id="rating">Sai sự thật</strong>' in html
    assert claim_review(html)["reviewRating"]["alternateName"] == "Sai sự thật"


def test_default_rating_label_stays_vietnamese_by_default(client, team):
    factcheck = lemon(team)
    html = public_html(client, factcheck)
    assert '<strong class="rating-badge tone-false" id="rating">Sai</strong>' in html


def test_rating_text_display_translates_only_the_default_wording():
    with translation.override("en"):
        assert rating_text_display("Chưa đủ căn cứ") == "Unproven"
        assert rating_text_display("Gần đúng") == "Mostly true"
        assert rating_text_display("Đăng nhập") == "Đăng nhập"  # translated, but not a label
        assert rating_text_display("Sai một nửa") == "Sai một nửa"
    with translation.override("vi"):
        assert rating_text_display("Sai") == "Sai"
