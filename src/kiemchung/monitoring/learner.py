"""The triage learner: check-worthiness learnt from the team's own decisions.

Day one, with no decision, the score is the built-in cue model (triage.py). Once the team has
promoted, attached or dismissed items, a logistic regression is trained on them (a task, every
few decisions) over three groups of features that survive informal, unaccented posts:

- the cue strengths and the built-in logit (so the learnt model starts from what the cues say);
- hashed word unigrams and bigrams of the folded text with teencode expanded;
- hashed character 2-4-grams of the same folded text (typos, run-together words).

Its logit is blended with the built-in one, `alpha = n / (n + PRIOR_DECISIONS)`, so a handful
of decisions nudges the ranking and a few hundred lead it.
"""

from __future__ import annotations

import io
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from kiemchung.monitoring.triage import (
    CUE_NAMES,
    Cue,
    assess,
    builtin_logit,
    cue_features,
    cue_vector,
    prepare_for_cues,
)

__all__ = [
    "LEARNER_VERSION",
    "Judgement",
    "Learner",
    "Scorer",
    "baseline_cv",
    "learner_cv",
    "scorer_for",
]

LEARNER_VERSION = 1
WORD_FEATURES = 2**18
CHAR_FEATURES = 2**18
PRIOR_DECISIONS = 20
MIN_DECISIONS = 6
CUE_SCALE = 0.1


def _sigmoid(z: np.ndarray | float) -> Any:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))


def _vectorizers() -> tuple[Any, Any]:
    from sklearn.feature_extraction.text import HashingVectorizer

    words = HashingVectorizer(
        n_features=WORD_FEATURES,
        analyzer="word",
        ngram_range=(1, 2),
        token_pattern=r"(?u)\b\w+\b",  # noqa: S106 - a regular expression
        alternate_sign=False,
        norm=None,
        lowercase=False,
    )
    chars = HashingVectorizer(
        n_features=CHAR_FEATURES,
        analyzer="char_wb",
        ngram_range=(2, 4),
        alternate_sign=False,
        norm=None,
        lowercase=False,
    )
    return words, chars


class Idf:
    """Smoothed inverse document frequencies of one hashed block, kept sparse."""

    def __init__(self, width: int) -> None:
        self.width = width
        self.n = 0
        self.index = np.zeros(0, dtype=np.int64)
        self.value = np.zeros(0, dtype=np.float64)

    def fit(self, counts: Any) -> Idf:
        self.n = counts.shape[0]
        df = np.bincount(counts.indices, minlength=self.width)
        self.index = np.flatnonzero(df)
        self.value = np.log((1 + self.n) / (1 + df[self.index])) + 1
        return self

    @property
    def unseen(self) -> float:
        return float(np.log(1 + self.n) + 1)

    def vector(self) -> np.ndarray:
        full = np.full(self.width, self.unseen)
        full[self.index] = self.value
        return full

    def transform(self, counts: Any) -> Any:
        """Sublinear term frequency × idf, each row scaled to unit length."""
        from sklearn.preprocessing import normalize as unit_rows

        weighted = counts.astype(np.float64)
        weighted.data = 1 + np.log(weighted.data)
        weighted = weighted.multiply(self.vector()).tocsr()
        return unit_rows(weighted)


@dataclass(frozen=True)
class Prepared:
    """A text reduced to what the learner reads: its folded form and its cue row."""

    folded: str
    cues: list[float]
    logit: float


def prepare_text(text: str) -> Prepared:
    _clean, folded = prepare_for_cues(text)
    features, _evidence, _words = cue_features(text)
    return Prepared(folded, cue_vector(features), builtin_logit(features))


