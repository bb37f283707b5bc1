"""Taking items in: dedupe, score, match lexically, store.

Ingestion works on batches: one query finds the sightings already recorded, one the items with
the same content hash, one the items sharing a SimHash band; the new items are scored and
matched lexically (`items_plan`, no write), then written with one bulk insert (`items_store`,
inside the caller's transaction, after a last look at what other workers stored meanwhile:
nearcopy.py). The images a new item's post carried are queued for reading (images.py).
Re-exported by services.py, where every write of the app is.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import IntegrityError
from django.db.models import F, Value
from django.db.models.functions import Greatest, Least
from django.utils import timezone

from kiemchung.core.tasks import enqueue_on_commit
from kiemchung.monitoring.language import detect_language
from kiemchung.monitoring.learner import Scorer, scorer_for
from kiemchung.monitoring.matchers import LexicalCandidate, lexical_matcher
from kiemchung.monitoring.models import Item, MatchStage, Sighting, Source
from kiemchung.monitoring.nearcopy import (
    first_near,
    items_lock,
    items_sharing_band,
    items_watermark,
    stored_near,
)
from kiemchung.monitoring.postfeatures import PostMeta
from kiemchung.monitoring.triage import clean_text, cue_list, priority_of
from kiemchung.text.neardup import near_duplicate_key
from kiemchung.text.normalize import content_hash, normalize

__all__ = [
    "ANSWERING_KINDS",
    "IMAGES_MAX",
    "LEXICAL_SHOWN",
    "LEXICAL_STRONG",
    "MATCHES_KEPT",
    "FoldTargetGone",
    "IngestPlan",
    "IngestReport",
    "Post",
    "enqueue_match",
    "item_ingest",
    "item_rank",
    "items_ingest",
    "items_plan",
    "items_store",
    "match_summary",
    "sighting_key",
]

TEXT_MAX = 20_000
TITLE_MAX = 500
URL_MAX = 2000
PLATFORM_MAX = 40
# A lexical match at least this strong shows as "already checked?" until the full search runs.
LEXICAL_SHOWN = 0.35
LEXICAL_STRONG = 0.6
MATCHES_KEPT = 3
# A post keeps at most this many of its images: each one is downloaded and read.
IMAGES_MAX = 4


@dataclass
class Post:
    """One incoming piece of public content, already mapped from its source's format."""

    text: str
    url: str = ""
    title: str = ""
    platform: str = ""
    published_at: datetime | None = None
    reactions: int = 0
    comments: int = 0
    shares: int = 0
    views: int = 0
    key: str = ""
    line: int | None = None
    # Public addresses of the pictures the post carried, at most IMAGES_MAX (images.py).
    images: tuple[str, ...] = ()


@dataclass
class IngestReport:
    """What one batch did: new items, copies folded into known ones, sightings seen before."""

    added: int = 0
    folded: int = 0
    repeated: int = 0
    items: list[Item] = field(default_factory=list)
    new_items: list[Item] = field(default_factory=list)

    def merge(self, other: IngestReport) -> None:
        self.added += other.added
        self.folded += other.folded
        self.repeated += other.repeated
        self.items += other.items
        self.new_items += other.new_items


def _clean_text(value: str, limit: int) -> str:
    return normalize(value or "")[:limit]


def sighting_key(
    *,
    source: Source,
    url: str = "",
    key: str = "",
    digest: str = "",
    published_at: datetime | None = None,
) -> str:
    """The same post seen again has the same key: the source's own id for it, its public URL,
    or else its text and time in this source."""
    if key:
        basis = f"key:{source.pk}:{key}"
    elif url:
        basis = f"url:{url.strip()}"
    else:
        when = published_at.isoformat() if published_at else ""
        basis = f"row:{source.pk}:{digest}:{when}"
    return hashlib.sha256(basis.encode("utf-8")).hexdigest()


@dataclass
class _Prepared:
    post: Post
    text: str
    digest: str
    key: str
    seen_at: datetime
    clean: str = ""
    near_key: str = ""
    words: int = 0


