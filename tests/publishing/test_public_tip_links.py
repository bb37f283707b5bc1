"""The public site sends readers to the team's tip form, and to what each platform can see of a
tip, while the team's web form is open, and only then."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from tests.publishing.stories import lemon
from tests.tipline.stories import web_channel

from kiemchung.publishing.cache import page_cache, page_key
from kiemchung.publishing.jsonld import factcheck_path

pytestmark = pytest.mark.django_db


def tip_urls(workspace) -> tuple[str, str]:
    kwargs = {"workspace_slug": workspace.slug}
    return reverse("tipline:form", kwargs=kwargs), reverse("tipline:privacy", kwargs=kwargs)


def test_list_and_fact_check_pages_link_to_the_open_tip_form(client, team):
    factcheck = lemon(team)
    web_channel(team)
    form_url, privacy_url = tip_urls(team.workspace)

    home = client.get("/p/nhom/").content.decode()
    assert 'id="send-tip"' in home and 'id="footer-tips"' in home
    assert home.count(f'href="{form_url}"') == 2 and home.count(f'href="{privacy_url}"') == 2

    page = client.get(factcheck_path(factcheck)).content.decode()
    assert 'id="send-tip"' not in page
    assert f'href="{form_url}"' in page and f'href="{privacy_url}"' in page


def test_a_team_without_a_web_form_shows_no_tip_link(client, team):
    web_channel(team)  # the other team's form does not count
    lemon(team)
    other_form, _privacy = tip_urls(team.other_workspace)

    page = client.get(f"/p/{team.other_workspace.slug}/").content.decode()

    assert "/tin/gui/" not in page and 'id="footer-tips"' not in page
    assert client.get(other_form).status_code == 404


def test_opening_and_closing_the_web_form_refreshes_the_cached_pages(
    client, team, django_capture_on_commit_callbacks
):
    lemon(team)
    form_url, _privacy = tip_urls(team.workspace)
    assert form_url not in client.get("/p/nhom/").content.decode()
    assert page_cache().get(page_key("/p/nhom/", "vi")) is not None, "the page is kept"

    with django_capture_on_commit_callbacks(execute=True):
        channel = web_channel(team)
    assert form_url in client.get("/p/nhom/").content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        channel.is_active = False
        channel.save(update_fields=["is_active", "updated_at"])
    assert form_url not in client.get("/p/nhom/").content.decode()


def test_the_home_page_looks_for_the_web_form_once(client, team):
    lemon(team)
    web_channel(team)

    with CaptureQueriesContext(connection) as queries:
        home = client.get("/p/nhom/").content.decode()

    assert 'id="send-tip"' in home and 'id="footer-tips"' in home
    looks = [q["sql"] for q in queries.captured_queries if "tipline_channel" in q["sql"]]
    assert len(looks) == 1, looks
    assert "accounts_workspace" not in looks[0], "the workspace is at hand: no join"
