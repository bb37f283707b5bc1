"""The triage learner's candidate models, and how they are chosen on unseen folds.

A corpus is read once: hashed n-gram counts of each post (words and syllable pairs of the
accented text, the same of the folded text with teencode expanded, character 2-4-grams of the
folded text) and its dense features (postfeatures.py). The candidates then fit on row indices:

- `linear`: logistic regression over the n-gram TF-IDF and the cues (the learner until now);
- `gbt`: gradient-boosted trees over the dense features alone;
- `stacked`: the n-gram model's out-of-fold logit as one more column beside the dense
  features, into gradient-boosted trees.

`choose` picks one by cross-validation on the training rows only (the outer test rows are never
seen), so `nested_cv` measures the choice itself on unseen folds.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from kiemchung.monitoring.postfeatures import DENSE_NAMES, PostMeta, dense_rows
from kiemchung.monitoring.triage import prepare_for_cues

__all__ = [
    "KINDS",
    "Corpus",
    "Trees",
    "choose",
    "fit_kind",
    "nested_cv",
]

KINDS = ("linear", "gbt", "stacked")
BLOCK = 2**18
WIDTH = 3 * BLOCK
STACK_FOLDS = 5
# Fewer decisions of one kind than this: trees are not tried (they could not split).
TREES_MIN = 10
CHOICE_MARGIN = 0.01
CUE_SCALE = 0.1
CUE_COLUMNS = slice(0, 25)  # the cue strengths and the built-in logit (postfeatures.CUES_DENSE)


def _hashers() -> list[Any]:
    from sklearn.feature_extraction.text import HashingVectorizer

    common: dict[str, Any] = {"n_features": BLOCK, "alternate_sign": False, "norm": None,
                              "lowercase": False}
    words = {"analyzer": "word", "ngram_range": (1, 2),
             "token_pattern": r"(?u)\b\w+\b"}
    return [
        HashingVectorizer(**common, **words),  # accented words and syllable pairs
        HashingVectorizer(**common, **words),  # folded words and syllable pairs
        HashingVectorizer(**common, analyzer="char_wb", ngram_range=(2, 4)),
    ]


def text_counts(texts: Sequence[str]) -> Any:
    """Hashed n-gram counts of each text, the three blocks side by side."""
    from scipy import sparse

    accented, folded = [], []
    for text in texts:
        clean, fold = prepare_for_cues(text)
        accented.append(clean.lower())
        folded.append(fold)
    words_a, words_f, chars = _hashers()
    return sparse.hstack(
        [words_a.transform(accented), words_f.transform(folded), chars.transform(folded)],
        format="csr",
    )


@dataclass
class Corpus:
    """Texts read once: their n-gram counts and dense features."""

    counts: Any
    dense: np.ndarray

    @classmethod
    def read(cls, texts: Sequence[str], metas: Sequence[PostMeta | None] | None = None) -> Corpus:
        return cls(text_counts(texts), dense_rows(texts, metas))

    def __len__(self) -> int:
        return int(self.dense.shape[0])


class Idf:
    """Smoothed inverse document frequencies over the hashed columns, kept sparse."""

    def __init__(self) -> None:
        self.n = 0
        self.index = np.zeros(0, dtype=np.int64)
        self.value = np.zeros(0, dtype=np.float64)
        self._cached: tuple[tuple[int, int], np.ndarray] | None = None

    def fit(self, counts: Any) -> Idf:
        self.n = counts.shape[0]
        df = np.bincount(counts.indices, minlength=WIDTH)
        self.index = np.flatnonzero(df)
        self.value = np.log((1 + self.n) / (1 + df[self.index])) + 1
        return self

    def _full(self) -> np.ndarray:
        key = (self.n, len(self.index))
        if self._cached is None or self._cached[0] != key:
            full = np.full(WIDTH, math.log(1 + self.n) + 1)
            full[self.index] = self.value
            self._cached = (key, full)
        return self._cached[1]

    def transform(self, counts: Any) -> Any:
        """Sublinear term frequency × idf; each of the three blocks scaled to unit length on
        its own, so the character block does not drown the word blocks."""
        out = counts.astype(np.float64).tocsr(copy=True)
        out.data = (1 + np.log(out.data)) * self._full()[out.indices]
        rows = np.repeat(np.arange(out.shape[0]), np.diff(out.indptr))
        block = out.indices // BLOCK
        squares = np.zeros((out.shape[0], 3))
        np.add.at(squares, (rows, block), out.data**2)
        norms = np.sqrt(squares)
        norms[norms == 0] = 1.0
        out.data /= norms[rows, block]
        return out


@dataclass
class TextModel:
    """Logistic regression over the n-gram TF-IDF and the cue columns."""

    c: float = 10.0
    idf: Idf = field(default_factory=Idf)
    coef: np.ndarray = field(default_factory=lambda: np.zeros(0))
    intercept: float = 0.0

    def _matrix(self, counts: Any, dense: np.ndarray) -> Any:
        from scipy import sparse

        cues = CUE_SCALE * np.nan_to_num(dense[:, CUE_COLUMNS])
        cues[:, -1] /= 4.0
        return sparse.hstack([self.idf.transform(counts), sparse.csr_matrix(cues)], format="csr")

    def fit(self, counts: Any, dense: np.ndarray, y: np.ndarray) -> TextModel:
        from sklearn.linear_model import LogisticRegression

        self.idf.fit(counts)
        model = LogisticRegression(C=self.c, class_weight="balanced", solver="liblinear",
                                   max_iter=1000)
        # Only the columns the training rows use: the solver's cost follows the width.
        matrix = self._matrix(counts, dense)
        used = np.concatenate([self.idf.index, np.arange(WIDTH, matrix.shape[1])])
        model.fit(matrix[:, used], y)
        self.coef = np.zeros(matrix.shape[1], dtype=np.float64)
        self.coef[used] = model.coef_[0]
        self.intercept = float(model.intercept_[0])
        return self

    def logits(self, counts: Any, dense: np.ndarray) -> np.ndarray:
        cues = CUE_SCALE * np.nan_to_num(dense[:, CUE_COLUMNS])
        cues[:, -1] /= 4.0
        text = self.idf.transform(counts) @ self.coef[:WIDTH]
        return np.asarray(text + cues @ self.coef[WIDTH:] + self.intercept, dtype=np.float64)


@dataclass
class Trees:
    """Gradient-boosted trees kept as plain arrays: saved without pickle, walked in numpy."""

    baseline: float
    feature: np.ndarray  # (trees, nodes) int
    threshold: np.ndarray  # float
    missing_left: np.ndarray  # bool
    left: np.ndarray  # int
    right: np.ndarray  # int
    leaf: np.ndarray  # bool
    value: np.ndarray  # float
    depth: int

    @classmethod
    def fit(cls, x: np.ndarray, y: np.ndarray, *, seed: int = 0) -> Trees:
        from sklearn.ensemble import HistGradientBoostingClassifier

        model = HistGradientBoostingClassifier(
            learning_rate=0.1, max_iter=150, max_leaf_nodes=15, min_samples_leaf=10,
            l2_regularization=1.0, class_weight="balanced", early_stopping=False,
            random_state=seed,
        )
        # A column no row carries (a file without dates) is constant: the trees never split
        # on it, and HistGradientBoosting cannot bin a column of NaN alone.
        x = np.where(np.isnan(x).all(axis=0), 0.0, x)
        from threadpoolctl import threadpool_limits

        # One thread: on a shared two-core server OpenMP threads wait on each other.
        with threadpool_limits(limits=1, user_api="openmp"):
            model.fit(x, y)
        return cls.from_sklearn(model)

    @classmethod
    def from_sklearn(cls, model: Any) -> Trees:
        nodes = [group[0].nodes for group in model._predictors]
        width = max(len(n) for n in nodes)

        def stack(name: str, dtype: Any) -> np.ndarray:
            out = np.zeros((len(nodes), width), dtype=dtype)
            for i, n in enumerate(nodes):
                out[i, : len(n)] = n[name]
            return out

        return cls(
            baseline=float(np.ravel(model._baseline_prediction)[0]),
            feature=stack("feature_idx", np.int32),
            threshold=stack("num_threshold", np.float64),
            missing_left=stack("missing_go_to_left", bool),
            left=stack("left", np.int32),
            right=stack("right", np.int32),
            leaf=stack("is_leaf", bool),
            value=stack("value", np.float64),
            depth=int(max(int(n["depth"].max()) for n in nodes)),
        )

    def raw(self, x: np.ndarray) -> np.ndarray:
        """The boosted logit of each row: every tree walked at once, one level a step."""
        rows = x.shape[0]
        trees, width = self.feature.shape
        offset = (np.arange(trees) * width)[None, :]
        flat = np.broadcast_to(offset, (rows, trees)).copy()
        row_index = np.broadcast_to(np.arange(rows)[:, None], (rows, trees))
        leaf, feature = self.leaf.ravel(), self.feature.ravel()
        threshold, missing_left = self.threshold.ravel(), self.missing_left.ravel()
        left, right = self.left.ravel(), self.right.ravel()
        for _step in range(self.depth):
            at_leaf = leaf[flat]
            if at_leaf.all():
                break
            values = x[row_index, feature[flat]]
            go_left = np.where(np.isnan(values), missing_left[flat], values <= threshold[flat])
            nxt = offset + np.where(go_left, left[flat], right[flat])
            flat = np.where(at_leaf, flat, nxt)
        return np.asarray(self.baseline + self.value.ravel()[flat].sum(axis=1))

    def arrays(self, prefix: str) -> dict[str, np.ndarray]:
        return {
            f"{prefix}baseline": np.asarray([self.baseline]),
            f"{prefix}feature": self.feature, f"{prefix}threshold": self.threshold,
            f"{prefix}missing_left": self.missing_left, f"{prefix}left": self.left,
            f"{prefix}right": self.right, f"{prefix}leaf": self.leaf,
            f"{prefix}value": self.value.astype(np.float32),
            f"{prefix}depth": np.asarray([self.depth]),
        }

    @classmethod
    def from_arrays(cls, data: Any, prefix: str) -> Trees:
        return cls(
            baseline=float(data[f"{prefix}baseline"][0]),
            feature=data[f"{prefix}feature"], threshold=data[f"{prefix}threshold"],
            missing_left=data[f"{prefix}missing_left"], left=data[f"{prefix}left"],
            right=data[f"{prefix}right"], leaf=data[f"{prefix}leaf"],
            value=data[f"{prefix}value"].astype(np.float64),
            depth=int(data[f"{prefix}depth"][0]),
        )


@dataclass
class Fitted:
    """One trained candidate: `kind` says which parts it uses."""

    kind: str
    text: TextModel | None = None
    trees: Trees | None = None

    def logits(self, counts: Any, dense: np.ndarray) -> np.ndarray:
        if self.kind == "linear":
            assert self.text is not None
            return self.text.logits(counts, dense)
        assert self.trees is not None
        if self.kind == "gbt":
            return self.trees.raw(dense)
        assert self.text is not None
        stacked = np.column_stack([dense, self.text.logits(counts, dense)])
        return self.trees.raw(stacked)


def _folds(y: np.ndarray, folds: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    from sklearn.model_selection import StratifiedKFold

    folds = max(2, min(folds, int(np.bincount(y, minlength=2).min())))
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    return list(splitter.split(np.zeros(len(y)), y))


def _out_of_fold_text(counts: Any, dense: np.ndarray, y: np.ndarray, seed: int) -> np.ndarray:
    out = np.zeros(len(y))
    for train, test in _folds(y, STACK_FOLDS, seed):
        out[test] = TextModel().fit(counts[train], dense[train], y[train]).logits(
            counts[test], dense[test])
    return out


def fit_kind(kind: str, counts: Any, dense: np.ndarray, y: np.ndarray, *,
             seed: int = 0) -> Fitted:
    """Train one candidate on these rows."""
    if kind == "linear":
        return Fitted(kind, text=TextModel().fit(counts, dense, y))
    if kind == "gbt":
        return Fitted(kind, trees=Trees.fit(dense, y, seed=seed))
    if kind != "stacked":
        raise ValueError(f"unknown learner kind {kind!r}")
    oof = _out_of_fold_text(counts, dense, y, seed)
    trees = Trees.fit(np.column_stack([dense, oof]), y, seed=seed)
    return Fitted(kind, text=TextModel().fit(counts, dense, y), trees=trees)


def auc(y: np.ndarray, scores: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    return round(float(roc_auc_score(y, scores)), 4)


def cv_scores(kind: str, corpus: Corpus, y: np.ndarray, rows: np.ndarray, *, folds: int,
              seed: int) -> np.ndarray:
    """Out-of-fold logits of one candidate over these rows of the corpus."""
    out = np.zeros(len(rows))
    for train, test in _folds(y[rows], folds, seed):
        tr, te = rows[train], rows[test]
        model = fit_kind(kind, corpus.counts[tr], corpus.dense[tr], y[tr], seed=seed)
        out[test] = model.logits(corpus.counts[te], corpus.dense[te])
    return out


def choose(corpus: Corpus, y: np.ndarray, rows: np.ndarray, *, folds: int = 3,
           seed: int = 13, kinds: Sequence[str] = KINDS) -> tuple[str, dict[str, float]]:
    """The candidate with the best cross-validated ROC-AUC on these rows, and every AUC.
    Too few rows of one label to cross-validate: the linear model, with no figures."""
    fewest = int(np.bincount(y[rows], minlength=2).min())
    if fewest < 2:
        return "linear", {}
    if fewest < TREES_MIN:
        kinds = ["linear"]
    figures: dict[str, float] = {}
    linear = cv_scores("linear", corpus, y, rows, folds=folds, seed=seed)
    figures["linear"] = auc(y[rows], linear)
    if "gbt" in kinds:
        figures["gbt"] = auc(y[rows], cv_scores("gbt", corpus, y, rows, folds=folds, seed=seed))
    if "stacked" in kinds:
        # The linear model's out-of-fold logits stand in for the stacked model's own inner
        # ones (one set of text fits instead of one per fold): a little optimistic for
        # `stacked`, which CHOICE_MARGIN makes up for; the outer figures of `triage cv` and
        # the final model use the full procedure.
        stacked = np.zeros(len(rows))
        x = np.column_stack([corpus.dense[rows], linear])
        for train, test in _folds(y[rows], folds, seed):
            trees = Trees.fit(x[train], y[rows][train], seed=seed)
            stacked[test] = trees.raw(x[test])
        figures["stacked"] = auc(y[rows], stacked)
    # The simpler linear model stays unless another beats it clearly: on a few hundred
    # decisions the fold-to-fold noise of ROC-AUC is about 0.01.
    best = max(kinds, key=lambda k: (figures[k] - (0 if k == "linear" else CHOICE_MARGIN),
                                     -list(kinds).index(k)))
    return best, figures


def nested_cv(corpus: Corpus, y: np.ndarray, *, folds: int = 5, inner: int = 3,
              seed: int = 13) -> dict[str, Any]:
    """Each candidate's out-of-fold ROC-AUC, and that of the one chosen on inner folds of each
    outer training set (what retraining does), all on the same outer folds."""
    everything = np.arange(len(y))
    outer = _folds(y, folds, seed)
    per_kind = {kind: np.zeros(len(y)) for kind in KINDS}
    chosen = np.zeros(len(y))
    picks: list[str] = []
    for train, test in outer:
        best, _figures = choose(corpus, y, everything[train], folds=inner, seed=seed)
        picks.append(best)
        for kind in KINDS:
            model = fit_kind(kind, corpus.counts[train], corpus.dense[train], y[train],
                             seed=seed)
            per_kind[kind][test] = model.logits(corpus.counts[test], corpus.dense[test])
        chosen[test] = per_kind[best][test]
    return {
        "candidates": {kind: auc(y, s) for kind, s in per_kind.items()},
        "chosen": auc(y, chosen),
        "scores": chosen,
        "picks": picks,
    }


def learning_curve(corpus: Corpus, y: np.ndarray, sizes: Sequence[int], *, kind: str,
                   folds: int = 5, seed: int = 13) -> dict[str, float | None]:
    """ROC-AUC on each held-out fold after training on only `n` decisions of the rest (drawn
    with both labels), averaged over folds; None when `n` is more than a training fold."""
    rng = np.random.default_rng(seed)
    out: dict[str, float | None] = {}
    outer = _folds(y, folds, seed)
    for n in sizes:
        figures = []
        for train, test in outer:
            if n > len(train):
                break
            picked = _stratified_take(y, train, n, rng)
            if picked is None:
                break
            model = fit_kind(kind, corpus.counts[picked], corpus.dense[picked], y[picked],
                             seed=seed)
            figures.append(auc(y[test], model.logits(corpus.counts[test], corpus.dense[test])))
        out[str(n)] = round(float(np.mean(figures)), 4) if len(figures) == len(outer) else None
    return out


def _stratified_take(y: np.ndarray, rows: np.ndarray, n: int,
                     rng: np.random.Generator) -> np.ndarray | None:
    positives = rows[y[rows] == 1]
    negatives = rows[y[rows] == 0]
    want_pos = round(n * len(positives) / len(rows))
    want_pos = min(max(want_pos, STACK_FOLDS), len(positives))
    want_neg = n - want_pos
    if want_neg < STACK_FOLDS or want_neg > len(negatives):
        return None
    return np.concatenate([rng.choice(positives, want_pos, replace=False),
                           rng.choice(negatives, want_neg, replace=False)])


DENSE_WIDTH = len(DENSE_NAMES)
