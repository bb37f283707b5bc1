"""Public pages are kept whole in the cache and dropped exactly when what they show changes."""

from __future__ import annotations

import pytest
from django.test import Client
from tests.publishing.stories import banknotes, correct, garlic, lemon, publish
from tests.publishing.test_public_site import other_team_factcheck

from kiemchung.claims import services
from kiemchung.claims.models import Rating
from kiemchung.publishing import selectors
from kiemchung.publishing.cache import page_cache, page_key

pytestmark = pytest.mark.django_db

BOTH = ("vi", "en")


def fc_path(factcheck) -> str:
    return f"/p/{factcheck.claim.workspace.slug}/{factcheck.pk}/{factcheck.slug}/"


def prime(client, paths, languages=BOTH) -> dict[str, str]:
    """Visit every page in every language; returns key -> path of what is now cached."""
    keys = {}
    for language in languages:
        client.cookies["django_language"] = language
        for path in paths:
            assert client.get(path).status_code == 200, path
            key = page_key(path, language)
            assert page_cache().get(key) is not None, f"{path} ({language}) was not cached"
            keys[key] = path
    client.cookies.pop("django_language", None)
    return keys


def dropped(keys: dict[str, str]) -> set[str]:
    return {path for key, path in keys.items() if page_cache().get(key) is None}


@pytest.fixture
def site(client, team):
    """Two teams' sites, every page of both visited in both languages."""
    health, economy = lemon(team), banknotes(team)
    other = other_team_factcheck(team)
    paths = [
        *selectors.site_paths(workspace=team.workspace),
        *selectors.site_paths(workspace=team.other_workspace),
    ]
    return {"health": health, "economy": economy, "other": other, "keys": prime(client, paths)}


