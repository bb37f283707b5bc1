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

Reading and the fits are cut into independent calls that a `Spread` (learner_pool.py) shares
between this process and a helper process; the figures are the same whichever process runs a
call, and the same as one process running them all.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache, partial
from typing import TYPE_CHECKING, Any

import numpy as np

from kiemchung.monitoring.learner_pool import Spread, in_turn
from kiemchung.monitoring.postfeatures import (
    DENSE_NAMES,
    WORD_DENSE,
    PostMeta,
    dense_of,
    word_rows,
)
from kiemchung.monitoring.triage import prepare_for_cues

if TYPE_CHECKING:
    from kiemchung.monitoring.learner_cache import PostCache

__all__ = [
    "KINDS",
    "Choice",
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


# Posts are read in chunks of this many, spread over the cores.
READ_CHUNK = 500


@lru_cache(maxsize=1)
def _analysers() -> tuple[Callable[[str], list[str]], Callable[[str], list[str]],
                          Callable[[str], list[str]]]:
    """The three blocks' tokenisers: the hashing vectorizers' own."""
    words_a, words_f, chars = _hashers()
    return words_a.build_analyzer(), words_f.build_analyzer(), chars.build_analyzer()


@lru_cache(maxsize=2**17)
def _column(token: str) -> int:
    """A token's column in its block, as the hashing vectorizers place it: signed 32-bit
    MurmurHash3 of its UTF-8 bytes, seed 0, absolute value modulo the block. Remembered: most
    of a post's n-grams were seen in earlier posts, and a look-up costs a tenth of hashing."""
    from sklearn.utils import murmurhash3_32

    hashed = int(murmurhash3_32(token, 0))
    if hashed == -(2**31):  # scikit-learn's rule where the absolute value would overflow
        return (2**31 - 1 - (BLOCK - 1)) % BLOCK
    return abs(hashed) % BLOCK


def _columns(tokens: list[str]) -> np.ndarray:
    return np.fromiter(map(_column, tokens), dtype=np.int64, count=len(tokens))


@lru_cache(maxsize=2**15)
def _char_columns(word: str) -> np.ndarray:
    """The character block's columns of one word's 2-4-grams (read-only). The character
    analyser pads and cuts each word on its own, so a post's grams are its words' grams; a
    folded post is made of a few thousand distinct syllables, each cut and hashed once here."""
    columns = _columns(_analysers()[2](word)) + 2 * BLOCK
    columns.flags.writeable = False
    return columns


def post_columns(prepared: tuple[str, str]) -> tuple[np.ndarray, np.ndarray]:
    """One post's hashed n-gram columns (sorted, the three blocks side by side) and their
    counts: its row of `counts_of`, without building a sparse matrix around it."""
    accented, folded, _chars = _analysers()
    clean, fold = prepared
    # The character analyser's words: whitespace runs split as str.split() splits them.
    columns = np.concatenate([_columns(accented(clean.lower())),
                              _columns(folded(fold)) + BLOCK,
                              *map(_char_columns, fold.split())])
    found, counts = np.unique(columns, return_counts=True)
    return found, counts.astype(np.float64)


def counts_of(prepared: Sequence[tuple[str, str]]) -> Any:
    """Hashed n-gram counts of texts already cleaned and folded (`prepare_for_cues`), the three
    blocks side by side."""
    from scipy import sparse

    rows = [post_columns(p) for p in prepared]
    indptr = np.zeros(len(rows) + 1, dtype=np.int64)
    indptr[1:] = np.cumsum([len(columns) for columns, _counts in rows])
    indices = np.concatenate([np.zeros(0, np.int32), *(c for c, _n in rows)]).astype(np.int32)
    data = np.concatenate([np.zeros(0), *(n for _c, n in rows)])
    return sparse.csr_matrix((data, indices, indptr), shape=(len(rows), WIDTH))


def read_posts(texts: Sequence[str]) -> tuple[Any, np.ndarray]:
    """The n-gram counts and word features (`postfeatures.word_rows`) of these posts, each
    cleaned once."""
    prepared = [prepare_for_cues(text) for text in texts]
    return counts_of(prepared), word_rows(texts, prepared)


def _read_spread(texts: Sequence[str], spread: Spread) -> tuple[Any, np.ndarray]:
    from scipy import sparse

    parts = spread([partial(read_posts, texts[i:i + READ_CHUNK])
                    for i in range(0, max(len(texts), 1), READ_CHUNK)])
    if len(parts) == 1:
        return parts[0]
    return (sparse.vstack([p[0] for p in parts], format="csr"),
            np.vstack([p[1] for p in parts]))


@dataclass
class Corpus:
    """Texts read once: their n-gram counts and dense features."""

    counts: Any
    dense: np.ndarray

    @classmethod
    def read(cls, texts: Sequence[str], metas: Sequence[PostMeta | None] | None = None, *,
             spread: Spread = in_turn, cache: PostCache | None = None) -> Corpus:
        """The posts read in chunks shared out by `spread`; with a cache, only those it does
        not hold from last time."""
        reader = partial(_read_spread, spread=spread)
        if cache is None:
            counts, words = reader(texts)
        else:
            counts, words = cache.corpus_parts(texts, reader, width=WIDTH,
                                               words=len(WORD_DENSE))
        return cls(counts, dense_of(words, metas))

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

    def full(self) -> np.ndarray:
        """The idf of every column, unseen ones included (remembered)."""
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
        out.data = (1 + np.log(out.data)) * self.full()[out.indices]
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

    def post_logit(self, columns: np.ndarray, counts: np.ndarray, cues: np.ndarray) -> float:
        """`logits` of one post from its n-gram columns and counts (`post_columns`) and its
        cue columns: the same arithmetic on a few hundred numbers instead of sparse matrices,
        so scoring a post as it comes in stays well under a millisecond."""
        weights = (1 + np.log(counts)) * self.idf.full()[columns]
        block = columns // BLOCK
        norms = np.sqrt(np.bincount(block, weights=weights**2, minlength=3))
        norms[norms == 0] = 1.0
        weights /= norms[block]
        scaled = CUE_SCALE * np.nan_to_num(cues)
        scaled[-1] /= 4.0
        return float(weights @ self.coef[columns] + scaled @ self.coef[WIDTH:] + self.intercept)

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


def fit_text(counts: Any, dense: np.ndarray, y: np.ndarray) -> TextModel:
    """The text model trained on these rows (the `linear` kind, and half of `stacked`)."""
    return TextModel().fit(counts, dense, y)


def fold_logits(kind: str, train: tuple[Any, np.ndarray, np.ndarray],
                test: tuple[Any, np.ndarray], seed: int) -> np.ndarray:
    """One candidate trained on one fold's training rows (counts, dense, labels), its logits
    on the fold's test rows (counts, dense): one unit of cross-validation's work."""
    return fit_kind(kind, *train, seed=seed).logits(*test)


def _trees_logits(x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray,
                  seed: int) -> np.ndarray:
    return Trees.fit(x_train, y_train, seed=seed).raw(x_test)


def _fold_calls(kind: str, counts: Any, dense: np.ndarray, y: np.ndarray,
                splits: Sequence[tuple[np.ndarray, np.ndarray]],
                seed: int) -> list[Callable[[], np.ndarray]]:
    def text_rows(rows: np.ndarray) -> Any:
        # The trees alone never read the words: not copied, nor sent to the helper.
        return None if kind == "gbt" else counts[rows]

    return [partial(fold_logits, kind, (text_rows(train), dense[train], y[train]),
                    (text_rows(test), dense[test]), seed) for train, test in splits]


def _out_of_fold(n: int, splits: Sequence[tuple[np.ndarray, np.ndarray]],
                 parts: Sequence[np.ndarray]) -> np.ndarray:
    out = np.zeros(n)
    for (_train, test), part in zip(splits, parts, strict=True):
        out[test] = part
    return out


def fit_kind(kind: str, counts: Any, dense: np.ndarray, y: np.ndarray, *, seed: int = 0,
             spread: Spread = in_turn, text: TextModel | None = None) -> Fitted:
    """Train one candidate on these rows. `text`: the text model already trained on the same
    rows, when the caller has it."""
    if kind == "linear":
        return Fitted(kind, text=text if text is not None else fit_text(counts, dense, y))
    if kind == "gbt":
        return Fitted(kind, trees=Trees.fit(dense, y, seed=seed))
    if kind != "stacked":
        raise ValueError(f"unknown learner kind {kind!r}")
    splits = _folds(y, STACK_FOLDS, seed)
    calls: list[Callable[[], Any]] = list(_fold_calls("linear", counts, dense, y, splits, seed))
    if text is None:
        calls.append(partial(fit_text, counts, dense, y))
    parts = spread(calls)
    oof = _out_of_fold(len(y), splits, parts[:len(splits)])
    trees = Trees.fit(np.column_stack([dense, oof]), y, seed=seed)
    return Fitted(kind, text=text if text is not None else parts[-1], trees=trees)


def auc(y: np.ndarray, scores: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    return round(float(roc_auc_score(y, scores)), 4)


def cv_scores(kind: str, corpus: Corpus, y: np.ndarray, rows: np.ndarray, *, folds: int,
              seed: int, spread: Spread = in_turn) -> np.ndarray:
    """Out-of-fold logits of one candidate over these rows of the corpus."""
    splits = _folds(y[rows], folds, seed)
    calls = _fold_calls(kind, corpus.counts[rows], corpus.dense[rows], y[rows], splits, seed)
    return _out_of_fold(len(rows), splits, spread(calls))


@dataclass
class Choice:
    """The kind chosen, every kind's cross-validated ROC-AUC, and the results of the work run
    alongside the choice."""

    kind: str
    figures: dict[str, float]
    alongside: list[Any]


def choose(corpus: Corpus, y: np.ndarray, rows: np.ndarray, *, folds: int = 3,
           seed: int = 13, kinds: Sequence[str] = KINDS, spread: Spread = in_turn,
           alongside: Sequence[Callable[[], Any]] = ()) -> Choice:
    """The candidate with the best cross-validated ROC-AUC on these rows, and every AUC.
    Too few rows of one label to cross-validate: the linear model, with no figures.
    `alongside`: other work shared out with the first round of fits, so no core waits."""
    fewest = int(np.bincount(y[rows], minlength=2).min())
    if fewest < 2:
        return Choice("linear", {}, spread(list(alongside)))
    if fewest < TREES_MIN:
        kinds = ["linear"]
    counts, dense, labels = corpus.counts[rows], corpus.dense[rows], y[rows]
    splits = _folds(labels, folds, seed)
    tried = ["linear", *(["gbt"] if "gbt" in kinds else [])]
    calls: list[Callable[[], Any]] = list(alongside)
    for kind in tried:
        calls += _fold_calls(kind, counts, dense, labels, splits, seed)
    results = spread(calls)
    done, parts = results[:len(alongside)], results[len(alongside):]
    scores = {kind: _out_of_fold(len(rows), splits, parts[i * len(splits):][:len(splits)])
              for i, kind in enumerate(tried)}
    figures = {kind: auc(labels, scores[kind]) for kind in tried}
    if "stacked" in kinds:
        # The linear model's out-of-fold logits stand in for the stacked model's own inner
        # ones (one set of text fits instead of one per fold): a little optimistic for
        # `stacked`, which CHOICE_MARGIN makes up for; the outer figures of `triage cv` and
        # the final model use the full procedure.
        x = np.column_stack([dense, scores["linear"]])
        stacked = spread([partial(_trees_logits, x[train], labels[train], x[test], seed)
                          for train, test in splits])
        figures["stacked"] = auc(labels, _out_of_fold(len(rows), splits, stacked))
    # The simpler linear model stays unless another beats it clearly: on a few hundred
    # decisions the fold-to-fold noise of ROC-AUC is about 0.01.
    best = max(kinds, key=lambda k: (figures[k] - (0 if k == "linear" else CHOICE_MARGIN),
                                     -list(kinds).index(k)))
    return Choice(best, figures, done)


def nested_cv(corpus: Corpus, y: np.ndarray, *, folds: int = 5, inner: int = 3,
              seed: int = 13, spread: Spread = in_turn) -> dict[str, Any]:
    """Each candidate's out-of-fold ROC-AUC, and that of the one chosen on inner folds of each
    outer training set (what retraining does), all on the same outer folds."""
    everything = np.arange(len(y))
    outer = _folds(y, folds, seed)
    picks = [choose(corpus, y, everything[train], folds=inner, seed=seed, spread=spread).kind
             for train, _test in outer]
    parts = spread([call for kind in KINDS for call in _fold_calls(
        kind, corpus.counts, corpus.dense, y, outer, seed)])
    per_kind = {kind: _out_of_fold(len(y), outer, parts[i * len(outer):][:len(outer)])
                for i, kind in enumerate(KINDS)}
    chosen = np.zeros(len(y))
    for best, (_train, test) in zip(picks, outer, strict=True):
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
