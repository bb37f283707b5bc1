"""Public pages kept whole in the cache, and dropped exactly when what they show changes.

A view marked with `public_page` answers the same to everyone, so the first middleware of the
stack keeps its finished response (headers included) under the page's path and language and
answers the next requests from there, before sessions, CSRF or the database are touched.

Pages are kept in the `pages` cache, which every process of the site shares (files under the
var folder on one machine, Redis with several): a change committed by a command or a worker
drops them for the web server as well.

Publishing or correcting a fact-check drops exactly the pages that show it: its own page, the
team's list pages, its topic's pages, the feeds, the sitemap and, for a correction, the
corrections log. The receivers below are connected when the app is ready; they wait for the
transaction to commit, so a rolled-back change drops nothing.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import BaseCache, caches
from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.urls import reverse
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import http_date

from kiemchung.accounts.models import Workspace
from kiemchung.claims.models import (
    Appearance,
    Claim,
    ClaimState,
    Correction,
    Evidence,
    FactCheck,
    FactCheckState,
    Rating,
    Snapshot,
)
from kiemchung.publishing import selectors
from kiemchung.publishing.jsonld import factcheck_path

logger = logging.getLogger(__name__)

PAGE_CACHE = "pages"
KEY_PREFIX = "kc:public:"
# How long a browser or a proxy may reuse a public page without asking again. Short, because
# no one can reach into their caches when a correction is published; they revalidate cheaply
# with the ETag.
BROWSER_MAX_AGE = 60
# How long the mark of a drop is kept: longer than any page takes to draw.
DROP_MARK_SECONDS = 300

View = Callable[..., HttpResponseBase]


def page_cache() -> BaseCache:
    """The cache public pages are kept in: one every process of the site shares."""
    return caches[PAGE_CACHE]


def page_key(path: str, language: str) -> str:
    """The cache key of a public page in one interface language."""
    return f"{KEY_PREFIX}{language}:{path}"


def drop_mark_key(key: str) -> str:
    """Where the last drop of a page is marked, so that a page drawn meanwhile is not kept."""
    return f"kc:dropped:{key}"


def page_keys(paths: Iterable[str]) -> list[str]:
    """The keys of these pages in every interface language."""
    languages = [code for code, _name in settings.LANGUAGES]
    return [page_key(path, language) for path in sorted(set(paths)) for language in languages]


def request_language(request: HttpRequest) -> str:
    """The interface language LanguageMiddleware will choose for this request."""
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    return chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def public_page(view: View) -> View:
    """Mark a view whose successful answer is the same for everyone, whoever asks.

    The answer may be kept by browsers and proxies for a minute and by the server until what
    it shows changes.
    """

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        if response.status_code == 200:
            response.public_cache = True  # type: ignore[attr-defined]
            public_headers(response)
        return response

    return wrapped


def public_headers(response: HttpResponseBase, max_age: int = BROWSER_MAX_AGE) -> None:
    """Cache-Control for a public answer; the interface language comes from a cookie."""
    patch_cache_control(response, public=True, max_age=max_age)
    patch_vary_headers(response, ["Cookie"])


@dataclass(frozen=True)
class StoredPage:
    """A finished response as kept in the cache."""

    status: int
    headers: tuple[tuple[str, str], ...]
    content: bytes
    etag: str
    last_modified: float


def _public_prefix() -> str:
    return reverse("publishing:workspace_index", kwargs={"workspace_slug": "x"})[:-2]


class PublicPageCacheMiddleware:
    """Answer public pages from the cache; placed first, so a hit costs no session or query."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        self.prefix: str | None = None

    def _cacheable(self, request: HttpRequest) -> bool:
        if settings.PUBLIC_CACHE_SECONDS <= 0 or request.method not in ("GET", "HEAD"):
            return False
        # A plain-HTTP request that SecurityMiddleware would redirect is left to it.
        if getattr(settings, "SECURE_SSL_REDIRECT", False) and not request.is_secure():
            return False
        # Query strings (search, tracking tags) and htmx requests are never served from here.
        if request.META.get("QUERY_STRING") or "HTTP_HX_REQUEST" in request.META:
            return False
        if self.prefix is None:
            self.prefix = _public_prefix()
        return request.path.startswith(self.prefix)

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not self._cacheable(request):
            return self.get_response(request)
        request.get_host()  # an unknown Host header is refused here as it would be further in
        key = page_key(request.path, request_language(request))
        cache = page_cache()
        stored = cache.get(key)
        if isinstance(stored, StoredPage):
            return replay(request, stored)
        dropped_before = cache.get(drop_mark_key(key))
        response = self.get_response(request)
        if not _storable(response):
            return response
        assert isinstance(response, HttpResponse)
        stored = freeze(response)
        # A change committed while this page was drawn may have been read only in part: the
        # page is then answered but not kept.
        if cache.get(drop_mark_key(key)) == dropped_before:
            cache.set(key, stored, settings.PUBLIC_CACHE_SECONDS)
        return replay(request, stored)