def _near_fields(prepared: _Prepared) -> None:
    if prepared.near_key:
        return
    prepared.clean = clean_text(prepared.text)
    prepared.words = len(prepared.clean.split())
    prepared.near_key = near_duplicate_key(prepared.clean)


def _per_hour(item: Item) -> float:
    if item.copies <= 1:
        return 0.0
    hours = max((item.last_seen_at - item.first_seen_at).total_seconds() / 3600, 1.0)
    return (item.copies - 1) / hours


# Kinds of index records that say the claim was already checked: the workspace's own published
# fact-checks, and those it imported from other teams.
ANSWERING_KINDS = ("factcheck", "external")


def match_summary(candidates: Sequence[LexicalCandidate]) -> list[dict[str, Any]]:
    return [
        {
            "record": c.record_id,
            "kind": c.kind,
            "claim": c.claim_id or None,
            "score": c.score,
            "url": c.url,
            "publisher": c.publisher,
            "stage": MatchStage.LEXICAL.value,
        }
        for c in candidates
        if c.score >= LEXICAL_SHOWN
    ][:MATCHES_KEPT]


def item_rank(item: Item) -> None:
    """Recompute the item's velocity and priority, and the reasons the queue shows."""
    item.velocity = round(_per_hour(item), 4)
    score = item.learned_score if item.learned_score is not None else item.checkworthiness
    priority = priority_of(
        checkworthiness=score,
        reactions=item.reactions,
        comments=item.comments,
        shares=item.shares,
        views=item.views,
        copies=item.copies,
        per_hour=item.velocity,
        answered=item.answered,
    )
    item.priority = priority.value
    reasons = dict(item.reasons or {})
    reasons["reach"] = {
        "reactions": item.reactions,
        "comments": item.comments,
        "shares": item.shares,
        "views": item.views,
        "score": priority.reach,
    }
    reasons["velocity"] = {
        "copies": item.copies,
        "per_hour": item.velocity,
        "score": priority.velocity,
    }
    reasons["checkworthiness"] = round(score, 4)
    reasons["answered"] = item.answered
    item.reasons = reasons


def _new_item(
    *, source: Source, prepared: _Prepared, scorer: Scorer, candidates: list[LexicalCandidate]
) -> Item:
    post = prepared.post
    matches = match_summary(candidates)
    judged = scorer.judge(prepared.text, PostMeta(
        likes=float(max(post.reactions, 0)), comments=float(max(post.comments, 0)),
        shares=float(max(post.shares, 0)), published_at=post.published_at,
        imported_at=prepared.seen_at, similarity="related" if matches else "none",
    ))
    answered = any(
        m["kind"] in ANSWERING_KINDS and m["score"] >= LEXICAL_STRONG for m in matches
    )
    item = Item(
        workspace_id=source.workspace_id,
        source=source,
        text=prepared.text,
        title=_clean_text(post.title, TITLE_MAX),
        url=post.url[:URL_MAX],
        platform=(post.platform or source.platform)[:PLATFORM_MAX],
        published_at=post.published_at,
        language=detect_language(prepared.text),
        content_hash=prepared.digest,
        near_key=prepared.near_key,
        band0=prepared.near_key[0:4],
        band1=prepared.near_key[4:8],
        band2=prepared.near_key[8:12],
        band3=prepared.near_key[12:16],
        copies=1,
        first_seen_at=prepared.seen_at,
        last_seen_at=prepared.seen_at,
        reactions=max(post.reactions, 0),
        comments=max(post.comments, 0),
        shares=max(post.shares, 0),
        views=max(post.views, 0),
        checkworthiness=round(judged.builtin, 4),
        learned_score=None if judged.learned is None else round(judged.learned, 4),
        topic=judged.topic,
        reasons={"cues": cue_list(judged.cues), "model": judged.model,
                 "signals": judged.signals},
        match_stage=MatchStage.LEXICAL,
        matches=matches,
        answered=answered,
        known_claim=any(m["kind"] == "claim" and m["score"] >= LEXICAL_STRONG for m in matches),
    )
    item_rank(item)
    return item


