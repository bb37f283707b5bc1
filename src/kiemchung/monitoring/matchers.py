"""The cheap first look for "already checked?": BM25 over folded terms, no embedding.

Every incoming item gets it at ingestion, so thousands of items an hour are matched without
waiting for the embedder; the full hybrid search of `kiemchung.claims.matching` (dense and
lexical, calibrated) then runs in a task for the items that deserve it (tasks.py).

Each process keeps one lexical copy per workspace of the claims and fact-checks the workspace's
matching index holds (`claims.matching.workspace_records`, without the known wordings), rebuilt
when the index's generation moves.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import math
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings

from kiemchung.accounts.models import Workspace
from kiemchung.claims.matching import workspace_records
from kiemchung.claims.models import MatchIndexState
from kiemchung.matching.lexical import LexicalIndex
from kiemchung.monitoring.triage import clean_text
from kiemchung.text.abbreviations import expand_abbreviations
from kiemchung.text.normalize import fold
from kiemchung.text.tokenize import stopwords

__all__ = ["LexicalCandidate", "LexicalMatcher", "lexical_matcher"]

logger = logging.getLogger(__name__)

_WORD_RE = re.compile(r"\w+")
# Search at most this many words of an item: a long article is matched on its opening.
QUERY_WORDS = 200
# Bump when what is saved of each record's text changes meaning.
WORDS_VERSION = 2


def folded_words(text: str) -> list[str]:
    """Folded words of a post once links, emoji and share tails are gone and teencode expanded."""
    return _WORD_RE.findall(fold(expand_abbreviations(clean_text(text[:20000]))))


_SENTENCE_RE = re.compile(r"(?<=[.!?…])\s+")
# A record sentence shorter than this is not looked for on its own.
SENTENCE_MIN_WORDS = 6


def sentence_words(text: str) -> tuple[tuple[str, ...], ...]:
    """Folded words of each sentence of a record (its claim, its title, its summary ...)."""
    return tuple(
        words for words in (tuple(folded_words(part)) for part in _SENTENCE_RE.split(text))
        if words
    )


def text_key(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=12).hexdigest()


def _terms(words: list[str]) -> list[str]:
    return [*words, *(f"{a}_{b}" for a, b in itertools.pairwise(words))]


@dataclass(frozen=True)
class LexicalCandidate:
    """A record of the matching index that shares many weighted terms with the item."""

    record_id: str
    kind: str
    claim_id: int
    score: float  # 0..1: idf-weighted share of the item's words and word pairs in the record
    bm25: float
    url: str = ""  # an imported fact-check's own page
    publisher: str = ""  # the team that published an imported fact-check


class LexicalMatcher:
    """BM25 and term coverage over one workspace's index records."""

    def __init__(
        self,
        records: list[tuple[str, str, dict[str, Any]]],
        words_of: dict[str, tuple[tuple[str, ...], ...]] | None = None,
    ) -> None:
        self.index = LexicalIndex()
        self.ids: list[str] = []
        self.meta: list[dict[str, Any]] = []
        self.terms: list[frozenset[str]] = []
        self.sentences: list[list[tuple[frozenset[str], frozenset[str]]]] = []
        # Folded words of each sentence, by record text (its digest): a rebuild reads again
        # only the texts that changed.
        self.words_of: dict[str, tuple[tuple[str, ...], ...]] = {}
        known = words_of or {}
        self.computed = 0
        for row, (rid, text, meta) in enumerate(records):
            key = text_key(text)
            sentences = known.get(key)
            if sentences is None:
                sentences = sentence_words(text)
                self.computed += 1
            self.words_of[key] = sentences
            terms = _terms([w for sentence in sentences for w in sentence])
            self.sentences.append([
                (frozenset(sentence), frozenset(_terms(list(sentence))) - frozenset(sentence))
                for sentence in sentences
                if len(sentence) >= SENTENCE_MIN_WORDS
            ])
            self.index.add(row, terms)
            self.ids.append(rid)
            self.meta.append(meta)
            self.terms.append(frozenset(terms))

    def __len__(self) -> int:
        return len(self.ids)

    def _weight(self, term: str) -> float:
        """Coverage weight: the term's idf, capped at a once-seen term's (in a small index an
        unseen word would otherwise outweigh all the shared ones), stopwords a fifth."""
        n = max(self.index.n_alive, 1)
        cap = math.log(1.0 + (n - 0.5) / 1.5)
        weight = min(self.index.idf(term), cap)
        if all(part in stopwords() for part in term.split("_")):
            weight *= 0.2
        return weight

    def _share(self, terms: frozenset[str], present: set[str]) -> float:
        total = sum(self._weight(t) for t in terms)
        if total <= 0:
            return 0.0
        return sum(self._weight(t) for t in terms if t in present) / total

    def search(self, text: str, k: int = 3) -> list[LexicalCandidate]:
        """The `k` records sharing most of the item's weighted terms, best first."""
        words = folded_words(text)[:QUERY_WORDS]
        if not words or not self.ids:
            return []
        terms = _terms(words)
        unique = set(terms)
        scores, upper = self.index.scores(unique, len(self.ids))
        if upper <= 0 or not scores.any():
            return []
        n = min(len(self.ids), max(k * 4, 10))
        top = np.argpartition(-scores, n - 1)[:n]
        weights = {t: self._weight(t) for t in unique}
        total_uni = sum(w for t, w in weights.items() if "_" not in t) or 1.0
        total_bi = sum(w for t, w in weights.items() if "_" in t) or 1.0
        found: list[LexicalCandidate] = []
        for row in top:
            row = int(row)
            if scores[row] <= 0:
                continue
            record = self.terms[row]
            uni = sum(w for t, w in weights.items() if "_" not in t and t in record) / total_uni
            bi = sum(w for t, w in weights.items() if "_" in t and t in record) / total_bi
            score = 0.4 * uni + 0.6 * bi
            # A post that carries one of the record's sentences nearly whole, amid chatter.
            for sentence_uni, sentence_bi in self.sentences[row]:
                s_uni = self._share(sentence_uni, unique)
                s_bi = self._share(sentence_bi, unique)
                score = max(score, 0.4 * s_uni + 0.6 * s_bi)
            meta = self.meta[row]
            found.append(
                LexicalCandidate(
                    record_id=self.ids[row],
                    kind=str(meta.get("kind", "")),
                    claim_id=int(meta.get("claim", 0)),
                    score=round(score, 4),
                    bm25=round(float(scores[row]) / upper, 4),
                    url=str(meta.get("url", "")) if meta.get("kind") == "external" else "",
                    publisher=str(meta.get("publisher", "")),
                )
            )
        found.sort(key=lambda c: (-c.score, -c.bm25))
        return found[:k]


