"""schema.org ClaimReview and page metadata of the public site, built as data and serialised
safely by the templates."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator

from kiemchung.accounts.models import Workspace
from kiemchung.claims.models import Appearance, FactCheck, Rating, RatingTone

# The share card size made for link previews (OpenGraph, Twitter/X, Zalo, Facebook).
SHARE_CARD = "og"
# The characters that could close the <script> element or open a comment inside it, written as
# JSON escapes (the same table django.utils.html.json_script uses).
_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def absolute_url(path: str) -> str:
    """The public address of a path on this site (KIEMCHUNG_SITE_URL)."""
    return f"{settings.SITE_URL}{path}"


def factcheck_path(factcheck: FactCheck) -> str:
    """The canonical public path of a fact-check."""
    return reverse(
        "publishing:factcheck_detail",
        kwargs={
            "workspace_slug": factcheck.claim.workspace.slug,
            "pk": factcheck.pk,
            "slug": factcheck.slug or "-",
        },
    )


def scale_steps(workspace_id: int) -> list[int]:
    """The ids of the workspace's active graded rating steps, most accurate first.

    Unproven steps are left out: they have no place between "true" and "false".
    """
    return list(
        Rating.objects.filter(workspace_id=workspace_id, is_active=True)
        .exclude(tone=RatingTone.UNPROVEN)
        .order_by("position", "id")
        .values_list("pk", flat=True)
    )


def rating_scale(factcheck: FactCheck, steps: list[int] | None = None) -> dict[str, Any]:
    """The rating as numbers: the scale's graded steps counted so that the most accurate is
    highest, with the team's words for it (alternateName).

    A workspace orders its scale with position 1 the most accurate; schema.org wants
    worstRating < bestRating, so the graded step at rank r of n is given the value n - r + 1.
    An unproven verdict ("Chưa đủ căn cứ") is not a degree of truth: it gets its words only,
    no ratingValue, so that no reader of the data takes it for something falser than "false".
    `steps` (from scale_steps) saves a query per fact-check when many are built at once.
    """
    rating = factcheck.rating
    if rating is None:
        return {}
    if rating.tone == RatingTone.UNPROVEN:
        return {"@type": "Rating", "alternateName": rating.label}
    steps = list(scale_steps(rating.workspace_id) if steps is None else steps)
    if rating.pk not in steps:
        steps.append(rating.pk)
    count = len(steps)
    return {
        "@type": "Rating",
        "ratingValue": count - steps.index(rating.pk),
        "bestRating": count,
        "worstRating": 1,
        "alternateName": rating.label,
    }


def _day(moment: datetime) -> str:
    return timezone.localtime(moment).date().isoformat()


def _appearances(factcheck: FactCheck) -> list[Appearance]:
    # .all() so that a prefetch (selectors.with_appearances) is used; sorted here, not in SQL.
    appearances = list(factcheck.claim.appearances.all())
    return sorted(appearances, key=lambda a: (a.seen_at is not None, a.seen_at or 0, a.pk))


def _creative_work(appearance: Appearance) -> dict[str, Any]:
    work: dict[str, Any] = {"@type": "CreativeWork", "url": appearance.url}
    if appearance.seen_at is not None:
        work["datePublished"] = _day(appearance.seen_at)
    return work


def team_url(workspace: Workspace) -> str:
    return absolute_url(
        reverse("publishing:workspace_index", kwargs={"workspace_slug": workspace.slug})
    )


def claim_review(factcheck: FactCheck, steps: list[int] | None = None) -> dict[str, Any]:
    """The ClaimReview of a published fact-check as a plain dict, ready for json.dumps.

    What schema.org and search engines ask of a ClaimReview: the claim reviewed, the rating
    with its scale and its words, the team as author, the dates and the page's address, and
    the claim itself with where and when it appeared. The people who said it are never named.
    """
    claim = factcheck.claim
    workspace = claim.workspace
    item_reviewed: dict[str, Any] = {"@type": "Claim"}
    appearances = _appearances(factcheck)
    linked = [a for a in appearances if a.url]
    if linked:
        item_reviewed["appearance"] = [_creative_work(a) for a in linked]
        item_reviewed["firstAppearance"] = _creative_work(linked[0])
    seen = [a.seen_at for a in appearances if a.seen_at is not None]
    if seen:
        item_reviewed["datePublished"] = _day(min(seen))
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": absolute_url(factcheck_path(factcheck)),
        "claimReviewed": claim.text,
        "itemReviewed": item_reviewed,
        "author": {"@type": "Organization", "name": workspace.name, "url": team_url(workspace)},
        "reviewRating": rating_scale(factcheck, steps),
        "inLanguage": settings.LANGUAGE_CODE,
    }
    if factcheck.title:
        data["name"] = factcheck.title
        data["headline"] = factcheck.title
    if factcheck.published_at is not None:
        data["datePublished"] = _day(factcheck.published_at)
    if factcheck.last_corrected_at is not None:
        data["dateModified"] = _day(factcheck.last_corrected_at)
    if not data["reviewRating"]:
        del data["reviewRating"]
    return data


def claim_review_feed(factchecks: Iterable[FactCheck]) -> dict[str, Any]:
    """The Data Commons fact-check feed: a schema.org DataFeed of ClaimReview elements."""
    steps: dict[int, list[int]] = {}
    elements = []
    for factcheck in factchecks:
        workspace_id = factcheck.claim.workspace_id
        if workspace_id not in steps:
            steps[workspace_id] = scale_steps(workspace_id)
        elements.append(claim_review(factcheck, steps[workspace_id]))
    return {
        "@context": "https://schema.org",
        "@type": "DataFeed",
        "dataFeedElement": elements,
    }


@dataclass(frozen=True)
class PageMeta:
    """What a public page says about itself to search engines and link previews."""

    title: str
    description: str
    url: str
    site_name: str
    type: str = "website"
    published_time: datetime | None = None
    modified_time: datetime | None = None
    # The share card drawn for the page (1200×630), when there is one.
    image: str = ""
    image_alt: str = ""
    image_width: int = 0
    image_height: int = 0


def _description(text: str) -> str:
    return Truncator(" ".join(text.split())).chars(200)


def page_meta(*, workspace: Workspace, title: str, path: str, description: str = "") -> PageMeta:
    """Metadata of one of the team's pages (not a fact-check)."""
    return PageMeta(
        title=title,
        description=_description(description or workspace.description),
        url=absolute_url(path),
        site_name=workspace.name,
    )


def factcheck_meta(factcheck: FactCheck) -> PageMeta:
    """Metadata of a fact-check page: an article by the team, with its dates and share card."""
    # cards builds on this module, so it is imported when first needed.
    from kiemchung.publishing.cards import SIZES, card_url

    card = SIZES[SHARE_CARD]
    return PageMeta(
        title=factcheck.title or factcheck.claim.text,
        description=_description(factcheck.summary or factcheck.claim.text),
        url=absolute_url(factcheck_path(factcheck)),
        site_name=factcheck.claim.workspace.name,
        type="article",
        published_time=factcheck.published_at,
        modified_time=factcheck.last_corrected_at,
        image=card_url(factcheck, SHARE_CARD),
        image_alt=factcheck.title or factcheck.claim.text,
        image_width=card.width,
        image_height=card.height,
    )


def script_json(data: dict[str, Any]) -> SafeString:
    """JSON that can sit inside a <script> element: nothing in it can end the element."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=False).translate(_SCRIPT_ESCAPES)
    return mark_safe(text)  # noqa: S308 - "<", ">" and "&" are escaped above