def _fold_into(item: Item, prepared: _Prepared) -> None:
    post = prepared.post
    item.copies += 1
    item.first_seen_at = min(item.first_seen_at, prepared.seen_at)
    item.last_seen_at = max(item.last_seen_at, prepared.seen_at)
    item.reactions += max(post.reactions, 0)
    item.comments += max(post.comments, 0)
    item.shares += max(post.shares, 0)
    item.views += max(post.views, 0)


@dataclass
class _Delta:
    """What a batch adds to an item already stored: applied with F() so that two workers
    folding copies into the same item at once both count."""

    copies: int = 0
    reactions: int = 0
    comments: int = 0
    shares: int = 0
    views: int = 0
    first_seen_at: datetime | None = None
    last_seen_at: datetime | None = None

    def merge(self, item: Item) -> None:
        """Fold a new item of this batch that another writer stored first."""
        self.copies += item.copies
        self.reactions += item.reactions
        self.comments += item.comments
        self.shares += item.shares
        self.views += item.views
        self.first_seen_at = min(filter(None, (self.first_seen_at, item.first_seen_at)))
        self.last_seen_at = max(filter(None, (self.last_seen_at, item.last_seen_at)))

    def add(self, p: _Prepared) -> None:
        post = p.post
        self.copies += 1
        self.reactions += max(post.reactions, 0)
        self.comments += max(post.comments, 0)
        self.shares += max(post.shares, 0)
        self.views += max(post.views, 0)
        self.first_seen_at = min(filter(None, (self.first_seen_at, p.seen_at)))
        self.last_seen_at = max(filter(None, (self.last_seen_at, p.seen_at)))


@dataclass
class IngestPlan:
    """A batch read and decided, not yet written: new items, copies, sightings."""

    source: Source
    report: IngestReport = field(default_factory=IngestReport)
    new_items: list[Item] = field(default_factory=list)
    deltas: dict[int, _Delta] = field(default_factory=dict)
    sightings: list[tuple[_Prepared, Item]] = field(default_factory=list)
    # The workspace's highest item id before the plan read any item, the stored items it
    # compared its new texts with, and each new item's prepared text: what the store needs to
    # meet the items other workers stored meanwhile (nearcopy.stored_near).
    watermark: int = 0
    compared: set[int] = field(default_factory=set)
    prepared_of: dict[int, _Prepared] = field(default_factory=dict)