class Learner:
    """Logistic regression over cues, the built-in logit and hashed folded n-grams."""

    def __init__(self, c: float = 10.0) -> None:
        self.c = c
        self.coef: np.ndarray | None = None
        self.intercept = 0.0
        self.decisions = 0
        self._words, self._chars = _vectorizers()
        self.word_idf = Idf(WORD_FEATURES)
        self.char_idf = Idf(CHAR_FEATURES)

    def _matrix(self, rows: Sequence[Prepared], *, fit: bool = False) -> Any:
        from scipy import sparse

        # Cue columns are scaled down: on long texts the n-grams carry most of the signal and
        # large dense columns would crowd them out; a team's decisions can still weigh them up.
        dense = CUE_SCALE * np.asarray([[*r.cues, r.logit / 4.0] for r in rows],
                                       dtype=np.float64)
        folded = [r.folded for r in rows]
        words = self._words.transform(folded)
        chars = self._chars.transform(folded)
        if fit:
            self.word_idf.fit(words)
            self.char_idf.fit(chars)
        return sparse.hstack(
            [
                sparse.csr_matrix(dense),
                self.word_idf.transform(words),
                self.char_idf.transform(chars),
            ],
            format="csr",
        )

    @property
    def width(self) -> int:
        return len(CUE_NAMES) + 1 + WORD_FEATURES + CHAR_FEATURES

    def fit(self, rows: Sequence[Prepared], labels: Sequence[int]) -> Learner:
        from sklearn.linear_model import LogisticRegression

        y = np.asarray(labels, dtype=np.int64)
        self.decisions = len(y)
        if len(set(y.tolist())) < 2 or len(y) < MIN_DECISIONS:
            self.coef = None
            return self
        model = LogisticRegression(
            C=self.c, class_weight="balanced", solver="liblinear", max_iter=1000
        )
        model.fit(self._matrix(rows, fit=True), y)
        self.coef = np.asarray(model.coef_[0], dtype=np.float64)
        self.intercept = float(model.intercept_[0])
        return self

    @property
    def alpha(self) -> float:
        """How much the learnt logit counts against the built-in one."""
        if self.coef is None:
            return 0.0
        return self.decisions / (self.decisions + PRIOR_DECISIONS)

    def logits(self, rows: Sequence[Prepared]) -> np.ndarray:
        prior = np.asarray([r.logit for r in rows], dtype=np.float64)
        if self.coef is None or not rows:
            return prior
        learnt = self._matrix(rows) @ self.coef + self.intercept
        return np.asarray((1 - self.alpha) * prior + self.alpha * learnt, dtype=np.float64)

    def scores(self, rows: Sequence[Prepared]) -> np.ndarray:
        return np.asarray(_sigmoid(self.logits(rows)), dtype=np.float64)

    def dumps(self) -> bytes:
        """The weights, stored sparse (most hashed columns are never seen)."""
        buffer = io.BytesIO()
        coef = self.coef if self.coef is not None else np.zeros(0)
        nonzero = np.flatnonzero(coef)
        np.savez_compressed(
            buffer,
            version=np.asarray([LEARNER_VERSION]),
            width=np.asarray([self.width]),
            index=nonzero.astype(np.int64),
            value=coef[nonzero].astype(np.float32),
            intercept=np.asarray([self.intercept]),
            decisions=np.asarray([self.decisions]),
            c=np.asarray([self.c]),
            trained=np.asarray([self.coef is not None]),
            word_n=np.asarray([self.word_idf.n]),
            word_index=self.word_idf.index,
            word_value=self.word_idf.value.astype(np.float32),
            char_n=np.asarray([self.char_idf.n]),
            char_index=self.char_idf.index,
            char_value=self.char_idf.value.astype(np.float32),
        )
        return buffer.getvalue()

    @classmethod
    def loads(cls, blob: bytes) -> Learner | None:
        """The learner saved by `dumps`, or None when it was saved by another version."""
        data = np.load(io.BytesIO(bytes(blob)))
        learner = cls(c=float(data["c"][0]))
        if int(data["version"][0]) != LEARNER_VERSION or int(data["width"][0]) != learner.width:
            return None
        learner.decisions = int(data["decisions"][0])
        learner.intercept = float(data["intercept"][0])
        if bool(data["trained"][0]):
            coef = np.zeros(learner.width, dtype=np.float64)
            coef[data["index"]] = data["value"]
            learner.coef = coef
        for name, idf in (("word", learner.word_idf), ("char", learner.char_idf)):
            idf.n = int(data[f"{name}_n"][0])
            idf.index = data[f"{name}_index"]
            idf.value = data[f"{name}_value"].astype(np.float64)
        return learner


@dataclass(frozen=True)
class Judgement:
    """An item's check-worthiness: built-in, learnt (when a learner exists), and why."""

    builtin: float
    learned: float | None
    cues: tuple[Cue, ...]
    topic: str
    model: str


