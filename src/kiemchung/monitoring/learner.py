"""The triage learner: check-worthiness learnt from the team's own decisions.

Day one, with no decision, the score is the built-in cue model (triage.py). Once the team has
promoted, attached or dismissed items, a model is trained on them (a task, every few decisions)
over what a fact-checker weighs in a post (stacking.py, postfeatures.py): its words on the
accented and folded forms, the cues, engagement, time, form and the similarity to a claim
already checked. Three kinds of model compete at each retraining (linear, gradient-boosted
trees, stacked); the one with the best ROC-AUC on folds of the team's decisions is kept, and
that figure is stored with it, so the team sees how well its learner does on decisions it was
not trained on.

Its logit is blended with the built-in one, `alpha = n / (n + PRIOR_DECISIONS)`, so a handful
of decisions nudges the ranking and a few hundred lead it.

Retraining uses both cores from 1,000 decisions (learner_pool.py) and reads only the posts the
last retraining did not read (learner_cache.py). A post taken in is scored from what the
built-in cues already read of it (`Scorer.judge`), without sparse matrices.
"""

from __future__ import annotations

import io
import math
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from kiemchung.monitoring.learner_cache import PostCache
from kiemchung.monitoring.learner_pool import helper_pool, one_thread
from kiemchung.monitoring.postfeatures import PostMeta, dense_row, meta_reasons
from kiemchung.monitoring.stacking import (
    CUE_COLUMNS,
    KINDS,
    WIDTH,
    Corpus,
    Fitted,
    TextModel,
    Trees,
    choose,
    counts_of,
    fit_kind,
    fit_text,
    post_columns,
)
from kiemchung.monitoring.triage import (
    Cue,
    assess,
    builtin_logit,
    cue_vector,
    prepare_for_cues,
)

__all__ = [
    "LEARNER_VERSION",
    "Judgement",
    "Learner",
    "Scorer",
    "baseline_cv",
    "learner_retrain",
    "learner_train",
    "scorer_for",
]

LEARNER_VERSION = 2
PRIOR_DECISIONS = 20
MIN_DECISIONS = 6
# Retraining chooses the kind of model on at most this many of the newest decisions (3 folds),
# then trains the chosen kind on all of them: 10,000 decisions stay within seconds.
CHOOSE_MAX = 3000
CHOOSE_FOLDS = 3
# From this many decisions retraining shares its work with a helper process on the second core;
# below, starting one (about 2 s of CPU) would cost more than it saves.
HELPER_MIN = 1000
BUILTIN_COLUMN = CUE_COLUMNS.stop - 1


def _sigmoid(z: np.ndarray | float) -> Any:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))


