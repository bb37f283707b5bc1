"""The team's public site beyond one fact-check: lists, topics, methodology, corrections log,
team page, feeds and sitemap; all readable without login and without JavaScript."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from django.utils import timezone
from tests.publishing.stories import banknotes, correct, garlic, lemon, publish

from kiemchung.claims.models import Rating
from kiemchung.publishing import selectors

pytestmark = pytest.mark.django_db


def other_team_factcheck(team):
    """A fact-check published by the other team, written by its admin, reviewed by its editor."""
    from django.contrib.auth import get_user_model

    from kiemchung.accounts.models import Member

    editor = get_user_model().objects.create_user(username="khac-bientap", password="x" * 12)
    Member.objects.create(workspace=team.other_workspace, user=editor, role="editor")
    return publish(
        team,
        "Nhận định của nhóm khác",
        title="Bài của nhóm khác",
        workspace=team.other_workspace,
        checker=team.outsider,
        editor=editor,
    )


def xml_of(response) -> ET.Element:
    return ET.fromstring(response.content)  # noqa: S314 - our own feed, rendered in this test


def titles(page: str) -> list[str]:
    return re.findall(r'<h2><a href="[^"]+">([^<]+)</a></h2>', page)


def test_home_lists_published_factchecks_newest_first_and_nothing_else(client, team):
    from claim_stories import verdict_approved

    first, second = lemon(team), garlic(team)
    verdict_approved(team)  # approved, not published
    other_team_factcheck(team)

    response = client.get("/p/nhom/")

    assert response.status_code == 200
    assert titles(response.content.decode()) == [second.title, first.title]


def test_home_is_paginated_on_plain_paths(client, team, monkeypatch):
    monkeypatch.setattr(selectors, "PAGE_SIZE", 2)
    published = [lemon(team), garlic(team), banknotes(team)]

    first = client.get("/p/nhom/").content.decode()
    second = client.get("/p/nhom/page/2/").content.decode()

    assert titles(first) == [published[2].title, published[1].title]
    assert titles(second) == [published[0].title]
    assert 'href="/p/nhom/page/2/" rel="next"' in first
    assert 'href="/p/nhom/" rel="prev"' in second
    assert client.get("/p/nhom/page/3/").status_code == 404
    assert client.get("/p/nhom/page/1/")["Location"] == "/p/nhom/"
    assert client.get("/p/nhom/?page=2")["Location"] == "/p/nhom/page/2/"


def test_topics_merge_spellings_and_list_their_factchecks(client, team):
    first, second, third = lemon(team), garlic(team), banknotes(team)

    index = client.get("/p/nhom/topics/").content.decode()
    health = client.get("/p/nhom/topics/suc-khoe/")

    assert 'href="/p/nhom/topics/suc-khoe/">Sức khỏe</a>' in index
    assert 'href="/p/nhom/topics/kinh-te/">Kinh tế</a>' in index
    assert health.status_code == 200
    assert titles(health.content.decode()) == [second.title, first.title]
    assert third.title not in health.content.decode()
    assert client.get("/p/nhom/topics/khong-co/").status_code == 404
    page = client.get(f"/p/nhom/{first.pk}/{first.slug}/").content.decode()
    assert 'href="/p/nhom/topics/suc-khoe/" id="topic-link"' in page


def test_methodology_shows_the_workspace_scale_with_descriptions(client, team):
    Rating.objects.filter(workspace=team.workspace, label="Sai").update(
        description="Nhận định trái với bằng chứng đáng tin cậy."
    )
    Rating.objects.filter(workspace=team.workspace, label="Đúng").update(is_active=False)

    page = client.get("/p/nhom/methodology/").content.decode()

    badge = r'<dt><span class="badge rating-badge tone-[a-z_]+">([^<]+)</span></dt>'
    labels = re.findall(badge, page)
    expected = list(
        Rating.objects.filter(workspace=team.workspace, is_active=True)
        .order_by("position")
        .values_list("label", flat=True)
    )
    assert labels == expected and "Đúng" not in labels
    assert "Nhận định trái với bằng chứng đáng tin cậy." in page
    assert "một thành viên thứ hai duyệt" in page


def test_corrections_log_lists_every_correction_newest_first_with_links(client, team):
    first, second = lemon(team), garlic(team)
    correct(team, first, note="Sửa năm của nghiên cứu.")
    correct(team, second, note="Thêm nguồn của Bộ Y tế.")
    correct(team, first, note="Sửa chính tả tên cơ quan.")

    page = client.get("/p/nhom/corrections/").content.decode()

    written = ["Sửa chính tả tên cơ quan.", "Thêm nguồn của Bộ Y tế.", "Sửa năm của nghiên cứu."]
    notes = [note for note in re.findall(r"<p>([^<]+)</p>", page) if note in written]
    assert notes == written
    assert f'href="/p/nhom/{first.pk}/{first.slug}/#version-' in page
    assert f'href="/p/nhom/{second.pk}/{second.slug}/"' in page


def test_corrections_speak_to_readers_in_dates_not_version_numbers(client, team):
    factcheck = lemon(team)
    correct(team, factcheck, note="Sửa năm của nghiên cứu.")
    today = timezone.localdate().strftime("%d/%m/%Y")

    log = client.get("/p/nhom/corrections/").content.decode()
    factcheck.refresh_from_db()
    article = client.get(f"/p/nhom/{factcheck.pk}/{factcheck.slug}/").content.decode()

    assert 'Đính chính ngày <time datetime="' in log and f">{today}</time>:" in log
    assert "Sửa năm của nghiên cứu." in log
    assert "Xem bài như trước khi đính chính" in log
    assert f"<summary>Bài như đăng ngày {today}</summary>" in article
    for page in (log, article):
        assert "phiên bản 1" not in page.lower() and "phiên bản 2" not in page.lower()


def test_team_page_names_the_team_and_contact_but_no_person(client, team):
    lemon(team)

    page = client.get("/p/nhom/team/").content.decode()

    assert "Nhóm Kiểm Chứng" in page
    assert 'href="/p/nhom/contact/"' in page
    assert 'href="mailto:dinhchinh@example.org"' in page
    for person in ("admin", "editor", "checker", "checker2", "viewer"):
        assert f">{person}<" not in page and f"{person}@example.org" not in page


def test_public_pages_name_no_member(client, team):
    factcheck = lemon(team)
    correct(team, factcheck)
    usernames = [team.checker2.username, team.editor.username, team.admin.username]

    for path in selectors.site_paths(workspace=team.workspace):
        body = client.get(path).content.decode()
        for name in usernames:
            assert not re.search(rf"\b{name}\b", body), (path, name)


def test_unknown_team_pages_are_not_found(client, team):
    for path in ("/p/khong-co/topics/", "/p/khong-co/methodology/", "/p/khong-co/rss.xml",
                 "/p/khong-co/claimreview.json", "/p/khong-co/sitemap.xml", "/p/khong-co/contact/"):
        assert client.get(path).status_code == 404, path


def test_rss_and_atom_list_published_factchecks_with_absolute_links(client, team):
    from claim_stories import verdict_approved

    first, second = lemon(team), garlic(team)
    verdict_approved(team)

    rss = xml_of(client.get("/p/nhom/rss.xml"))
    atom = xml_of(client.get("/p/nhom/atom.xml"))

    items = rss.findall("./channel/item")
    assert [i.findtext("link") for i in items] == [
        f"http://127.0.0.1:8000/p/nhom/{second.pk}/{second.slug}/",
        f"http://127.0.0.1:8000/p/nhom/{first.pk}/{first.slug}/",
    ]
    assert items[0].findtext("title") == f"[Sai] {second.title}"
    ns = {"a": "http://www.w3.org/2005/Atom"}
    entries = atom.findall("a:entry", ns)
    links = [i.findtext("link") for i in items]
    assert [e.find("a:link", ns).get("href") for e in entries] == links
    assert client.get("/p/nhom/rss.xml")["Content-Type"].startswith("application/rss+xml")


def test_sitemap_lists_pages_topics_and_published_factchecks(client, team):
    from claim_stories import verdict_approved

    first = lemon(team)
    correct(team, first)
    unpublished = verdict_approved(team)

    root = xml_of(client.get("/p/nhom/sitemap.xml"))

    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    urls = {u.findtext("s:loc", namespaces=ns): u.findtext("s:lastmod", namespaces=ns)
            for u in root.findall("s:url", ns)}
    base = "http://127.0.0.1:8000/p/nhom/"
    assert {base, base + "methodology/", base + "corrections/", base + "team/",
            base + "topics/", base + "topics/suc-khoe/"} <= set(urls)
    assert urls[f"{base}{first.pk}/{first.slug}/"] is not None
    assert not any(f"/{unpublished.pk}/" in url for url in urls)


def test_site_paths_are_exactly_the_pages_that_answer(client, team, monkeypatch):
    monkeypatch.setattr(selectors, "PAGE_SIZE", 1)
    lemon(team), garlic(team)

    paths = selectors.site_paths(workspace=team.workspace)

    assert "/p/nhom/page/2/" in paths and "/p/nhom/topics/suc-khoe/page/2/" in paths
    assert all(client.get(path).status_code == 200 for path in paths)


def test_a_hostile_body_and_title_render_safe_on_every_public_page(client, team):
    from kiemchung.claims import services

    factcheck = lemon(team)
    factcheck.refresh_from_db()
    services.factcheck_correct(
        factcheck=factcheck,
        actor=team.editor,
        note="<script>alert('note')</script>",
        title="Tiêu đề <script>alert('title')</script>",
        body=(
            "Trước <script>alert('x')</script> <iframe src=\"https://evil.example\"></iframe> "
            "<img src=x onerror=\"alert(1)\"> [bấm](javascript:alert(1)) sau"
        ),
    )

    for path in selectors.site_paths(workspace=team.workspace):
        response = client.get(path)
        body = response.content.decode().lower()
        if response["Content-Type"].startswith("application/ld+json"):
            assert "<" not in body and ">" not in body, path  # written as \u003c, \u003e
            continue
        body = re.sub(r'<script type="application/ld\+json">.*?</script>', "", body, flags=re.S)
        for marker in ("<script", "<iframe", "<img", "onerror", "javascript:"):
            assert marker not in body, (path, marker)
