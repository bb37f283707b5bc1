"""Reads for the public site, all starting from the one published queryset."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _

from kiemchung.accounts.models import Workspace
from kiemchung.claims import selectors as claim_selectors
from kiemchung.claims.models import (
    Appearance,
    ArchiveStatus,
    Correction,
    Evidence,
    EvidenceKind,
    FactCheck,
    FactCheckVersion,
    Rating,
    Snapshot,
)
from kiemchung.publishing.models import ContactMessage, ExternalFactCheck
from kiemchung.text.abbreviations import expand_abbreviations
from kiemchung.text.normalize import fold

logger = logging.getLogger(__name__)

PAGE_SIZE = 20
SEARCH_RESULTS = 10
SEARCH_QUERY_MAX = 300


def workspace_by_slug(*, slug: str) -> Workspace | None:
    return Workspace.objects.filter(slug=slug).first()


def public_factchecks(*, workspace: Workspace | None = None) -> QuerySet[FactCheck]:
    """The team's published fact-checks, newest first (every team's when `workspace` is None)."""
    return claim_selectors.published_factchecks(workspace=workspace)


def public_factcheck(*, workspace: Workspace, pk: int) -> FactCheck | None:
    """One published fact-check of the team; None when it is not (or no longer) public."""
    return public_factchecks(workspace=workspace).filter(pk=pk).first()


def with_appearances(factchecks: QuerySet[FactCheck]) -> QuerySet[FactCheck]:
    """The same fact-checks with their claims' appearances loaded in one query (ClaimReview)."""
    return factchecks.prefetch_related(
        Prefetch("claim__appearances", queryset=Appearance.objects.order_by("seen_at", "id"))
    )


def page_count(total: int) -> int:
    """How many list pages `total` fact-checks fill (at least one, even when empty)."""
    return max(1, math.ceil(total / PAGE_SIZE))


@dataclass(frozen=True)
class ListPage:
    """One page of a list of fact-checks, with its neighbours' numbers."""

    items: list[FactCheck]
    number: int
    count: int

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.count

    @property
    def previous_number(self) -> int:
        return self.number - 1

    @property
    def next_number(self) -> int:
        return self.number + 1


def list_page(factchecks: QuerySet[FactCheck], number: int) -> ListPage | None:
    """Page `number` (1-based) of the list; None when there is no such page."""
    total = factchecks.count()
    count = page_count(total)
    if number < 1 or number > count:
        return None
    start = (number - 1) * PAGE_SIZE
    return ListPage(items=list(factchecks[start : start + PAGE_SIZE]), number=number, count=count)


# Topics


def topic_slug(topic: str) -> str:
    """The ASCII address of a topic: "Sức khỏe" → "suc-khoe"."""
    return slugify(fold(topic), allow_unicode=False)[:80]


@dataclass(frozen=True)
class Topic:
    """A topic as readers see it: its name, its address and how many fact-checks it has."""

    name: str
    slug: str
    count: int
    spellings: tuple[str, ...]


def public_topics(*, workspace: Workspace) -> list[Topic]:
    """Topics of the team's published fact-checks, by name; spellings that fold alike merge."""
    counts: dict[str, int] = {}
    for topic in public_factchecks(workspace=workspace).values_list("claim__topic", flat=True):
        if topic.strip():
            counts[topic] = counts.get(topic, 0) + 1
    grouped: dict[str, list[tuple[str, int]]] = {}
    for name, count in counts.items():
        slug = topic_slug(name)
        if slug:
            grouped.setdefault(slug, []).append((name, count))
    topics = []
    for slug, names in grouped.items():
        names.sort(key=lambda pair: (-pair[1], pair[0]))
        topics.append(
            Topic(
                name=names[0][0],
                slug=slug,
                count=sum(count for _name, count in names),
                spellings=tuple(name for name, _count in names),
            )
        )
    return sorted(topics, key=lambda topic: fold(topic.name))


def public_topic(*, workspace: Workspace, slug: str) -> Topic | None:
    return next((t for t in public_topics(workspace=workspace) if t.slug == slug), None)


def topic_factchecks(*, workspace: Workspace, topic: Topic) -> QuerySet[FactCheck]:
    return public_factchecks(workspace=workspace).filter(claim__topic__in=topic.spellings)


# One fact-check


@dataclass(frozen=True)
class PublicSource:
    """A web source as readers see it: the original address and, when kept, our copy."""

    evidence: Evidence
    snapshot: Snapshot | None

    @property
    def archived_at(self) -> datetime | None:
        return self.snapshot.fetched_at if self.snapshot is not None else None