class Learner:
    """The chosen model, the number of decisions it learnt from and its held-out figures."""

    def __init__(self) -> None:
        self.fitted: Fitted | None = None
        self.decisions = 0
        self.metrics: dict[str, Any] = {}

    @property
    def kind(self) -> str:
        return self.fitted.kind if self.fitted is not None else "builtin"

    def fit(self, texts: Sequence[str], labels: Sequence[int],
            metas: Sequence[PostMeta | None] | None = None, *,
            kinds: Sequence[str] = KINDS, cache: PostCache | None = None) -> Learner:
        """Choose a kind and train it on these decisions (newest first). `cache`: what the last
        retraining read of each post, kept so that only new posts are read."""
        started = time.monotonic()
        y = np.asarray(labels, dtype=np.int64)
        self.decisions = len(y)
        if len(set(y.tolist())) < 2 or len(y) < MIN_DECISIONS:
            self.fitted = None
            return self
        with one_thread(), helper_pool(len(y) >= HELPER_MIN) as spread:
            corpus = Corpus.read(texts, metas, spread=spread, cache=cache)
            # Decisions come newest first: the choice is made on the newest ones.
            rows = np.arange(min(len(y), CHOOSE_MAX))
            # The text model on every decision is part of two kinds of three: it is trained
            # while the choice is made, so that neither core waits for the other.
            ahead = [partial(fit_text, corpus.counts, corpus.dense, y)] \
                if {"linear", "stacked"} & set(kinds) else []
            choice = choose(corpus, y, rows, folds=CHOOSE_FOLDS, kinds=kinds, spread=spread,
                            alongside=ahead)
            kind, figures = choice.kind, choice.figures
            text = choice.alongside[0] if ahead else None
            self.fitted = fit_kind(kind, corpus.counts, corpus.dense, y, spread=spread,
                                   text=text)
        self.metrics = {
            "kind": kind,
            "heldout_auc": figures.get(kind),
            "candidates": figures,
            "heldout_rows": len(rows) if figures else 0,
            "seconds": round(time.monotonic() - started, 2),
        }
        if cache is not None:
            self.metrics["posts_read"] = cache.read_now
        return self

    @property
    def alpha(self) -> float:
        """How much the learnt logit counts against the built-in one."""
        if self.fitted is None:
            return 0.0
        return self.decisions / (self.decisions + PRIOR_DECISIONS)

    def logits_of(self, corpus: Corpus) -> np.ndarray:
        prior = np.asarray(corpus.dense[:, BUILTIN_COLUMN], dtype=np.float64)
        if self.fitted is None or not len(corpus):
            return prior
        learnt = self.fitted.logits(corpus.counts, corpus.dense)
        return np.asarray((1 - self.alpha) * prior + self.alpha * learnt, dtype=np.float64)

    def scores(self, texts: Sequence[str],
               metas: Sequence[PostMeta | None] | None = None) -> np.ndarray:
        return np.asarray(_sigmoid(self.logits_of(Corpus.read(texts, metas))),
                          dtype=np.float64)

    def score_post(self, text: str, meta: PostMeta | None, *, prepared: tuple[str, str],
                   features: dict[str, float]) -> float:
        """`scores` of one post, reusing what the built-in cues read of it: its cleaned and
        folded text (`prepare_for_cues`) and its cue strengths. The linear kind reads only the
        words and the cues, so the other dense features are not worked out for it."""
        prior = builtin_logit(features)
        fitted = self.fitted
        if fitted is None:
            return float(_sigmoid(np.asarray([prior]))[0])
        if fitted.kind == "linear" and fitted.text is not None:
            columns, counts = post_columns(prepared)
            cues = np.asarray([*cue_vector(features), prior], dtype=np.float64)
            learnt = fitted.text.post_logit(columns, counts, cues)
        else:
            dense = np.asarray([dense_row(text, meta, prepared=prepared, features=features)],
                               dtype=np.float64)
            learnt = float(fitted.logits(counts_of([prepared]), dense)[0])
        blended = (1 - self.alpha) * prior + self.alpha * learnt
        return float(_sigmoid(np.asarray([blended], dtype=np.float64))[0])

    def dumps(self) -> bytes:
        """The model as arrays (no pickle); the text weights stored sparse."""
        arrays: dict[str, np.ndarray] = {
            "version": np.asarray([LEARNER_VERSION]),
            "width": np.asarray([WIDTH]),
            "decisions": np.asarray([self.decisions]),
            "kind": np.asarray([KINDS.index(self.kind) if self.fitted else -1]),
        }
        fitted = self.fitted
        if fitted is not None and fitted.text is not None:
            coef = fitted.text.coef
            nonzero = np.flatnonzero(coef)
            idf = fitted.text.idf
            arrays.update({
                "text_width": np.asarray([len(coef)]),
                "text_index": nonzero.astype(np.int64),
                "text_value": coef[nonzero].astype(np.float32),
                "text_intercept": np.asarray([fitted.text.intercept]),
                "idf_n": np.asarray([idf.n]),
                "idf_index": idf.index,
                "idf_value": idf.value.astype(np.float32),
            })
        if fitted is not None and fitted.trees is not None:
            arrays.update(fitted.trees.arrays("trees_"))
        buffer = io.BytesIO()
        np.savez_compressed(buffer, **arrays)  # type: ignore[arg-type]
        return buffer.getvalue()

    @classmethod
    def loads(cls, blob: bytes) -> Learner | None:
        """The learner saved by `dumps`, or None when it was saved by another version."""
        data = np.load(io.BytesIO(bytes(blob)), allow_pickle=False)
        if "width" not in data or int(data["version"][0]) != LEARNER_VERSION \
                or int(data["width"][0]) != WIDTH:
            return None
        learner = cls()
        learner.decisions = int(data["decisions"][0])
        kind_index = int(data["kind"][0])
        if kind_index < 0:
            return learner
        fitted = Fitted(KINDS[kind_index])
        if "text_index" in data:
            text = TextModel()
            text.coef = np.zeros(int(data["text_width"][0]), dtype=np.float64)
            text.coef[data["text_index"]] = data["text_value"]
            text.intercept = float(data["text_intercept"][0])
            text.idf.n = int(data["idf_n"][0])
            text.idf.index = data["idf_index"]
            text.idf.value = data["idf_value"].astype(np.float64)
            fitted.text = text
        if "trees_feature" in data:
            fitted.trees = Trees.from_arrays(data, "trees_")
        learner.fitted = fitted
        return learner