def items_plan(
    *, source: Source, posts: Iterable[Post], now: datetime | None = None
) -> IngestPlan:
    """Read and decide a batch without writing: skip sightings already recorded, fold exact
    and near copies into the first item, score and lexically match the new ones.

    The costly part of ingestion runs here, outside any write transaction, so that several
    workers share a database (even SQLite) without waiting on each other's locks.
    """
    now = now or timezone.now()
    workspace_id = source.workspace_id
    plan = IngestPlan(source=source)
    report = plan.report
    prepared: list[_Prepared] = []
    seen_keys: set[str] = set()
    for post in posts:
        text = _clean_text(post.text, TEXT_MAX)
        if not text:
            continue
        digest = content_hash(text)
        key = sighting_key(source=source, url=post.url, key=post.key, digest=digest,
                           published_at=post.published_at)
        if key in seen_keys:
            report.repeated += 1
            continue
        seen_keys.add(key)
        prepared.append(_Prepared(post, text, digest, key, post.published_at or now))
    if not prepared:
        return plan
    known_keys = set(
        Sighting.objects.filter(workspace_id=workspace_id, key__in=seen_keys).values_list(
            "key", flat=True
        )
    )
    fresh = [p for p in prepared if p.key not in known_keys]
    report.repeated += len(prepared) - len(fresh)
    if not fresh:
        return plan

    plan.watermark = items_watermark(workspace_id)
    by_hash: dict[str, Item] = {
        item.content_hash: item
        for item in Item.objects.filter(
            workspace_id=workspace_id, content_hash__in={p.digest for p in fresh}
        )
    }
    unknown = [p for p in fresh if p.digest not in by_hash]
    near_candidates: list[Item] = []
    if unknown:
        for p in unknown:
            _near_fields(p)
        # One object per stored item, so that copies counted through either path add up.
        loaded = {item.pk: item for item in by_hash.values()}
        near_candidates = [
            loaded.setdefault(item.pk, item) for item in items_sharing_band(workspace_id, unknown)
        ]
        plan.compared = {item.pk for item in near_candidates}
    candidate_clean: dict[int, str] = {}

    def clean_of(candidate: Item) -> str:
        if id(candidate) not in candidate_clean:
            candidate_clean[id(candidate)] = clean_text(candidate.text)
        return candidate_clean[id(candidate)]

    matcher = None
    scorer = scorer_for(workspace_id)
    # Items of this batch, new or known, by content hash, to fold later copies into.
    target_of: dict[str, Item] = {}
    for p in fresh:
        item = by_hash.get(p.digest) or target_of.get(p.digest)
        if item is None:
            item = first_near(
                p,
                [*near_candidates, *plan.new_items],
                key=lambda candidate: candidate.near_key,
                clean=clean_of,
            )
        if item is None:
            if matcher is None:
                matcher = lexical_matcher(source.workspace)
            item = _new_item(
                source=source, prepared=p, scorer=scorer, candidates=matcher.search(p.text)
            )
            plan.new_items.append(item)
            plan.prepared_of[id(item)] = p
            report.added += 1
        else:
            if item.pk is None:
                _fold_into(item, p)
            else:
                plan.deltas.setdefault(item.pk, _Delta()).add(p)
            report.folded += 1
        target_of[p.digest] = item
        plan.sightings.append((p, item))
    return plan


class FoldTargetGone(IntegrityError):
    """An item the plan folds copies into was merged into another one meanwhile (its picture
    was found to be another item's: imagefold.py); nothing was written, plan again."""


def items_store(plan: IngestPlan) -> IngestReport:
    """Write a planned batch: new items, the copies added to known ones, the sightings.

    Texts that another worker stored while the batch was planned, the same or a near copy,
    become copies of its items. A concurrent writer that recorded one of the batch's sightings
    first makes this raise IntegrityError; plan the batch again and store it again.
    """
    source = plan.source
    workspace_id = source.workspace_id
    report = plan.report
    stored_as: dict[int, int] = {}
    if plan.new_items or plan.deltas:
        # From here to commit no other store adds items to the workspace and no item of it is
        # merged away, and every item stored before is visible: what is not found now cannot
        # appear before this commits.
        items_lock(workspace_id)
        alive = set(Item.objects.filter(pk__in=list(plan.deltas)).values_list("pk", flat=True))
        if alive != set(plan.deltas):
            raise FoldTargetGone("an item to fold into was merged into another")
    if plan.new_items:
        _meet_stored(plan, stored_as)
    for item in plan.new_items:
        if item.copies > 1:
            item_rank(item)
    Item.objects.bulk_create(plan.new_items)
    from kiemchung.monitoring.images import item_images_request

    item_images_request(items=[(i, plan.prepared_of[id(i)].post.images) for i in plan.new_items])
    # In id order, so two stores updating the same items lock their rows in the same order.
    for pk, delta in sorted(plan.deltas.items()):
        Item.objects.filter(pk=pk).update(
            copies=F("copies") + delta.copies,
            reactions=F("reactions") + delta.reactions,
            comments=F("comments") + delta.comments,
            shares=F("shares") + delta.shares,
            views=F("views") + delta.views,
            first_seen_at=Least(F("first_seen_at"), Value(delta.first_seen_at)),
            last_seen_at=Greatest(F("last_seen_at"), Value(delta.last_seen_at)),
        )
    folded = list(Item.objects.filter(pk__in=list(plan.deltas)))
    for item in folded:
        item_rank(item)
    if folded:
        Item.objects.bulk_update(folded, ["velocity", "priority", "reasons", "updated_at"])
    Sighting.objects.bulk_create(
        Sighting(
            workspace_id=workspace_id,
            item_id=stored_as.get(id(item), item.pk),
            source=source,
            key=p.key,
            url=p.post.url[:URL_MAX],
            platform=(p.post.platform or source.platform)[:PLATFORM_MAX],
            seen_at=p.seen_at,
            reactions=max(p.post.reactions, 0),
            comments=max(p.post.comments, 0),
            shares=max(p.post.shares, 0),
            views=max(p.post.views, 0),
        )
        for p, item in plan.sightings
    )
    if plan.sightings:
        Source.objects.filter(pk=source.pk).update(
            items_total=F("items_total") + report.added,
            sightings_total=F("sightings_total") + len(plan.sightings),
        )
    fresh = {item.pk: item for item in folded}
    report.new_items = plan.new_items
    report.items = list(dict.fromkeys(
        fresh.get(stored_as.get(id(item), item.pk), item) for _p, item in plan.sightings
    ))
    return report