def public_sources(*, factcheck: FactCheck) -> list[PublicSource]:
    """The web sources of the verdict; documents and internal notes are not published."""
    sources: list[PublicSource] = []
    evidence = (
        Evidence.objects.filter(claim_id=factcheck.claim_id, kind=EvidenceKind.URL)
        .select_related("snapshot")
        .order_by("created_at", "id")
    )
    for item in evidence:
        kept = None
        if item.archive_status == ArchiveStatus.ARCHIVED:
            try:
                kept = item.snapshot
            except Snapshot.DoesNotExist:
                kept = None
        sources.append(PublicSource(evidence=item, snapshot=kept))
    return sources


def public_source_snapshot(*, factcheck: FactCheck, evidence_pk: int) -> Snapshot | None:
    """The archived copy of one of the verdict's web sources, if there is one."""
    return (
        Snapshot.objects.filter(
            evidence__pk=evidence_pk,
            evidence__claim_id=factcheck.claim_id,
            evidence__kind=EvidenceKind.URL,
            evidence__archive_status=ArchiveStatus.ARCHIVED,
        )
        .select_related("evidence")
        .first()
    )


def public_snapshots(*, workspace: Workspace) -> QuerySet[Snapshot]:
    """Every archived copy that a published fact-check of the team links to."""
    return Snapshot.objects.filter(
        evidence__claim__factcheck__in=public_factchecks(workspace=workspace),
        evidence__kind=EvidenceKind.URL,
        evidence__archive_status=ArchiveStatus.ARCHIVED,
    ).select_related("evidence", "evidence__claim__factcheck")


def public_corrections(*, factcheck: FactCheck) -> list[Correction]:
    return list(factcheck.corrections.order_by("created_at", "id"))


def earlier_versions(*, factcheck: FactCheck) -> list[FactCheckVersion]:
    """Versions readers saw before the current one (published or corrected), newest first."""
    versions = factcheck.versions.filter(number__lt=factcheck.version).order_by("-number")
    return [version for version in versions if version.is_public]


# The team's other pages


def corrections_log(*, workspace: Workspace) -> QuerySet[Correction]:
    """Every correction of the team's published fact-checks, newest first."""
    return (
        Correction.objects.filter(factcheck__in=public_factchecks(workspace=workspace))
        .select_related("factcheck", "factcheck__claim", "factcheck__claim__workspace")
        .order_by("-created_at", "-id")
    )


def correction_pages(*, workspace: Workspace) -> int:
    return page_count(corrections_log(workspace=workspace).count())


def rating_scale(*, workspace: Workspace) -> list[Rating]:
    """The team's rating scale as published on its methodology page, most accurate first."""
    return list(Rating.objects.filter(workspace=workspace, is_active=True).order_by("position"))


# Search


@dataclass(frozen=True)
class SearchResult:
    """One answer of the public search: the team's fact-check, or one another team published
    that the team imported (`external`, shown under that team's name and linked to its page)."""

    factcheck: FactCheck | None
    # The matching engine's calibrated score (0 to 1); None for a plain text match.
    score: float | None
    external: ExternalFactCheck | None = None
    # "same": the fact-check states this very claim; "related": same subject, its verdict does
    # not apply; "" for a plain text match.
    decision: str = ""

    @property
    def percent(self) -> int | None:
        return None if self.score is None else round(self.score * 100)


def clean_search_query(text: str | None) -> str:
    """The query as searched: spaces squeezed; ValidationError when it is too long."""
    query = " ".join((text or "").split())
    if len(query) > SEARCH_QUERY_MAX:
        raise ValidationError(
            _("Nội dung tìm kiếm dài quá %(max)d ký tự.") % {"max": SEARCH_QUERY_MAX}
        )
    return query


def _folded_words(text: str) -> list[str]:
    return fold(expand_abbreviations(text)).split()


def _text_matches(workspace: Workspace, query: str) -> list[FactCheck]:
    """Published fact-checks whose claim, title or summary hold every word of the query,
    compared without case or diacritics and with chat abbreviations written out."""
    words = _folded_words(query)
    if not words:
        return []
    published = public_factchecks(workspace=workspace)
    hits = [
        pk
        for pk, claim_folded, title, summary in published.values_list(
            "pk", "claim__text_folded", "title", "summary"
        )
        if all(word in f"{claim_folded} {fold(title)} {fold(summary)}" for word in words)
    ]
    return list(published.filter(pk__in=hits)) if hits else []


