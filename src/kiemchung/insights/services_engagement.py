"""Reading the figures of the team's outlet posts back from the platforms that give them
(Facebook Pages today; docs/OUTLETS.md says what each platform offers) into the reach pages,
one page per outlet.

A round reads, outlet by outlet, every post of a still-published fact-check sent within
KIEMCHUNG_ENGAGEMENT_DAYS. A post is one ReachPost keyed by page and post id, so reading it
again updates it; a figure the platform did not give this time keeps its last value. A post
that cannot be read is logged and counted on its page, and the round goes on with the others.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from kiemchung.accounts.models import Workspace
from kiemchung.insights.models import ReachPage, ReachPlatform, ReachPost
from kiemchung.insights.services import posts_held
from kiemchung.publishing import selectors_outlets
from kiemchung.publishing.models import Outlet
from kiemchung.publishing.outlets.base import Engagement, OutletAdapter, OutletError

logger = logging.getLogger(__name__)

# The reach platform of each outlet kind that has one (a newsletter has no page).
OUTLET_PLATFORMS = {
    "facebook_page": ReachPlatform.FACEBOOK,
    "telegram_channel": ReachPlatform.TELEGRAM,
    "zalo_oa": ReachPlatform.ZALO,
}
ERROR_MAX = 1000


@dataclass
class EngagementRound:
    """What one round did in a workspace."""

    outlets: int = 0
    posts: int = 0
    failed: int = 0


def outlet_page(*, outlet: Outlet) -> ReachPage:
    """The reach page that holds the outlet's posts: the one tied to it; else the page of the
    same platform and name, so that a team's imported exports of that Page and the figures
    read from it meet on one page; else a new one."""
    page = ReachPage.objects.filter(outlet=outlet).first()
    if page is not None:
        return page
    platform = OUTLET_PLATFORMS[outlet.kind]
    name = outlet.name.strip()[:120]
    page = ReachPage.objects.filter(
        workspace_id=outlet.workspace_id, platform=platform, name=name
    ).first()
    if page is not None and page.outlet_id is None:
        page.outlet = outlet
        page.save(update_fields=["outlet", "updated_at"])
        return page
    if page is not None:
        # Two outlets of the same name: the second gets a page of its own.
        name = f"{name[:110]} #{outlet.pk}"
    page, _created = ReachPage.objects.get_or_create(
        workspace_id=outlet.workspace_id, platform=platform, name=name,
        defaults={"outlet": outlet},
    )
    return page


def post_engagement_store(
    *, page: ReachPage, post: selectors_outlets.SentPost, engagement: Engagement
) -> None:
    """Write one post's figures in one statement (an insert, or an update of the same post)."""
    figures = {
        "reach": engagement.reach,
        "impressions": engagement.views,
        "interactions": engagement.interactions,
    }
    given = {name: value for name, value in figures.items() if value is not None}
    row = ReachPost(
        page=page,
        external_id=posts_held(page=page, keys=[post.external_id]).get(
            post.external_id, post.external_id
        ),
        published_at=post.sent_at,
        factcheck_id=post.factcheck_id,
        **given,
    )
    # The publication time an import read from the platform's export is kept.
    ReachPost.objects.bulk_create(
        [row],
        update_conflicts=True,
        unique_fields=["page", "external_id"],
        update_fields=["factcheck", *given],
    )


def _read_outlet(
    outlet: Outlet, page: ReachPage, since: datetime, now: datetime
) -> tuple[int, int]:
    posts = selectors_outlets.outlet_sent_posts(outlet=outlet, since=since)
    reader: OutletAdapter | None = None
    read = failed = 0
    error = note = ""
    try:
        reader = selectors_outlets.outlet_reader(outlet=outlet)
    except OutletError as exc:
        failed, error = len(posts), exc.message
        logger.warning("engagement: outlet %s cannot be read: %s", outlet.pk, exc.message)
    for post in posts if reader is not None else []:
        assert reader is not None
        try:
            engagement = reader.engagement(post.external_id)
        except OutletError as exc:
            failed += 1
            error = error or exc.message
            # Ids and the platform's own message only: no token, no text of the post.
            logger.warning(
                "engagement: delivery %s on outlet %s not read (retryable=%s): %s",
                post.delivery_id, outlet.pk, exc.retryable, exc.message,
            )
            continue
        if engagement is None:
            continue
        post_engagement_store(page=page, post=post, engagement=engagement)
        read += 1
        note = note or engagement.note
    page.engagement_fetched_at = now
    page.engagement_posts = read
    page.engagement_failed = failed
    page.engagement_error = (error or note)[:ERROR_MAX]
    page.save(update_fields=["engagement_fetched_at", "engagement_posts", "engagement_failed",
                             "engagement_error", "updated_at"])
    return read, failed


def engagement_refresh(*, workspace: Workspace, now: datetime | None = None) -> EngagementRound:
    """Read again the figures of the workspace's recent outlet posts, from every active outlet
    whose platform gives them.

    Each post is written as soon as it is read, so the caller should not hold one transaction
    around the round: it makes HTTP requests, two a post."""
    now = now or timezone.now()
    since = now - timedelta(days=settings.ENGAGEMENT_DAYS)
    done = EngagementRound()
    for outlet in selectors_outlets.engagement_outlets(workspace=workspace):
        if outlet.kind not in OUTLET_PLATFORMS:
            continue
        read, failed = _read_outlet(outlet, outlet_page(outlet=outlet), since, now)
        done.outlets += 1
        done.posts += read
        done.failed += failed
    return done
