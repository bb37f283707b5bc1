"""The sitemap of a team's public site: its pages, topics and every published fact-check."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from kiemchung.accounts.models import Workspace
from kiemchung.claims.models import FactCheck
from kiemchung.publishing import selectors
from kiemchung.publishing.jsonld import factcheck_path


class _PublicSitemap(Sitemap):
    """Addresses on KIEMCHUNG_SITE_URL, whatever host the request came to."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace

    def get_protocol(self, protocol: str | None = None) -> str:
        return urlsplit(settings.SITE_URL).scheme or "https"

    def get_domain(self, site: Any = None) -> str:
        parts = urlsplit(settings.SITE_URL)
        return f"{parts.netloc}{parts.path.rstrip('/')}"


class TeamPagesSitemap(_PublicSitemap):
    changefreq = "daily"

    def items(self) -> list[str]:
        return ["workspace_index", "topics", "methodology", "corrections", "team"]

    def location(self, item: str) -> str:
        return reverse(f"publishing:{item}", kwargs={"workspace_slug": self.workspace.slug})


class TopicSitemap(_PublicSitemap):
    changefreq = "weekly"

    def items(self) -> list[selectors.Topic]:
        return selectors.public_topics(workspace=self.workspace)

    def location(self, item: selectors.Topic) -> str:
        return reverse(
            "publishing:topic", kwargs={"workspace_slug": self.workspace.slug, "topic": item.slug}
        )


class FactCheckSitemap(_PublicSitemap):
    changefreq = "monthly"

    def items(self) -> Any:
        return selectors.public_factchecks(workspace=self.workspace)

    def location(self, item: FactCheck) -> str:
        return factcheck_path(item)

    def lastmod(self, item: FactCheck) -> datetime | None:
        return item.last_corrected_at or item.published_at


def team_sitemaps(workspace: Workspace) -> dict[str, type[Sitemap[Any]] | Sitemap[Any]]:
    return {
        "pages": TeamPagesSitemap(workspace),
        "topics": TopicSitemap(workspace),
        "factchecks": FactCheckSitemap(workspace),
    }
