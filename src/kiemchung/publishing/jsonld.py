"""schema.org ClaimReview for a published fact-check, built as data and serialised safely."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from kiemchung.claims.models import Appearance, FactCheck, Rating

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


def rating_scale(factcheck: FactCheck) -> dict[str, Any]:
    """The rating as numbers: the scale's steps counted so that the most accurate is highest.

    A workspace orders its scale with position 1 the most accurate; schema.org wants
    worstRating < bestRating, so the step at rank r of n is given the value n - r + 1.
    """
    rating = factcheck.rating
    if rating is None:
        return {}
    steps = list(
        Rating.objects.filter(workspace_id=rating.workspace_id, is_active=True)
        .order_by("position", "id")
        .values_list("pk", flat=True)
    )
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
    return list(factcheck.claim.appearances.order_by("seen_at", "id"))


def claim_review(factcheck: FactCheck) -> dict[str, Any]:
    """The ClaimReview of a published fact-check as a plain dict, ready for json.dumps."""
    claim = factcheck.claim
    workspace = claim.workspace
    item_reviewed: dict[str, Any] = {"@type": "Claim"}
    appearances = _appearances(factcheck)
    linked = [a for a in appearances if a.url]
    if linked:
        item_reviewed["appearance"] = [{"@type": "CreativeWork", "url": a.url} for a in linked]
    seen = [a.seen_at for a in appearances if a.seen_at is not None]
    if seen:
        item_reviewed["datePublished"] = _day(min(seen))
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": absolute_url(factcheck_path(factcheck)),
        "claimReviewed": claim.text,
        "itemReviewed": item_reviewed,
        "author": {
            "@type": "Organization",
            "name": workspace.name,
            "url": absolute_url(
                reverse("publishing:workspace_index", kwargs={"workspace_slug": workspace.slug})
            ),
        },
        "reviewRating": rating_scale(factcheck),
        "inLanguage": settings.LANGUAGE_CODE,
    }
    if factcheck.title:
        data["name"] = factcheck.title
    if factcheck.published_at is not None:
        data["datePublished"] = _day(factcheck.published_at)
    if factcheck.last_corrected_at is not None:
        data["dateModified"] = _day(factcheck.last_corrected_at)
    if not data["reviewRating"]:
        del data["reviewRating"]
    return data


def script_json(data: dict[str, Any]) -> SafeString:
    """JSON that can sit inside a <script> element: nothing in it can end the element."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=False).translate(_SCRIPT_ESCAPES)
    return mark_safe(text)  # noqa: S308 - "<", ">" and "&" are escaped above
