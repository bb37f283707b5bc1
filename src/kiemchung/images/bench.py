"""``kiemchung bench ocr`` and ``kiemchung bench images``: reading words, and finding an image
seen before.

``bench ocr --images DIR`` reads every NAME.png / NAME.jpg under DIR that has a NAME.txt beside
it and compares the words read with the text (character error rate, diacritics counted).
``bench images --corpus DIR --queries DIR`` fingerprints the corpus and looks up each query:
a query named ORIGINAL--VARIANT.jpg should find ORIGINAL, any other query nothing. Both can
first write the project's own images (``--generate N``, from ``--sentences``). Progress goes to
stderr; the last line on stdout is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from kiemchung.images import synth
from kiemchung.images.fingerprint import (
    MAX_DISTANCE,
    WORDS,
    HashIndex,
    kept_fingerprints,
    query_fingerprints,
)
from kiemchung.images.load import ImageUnreadable, image_load
from kiemchung.images.ocr import TesseractEngine, default_engine, image_read_text

SUFFIXES = (".png", ".jpg", ".jpeg", ".webp")
DEFAULT_SENTENCES = Path("../shared/data/vifactcheck/dev_split.jsonl")


class BenchError(Exception):
    """A problem with the input that stops the benchmark (reported without a traceback)."""


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance between two strings, one character at a time."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, left in enumerate(a, 1):
        current = [i]
        for j, right in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1,
                               previous[j - 1] + (left != right)))
        previous = current
    return previous[-1]


def comparable(text: str) -> str:
    """Composed form, runs of white space as one space: line breaks are not errors."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def cer(expected: str, read: str) -> float:
    """Character error rate: edits needed to turn READ into EXPECTED, per expected character."""
    truth, got = comparable(expected), comparable(read)
    return edit_distance(truth, got) / max(1, len(truth))


def _cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _pairs(folder: Path) -> list[tuple[Path, Path]]:
    found = []
    for text in sorted(folder.rglob("*.txt")):
        image = next((text.with_suffix(s) for s in SUFFIXES if text.with_suffix(s).exists()),
                     None)
        if image is not None:
            found.append((image, text))
    return found


def _write_sentences_set(args: argparse.Namespace, write: Any) -> None:
    if not args.sentences.exists():
        raise BenchError(f"no sentences at {args.sentences} (give --sentences FILE.jsonl)")
    sentences = synth.sentences_from(args.sentences, limit=max(50, args.generate * 8))
    if len(sentences) < 6:
        raise BenchError(f"{args.sentences} holds too few sentences")
    write(sentences)


def ocr_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="kiemchung bench ocr",
        description="Read the words of images and compare them with the expected text: "
        "character error rate (diacritics counted) and images per second.",
    )
    parser.add_argument("--images", type=Path, required=True,
                        help="Folder of NAME.png or NAME.jpg beside NAME.txt (searched "
                        "recursively; each subfolder is also reported on its own).")
    parser.add_argument("--generate", type=int, default=0, metavar="N",
                        help="First write N phone screenshots and N photographed pages into "
                        "--images (folders screens/ and photos/).")
    parser.add_argument("--sentences", type=Path, default=DEFAULT_SENTENCES,
                        help="JSONL of Vietnamese sentences for --generate "
                        "(default: %(default)s).")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="Images read at once (default: the number of cores).")
    parser.add_argument("--page-mode", type=int, default=4,
                        help="Tesseract's page segmentation mode (default: %(default)s).")
    args = parser.parse_args(argv)
    try:
        if args.generate:
            _write_sentences_set(
                args, lambda s: synth.write_ocr_set(args.images, s, count=args.generate)
            )
        pairs = _pairs(args.images)
        if not pairs:
            raise BenchError(f"no NAME.png/NAME.jpg beside NAME.txt under {args.images}")
        if default_engine() is None:
            raise BenchError("tesseract with Vietnamese is not installed "
                             "(apt-get install tesseract-ocr tesseract-ocr-vie)")
    except BenchError as exc:
        print(f"kiemchung bench ocr: {exc}", file=sys.stderr)
        return 2
    engine = TesseractEngine(page_mode=args.page_mode)

    def one(pair: tuple[Path, Path]) -> tuple[str, float, str]:
        image, text = pair
        result = image_read_text(image.read_bytes(), engine)
        return (str(image.parent.relative_to(args.images)),
                cer(text.read_text(encoding="utf-8"), result.text), result.outcome)

    started = time.perf_counter()
    cpu_before = _cpu_seconds()
    with ThreadPoolExecutor(max_workers=max(1, args.workers)) as pool:
        rows = list(pool.map(one, pairs))
    elapsed = time.perf_counter() - started
    cpu = _cpu_seconds() - cpu_before
    groups: dict[str, list[float]] = {}
    for group, rate, _ in rows:
        groups.setdefault(group, []).append(rate)
    report: dict[str, Any] = {
        "images": len(rows),
        "cer": round(float(np.mean([r for _, r, _ in rows])), 4),
        "images_per_second": round(len(rows) / elapsed, 2),
        "workers": args.workers,
        # Processor time per image (this process and the engine's), which the load others put
        # on the machine does not change: cores / this is the rate on idle cores.
        "cpu_seconds_per_image": round(cpu / len(rows), 3),
        "unread": sum(1 for *_, outcome in rows if outcome != "read"),
    }
    if len(groups) > 1:
        report["cer_by_folder"] = {
            group: round(float(np.mean(rates)), 4) for group, rates in sorted(groups.items())
        }
    print(json.dumps(report, ensure_ascii=False))
    return 0


