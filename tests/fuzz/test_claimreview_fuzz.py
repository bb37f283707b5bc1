"""Other teams' ClaimReview, however malformed: the parser returns a review or the reasons it
skipped one, and an import stores exactly what its report counts."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.fuzz.strategies import any_text, json_values, mutated, raw_bodies

from kiemchung.publishing import imports
from kiemchung.publishing.claimreview_parse import parse_claim_review, read_document
from kiemchung.publishing.models import ClaimReviewSource, ExternalFactCheck

REVIEW = {
    "@context": "https://schema.org",
    "@type": "ClaimReview",
    "url": "https://factcheck.example/vi/1",
    "claimReviewed": "Tỏi sống chữa khỏi cúm",
    "reviewRating": {
        "@type": "Rating",
        "ratingValue": 1,
        "bestRating": 5,
        "worstRating": 1,
        "alternateName": "Sai",
    },
    "author": {
        "@type": "Organization",
        "name": "Báo Kiểm Chứng",
        "url": "https://factcheck.example/",
    },
    "datePublished": "2025-03-01",
    "itemReviewed": {
        "@type": "Claim",
        "appearance": [{"@type": "CreativeWork", "url": "https://social.example/post/1"}],
    },
    "inLanguage": "vi",
}

reviews = st.one_of(mutated(REVIEW), json_values)


def _feed(items: list) -> dict:
    return {
        "@context": "https://schema.org",
        "@type": "DataFeed",
        "dataFeedElement": [{"@type": "DataFeedItem", "item": [item]} for item in items],
    }


def _page(items: list) -> str:
    scripts = "".join(
        f'<script type="application/ld+json">{json.dumps(item, ensure_ascii=False)}</script>'
        for item in items
    )
    return f"<html><head>{scripts}</head><body>bài</body></html>"


documents = st.one_of(
    raw_bodies(),
    st.lists(reviews, max_size=4).map(lambda items: json.dumps(_feed(items)).encode()),
    st.lists(reviews, max_size=4).map(lambda items: json.dumps(items).encode()),
    st.lists(reviews, max_size=4).map(lambda items: _page(items).encode("utf-8", "surrogatepass")),
    st.lists(reviews, max_size=4).map(
        lambda items: "\n".join(json.dumps(i) for i in items).encode()
    ),
)


@given(reviews)
def test_parse_claim_review_returns_a_review_or_its_reasons(node):
    review, errors = parse_claim_review(node)
    assert (review is None) == bool(errors)
    assert all(isinstance(error, str) and error for error in errors)


@given(any_text, st.sampled_from(["feed", "page", "file"]))
def test_any_text_is_read_as_a_document_without_failing(text, kind):
    nodes, problems = read_document(text, kind=kind)
    assert isinstance(nodes, list) and isinstance(problems, list)


@pytest.fixture
def claimreview_source(team):
    return ClaimReviewSource.objects.create(
        workspace=team.workspace, name="Báo Kiểm Chứng", kind="file"
    )


@given(documents)
def test_an_uploaded_file_stores_exactly_what_its_report_counts(claimreview_source, content):
    before = ExternalFactCheck.objects.count()
    report = imports.file_import(source=claimreview_source, content=content)
    stored = ExternalFactCheck.objects.count() - before
    assert stored == report.created
    if report.error:
        assert stored == 0
