"""Suggested answers to legal questions, from the workspace's checked Q&A knowledge base.

Each process keeps a small hybrid index (the matching engine of the claims) per workspace over
its published LegalAnswers, rebuilt when the knowledge base changes; embeddings go through the
shared on-disk cache, so a rebuild embeds only new or edited entries. A suggestion is never
sent by itself: a person reads it, edits it and sends it from the inbox.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.db.models import Count, Max, QuerySet
from django.utils.translation import gettext as _

from kiemchung.accounts.models import Workspace
from kiemchung.claims.matching import QUERY_MAX_CHARS, shared_embedder
from kiemchung.matching.embedders import kept_out_of_cache
from kiemchung.tipline.models import LegalAnswer

if TYPE_CHECKING:
    from kiemchung.matching.index import HybridIndex

SUGGESTIONS = 3


@dataclass(frozen=True)
class LegalSuggestion:
    """A knowledge base entry that may answer the question, with the calibrated score."""

    answer: LegalAnswer
    score: float
    decision: str  # "auto", "suggest" or "none", by the workspace's thresholds

    @property
    def percent(self) -> int:
        return round(self.score * 100)

    @property
    def reply_text(self) -> str:
        """The draft staff start from: the answer and what it rests on."""
        basis = self.answer.source
        if self.answer.source_url:
            basis = f"{basis} ({self.answer.source_url})"
        return self.answer.answer.strip() + "\n\n" + _("Căn cứ: %(basis)s") % {"basis": basis}


@dataclass
class _Built:
    signature: tuple[int, datetime | None, int | None]
    index: HybridIndex


_built: dict[int, _Built] = {}
_locks: dict[int, threading.Lock] = {}
_registry = threading.Lock()


def _lock(workspace_id: int) -> threading.Lock:
    with _registry:
        return _locks.setdefault(workspace_id, threading.Lock())


def _published(workspace: Workspace) -> QuerySet[LegalAnswer]:
    return LegalAnswer.objects.filter(workspace=workspace, is_published=True)


def _signature(workspace: Workspace) -> tuple[int, datetime | None, int | None]:
    found = _published(workspace).aggregate(
        n=Count("pk"), changed=Max("updated_at"), last=Max("pk")
    )
    return int(found["n"]), found["changed"], found["last"]


def record_text(answer: LegalAnswer) -> str:
    """What is indexed: the question, then the answer (each a passage of its own)."""
    question = " ".join(answer.question.split())
    if question and question[-1] not in ".?!…":
        question += "?"
    return f"{question} {' '.join(answer.answer.split())}"


def _index(workspace: Workspace) -> HybridIndex:
    from kiemchung.matching.index import HybridIndex

    signature = _signature(workspace)
    built = _built.get(workspace.pk)
    if built is not None and built.signature == signature:
        return built.index
    index = HybridIndex(embedder=shared_embedder())
    index.add_many(
        [(f"legal:{a.pk}", record_text(a), None) for a in _published(workspace).order_by("pk")]
    )
    _built[workspace.pk] = _Built(signature=signature, index=index)
    return index


def forget_indexes() -> None:
    """Drop every knowledge base index of this process (they are rebuilt on next use)."""
    with _registry:
        _built.clear()


def legal_suggestions(
    *, workspace: Workspace, question: str, k: int = SUGGESTIONS
) -> list[LegalSuggestion]:
    """The published answers of the workspace's knowledge base closest to `question`, best
    first, those the workspace's suggest threshold keeps."""
    text = question.strip()[:QUERY_MAX_CHARS]
    if not text:
        return []
    with _lock(workspace.pk):
        index = _index(workspace)
        with kept_out_of_cache():  # the tipster's question leaves no embedding on disk
            matches = index.search(text, k=k) if len(index) else []
    thresholds = workspace.match_thresholds
    by_pk = {
        a.pk: a
        for a in _published(workspace).filter(
            pk__in=[int(m.id.split(":", 1)[1]) for m in matches]
        )
    }
    out: list[LegalSuggestion] = []
    for match in matches:
        answer = by_pk.get(int(match.id.split(":", 1)[1]))
        decision = thresholds.decide(match.score)
        if answer is None or decision == "none":
            continue
        out.append(LegalSuggestion(answer=answer, score=match.score, decision=decision))
    return out
