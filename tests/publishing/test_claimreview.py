"""ClaimReview on each fact-check page and in the team's Data Commons feed, checked against
what schema.org and search engines ask for."""

from __future__ import annotations

import json
import re

import pytest
from django.utils import timezone
from tests.publishing.stories import correct, garlic, lemon, publish
from tests.publishing.test_public_site import other_team_factcheck

from claim_stories import verdict_approved
from kiemchung.claims import services
from kiemchung.publishing.cache import page_cache

pytestmark = pytest.mark.django_db

GARLIC_UNPROVEN = "Nước tỏi ngâm qua đêm làm giảm huyết áp trong một tuần"

# Google's ClaimReview structured data: required, then recommended, properties.
REQUIRED = ("claimReviewed", "reviewRating", "url")
RECOMMENDED = ("author", "datePublished", "itemReviewed")
RATING_REQUIRED = ("alternateName",)
RATING_RECOMMENDED = ("ratingValue", "bestRating", "worstRating")
CLAIM_RECOMMENDED = ("datePublished",)
CLAIM_APPEARANCE = ("appearance", "firstAppearance")


def problems(review: dict) -> list[str]:
    """What a ClaimReview lacks or gets wrong; empty when it is complete."""
    found = []
    if review.get("@type") != "ClaimReview":
        found.append("@type is not ClaimReview")
    found += [f"missing {name}" for name in REQUIRED + RECOMMENDED if not review.get(name)]
    rating = review.get("reviewRating") or {}
    if rating.get("@type") != "Rating":
        found.append("reviewRating is not a Rating")
    found += [
        f"reviewRating lacks {name}"
        for name in RATING_REQUIRED + RATING_RECOMMENDED
        if rating.get(name) in (None, "")
    ]
    if rating and not rating["worstRating"] <= rating["ratingValue"] <= rating["bestRating"]:
        found.append("ratingValue outside worstRating..bestRating")
    author = review.get("author") or {}
    if author.get("@type") != "Organization" or not author.get("name"):
        found.append("author is not a named Organization")
    item = review.get("itemReviewed") or {}
    if item.get("@type") != "Claim":
        found.append("itemReviewed is not a Claim")
    if "author" in item:
        found.append("itemReviewed names who made the claim")
    found += [f"itemReviewed lacks {name}" for name in CLAIM_RECOMMENDED if not item.get(name)]
    if not any(item.get(name) for name in CLAIM_APPEARANCE):
        found.append("itemReviewed has no appearance")
    for work in [*item.get("appearance", []), item.get("firstAppearance") or {}]:
        if work and (work.get("@type") != "CreativeWork" or not work.get("url")):
            found.append("appearance is not a CreativeWork with a url")
    if not str(review.get("url", "")).startswith("http"):
        found.append("url is not absolute")
    return found


def with_appearance(team, factcheck):
    services.appearance_add(
        claim=factcheck.claim,
        actor=team.editor,
        url=f"https://facebook.com/bai/{factcheck.pk}",
        seen_at=timezone.make_aware(timezone.datetime(2025, 3, 1, 8, 0)),
    )
    return factcheck


def page_review(client, factcheck) -> dict:
    page = client.get(f"/p/nhom/{factcheck.pk}/{factcheck.slug}/").content.decode()
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert len(blocks) == 1
    return json.loads(blocks[0])


def test_factcheck_page_claimreview_has_every_required_and_recommended_property(client, team):
    factcheck = with_appearance(team, lemon(team))

    review = page_review(client, factcheck)

    assert problems(review) == []
    first_seen = review["itemReviewed"]["firstAppearance"]
    assert first_seen["url"] == f"https://facebook.com/bai/{factcheck.pk}"
    assert review["itemReviewed"]["datePublished"] == "2025-03-01"


def test_the_property_check_catches_what_is_missing(client, team):
    review = page_review(client, lemon(team))  # no appearance with an address

    assert problems(review) == [
        "itemReviewed lacks datePublished",
        "itemReviewed has no appearance",
    ]
    out_of_scale = {"@type": "Rating", "ratingValue": 9, "bestRating": 5, "worstRating": 1}
    broken = {**review, "reviewRating": out_of_scale}
    assert "reviewRating lacks alternateName" in problems(broken)
    assert "ratingValue outside worstRating..bestRating" in problems(broken)


def test_the_numeric_scale_runs_from_false_to_true(client, team):
    values = {}
    for label in ("Đúng", "Gần đúng", "Gây hiểu lầm", "Sai"):
        factcheck = publish(team, f"Nhận định được xếp “{label}”", title=label, label=label)
        values[label] = page_review(client, factcheck)["reviewRating"]

    assert {label: r["ratingValue"] for label, r in values.items()} == {
        "Đúng": 4,
        "Gần đúng": 3,
        "Gây hiểu lầm": 2,
        "Sai": 1,
    }
    assert {(r["worstRating"], r["bestRating"]) for r in values.values()} == {(1, 4)}


def test_an_unproven_verdict_has_its_words_and_no_place_below_false(client, team):
    factcheck = with_appearance(
        team, publish(team, GARLIC_UNPROVEN, title="Chưa đủ căn cứ", label="Chưa đủ căn cứ")
    )

    review = page_review(client, factcheck)

    assert review["reviewRating"] == {"@type": "Rating", "alternateName": "Chưa đủ căn cứ"}
    feed = client.get("/p/nhom/claimreview.json").json()
    assert feed["dataFeedElement"][0]["reviewRating"] == {
        "@type": "Rating",
        "alternateName": "Chưa đủ căn cứ",
    }


def test_corrected_factcheck_claimreview_has_date_modified(client, team):
    factcheck = with_appearance(team, lemon(team))
    correct(team, factcheck)

    review = page_review(client, factcheck)

    assert review["dateModified"] == timezone.localdate().isoformat()
    assert problems(review) == []


def test_claimreview_feed_lists_published_only(client, team):
    first = with_appearance(team, lemon(team))
    second = with_appearance(team, garlic(team))
    verdict_approved(team)
    other_team_factcheck(team)

    response = client.get("/p/nhom/claimreview.json")

    assert response["Content-Type"].startswith("application/ld+json")
    feed = json.loads(response.content)
    assert feed["@context"] == "https://schema.org"
    assert feed["@type"] == "DataFeed"
    urls = [element["url"] for element in feed["dataFeedElement"]]
    assert urls == [
        f"http://127.0.0.1:8000/p/nhom/{second.pk}/{second.slug}/",
        f"http://127.0.0.1:8000/p/nhom/{first.pk}/{first.slug}/",
    ]
    assert all(problems(element) == [] for element in feed["dataFeedElement"])
    assert feed["dataFeedElement"][1] == page_review(client, first)


def test_claimreview_feed_costs_the_same_queries_for_many_factchecks(
    client, team, django_assert_max_num_queries
):
    for factcheck in (lemon(team), garlic(team)):
        with_appearance(team, factcheck)
    with django_assert_max_num_queries(8) as two:
        client.get("/p/nhom/claimreview.json")
    page_cache().clear()
    for text in ("Nhận định ba", "Nhận định bốn", "Nhận định năm"):
        with_appearance(team, publish(team, text, title=text))

    with django_assert_max_num_queries(len(two.captured_queries)):
        response = client.get("/p/nhom/claimreview.json")
    assert len(json.loads(response.content)["dataFeedElement"]) == 5