class Scorer:
    """Scores texts with the built-in cues and, when the workspace has one, its learner."""

    def __init__(self, learner: Learner | None = None, label: str = "builtin") -> None:
        self.learner = learner if learner is not None and learner.coef is not None else None
        self.label = label if self.learner is not None else "builtin"

    def judge(self, text: str) -> Judgement:
        assessment = assess(text)
        learned = None
        if self.learner is not None:
            learned = float(self.learner.scores([prepare_text(text)])[0])
        return Judgement(
            builtin=assessment.score,
            learned=learned,
            cues=assessment.cues,
            topic=assessment.topic,
            model=self.label,
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


# Cross-validation, for `kiemchung triage cv`.


def _folds(labels: np.ndarray, folds: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    from sklearn.model_selection import StratifiedKFold

    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    return list(splitter.split(np.zeros(len(labels)), labels))


def _metrics(labels: np.ndarray, scores: np.ndarray) -> dict[str, float]:
    from sklearn.metrics import average_precision_score, roc_auc_score

    return {
        "roc_auc": round(float(roc_auc_score(labels, scores)), 4),
        "pr_auc": round(float(average_precision_score(labels, scores)), 4),
    }


def learner_cv(
    texts: Sequence[str], labels: Sequence[int], *, folds: int = 5, seed: int = 13
) -> dict[str, Any]:
    """Out-of-fold ROC-AUC and PR-AUC of the learner, and of the built-in cues alone."""
    y = np.asarray(labels, dtype=np.int64)
    rows = [prepare_text(t) for t in texts]
    out = np.zeros(len(y))
    for train, test in _folds(y, folds, seed):
        learner = Learner().fit([rows[i] for i in train], y[train])
        out[test] = learner.scores([rows[i] for i in test])
    builtin = np.asarray([r.logit for r in rows])
    return {**_metrics(y, out), "builtin": _metrics(y, builtin)}


def baseline_cv(
    texts: Sequence[str], labels: Sequence[int], *, folds: int = 5, seed: int = 13
) -> dict[str, float]:
    """The same folds for plain TF-IDF (scikit-learn defaults) + logistic regression."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    y = np.asarray(labels, dtype=np.int64)
    data = list(texts)
    out = np.zeros(len(y))
    for train, test in _folds(y, folds, seed):
        model = make_pipeline(TfidfVectorizer(), LogisticRegression(max_iter=1000))
        model.fit([data[i] for i in train], y[train])
        out[test] = model.predict_proba([data[i] for i in test])[:, 1]
    return _metrics(y, out)


def learner_train(texts: Sequence[str], labels: Sequence[int]) -> Learner:
    """A learner trained on these texts and labels (1 = worth checking)."""
    return Learner().fit([prepare_text(t) for t in texts], labels)


def logit_to_score(logit: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, logit))))


# Training on a workspace's decisions (the retrain task).

POSITIVE_STATES = ("promoted", "attached")
TRAIN_MAX = 20_000


def decisions_of(workspace_id: int) -> tuple[list[str], list[int]]:
    """Texts and labels of a workspace's decided items, newest first (1 = worth checking)."""
    from kiemchung.monitoring.models import Item, ItemState

    rows = (
        Item.objects.filter(workspace_id=workspace_id)
        .exclude(state=ItemState.NEW)
        .order_by("-decided_at", "-pk")
        .values_list("text", "state")[:TRAIN_MAX]
    )
    texts = [text for text, _state in rows]
    labels = [1 if state in POSITIVE_STATES else 0 for _text, state in rows]
    return texts, labels


def learner_retrain(*, workspace: Any) -> Any:
    """Train the workspace's learner on its decisions and store it; then rescore the waiting
    items with it. None when there are not yet decisions of both kinds."""
    from django.db import transaction

    from kiemchung.monitoring.models import Item, ItemState, TriageModel
    from kiemchung.monitoring.services import item_rank

    texts, labels = decisions_of(workspace.pk)
    if len(set(labels)) < 2 or len(labels) < MIN_DECISIONS:
        return None
    learner = learner_train(texts, labels)
    previous = TriageModel.objects.filter(workspace=workspace).order_by("-id").first()
    with transaction.atomic():
        model = TriageModel.objects.create(
            workspace=workspace,
            version=(previous.version + 1) if previous else 1,
            decisions=len(labels),
            positives=sum(labels),
            weights=learner.dumps(),
            metrics={"alpha": round(learner.alpha, 4)},
        )
    waiting = Item.objects.filter(workspace=workspace, state=ItemState.NEW).order_by("pk")
    last = 0
    while True:
        batch = list(waiting.filter(pk__gt=last)[:500])
        if not batch:
            break
        scores = learner.scores([prepare_text(item.text) for item in batch])
        for item, score in zip(batch, scores, strict=True):
            item.learned_score = round(float(score), 4)
            item.reasons = {**(item.reasons or {}),
                            "model": f"learner v{model.version} ({model.decisions})"}
            item_rank(item)
        with transaction.atomic():
            Item.objects.bulk_update(batch, ["learned_score", "priority", "reasons", "velocity"])
        last = batch[-1].pk
    return model