@dataclass(frozen=True)
class Judgement:
    """An item's check-worthiness: built-in, learnt (when a learner exists), and why."""

    builtin: float
    learned: float | None
    cues: tuple[Cue, ...]
    topic: str
    model: str
    signals: list[dict[str, Any]] = field(default_factory=list)


class Scorer:
    """Scores posts with the built-in cues and, when the workspace has one, its learner."""

    def __init__(self, learner: Learner | None = None, label: str = "builtin") -> None:
        self.learner = learner if learner is not None and learner.fitted is not None else None
        self.label = label if self.learner is not None else "builtin"

    def judge(self, text: str, meta: PostMeta | None = None) -> Judgement:
        prepared = prepare_for_cues(text)
        assessment = assess(text, prepared)
        learned = None
        if self.learner is not None:
            learned = self.learner.score_post(text, meta, prepared=prepared,
                                              features=assessment.features)
        return Judgement(
            builtin=assessment.score,
            learned=learned,
            cues=assessment.cues,
            topic=assessment.topic,
            model=self.label,
            # Similarity is shown with the matches, once the resolver has decided it.
            signals=meta_reasons(text, replace(meta, similarity=None) if meta else None),
        )


_scorers: dict[int, tuple[int | None, Scorer]] = {}
_scorers_lock = threading.Lock()


def scorer_for(workspace_id: int) -> Scorer:
    """The workspace's scorer: its latest trained learner, or the built-in cues alone."""
    from kiemchung.monitoring.models import TriageModel

    latest = (
        TriageModel.objects.filter(workspace_id=workspace_id)
        .order_by("-id")
        .values_list("pk", flat=True)
        .first()
    )
    with _scorers_lock:
        cached = _scorers.get(workspace_id)
        if cached is not None and cached[0] == latest:
            return cached[1]
    scorer = Scorer()
    if latest is not None:
        row = TriageModel.objects.get(pk=latest)
        learner = Learner.loads(bytes(row.weights))
        scorer = Scorer(learner, label=f"learner v{row.version} ({row.decisions})")
    with _scorers_lock:
        _scorers[workspace_id] = (latest, scorer)
    return scorer


def forget_scorers() -> None:
    with _scorers_lock:
        _scorers.clear()


def baseline_cv(
    texts: Sequence[str], labels: Sequence[int], *, folds: int = 5, seed: int = 13
) -> dict[str, dict[str, float]]:
    """The same folds for two text-only baselines with logistic regression: plain TF-IDF
    (scikit-learn defaults) and word 1-2-gram + character 2-5-gram TF-IDF."""
    from scipy import sparse
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import average_precision_score, roc_auc_score
    from sklearn.model_selection import StratifiedKFold

    y = np.asarray(labels, dtype=np.int64)
    data = list(texts)
    plain = np.zeros(len(y))
    word_char = np.zeros(len(y))
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train, test in splitter.split(np.zeros(len(y)), y):
        tr = [data[i] for i in train]
        te = [data[i] for i in test]
        vec = TfidfVectorizer()
        model = LogisticRegression(max_iter=1000).fit(vec.fit_transform(tr), y[train])
        plain[test] = model.predict_proba(vec.transform(te))[:, 1]
        words = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2)
        chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True,
                                min_df=2)
        x_train = sparse.hstack([words.fit_transform(tr), chars.fit_transform(tr)]).tocsr()
        x_test = sparse.hstack([words.transform(te), chars.transform(te)]).tocsr()
        model = LogisticRegression(C=10.0, max_iter=2000, class_weight="balanced")
        word_char[test] = model.fit(x_train, y[train]).decision_function(x_test)

    def figures(scores: np.ndarray) -> dict[str, float]:
        return {"roc_auc": round(float(roc_auc_score(y, scores)), 4),
                "pr_auc": round(float(average_precision_score(y, scores)), 4)}

    return {"word_char": figures(word_char), "plain": figures(plain)}


