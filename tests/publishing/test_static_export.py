"""`kiemchung export site` writes the public site as files that a plain web server serves, with
links that work wherever the folder is put."""

from __future__ import annotations

import functools
import hashlib
import json
import re
import threading
import urllib.error
import urllib.request
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.utils import timezone
from tests.publishing.stories import correct, garlic, lemon
from tests.publishing.test_public_site import other_team_factcheck

from kiemchung.claims import services
from kiemchung.claims.models import ArchiveStatus, Evidence, EvidenceKind, Snapshot
from kiemchung.publishing import selectors

pytestmark = pytest.mark.django_db


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def served(tmp_path):
    """A plain http.server on 127.0.0.1 serving tmp_path/www; the export goes in a sub-folder,
    so that links which assume the site root would break."""
    root = tmp_path / "www"
    root.mkdir()
    server = ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(root))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def fetch(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, "", b""


def archived_source(team, factcheck, body: bytes) -> Evidence:
    """A web source of the verdict with our archived copy, as the archive task leaves it."""
    evidence = Evidence.objects.create(
        claim=factcheck.claim,
        kind=EvidenceKind.URL,
        url="https://moh.gov.vn/khuyen-cao",
        title="Khuyến cáo của Bộ Y tế",
        archive_status=ArchiveStatus.ARCHIVED,
    )
    snapshot = Snapshot(
        evidence=evidence,
        final_url=evidence.url,
        status_code=200,
        content_type="text/html; charset=utf-8",
        sha256=hashlib.sha256(body).hexdigest(),
        size=len(body),
        fetched_at=timezone.now(),
    )
    snapshot.body.save("khuyen-cao.html", ContentFile(body), save=False)
    snapshot.save()
    return evidence


def test_static_export_serves_from_plain_http_server(team, served, capsys, settings):
    first, second = lemon(team), garlic(team)
    correct(team, first, note="Sửa năm của nghiên cứu.")
    services.appearance_add(claim=second.claim, actor=team.editor, url="https://facebook.com/p/1")
    archived_source(team, first, b"<html><script>alert(1)</script><p>Khuyen cao</p></html>")
    other_team_factcheck(team)
    root, base = served

    call_command("export", "site", str(root / "ban-sao"), "--workspace", "nhom")

    assert "export" in capsys.readouterr().err  # the progress bar
    start = f"{base}/ban-sao/"
    status, _type, body = fetch(start)
    assert status == 200 and b"p/nhom/index.html" in body

    # Crawl every page from the home page through relative links only.
    seen: dict[str, bytes] = {}
    queue = [f"{base}/ban-sao/p/nhom/index.html"]
    while queue:
        url = queue.pop()
        if url in seen:
            continue
        status, content_type, body = fetch(url)
        assert status == 200, url
        seen[url] = body
        if "text/html" not in content_type:
            continue
        page = body.decode()
        assert 'href="/' not in page and 'src="/' not in page, url
        for link in re.findall(r'(?:href|src)="([^"#]+)', page):
            if not link.startswith(("http:", "https:", "mailto:")):
                queue.append(urljoin(url, link))
    visited = {urlsplit(url).path for url in seen}
    for path in selectors.site_paths(workspace=team.workspace):
        expected = "/ban-sao" + path + ("index.html" if path.endswith("/") else "")
        assert expected in visited, f"{path} is not reachable from the home page"
    assert "/ban-sao/static/kiemchung/app.css" in visited
    assert "/ban-sao/static/publishing/public.css" in visited
    assert not any("/p/khac/" in path for path in visited)

    page = seen[f"{base}/ban-sao/p/nhom/{first.pk}/{first.slug}/index.html"].decode()
    assert "Sửa năm của nghiên cứu." in page
    assert f'action="{settings.SITE_URL}/p/nhom/search/"' in page
    assert f'href="{settings.SITE_URL}/p/nhom/contact/?factcheck={first.pk}"' in page
    archive_url = f"{base}/ban-sao/p/nhom/{first.pk}/sources/"
    archive = [url for url in seen if url.startswith(archive_url)]
    assert len(archive) == 1 and archive[0].endswith("/archive.txt")
    status, content_type, body = fetch(archive[0])
    assert content_type.startswith("text/plain") and b"<script>" in body

    status, content_type, body = fetch(f"{base}/ban-sao/p/nhom/claimreview.json")
    feed = json.loads(body)
    assert [e["url"] for e in feed["dataFeedElement"]] == [
        f"{settings.SITE_URL}/p/nhom/{second.pk}/{second.slug}/",
        f"{settings.SITE_URL}/p/nhom/{first.pk}/{first.slug}/",
    ]
    for name in ("rss.xml", "atom.xml", "sitemap.xml"):
        status, content_type, body = fetch(f"{base}/ban-sao/p/nhom/{name}")
        assert status == 200 and body.startswith(b"<?xml"), name


def test_export_of_every_team_leads_to_each(team, tmp_path):
    lemon(team)
    other_team_factcheck(team)

    call_command("export", "site", str(tmp_path / "out"))

    index = (tmp_path / "out" / "index.html").read_text()
    assert 'href="p/nhom/index.html"' in index and 'href="p/khac/index.html"' in index
    assert (tmp_path / "out" / "p" / "khac" / "index.html").exists()


def test_the_exported_site_is_readable_by_any_web_server(team, tmp_path):
    """kiemchung keeps its own files to its user; the public export is for everyone."""
    import os
    import stat

    previous = os.umask(0o077)  # as `kiemchung` runs
    try:
        call_command("export", "site", str(tmp_path / "out"), "--workspace", "nhom")
    finally:
        os.umask(previous)
    written = [tmp_path / "out", *(tmp_path / "out").rglob("*")]
    assert len(written) > 3
    for path in written:
        wanted = 0o755 if path.is_dir() else 0o644
        assert stat.S_IMODE(path.stat().st_mode) == wanted, path


def test_export_refuses_an_unknown_team(team, tmp_path):
    with pytest.raises(CommandError, match="khong-co"):
        call_command("export", "site", str(tmp_path / "out"), "--workspace", "khong-co")
    assert not Path(tmp_path / "out" / "index.html").exists()


def test_export_says_when_the_site_host_is_not_allowed(team, tmp_path, settings):
    lemon(team)
    settings.SITE_URL = "https://kiemchung.example.org"

    with pytest.raises(CommandError, match="KIEMCHUNG_ALLOWED_HOSTS"):
        call_command("export", "site", str(tmp_path / "out"))
