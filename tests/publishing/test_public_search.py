"""Public search asks the matching engine "was this already checked?", so a query typed without
accents or with chat abbreviations still finds the fact-check; a plain text match backs it up."""

from __future__ import annotations

import re

import pytest
from tests.publishing.stories import banknotes, garlic, lemon
from tests.publishing.test_public_site import other_team_factcheck

from claim_stories import claim_opened
from kiemchung.claims import matching
from kiemchung.publishing import selectors

pytestmark = pytest.mark.django_db


def found(client, query: str) -> list[str]:
    response = client.get("/p/nhom/search/", {"q": query})
    assert response.status_code == 200
    return re.findall(r'<h3><a href="[^"]+">([^<]+)</a></h3>', response.content.decode())


@pytest.fixture
def published(team):
    return {"lemon": lemon(team), "garlic": garlic(team), "banknotes": banknotes(team)}


def test_unaccented_public_search_finds_factcheck(client, published):
    response = client.get("/p/nhom/search/", {"q": "uong nuoc chanh am chua khoi ung thu"})

    page = response.content.decode()
    assert found(client, "uong nuoc chanh am chua khoi ung thu")[0] == published["lemon"].title
    # The first result comes from the matching engine, which says what it found in words.
    assert "decision-same" in page or "decision-related" in page
    assert "public" in response["Cache-Control"]


def test_abbreviated_public_search_finds_factcheck(client, published):
    assert found(client, "an toi song ko phong dc cum")[0] == published["garlic"].title


def test_public_search_goes_through_the_matching_engine(client, team, published, monkeypatch):
    calls = []
    real = matching.similar_records

    def spy(**kwargs):
        calls.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(matching, "similar_records", spy)

    titles = found(client, "nhnn doi tien nam sau")

    assert titles[0] == published["banknotes"].title
    assert calls == [
        {"workspace": team.workspace, "text": "nhnn doi tien nam sau",
         "k": selectors.SEARCH_RESULTS, "kinds": [matching.KIND_FACTCHECK], "external": True}
    ]


def test_public_search_shows_only_the_teams_published_factchecks(client, team, published):
    claim_opened(team, text="Uống nước chanh ấm chữa khỏi ung thư giai đoạn cuối")
    theirs = other_team_factcheck(team)

    titles = found(client, "nuoc chanh ung thu")

    assert published["lemon"].title in titles
    assert theirs.title not in titles
    assert all(title in {fc.title for fc in published.values()} for title in titles)


def test_public_search_falls_back_to_text_when_the_engine_fails(client, published, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("index unreadable")

    monkeypatch.setattr(matching, "similar_records", broken)

    page = client.get("/p/nhom/search/", {"q": "NUOC CHANH"}).content.decode()

    assert published["lemon"].title in page
    assert "độ khớp" not in page


def test_a_query_nothing_answers_says_so_and_offers_the_contact_form(client, published):
    page = client.get("/p/nhom/search/", {"q": "zzqx wvvy"}).content.decode()

    assert "Chưa tìm thấy bài kiểm chứng nào về nội dung này." in page
    assert 'href="/p/nhom/contact/?kind=other"' in page


def test_a_too_long_query_is_refused_in_vietnamese(client, team):
    response = client.get("/p/nhom/search/", {"q": "a" * 301})

    assert response.status_code == 400
    assert "Nội dung tìm kiếm dài quá 300 ký tự." in response.content.decode()


def test_an_empty_query_shows_the_form_only(client, team):
    page = client.get("/p/nhom/search/").content.decode()

    assert 'id="search-q"' in page and 'id="results"' not in page
