"""Taking items in: stored once per content hash, reshares folded into the first item."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from kiemchung.monitoring import services
from kiemchung.monitoring.models import Item, ItemImage, Sighting

from .stories import ADVERT, FLOOD, GREETING, RUMOUR, RUMOUR_RESHARED, post, source

pytestmark = pytest.mark.django_db


def test_reshare_folds_into_first_item(team):
    src = source(team)
    start = timezone.now() - timedelta(hours=3)
    first = services.items_ingest(
        source=src,
        posts=[post(RUMOUR, url="https://facebook.com/groups/1/posts/1", published_at=start,
                    reactions=100, shares=20)],
    )
    later = services.items_ingest(
        source=src,
        posts=[
            post(RUMOUR_RESHARED, url="https://facebook.com/groups/2/posts/9",
                 published_at=start + timedelta(hours=1), reactions=50, shares=5),
            post(RUMOUR.lower(), url="https://facebook.com/groups/3/posts/4",
                 published_at=start + timedelta(hours=2), comments=7),
        ],
    )
    assert (first.added, later.added, later.folded) == (1, 0, 2)
    item = Item.objects.get()
    assert item.text == RUMOUR
    assert item.copies == 3
    assert item.first_seen_at == start
    assert item.last_seen_at == start + timedelta(hours=2)
    assert item.velocity == pytest.approx(1.0)  # two more copies in two hours
    assert (item.reactions, item.shares, item.comments) == (150, 25, 7)
    assert item.reasons["velocity"]["copies"] == 3
    assert Sighting.objects.filter(item=item).count() == 3


def test_different_claims_are_not_folded(team):
    src = source(team)
    report = services.items_ingest(source=src, posts=[post(RUMOUR), post(FLOOD)])
    assert report.added == 2
    assert Item.objects.count() == 2


def test_same_post_seen_again_is_not_counted_twice(team):
    src = source(team)
    posts = [post(RUMOUR, url="https://facebook.com/p/1"), post(FLOOD)]
    services.items_ingest(source=src, posts=posts)
    again = services.items_ingest(source=src, posts=posts)
    assert (again.added, again.folded, again.repeated) == (0, 0, 2)
    assert Item.objects.get(text=RUMOUR).copies == 1
    assert Sighting.objects.count() == 2


def test_checkworthy_claims_rank_above_greetings_and_adverts(team):
    src = source(team)
    services.items_ingest(source=src, posts=[post(GREETING), post(ADVERT), post(FLOOD),
                                              post(RUMOUR)])
    ranked = list(Item.objects.order_by("-priority").values_list("text", flat=True))
    assert set(ranked[:2]) == {FLOOD, RUMOUR}
    rumour = Item.objects.get(text=RUMOUR)
    cues = {c["cue"] for c in rumour.reasons["cues"]}
    assert {"health", "organisation", "number"} <= cues
    assert rumour.topic == "health"
    assert Item.objects.get(text=GREETING).checkworthiness < 0.1


def test_unaccented_teencode_post_fires_the_same_cues(team):
    src = source(team)
    services.items_ingest(
        source=src,
        posts=[post("bo y te xac nhan uong nuoc chanh am giup chua khoi ung thu sau 2 tuan, "
                    "mn share gap ko thi muon")],
    )
    item = Item.objects.get()
    cues = {c["cue"] for c in item.reasons["cues"]}
    assert {"health", "organisation", "miracle", "number"} <= cues
    assert item.language == "vi"


def test_non_vietnamese_items_are_kept_and_marked(team):
    src = source(team)
    services.items_ingest(
        source=src,
        posts=[post("The health ministry confirmed that warm lemon water cures cancer in "
                    "two weeks, according to a post shared widely"),
               post("卫生部确认温柠檬水可以在两周内治愈癌症")],
    )
    assert sorted(Item.objects.values_list("language", flat=True)) == ["en", "zh"]


def test_no_author_fields_stored(team):
    names = {f.name for f in Item._meta.get_fields()} | {
        f.name for f in Sighting._meta.get_fields()
    } | {f.name for f in ItemImage._meta.get_fields()}
    assert not {n for n in names if any(w in n for w in ("author", "profile", "user",
                                                          "poster", "handle"))}


def test_tipline_item_ingest_returns_the_item(team):
    tips = services.source_for_kind(workspace=team.workspace, kind="tipline",
                                    name="Đường dây tin báo")
    item = services.item_ingest(source=tips, text=RUMOUR, key="tip-1")
    assert item is not None and item.source == tips
    assert services.item_ingest(source=tips, text=RUMOUR, key="tip-1") == item
    assert Item.objects.get().copies == 1
    assert services.item_ingest(source=tips, text=RUMOUR_RESHARED, key="tip-2") == item
    assert Item.objects.get().copies == 2


def test_a_text_stored_by_another_worker_meanwhile_becomes_a_copy(team):
    src = source(team)
    planned = services.items_plan(source=src, posts=[post(FLOOD, url="https://x.org/1"),
                                                     post(RUMOUR, url="https://x.org/2")])
    services.items_ingest(source=src, posts=[post(FLOOD, url="https://x.org/3")])
    report = services.items_store(planned)
    assert (report.added, report.folded) == (1, 1)
    flood = Item.objects.get(text=FLOOD)
    assert flood.copies == 2
    assert set(flood.sightings.values_list("url", flat=True)) == {"https://x.org/1",
                                                                 "https://x.org/3"}


def test_a_near_copy_stored_by_another_worker_meanwhile_takes_in_the_planned_copies(team):
    src = source(team)
    planned = services.items_plan(source=src, posts=[
        post(RUMOUR_RESHARED, url="https://x.org/1", reactions=5),
        post(RUMOUR.lower(), url="https://x.org/2", shares=3),
        post(FLOOD, url="https://x.org/3"),
    ])
    services.items_ingest(source=src, posts=[post(RUMOUR, url="https://x.org/4", reactions=7)])
    report = services.items_store(planned)
    assert (report.added, report.folded) == (1, 2)
    rumour = Item.objects.get(text=RUMOUR)
    assert (rumour.copies, rumour.reactions, rumour.shares) == (3, 12, 3)
    assert rumour.reasons["velocity"]["copies"] == 3
    assert set(rumour.sightings.values_list("url", flat=True)) == {
        "https://x.org/1", "https://x.org/2", "https://x.org/4"}
    assert Item.objects.get(text=FLOOD).copies == 1
    assert Item.objects.count() == 2