@dataclass
class _Copy:
    epoch: str
    generation: int
    matcher: LexicalMatcher


_copies: dict[int, _Copy] = {}
_lock = threading.Lock()


def _words_file(workspace: Workspace) -> Path:
    name = f"lexical-words-{workspace.pk}-v{WORDS_VERSION}.json"
    return Path(settings.VAR_DIR) / "monitoring" / name


def _saved_words(workspace: Workspace, epoch: str) -> dict[str, tuple[tuple[str, ...], ...]]:
    """Folded words of the records saved by an earlier process (a worker's first build)."""
    try:
        data = json.loads(_words_file(workspace).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("epoch") != epoch:
        return {}
    words = data.get("words")
    if not isinstance(words, dict):
        return {}
    return {
        key: tuple(tuple(part.split()) for part in str(value).split("|"))
        for key, value in words.items()
    }


def _save_words(workspace: Workspace, epoch: str, matcher: LexicalMatcher) -> None:
    path = _words_file(workspace)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(
            json.dumps({"epoch": epoch,
                        "words": {k: "|".join(" ".join(s) for s in v)
                                  for k, v in matcher.words_of.items()}}),
            encoding="utf-8",
        )
        partial.replace(path)
    except OSError as exc:
        logger.warning("lexical words of workspace %s not saved: %s", workspace.pk, exc)


def lexical_matcher(workspace: Workspace) -> LexicalMatcher:
    """This process's lexical copy of the workspace's index, current with the database."""
    state, _created = MatchIndexState.objects.get_or_create(workspace_id=workspace.pk)
    epoch = str(state.epoch)
    with _lock:
        copy = _copies.get(workspace.pk)
        if copy is None or copy.epoch != epoch or copy.generation != state.generation:
            known = copy.matcher.words_of if copy is not None and copy.epoch == epoch \
                else _saved_words(workspace, epoch)
            # Claims and fact-checks only: a known wording would name a claim other than the
            # one to show (the semantic stage resolves them, `claims.matching.resolve`).
            records = workspace_records(workspace, external=True, wordings=False)
            matcher = LexicalMatcher(records, known)
            if matcher.computed:
                _save_words(workspace, epoch, matcher)
            copy = _Copy(epoch, state.generation, matcher)
            _copies[workspace.pk] = copy
        return copy.matcher


def forget_matchers() -> None:
    """Drop every copy (tests, and a worker told the database was restored)."""
    with _lock:
        _copies.clear()


# The full search, in a task.

# Items scored at least this check-worthy get the full search; the rest keep the lexical look
# (greetings and adverts are not worth an embedding each).
DENSE_MIN = 0.25
DENSE_BATCH = 32


def _pending(workspace: Workspace) -> Any:
    from django.db.models import Q

    from kiemchung.monitoring.models import Item, ItemState, MatchStage

    return (
        Item.objects.filter(workspace=workspace, state=ItemState.NEW,
                            match_stage=MatchStage.LEXICAL)
        .filter(Q(checkworthiness__gte=DENSE_MIN) | Q(learned_score__gte=DENSE_MIN))
        .order_by("-priority", "pk")
    )


def pending_count(workspace: Workspace) -> int:
    """Items still waiting for the full search."""
    return int(_pending(workspace).count())


def _rank(record: Any) -> tuple[bool, float]:
    """Which of two findings of a record is the better: the same claim first, then score."""
    return record.decision == "same", float(record.score)


def items_match_pending(*, workspace: Workspace, limit: int = DENSE_BATCH) -> int:
    """Run the full search on the highest-priority items that only had the lexical look.

    Their queries are embedded in one batch first (the embedding cache then answers each
    search), so the embedder works at its batch speed. Returns how many items were matched.
    """
    from kiemchung.claims.matching import (
        QUERY_MAX_CHARS,
        SimilarRecord,
        similar_records,
        workspace_index,
    )
    from kiemchung.monitoring.services import item_matches_set

    items = list(_pending(workspace)[:limit])
    if not items:
        return 0
    # The post's words with those read from its images (images.py), and the images' words on
    # their own too: a picture often states the claim that a long caption around it drowns.
    queries = [
        [item.match_text[:QUERY_MAX_CHARS],
         *([item.image_text[:QUERY_MAX_CHARS]] if item.image_text.strip() else [])]
        for item in items
    ]
    with workspace_index(workspace) as index:
        if len(index):
            index.embedder.embed_queries(
                [index.prepare(q).dense for texts in queries for q in texts]
            )
        empty = not len(index)
    for item, texts in zip(items, queries, strict=True):
        best: dict[str, Any] = {}
        for query in [] if empty else texts:
            for record in similar_records(workspace=workspace, text=query, k=3, external=True):
                known = best.get(record.record_id)
                if known is None or _rank(record) > _rank(known):
                    best[record.record_id] = record
        found = list(best.values())
        if len(texts) > 1:
            found = sorted(found, key=_rank, reverse=True)[:3]
        matches: list[dict[str, Any]] = []
        for record in found:
            if record.decision == "none":
                continue
            row: dict[str, Any] = {
                "record": record.record_id,
                "kind": record.kind,
                "score": round(record.score, 4),
                "decision": record.decision,
                "differences": record.differences,
                "title": record.title[:300],
                "rating": record.rating or "",
                "url": record.url,
                "stage": "dense",
                "claim": None,
                "factcheck": None,
                "publisher": "",
            }
            if isinstance(record, SimilarRecord):
                row["claim"] = record.claim.pk
                row["factcheck"] = record.factcheck.pk if record.factcheck else None
            else:
                row["publisher"] = record.publisher
            matches.append(row)
        item_matches_set(item=item, matches=matches)
    return len(items)