def test_publishing_invalidates_exactly_its_pages(
    client, team, site, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        new = garlic(team)  # topic "sức khỏe", spelled differently from "Sức khỏe"

    assert dropped(site["keys"]) == {
        "/p/nhom/",
        "/p/nhom/topics/",
        "/p/nhom/topics/suc-khoe/",
        "/p/nhom/rss.xml",
        "/p/nhom/atom.xml",
        "/p/nhom/claimreview.json",
        "/p/nhom/sitemap.xml",
    }
    assert new.title in client.get("/p/nhom/").content.decode()
    assert new.title in client.get("/p/nhom/topics/suc-khoe/").content.decode()


def test_correcting_invalidates_its_page_lists_feeds_and_corrections_log(
    client, team, site, django_capture_on_commit_callbacks
):
    health = site["health"]
    with django_capture_on_commit_callbacks(execute=True):
        correct(team, health, note="Sửa năm của nghiên cứu.")

    assert dropped(site["keys"]) == {
        fc_path(health),
        "/p/nhom/",
        "/p/nhom/topics/suc-khoe/",
        "/p/nhom/rss.xml",
        "/p/nhom/atom.xml",
        "/p/nhom/claimreview.json",
        "/p/nhom/sitemap.xml",
        "/p/nhom/corrections/",
    }
    assert "Sửa năm của nghiên cứu." in client.get(fc_path(health)).content.decode()
    assert "Sửa năm của nghiên cứu." in client.get("/p/nhom/corrections/").content.decode()


def test_moving_a_factcheck_to_another_topic_drops_both_topics(
    client, team, site, django_capture_on_commit_callbacks
):
    health = site["health"]
    with django_capture_on_commit_callbacks(execute=True):
        services.claim_update(claim=health.claim, actor=team.editor, topic="Kinh tế")

    assert {"/p/nhom/topics/suc-khoe/", "/p/nhom/topics/kinh-te/", "/p/nhom/topics/"} <= dropped(
        site["keys"]
    )
    assert fc_path(site["economy"]) not in dropped(site["keys"])
    assert client.get("/p/nhom/topics/suc-khoe/").status_code == 404
    assert health.title in client.get("/p/nhom/topics/kinh-te/").content.decode()


def test_a_publication_rolled_back_drops_nothing(team, site, django_capture_on_commit_callbacks):
    from django.db import transaction

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        garlic(team)
        raise RuntimeError("stop before commit")

    assert dropped(site["keys"]) == set()


def test_changing_the_rating_scale_drops_every_page_of_the_team_only(
    team, site, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        rating = Rating.objects.get(workspace=team.workspace, label="Sai")
        rating.description = "Trái với bằng chứng."
        rating.save()

    team_paths = set(selectors.site_paths(workspace=team.workspace))
    assert dropped(site["keys"]) == team_paths


def test_cached_page_is_served_without_a_query_and_keeps_its_headers(
    client, team, django_assert_num_queries
):
    factcheck = lemon(team)
    first = client.get(fc_path(factcheck))

    with django_assert_num_queries(0):
        second = client.get(fc_path(factcheck))

    assert second.status_code == 200
    assert second.content == first.content
    for header in ("Content-Security-Policy", "X-Content-Type-Options", "Content-Language",
                   "Cache-Control", "ETag", "Last-Modified", "Content-Type"):
        assert second[header] == first[header], header
    assert "public" in second["Cache-Control"] and "max-age=60" in second["Cache-Control"]
    assert "Cookie" in second["Vary"]
    assert "Set-Cookie" not in second


def test_conditional_get_and_head(client, team):
    factcheck = lemon(team)
    first = client.get(fc_path(factcheck))

    not_modified = client.get(fc_path(factcheck), HTTP_IF_NONE_MATCH=first["ETag"])
    head = client.head(fc_path(factcheck))

    assert not_modified.status_code == 304 and not_modified.content == b""
    assert head.status_code == 200 and head.content == b""
    assert head["ETag"] == first["ETag"]


def test_each_language_has_its_own_copy(client, team):
    factcheck = lemon(team)
    vietnamese = client.get(fc_path(factcheck)).content.decode()
    client.cookies["django_language"] = "en"
    english = client.get(fc_path(factcheck))

    assert english["Content-Language"] == "en"
    assert 'lang="en"' in english.content.decode() and 'lang="vi"' in vietnamese
    assert page_cache().get(page_key(fc_path(factcheck), "vi")).content.decode() == vietnamese


def test_search_contact_query_strings_and_htmx_are_never_stored(client, team):
    lemon(team)
    for path, extra in [
        ("/p/nhom/search/?q=chanh", {}),
        ("/p/nhom/contact/", {}),
        ("/p/nhom/?utm_source=zalo", {}),
        ("/p/nhom/", {"HTTP_HX_REQUEST": "true"}),
    ]:
        assert client.get(path, **extra).status_code == 200
        assert page_cache().get(page_key(path.split("?")[0], "vi")) is None, path


def test_not_found_pages_are_not_stored(client, team):
    assert client.get("/p/nhom/999/khong-co/").status_code == 404
    assert page_cache().get(page_key("/p/nhom/999/khong-co/", "vi")) is None


def test_cache_can_be_turned_off(client, team, settings):
    settings.PUBLIC_CACHE_SECONDS = 0
    factcheck = lemon(team)

    client.get(fc_path(factcheck))

    assert page_cache().get(page_key(fc_path(factcheck), "vi")) is None


def test_an_unknown_host_is_refused_even_for_a_cached_page(client, team):
    factcheck = lemon(team)
    client.get(fc_path(factcheck))

    assert client.get(fc_path(factcheck), HTTP_HOST="evil.example").status_code == 400


def test_a_new_page_of_the_list_appears_when_a_publication_fills_the_first(
    client, team, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(selectors, "PAGE_SIZE", 1)
    first = lemon(team)
    client.get("/p/nhom/")
    assert client.get("/p/nhom/page/2/").status_code == 404

    with django_capture_on_commit_callbacks(execute=True):
        publish(team, "Một nhận định khác", title="Bài thứ hai", topic="Sức khỏe")

    assert first.title in client.get("/p/nhom/page/2/").content.decode()
    assert "Bài thứ hai" in client.get("/p/nhom/").content.decode()


def test_https_redirect_is_not_skipped_by_the_cache(client, team, settings):
    factcheck = lemon(team)
    client.get(fc_path(factcheck))
    settings.SECURE_SSL_REDIRECT = True

    response = Client().get(fc_path(factcheck))  # middleware read the setting when created

    assert response.status_code == 301 and response["Location"].startswith("https://")


def test_a_page_drawn_while_its_fact_check_changes_is_not_kept(client, team, monkeypatch):
    from kiemchung.publishing import cache as public_cache

    factcheck = lemon(team)
    path = fc_path(factcheck)
    real = selectors.public_sources

    def sources_then_a_correction_commits(**kwargs):
        found = real(**kwargs)
        public_cache.drop_pages([path])  # what the correction's commit does meanwhile
        return found

    monkeypatch.setattr(selectors, "public_sources", sources_then_a_correction_commits)
    assert client.get(path).status_code == 200
    assert page_cache().get(page_key(path, "vi")) is None

    monkeypatch.setattr(selectors, "public_sources", real)
    client.get(path)
    assert page_cache().get(page_key(path, "vi")) is not None
