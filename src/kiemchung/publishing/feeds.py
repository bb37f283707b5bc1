"""RSS and Atom feeds of a team's fact-checks, from the one published queryset."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from kiemchung.accounts.models import Workspace
from kiemchung.claims.models import FactCheck
from kiemchung.publishing import selectors
from kiemchung.publishing.jsonld import absolute_url, factcheck_path

FEED_ITEMS = 50


class LatestFactChecksRss(Feed):
    """The team's latest published fact-checks (RSS 2.0)."""

    def get_object(self, request: HttpRequest, workspace_slug: str) -> Workspace:
        workspace = selectors.workspace_by_slug(slug=workspace_slug)
        if workspace is None:
            raise Http404
        return workspace

    def title(self, obj: Workspace) -> str:
        return _("Bài kiểm chứng của %(team)s") % {"team": obj.name}

    def link(self, obj: Workspace) -> str:
        return absolute_url(
            reverse("publishing:workspace_index", kwargs={"workspace_slug": obj.slug})
        )

    def feed_url(self, obj: Workspace) -> str:
        return absolute_url(reverse("publishing:rss", kwargs={"workspace_slug": obj.slug}))

    def description(self, obj: Workspace) -> str:
        return obj.description or self.title(obj)

    def author_name(self, obj: Workspace) -> str:
        return obj.name

    def items(self, obj: Workspace) -> list[FactCheck]:
        return list(selectors.public_factchecks(workspace=obj)[:FEED_ITEMS])

    def item_title(self, item: FactCheck) -> str:
        rating = item.rating.label if item.rating is not None else ""
        return f"[{rating}] {item.title}" if rating else item.title

    def item_description(self, item: FactCheck) -> str:
        return item.summary or item.claim.text

    def item_link(self, item: FactCheck) -> str:
        return absolute_url(factcheck_path(item))

    def item_guid(self, item: FactCheck) -> str:
        return self.item_link(item)

    def item_pubdate(self, item: FactCheck) -> datetime | None:
        return item.published_at

    def item_updateddate(self, item: FactCheck) -> datetime | None:
        return item.last_corrected_at or item.published_at

    def item_author_name(self, item: FactCheck) -> str:
        return item.claim.workspace.name

    def item_categories(self, item: FactCheck) -> list[str]:
        return [item.claim.topic] if item.claim.topic else []

    def feed_extra_kwargs(self, obj: Workspace) -> dict[str, Any]:
        return {}


class LatestFactChecksAtom(LatestFactChecksRss):
    """The same fact-checks as an Atom feed."""

    feed_type = Atom1Feed

    def feed_url(self, obj: Workspace) -> str:
        return absolute_url(reverse("publishing:atom", kwargs={"workspace_slug": obj.slug}))

    def subtitle(self, obj: Workspace) -> str:
        return self.description(obj)