def _meet_stored(plan: IngestPlan, stored_as: dict[int, int]) -> None:
    """Fold the plan's new items that another worker stored meanwhile, the same content or a
    near copy, into its items; STORED_AS gets the id each folded new item's sightings go to."""
    workspace_id = plan.source.workspace_id
    taken = dict(
        Item.objects.filter(
            workspace_id=workspace_id,
            content_hash__in=[item.content_hash for item in plan.new_items],
        ).values_list("content_hash", "pk")
    )
    unmatched = [item for item in plan.new_items if item.content_hash not in taken]
    near = stored_near(
        workspace_id=workspace_id,
        after=plan.watermark,
        compared=plan.compared,
        texts=[plan.prepared_of[id(item)] for item in unmatched],
    )
    target = {id(item): pk for item, pk in zip(unmatched, near, strict=True) if pk is not None}
    kept = []
    for item in plan.new_items:
        pk = taken.get(item.content_hash) or target.get(id(item))
        if pk is None:
            kept.append(item)
            continue
        plan.deltas.setdefault(pk, _Delta()).merge(item)
        stored_as[id(item)] = pk
        plan.report.added -= 1
        plan.report.folded += 1
    plan.new_items = kept


def items_ingest(
    *, source: Source, posts: Iterable[Post], now: datetime | None = None
) -> IngestReport:
    """Take a batch of posts in: plan it (dedupe, score, match) and store it."""
    batch = list(posts)
    try:
        return items_store(items_plan(source=source, posts=batch, now=now))
    except FoldTargetGone:
        # Raised before anything was written, under the workspace's item lock (held to the end
        # of the caller's transaction): planned again, the batch sees the merge.
        return items_store(items_plan(source=source, posts=batch, now=now))


def item_ingest(
    *,
    source: Source,
    text: str,
    url: str = "",
    title: str = "",
    platform: str = "",
    published_at: datetime | None = None,
    reactions: int = 0,
    comments: int = 0,
    shares: int = 0,
    views: int = 0,
    key: str = "",
) -> Item | None:
    """Take one piece of content in (a tip's text, a pasted URL's page): the item it became,
    was folded into, or was already recorded as (same key or URL); None for an empty text."""
    report = items_ingest(
        source=source,
        posts=[
            Post(
                text=text,
                url=url,
                title=title,
                platform=platform,
                published_at=published_at,
                reactions=reactions,
                comments=comments,
                shares=shares,
                views=views,
                key=key,
            )
        ],
    )
    if report.new_items:
        enqueue_match(source.workspace_id)
    if report.items:
        return report.items[0]
    clean = _clean_text(text, TEXT_MAX)
    if not clean:
        return None
    seen = sighting_key(source=source, url=url, key=key, digest=content_hash(clean),
                        published_at=published_at)
    sighting = Sighting.objects.filter(workspace_id=source.workspace_id, key=seen).first()
    return sighting.item if sighting is not None else None


def enqueue_match(workspace_id: int) -> None:
    """Run the full matching search on the items that only had the lexical look, after commit."""
    from kiemchung.monitoring.tasks import items_match

    enqueue_on_commit(items_match, workspace_id)