def _engine_matches(workspace: Workspace, query: str) -> list[SearchResult] | None:
    """The matching engine's fact-checks, the team's and those it imported, that may say what
    the query says (None if it failed)."""
    from kiemchung.claims import matching

    try:
        records = matching.similar_records(
            workspace=workspace,
            text=query,
            k=SEARCH_RESULTS,
            kinds=[matching.KIND_FACTCHECK],
            external=True,
        )
    except ValidationError:
        return []
    except Exception:
        # Public search must answer even when the index cannot be read or built right now;
        # the plain text match below still runs.
        logger.exception("public search in %s fell back to text matching", workspace.slug)
        return None
    found: list[SearchResult] = []
    for record in records:
        if record.decision == "none":
            continue
        if isinstance(record, matching.ExternalMatch):
            found.append(SearchResult(factcheck=None, score=record.score, external=record.external,
                                      decision=record.decision))
        elif record.factcheck is not None:
            found.append(SearchResult(factcheck=record.factcheck, score=record.score,
                                      decision=record.decision))
    return found


def public_search(*, workspace: Workspace, query: str) -> list[SearchResult]:
    """Published fact-checks that answer the query, best first.

    The matching engine finds the same claim however it is worded, with or without accents
    and abbreviations, among the team's fact-checks and those of other teams it imported;
    the team's fact-checks holding every word of the query follow.
    """
    if not query:
        return []
    results = _engine_matches(workspace, query) or []
    seen = {result.factcheck.pk for result in results if result.factcheck is not None}
    for factcheck in _text_matches(workspace, query):
        if factcheck.pk not in seen:
            results.append(SearchResult(factcheck=factcheck, score=None))
            seen.add(factcheck.pk)
    return results[:SEARCH_RESULTS]


# Every public address of a team


def site_paths(*, workspace: Workspace) -> list[str]:
    """Every page of the team's public site that is the same for everyone, in site order.

    The same list is written by the static export and dropped from the cache when the
    team's name, description or rating scale changes.
    """
    slug = workspace.slug
    kw = {"workspace_slug": slug}
    published = public_factchecks(workspace=workspace)
    paths = [reverse("publishing:workspace_index", kwargs=kw)]
    paths += list_page_paths("publishing:workspace_page", kw, published.count())
    paths += [
        reverse("publishing:methodology", kwargs=kw),
        reverse("publishing:team", kwargs=kw),
        reverse("publishing:corrections", kwargs=kw),
    ]
    paths += list_page_paths(
        "publishing:corrections_page", kw, corrections_log(workspace=workspace).count()
    )
    paths.append(reverse("publishing:topics", kwargs=kw))
    for topic in public_topics(workspace=workspace):
        topic_kw = {**kw, "topic": topic.slug}
        paths.append(reverse("publishing:topic", kwargs=topic_kw))
        paths += list_page_paths("publishing:topic_page", topic_kw, topic.count)
    for pk, fc_slug in published.values_list("pk", "slug"):
        paths.append(
            reverse(
                "publishing:factcheck_detail",
                kwargs={**kw, "pk": pk, "slug": fc_slug or "-"},
            )
        )
    paths += feed_paths(workspace)
    return paths


def list_page_paths(view_name: str, kwargs: dict[str, str], total: int) -> list[str]:
    """Addresses of pages 2 and beyond of a list of `total` items (page 1 has its own)."""
    return [
        reverse(view_name, kwargs={**kwargs, "number": number})
        for number in range(2, page_count(total) + 1)
    ]


def feed_paths(workspace: Workspace) -> list[str]:
    kw = {"workspace_slug": workspace.slug}
    return [
        reverse("publishing:rss", kwargs=kw),
        reverse("publishing:atom", kwargs=kw),
        reverse("publishing:claimreview_feed", kwargs=kw),
        reverse("publishing:sitemap", kwargs=kw),
    ]


# The newsroom's inbox of messages from readers


INBOX_FILTERS = ("open", "handled", "all")


def contact_messages(*, workspace: Workspace, show: str = "open") -> QuerySet[ContactMessage]:
    """Messages from readers to the team, newest first: open ones, handled ones, or all."""
    messages = ContactMessage.objects.filter(workspace=workspace).select_related(
        "factcheck", "factcheck__claim__workspace", "handled_by"
    )
    if show == "open":
        messages = messages.filter(handled_at__isnull=True)
    elif show == "handled":
        messages = messages.filter(handled_at__isnull=False)
    return messages.order_by("-created_at", "-id")


def open_contact_count(*, workspace: Workspace) -> int:
    return ContactMessage.objects.filter(workspace=workspace, handled_at__isnull=True).count()


def contact_message(*, workspace: Workspace, pk: int) -> ContactMessage | None:
    return ContactMessage.objects.filter(workspace=workspace, pk=pk).first()
