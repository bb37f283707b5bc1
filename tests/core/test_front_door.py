"""The site's front door and its dead ends: `/`, the favicon, and the 403, CSRF and 404 pages,
each in the layout of the audience that met it and in the reader's language."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from kiemchung.accounts.models import Workspace

pytestmark = pytest.mark.django_db


def html(response) -> str:
    return response.content.decode()


def no_inline_style(page: str) -> bool:
    return "<style" not in page and not re.search(r"\sstyle=", page)


def english(client: Client) -> Client:
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    return client


# `/`


def test_a_visitor_to_a_one_team_install_lands_on_its_public_site(client):
    Workspace.objects.create(name="Nhóm Kiểm Chứng", slug="nhom")

    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"] == "/p/nhom/"
    assert client.get(response["Location"]).status_code == 200


def test_a_member_still_goes_to_the_newsroom(client, team):
    Workspace.objects.filter(pk=team.other_workspace.pk).delete()
    client.force_login(team.checker)

    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"] == "/claims/"


def test_with_several_teams_a_visitor_is_asked_to_log_in(client, team):
    response = client.get("/", follow=True)

    assert response.redirect_chain[-1][0].startswith("/accounts/login/")


# The favicon


def test_the_favicon_is_served_and_every_layout_links_the_icon(client, team):
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200
    assert icon["Content-Type"] == "image/x-icon"
    assert icon.content[:4] == b"\x00\x00\x01\x00"
    svg = client.get("/static/kiemchung/icon.svg")
    assert svg.status_code == 200
    assert b"<svg" in b"".join(svg.streaming_content)

    link = '<link rel="icon" href="/static/kiemchung/icon.svg" type="image/svg+xml">'
    assert link in html(client.get("/accounts/login/"))  # the newsroom
    assert link in html(client.get("/p/nhom/"))  # the public site
    assert link in html(client.get("/p/nhom/khong-co-trang/"))  # its 404


# 404


def test_a_missing_public_page_keeps_the_public_layout_and_leads_to_the_team(client, team):
    response = client.get("/p/nhom/khong-co-trang/")

    page = html(response)
    assert response.status_code == 404
    assert '<body class="public">' in page
    assert 'id="nav-triage"' not in page and "Đăng nhập" not in page
    assert '<a href="/p/nhom/" id="home-link">Về trang chủ của Nhóm Kiểm Chứng</a>' in page


def test_a_missing_fact_check_of_a_team_leads_to_the_team(client, team):
    response = client.get("/p/nhom/999/khong-co/")

    assert response.status_code == 404
    assert '<a href="/p/nhom/" id="home-link">' in html(response)


def test_a_missing_tipline_page_keeps_the_tipline_layout(client, team):
    response = client.get("/tin/gui/nhom/khong-co/")

    page = html(response)
    assert response.status_code == 404
    assert '<body class="public tipline">' in page
    assert '<a href="/p/nhom/" id="home-link">' in page


def test_a_missing_page_of_no_team_leads_to_the_site_home(client, team):
    for path in ("/khong-co-trang/", "/p/khong-co-nhom/"):
        response = client.get(path)

        assert response.status_code == 404
        assert '<a href="/" id="home-link">Về trang chủ</a>' in html(response)


def test_the_404_page_is_english_once_chosen(client, team):
    page = html(english(client).get("/p/nhom/khong-co-trang/"))

    assert "Page not found" in page
    assert "Back to the home page of Nhóm Kiểm Chứng" in page


# 403 and CSRF


def test_the_403_page_is_in_the_newsroom_layout_without_inline_style(client, team):
    client.force_login(team.checker)

    response = client.get("/audit/")

    page = html(response)
    assert response.status_code == 403
    assert '<body class="newsroom">' in page
    assert 'id="forbidden-reason"' in page
    assert no_inline_style(page)
    assert "Not allowed" in html(english(client).get("/audit/"))


def test_a_refused_public_form_explains_to_reload_in_the_public_layout(team):
    browser = Client(enforce_csrf_checks=True)

    response = browser.post(
        "/p/nhom/contact/",
        {"kind": "correction", "message": "Có sai sót"},
        HTTP_REFERER="http://testserver/p/nhom/contact/",
    )

    page = html(response)
    assert response.status_code == 403
    assert '<body class="public">' in page
    assert "Hãy tải lại trang rồi gửi lại." in page
    assert '<a href="http://testserver/p/nhom/contact/" class="button" id="reload-link">' in page
    assert no_inline_style(page)
    assert "CSRF" not in page and "Forbidden" not in page


def test_a_refused_tip_form_keeps_the_tipline_layout_in_english_once_chosen(team):
    browser = Client(enforce_csrf_checks=True)
    browser.cookies["django_language"] = "en"

    response = browser.post("/tin/gui/nhom/", {"text": "Tin đồn"})

    page = html(response)
    assert response.status_code == 403
    assert '<body class="public tipline">' in page
    assert "Reload the page and send it again." in page
    assert '<a href="/tin/gui/nhom/" class="button" id="reload-link">' in page


def test_a_refused_newsroom_form_explains_to_reload_in_the_newsroom_layout(team):
    browser = Client(enforce_csrf_checks=True)

    response = browser.post("/accounts/login/", {"login": "admin", "password": "x"})

    page = html(response)
    assert response.status_code == 403
    assert '<body class="newsroom">' in page
    assert "Hãy tải lại trang rồi gửi lại." in page
    assert no_inline_style(page)


# The language switch of the public pages


def test_a_reader_switches_the_public_site_to_english_and_back(client):
    Workspace.objects.create(name="Nhóm Kiểm Chứng", slug="nhom")
    page = html(client.get("/p/nhom/"))
    link = re.search(r'<a class="lang-link" href="([^"]+)" lang="en" hreflang="en">English</a>',
                     page)
    assert link, "the Vietnamese page offers English"
    assert "csrfmiddlewaretoken" not in page  # a link, so the cached page holds no token

    back = client.get(link.group(1).replace("&amp;", "&"))
    assert back.status_code == 302 and back["Location"] == "/p/nhom/"
    english_page = html(client.get("/p/nhom/"))  # served from the cache in its own language
    assert '<html lang="en">' in english_page
    assert 'lang="vi" hreflang="vi">Tiếng Việt</a>' in english_page

    client.get("/ngon-ngu/vi/?next=/p/nhom/")
    assert '<html lang="vi">' in html(client.get("/p/nhom/"))


def test_the_language_switch_goes_back_only_within_the_site(client):
    for target in ("https://evil.example/", "//evil.example/", "javascript:alert(1)"):
        response = client.get("/ngon-ngu/en/", {"next": target})
        assert response.status_code == 302 and response["Location"] == "/", target
    assert client.get("/ngon-ngu/xx/").status_code == 404
    assert client.post("/ngon-ngu/en/").status_code == 405