def _fingerprints(folder: Path, kind: Any) -> dict[str, list[bytes]]:
    found = {}
    for path in sorted(p for p in folder.iterdir() if p.suffix.lower() in SUFFIXES):
        try:
            found[path.stem] = kind(image_load(path.read_bytes()))
        except ImageUnreadable as exc:
            print(f"skipped {path.name}: {exc.reason}", file=sys.stderr)
    return found


def images_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="kiemchung bench images",
        description="Near-duplicate image search: recall@1 on the variants of corpus images, "
        "false matches on unrelated images, time to search 100,000 fingerprints.",
    )
    parser.add_argument("--corpus", type=Path, required=True, help="Folder of original images.")
    parser.add_argument("--queries", type=Path, required=True,
                        help="Folder of queries: ORIGINAL--VARIANT.jpg should find ORIGINAL, "
                        "any other name nothing.")
    parser.add_argument("--generate", type=int, default=0, metavar="N",
                        help="First write N originals with four variants each, and N "
                        "unrelated images.")
    parser.add_argument("--sentences", type=Path, default=DEFAULT_SENTENCES,
                        help="JSONL of Vietnamese sentences for --generate "
                        "(default: %(default)s).")
    parser.add_argument("--max-distance", type=int, default=MAX_DISTANCE,
                        help="Bits of 256 that may differ (default: %(default)s).")
    parser.add_argument("--search-size", type=int, default=100_000,
                        help="Fingerprints in the timed search (default: %(default)s).")
    args = parser.parse_args(argv)
    try:
        if args.generate:
            _write_sentences_set(args, lambda s: synth.write_duplicate_set(
                args.corpus, args.queries, s, count=args.generate, unrelated=args.generate))
        if not args.corpus.is_dir() or not args.queries.is_dir():
            raise BenchError("--corpus and --queries must be folders of images")
    except BenchError as exc:
        print(f"kiemchung bench images: {exc}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    corpus = _fingerprints(args.corpus, kept_fingerprints)
    queries = _fingerprints(args.queries, query_fingerprints)
    hashing = (time.perf_counter() - started) / max(1, len(corpus) + len(queries))
    index: HashIndex[str] = HashIndex()
    for name, kept in corpus.items():
        index.extend((name, fingerprint) for fingerprint in kept)
    found = wanted = false = unrelated = 0
    variant_distances: list[int] = []
    unrelated_distances: list[int] = []
    for name, views in queries.items():
        original = name.split("--", 1)[0] if "--" in name else ""
        nearest = index.search_any(views, max_distance=512, limit=1)
        distance = nearest[0][1] if nearest else 512
        hit = nearest[0][0] if nearest and distance <= args.max_distance else None
        if original:
            wanted += 1
            found += hit == original
            own = index.search_any(views, max_distance=512, limit=len(corpus))
            variant_distances += [d for key, d in own if key == original]
        else:
            unrelated += 1
            false += hit is not None
            unrelated_distances.append(distance)
    # The timed search: random fingerprints up to --search-size, looked up with one
    # fingerprint and with all the views of an image.
    rng = np.random.default_rng(7)
    big: HashIndex[int] = HashIndex()
    for n in range(args.search_size):
        big.add(n, rng.integers(0, 256, size=WORDS * 8, dtype=np.uint8).tobytes())
    probes = list(queries.values())[:100] or [[bytes(WORDS * 8)]]
    big.search(probes[0][0])
    started = time.perf_counter()
    for views in probes:
        big.search(views[0], max_distance=args.max_distance)
    one = (time.perf_counter() - started) / len(probes)
    started = time.perf_counter()
    for views in probes:
        big.search_any(views, max_distance=args.max_distance)
    every_view = (time.perf_counter() - started) / len(probes)
    report = {
        "corpus": len(corpus),
        "queries": wanted,
        "recall_at_1": round(found / wanted, 4) if wanted else None,
        "unrelated": unrelated,
        "false_matches": round(false / unrelated, 4) if unrelated else None,
        "max_distance": args.max_distance,
        "variant_distance_max": max(variant_distances, default=None),
        "unrelated_distance_min": min(unrelated_distances, default=None),
        "hash_ms_per_image": round(hashing * 1000, 1),
        "search_size": args.search_size,
        "search_ms": round(one * 1000, 3),
        "search_all_views_ms": round(every_view * 1000, 3),
    }
    print(json.dumps(report))
    return 0


def main(argv: list[str] | None = None) -> int:
    """`kiemchung bench ocr ...` or `kiemchung bench images ...` (the name comes first)."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["images"]:
        return images_main(args[1:])
    if args[:1] == ["ocr"]:
        return ocr_main(args[1:])
    print("usage: kiemchung bench ocr|images ...", file=sys.stderr)
    return 2
