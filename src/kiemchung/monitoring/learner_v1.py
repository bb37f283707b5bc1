"""The triage learner as it was before the stacked model (version 1), kept only so that
`kiemchung triage cv` can print it beside the learner of today on the same folds.

Logistic regression over the cue strengths, the built-in logit and hashed folded word 1-2-grams
and character 2-4-grams.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from kiemchung.monitoring.triage import (
    CUE_NAMES,
    builtin_logit,
    cue_features,
    cue_vector,
    prepare_for_cues,
)

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



def v1_scores(train: Sequence[Prepared], labels: Sequence[int],
              test: Sequence[Prepared]) -> np.ndarray:
    return Learner().fit(train, labels).scores(test)