def learner_train(texts: Sequence[str], labels: Sequence[int],
                  metas: Sequence[PostMeta | None] | None = None, *,
                  cache: PostCache | None = None) -> Learner:
    """A learner trained on these texts and labels (1 = worth checking)."""
    return Learner().fit(texts, labels, metas, cache=cache)


def post_cache(workspace_id: int) -> PostCache:
    """What the workspace's last retraining read of each decided post, under var/."""
    from django.conf import settings

    return PostCache(Path(settings.VAR_DIR) / "monitoring" / f"triage-posts-{workspace_id}.npz")


def logit_to_score(logit: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, logit))))


# Training on a workspace's decisions (the retrain task).

POSITIVE_STATES = ("promoted", "attached")
TRAIN_MAX = 20_000


def similarity_of(matches: Any) -> str:
    """The matching decision an item's matches amount to: same, related or none."""
    rows = matches if isinstance(matches, list) else []
    if any(isinstance(m, dict) and m.get("decision") == "same" for m in rows):
        return "same"
    return "related" if rows else "none"


def meta_of(item: Any) -> PostMeta:
    """What the learner reads of an item besides its text."""
    return PostMeta(
        likes=float(item.reactions), comments=float(item.comments), shares=float(item.shares),
        published_at=item.published_at, imported_at=item.first_seen_at,
        similarity=similarity_of(item.matches),
    )


def decisions_of(workspace_id: int) -> tuple[list[str], list[int], list[PostMeta]]:
    """Texts, labels (1 = worth checking) and metadata of a workspace's decided items, newest
    first."""
    from kiemchung.monitoring.models import Item, ItemState

    rows = list(
        Item.objects.filter(workspace_id=workspace_id)
        .exclude(state=ItemState.NEW)
        .order_by("-decided_at", "-pk")
        .only("text", "image_text", "state", "reactions", "comments", "shares",
              "published_at", "first_seen_at", "matches")[:TRAIN_MAX]
    )
    # The words read from a post's images count as its text, as they do when it is scored.
    texts = [item.match_text for item in rows]
    labels = [1 if item.state in POSITIVE_STATES else 0 for item in rows]
    return texts, labels, [meta_of(item) for item in rows]


def learner_retrain(*, workspace: Any) -> Any:
    """Train the workspace's learner on its decisions and store it with its held-out figures;
    then rescore the waiting items with it. None when there are not yet decisions of both
    kinds."""
    from django.db import transaction

    from kiemchung.monitoring.models import Item, ItemState, TriageModel
    from kiemchung.monitoring.services import item_rank

    texts, labels, metas = decisions_of(workspace.pk)
    if len(set(labels)) < 2 or len(labels) < MIN_DECISIONS:
        return None
    learner = learner_train(texts, labels, metas, cache=post_cache(workspace.pk))
    previous = TriageModel.objects.filter(workspace=workspace).order_by("-id").first()
    with transaction.atomic():
        model = TriageModel.objects.create(
            workspace=workspace,
            version=(previous.version + 1) if previous else 1,
            decisions=len(labels),
            positives=sum(labels),
            weights=learner.dumps(),
            metrics={"alpha": round(learner.alpha, 4), **learner.metrics},
        )
    waiting = Item.objects.filter(workspace=workspace, state=ItemState.NEW).order_by("pk")
    last = 0
    while True:
        batch = list(waiting.filter(pk__gt=last)[:500])
        if not batch:
            break
        scores = learner.scores([item.match_text for item in batch],
                                [meta_of(i) for i in batch])
        for item, score in zip(batch, scores, strict=True):
            item.learned_score = round(float(score), 4)
            item.reasons = {**(item.reasons or {}),
                            "model": f"learner v{model.version} ({model.decisions})"}
            item_rank(item)
        with transaction.atomic():
            Item.objects.bulk_update(batch, ["learned_score", "priority", "reasons", "velocity"])
        last = batch[-1].pk
    return model
