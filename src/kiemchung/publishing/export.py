"""The public site written out as static files that any web server can serve.

Each page is rendered by the same views as the live site and written to `<path>/index.html`;
feeds and the sitemap keep their file names. Links between exported pages become relative
(`../../index.html`), so the folder works at any address and even from the disk. Search and
the contact form need the live site: their links point to KIEMCHUNG_SITE_URL. Archived copies
of sources are written as text files (or as the document they are), never as live HTML.
"""

from __future__ import annotations

import os
import posixpath
import re
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from kiemchung.accounts.models import Workspace
from kiemchung.claims.models import Snapshot
from kiemchung.publishing import selectors
from kiemchung.publishing.archive import archive_extension

# href="/...", src="/...", action="/..." in the pages we render ourselves.
_LINK = re.compile(r'(?P<attr>\b(?:href|src|action))="(?P<url>/(?!/)[^"]*)"')

ProgressFn = Callable[[int, int], None]


class ExportError(Exception):
    """The export cannot go on (a page did not render); the message says which."""


@dataclass
class ExportResult:
    pages: int = 0
    files: int = 0
    archives: int = 0
    static: int = 0
    written: list[Path] = field(default_factory=list)


def output_file(path: str) -> str:
    """Where a site path is written, relative to the export folder: "/p/x/" → "p/x/index.html"."""
    relative = path.lstrip("/")
    return f"{relative}index.html" if relative.endswith("/") or not relative else relative


def _archive_path(snapshot: Snapshot) -> tuple[str, str]:
    """The live address of an archived copy and the file it is exported to."""
    evidence = snapshot.evidence
    factcheck = evidence.claim.factcheck
    live = reverse(
        "publishing:source_archive",
        kwargs={
            "workspace_slug": evidence.claim.workspace.slug,
            "pk": factcheck.pk,
            "evidence_pk": evidence.pk,
        },
    )
    return live, f"{live.lstrip('/').rstrip('/')}.{archive_extension(snapshot)}"


class SiteExport:
    """Renders the public pages of some teams and writes them under `folder`."""

    def __init__(self, folder: Path, workspaces: Iterable[Workspace]) -> None:
        self.folder = folder
        self.workspaces = list(workspaces)
        site = urlsplit(settings.SITE_URL)
        self.client = Client(HTTP_HOST=site.netloc or "localhost")
        self.pages: list[str] = []
        self.archives: dict[str, tuple[str, Snapshot]] = {}
        for workspace in self.workspaces:
            self.pages += selectors.site_paths(workspace=workspace)
            for snapshot in selectors.public_snapshots(workspace=workspace):
                live, target = _archive_path(snapshot)
                self.archives[live] = (target, snapshot)
        self.exported = {output_file(path): path for path in self.pages}
        self.static: set[str] = set()

    @property
    def total(self) -> int:
        return len(self.pages) + len(self.archives)

    def _relative(self, from_path: str, target_file: str) -> str:
        start = posixpath.dirname("/" + output_file(from_path))
        return posixpath.relpath("/" + target_file, start)

    def _rewrite_url(self, from_path: str, url: str) -> str:
        parts = urlsplit(url)
        suffix = f"#{parts.fragment}" if parts.fragment else ""
        path = parts.path
        if path.startswith(settings.STATIC_URL):
            self.static.add(path[len(settings.STATIC_URL) :])
            return self._relative(from_path, path.lstrip("/")) + suffix
        if path in self.archives and not parts.query:
            return self._relative(from_path, self.archives[path][0]) + suffix
        target = output_file(path)
        if target in self.exported and not parts.query:
            return self._relative(from_path, target) + suffix
        # Search, the contact form and anything else not exported live on the running site.
        return f"{settings.SITE_URL}{url}"

    def rewrite(self, from_path: str, html: str) -> str:
        """The page with every link to this site made to work inside the export folder."""
        return _LINK.sub(
            lambda m: f'{m.group("attr")}="{self._rewrite_url(from_path, m.group("url"))}"',
            html,
        )

    def _write(self, relative: str, content: bytes, result: ExportResult) -> None:
        target = self.folder / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        result.files += 1
        result.written.append(target)

    def run(self, progress: ProgressFn | None = None) -> ExportResult:
        result = ExportResult()
        done = 0
        for path in self.pages:
            response = self.client.get(path)
            if response.status_code == 400:
                raise ExportError(
                    f"{path} answered 400: is the host of KIEMCHUNG_SITE_URL "
                    "in KIEMCHUNG_ALLOWED_HOSTS?"
                )
            if response.status_code != 200:
                raise ExportError(f"{path} answered {response.status_code}")
            content = response.content
            if response.get("Content-Type", "").startswith("text/html"):
                content = self.rewrite(path, content.decode("utf-8")).encode("utf-8")
            self._write(output_file(path), content, result)
            result.pages += 1
            done += 1
            if progress is not None:
                progress(done, self.total)
        for target, snapshot in self.archives.values():
            with snapshot.body.open("rb") as body:
                self._write(target, body.read(), result)
            result.archives += 1
            done += 1
            if progress is not None:
                progress(done, self.total)
        for relative in sorted(self.static):
            found = finders.find(relative)
            if not found:
                raise ExportError(f"static file {relative} was not found")
            copy = self.folder / settings.STATIC_URL.strip("/") / relative
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(found if isinstance(found, str) else found[0], copy)
            result.static += 1
            result.files += 1
        self._write_root_index(result)
        _readable_by_all(self.folder)
        return result

    def _write_root_index(self, result: ExportResult) -> None:
        """index.html at the top of the folder, leading to the team's home page (no script)."""
        links = [
            (
                workspace.name,
                output_file(
                    reverse("publishing:workspace_index", kwargs={"workspace_slug": workspace.slug})
                ),
            )
            for workspace in self.workspaces
        ]
        refresh = (
            f'<meta http-equiv="refresh" content="0; url={escape(links[0][1])}">'
            if len(links) == 1
            else ""
        )
        items = "".join(
            f'<li><a href="{escape(href)}">{escape(name)}</a></li>' for name, href in links
        )
        page = (
            '<!doctype html><html lang="vi"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"{refresh}<title>kiemchung</title></head><body><ul>{items}</ul></body></html>"
        )
        self._write("index.html", page.encode("utf-8"), result)


def _readable_by_all(folder: Path) -> None:
    """The exported site is public: any web server may read it, whatever user it runs as
    (kiemchung itself creates its files for its own user only)."""
    folder.chmod(0o755)
    for root, folders, files in os.walk(folder):
        for name in folders:
            (Path(root) / name).chmod(0o755)
        for name in files:
            (Path(root) / name).chmod(0o644)