def _storable(response: HttpResponseBase) -> bool:
    return (
        getattr(response, "public_cache", False)
        and response.status_code == 200
        and isinstance(response, HttpResponse)
        and not response.cookies
    )


def freeze(response: HttpResponse) -> StoredPage:
    content = response.content
    etag = f'"{hashlib.sha256(content).hexdigest()[:32]}"'
    return StoredPage(
        status=response.status_code,
        headers=tuple(response.items()),
        content=content,
        etag=etag,
        last_modified=float(int(time.time())),
    )


def replay(request: HttpRequest, stored: StoredPage) -> HttpResponseBase:
    """The stored page, or 304 when the client already has it; no body for HEAD."""
    body = b"" if request.method == "HEAD" else stored.content
    response = HttpResponse(body, status=stored.status)
    for name, value in stored.headers:
        response.headers[name] = value
    response.headers["ETag"] = stored.etag
    response.headers["Last-Modified"] = http_date(stored.last_modified)
    conditional = get_conditional_response(
        request, etag=stored.etag, last_modified=int(stored.last_modified), response=response
    )
    return conditional if conditional is not None else response


# Which pages a change touches


def _topic_paths(workspace: Workspace, topics: Iterable[str]) -> set[str]:
    kw = {"workspace_slug": workspace.slug}
    paths: set[str] = set()
    for name in topics:
        slug = selectors.topic_slug(name)
        if not slug:
            continue
        topic_kw = {**kw, "topic": slug}
        paths.add(reverse("publishing:topic", kwargs=topic_kw))
        topic = selectors.public_topic(workspace=workspace, slug=slug)
        total = topic.count if topic is not None else 0
        # One page more than there are now: the list may have just become shorter.
        paths.update(
            selectors.list_page_paths(
                "publishing:topic_page", topic_kw, total + selectors.PAGE_SIZE
            )
        )
    return paths


def listing_paths(workspace: Workspace, *, topics: Iterable[str] = ()) -> set[str]:
    """The team's pages that list its fact-checks: home pages, topics' pages, feeds, sitemap."""
    kw = {"workspace_slug": workspace.slug}
    total = selectors.public_factchecks(workspace=workspace).count()
    paths = {reverse("publishing:workspace_index", kwargs=kw)}
    paths.update(
        selectors.list_page_paths("publishing:workspace_page", kw, total + selectors.PAGE_SIZE)
    )
    paths.update(_topic_paths(workspace, topics))
    paths.update(selectors.feed_paths(workspace))
    return paths


def corrections_paths(workspace: Workspace) -> set[str]:
    kw = {"workspace_slug": workspace.slug}
    total = selectors.corrections_log(workspace=workspace).count()
    paths = {reverse("publishing:corrections", kwargs=kw)}
    paths.update(
        selectors.list_page_paths("publishing:corrections_page", kw, total + selectors.PAGE_SIZE)
    )
    return paths


def drop_pages(paths: Iterable[str]) -> list[str]:
    """Drop these pages (every language) from the cache; returns the keys dropped."""
    keys = page_keys(paths)
    if keys:
        mark = secrets.token_hex(8)
        cache = page_cache()
        try:
            cache.set_many({drop_mark_key(key): mark for key in keys}, DROP_MARK_SECONDS)
            cache.delete_many(keys)
        except Exception:
            # The change itself is committed; a page kept too long expires with its timeout.
            logger.exception("could not drop %d public pages from the cache", len(keys))
    return keys


def _published(factcheck_pk: int) -> FactCheck | None:
    return (
        FactCheck.objects.filter(
            pk=factcheck_pk, state=FactCheckState.PUBLISHED, published_at__isnull=False
        )
        .select_related("claim", "claim__workspace")
        .first()
    )


def factcheck_changed(
    factcheck_pk: int,
    *,
    page: bool = True,
    listing: bool = True,
    topics_index: bool = False,
    corrections: bool = False,
    claim_review: bool = False,
    old_topics: Iterable[str] = (),
) -> list[str]:
    """Drop the pages a change of this published fact-check touches; returns the keys."""
    factcheck = _published(factcheck_pk)
    if factcheck is None:
        return []
    workspace = factcheck.claim.workspace
    paths: set[str] = set()
    if page:
        paths.add(factcheck_path(factcheck))
    if listing:
        paths |= listing_paths(workspace, topics=[factcheck.claim.topic, *old_topics])
    if topics_index:
        paths.add(reverse("publishing:topics", kwargs={"workspace_slug": workspace.slug}))
    if corrections:
        paths |= corrections_paths(workspace)
    if claim_review:
        paths.add(
            reverse("publishing:claimreview_feed", kwargs={"workspace_slug": workspace.slug})
        )
    return drop_pages(paths)


def workspace_changed(workspace_pk: int) -> list[str]:
    """Drop every public page of the team (its name, description or scale changed)."""
    workspace = Workspace.objects.filter(pk=workspace_pk).first()
    if workspace is None:
        return []
    return drop_pages(selectors.site_paths(workspace=workspace))


def _after_commit(function: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    transaction.on_commit(lambda: function(*args, **kwargs))


# Receivers: where fact-checks are published and corrected.


@receiver(post_save, sender=FactCheck, dispatch_uid="publishing.cache.factcheck_saved")
def _factcheck_saved(sender: type, instance: FactCheck, **kwargs: Any) -> None:
    if not instance.is_published:
        return
    update_fields = kwargs.get("update_fields")
    publishing = update_fields is not None and "published_at" in update_fields
    # A new fact-check adds to the topic counts; a correction does not.
    _after_commit(factcheck_changed, instance.pk, topics_index=publishing)


@receiver(post_save, sender=Correction, dispatch_uid="publishing.cache.correction_saved")
def _correction_saved(sender: type, instance: Correction, created: bool, **kwargs: Any) -> None:
    if created:
        _after_commit(factcheck_changed, instance.factcheck_id, listing=False, corrections=True)


@receiver(pre_save, sender=Claim, dispatch_uid="publishing.cache.claim_saving")
def _claim_saving(sender: type, instance: Claim, **kwargs: Any) -> None:
    if instance.pk is None or instance.state != ClaimState.PUBLISHED:
        return
    update_fields = kwargs.get("update_fields")
    if update_fields is not None and "topic" not in update_fields:
        return
    # The topic it leaves loses a fact-check: its pages change too.
    instance._public_old_topic = (  # type: ignore[attr-defined]
        Claim.objects.filter(pk=instance.pk).values_list("topic", flat=True).first()
    )


@receiver(post_save, sender=Claim, dispatch_uid="publishing.cache.claim_saved")
def _claim_saved(sender: type, instance: Claim, created: bool, **kwargs: Any) -> None:
    if created or instance.state != ClaimState.PUBLISHED:
        return
    update_fields = kwargs.get("update_fields")
    if update_fields is not None and not {"topic", "text", "state"} & set(update_fields):
        return
    factcheck_pk = FactCheck.objects.filter(claim_id=instance.pk).values_list("pk", flat=True)
    pk = factcheck_pk.first()
    if pk is None:
        return
    old = getattr(instance, "_public_old_topic", None)
    old_topics = [old] if old and old != instance.topic else []
    _after_commit(factcheck_changed, pk, topics_index=True, old_topics=old_topics)


def _claim_sources_changed(claim_id: int) -> None:
    pk = (
        FactCheck.objects.filter(claim_id=claim_id, state=FactCheckState.PUBLISHED)
        .values_list("pk", flat=True)
        .first()
    )
    if pk is not None:
        _after_commit(factcheck_changed, pk, listing=False, claim_review=True)


@receiver(post_save, sender=Appearance, dispatch_uid="publishing.cache.appearance_saved")
@receiver(post_delete, sender=Appearance, dispatch_uid="publishing.cache.appearance_deleted")
def _appearance_changed(sender: type, instance: Appearance, **kwargs: Any) -> None:
    # Where the claim appeared is part of the ClaimReview of its page and of the feed.
    _claim_sources_changed(instance.claim_id)


@receiver(post_save, sender=Evidence, dispatch_uid="publishing.cache.evidence_saved")
def _evidence_saved(sender: type, instance: Evidence, **kwargs: Any) -> None:
    _claim_page_changed(instance.claim_id)


@receiver(post_save, sender=Snapshot, dispatch_uid="publishing.cache.snapshot_saved")
def _snapshot_saved(sender: type, instance: Snapshot, **kwargs: Any) -> None:
    claim_id = Evidence.objects.filter(pk=instance.evidence_id).values_list("claim_id", flat=True)
    found = claim_id.first()
    if found is not None:
        _claim_page_changed(found)


def _claim_page_changed(claim_id: int) -> None:
    """A source of the verdict was archived (often after publication): only its page shows it."""
    pk = (
        FactCheck.objects.filter(claim_id=claim_id, state=FactCheckState.PUBLISHED)
        .values_list("pk", flat=True)
        .first()
    )
    if pk is not None:
        _after_commit(factcheck_changed, pk, listing=False)


@receiver(post_save, sender=Rating, dispatch_uid="publishing.cache.rating_saved")
def _rating_saved(sender: type, instance: Rating, **kwargs: Any) -> None:
    _after_commit(workspace_changed, instance.workspace_id)


@receiver(post_save, sender=Workspace, dispatch_uid="publishing.cache.workspace_saved")
def _workspace_saved(sender: type, instance: Workspace, created: bool, **kwargs: Any) -> None:
    if not created:
        _after_commit(workspace_changed, instance.pk)
