"""`kiemchung triage cv`: a labelled export read as the newsroom imports it, and the learner
measured on it fold by fold beside text-only baselines.

The columns are guessed as the import screen guesses them (mapping.guess_mapping), then by the
words of the column names ("num_like_post" holds likes); `--map field=column` overrides either.
Values that cannot be read leave the feature unknown for that row (counted and reported), never
zero, and a missing column leaves it unknown for every row.
"""

from __future__ import annotations

import csv
import json
import re
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from kiemchung.monitoring.mapping import columns_of, guess_mapping, parse_count, parse_time
from kiemchung.monitoring.postfeatures import PostMeta

__all__ = ["CvProblem", "Labelled", "guess_columns", "read_labelled", "run_cv"]

# Fields `triage cv` reads: the import screen's, plus images and the label.
CV_FIELDS = ("text", "label", "time", "reactions", "comments", "shares", "images")
# When the import screen's names do not match: words in the column name, best first.
_WORDS: dict[str, tuple[str, ...]] = {
    "text": ("message", "text", "content", "noi_dung", "body", "post"),
    "label": ("label", "nhan", "fake", "unreliable", "verdict"),
    "time": ("timestamp", "time", "date", "created", "ngay"),
    "reactions": ("like", "reaction", "thich"),
    "comments": ("comment", "binh_luan"),
    "shares": ("share", "chia_se"),
    "images": ("image", "photo", "anh"),
}
# From this many rows the nested cross-validation is worth a helper process on the second core.
HELPER_MIN_ROWS = 100
_TRUE = ("1", "1.0", "true", "yes", "fake", "unreliable")
_FALSE = ("0", "0.0", "false", "no", "real", "reliable")


class CvProblem(Exception):
    """Input `triage cv` cannot measure on, with the reason in words."""


def _tokens(column: str) -> set[str]:
    return set(re.split(r"[^a-z0-9]+", column.lower())) | {column.lower().replace(" ", "_")}


def guess_columns(columns: Sequence[str]) -> dict[str, str]:
    """The likeliest column for each field `triage cv` reads."""
    screen = guess_mapping(list(columns))
    mapping = {name: screen[name] for name in CV_FIELDS if name in screen}
    for name in CV_FIELDS:
        if name in mapping:
            continue
        for word in _WORDS[name]:
            found = [c for c in columns if c not in mapping.values()
                     and (word in _tokens(c) or any(t.startswith(word) for t in _tokens(c)))]
            if found:
                mapping[name] = found[0]
                break
    return mapping


def read_records(path: Path) -> list[dict[str, Any]]:
    csv.field_size_limit(sys.maxsize)
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            if path.suffix.lower() in (".jsonl", ".ndjson"):
                rows = []
                for number, line in enumerate(handle, start=1):
                    if not line.strip():
                        continue
                    try:
                        value = json.loads(line)
                    except json.JSONDecodeError as exc:
                        raise CvProblem(f"line {number} is not JSON: {exc.msg}") from None
                    if isinstance(value, dict):
                        rows.append(value)
                return rows
            return list(csv.DictReader(handle))
    except UnicodeDecodeError:
        raise CvProblem(f"{path} is not UTF-8 text") from None
    except OSError as exc:
        raise CvProblem(f"cannot read {path}: {exc.strerror}") from None


@dataclass
class Labelled:
    """What was read: texts, 0/1 labels, metadata, the mapping used and what went wrong."""

    texts: list[str] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)
    metas: list[PostMeta] = field(default_factory=list)
    mapping: dict[str, str] = field(default_factory=dict)
    skipped: int = 0
    notes: list[str] = field(default_factory=list)


def _label(raw: Any, label_map: dict[str, int] | None) -> int | None:
    key = str(raw).strip()
    if label_map is not None:
        return label_map.get(key)
    if key.lower() in _TRUE:
        return 1
    if key.lower() in _FALSE:
        return 0
    raise CvProblem(f"label {key!r} is not 0 or 1; give --label-map")


def read_labelled(
    path: Path, *, overrides: dict[str, str] | None = None,
    label_map: dict[str, int] | None = None,
) -> Labelled:
    """The labelled posts of a CSV or JSONL file, mapped as the import screen maps."""
    records = read_records(path)
    if not records:
        raise CvProblem(f"{path} has no rows")
    columns = columns_of(records)
    mapping = guess_columns(columns)
    for name, column in (overrides or {}).items():
        if column not in columns:
            raise CvProblem(f"--map {name}={column}: no such column (columns: "
                            f"{', '.join(columns[:20])})")
        mapping[name] = column
    for needed in ("text", "label"):
        if needed not in mapping:
            raise CvProblem(f"no {needed} column found; give --map {needed}=COLUMN (columns: "
                            f"{', '.join(columns[:20])})")
    out = Labelled(mapping=mapping)
    for name in ("reactions", "comments", "shares", "time"):
        if name not in mapping:
            out.notes.append(f"no {name} column: {name} left unknown for every row")
    unreadable: dict[str, int] = {}
    for record in records:
        text, raw = record.get(mapping["text"]), record.get(mapping["label"])
        if not isinstance(text, str) or not text.strip() or raw in (None, ""):
            out.skipped += 1
            continue
        label = _label(raw, label_map)
        if label is None:
            out.skipped += 1
            continue

        def count(name: str, record: dict[str, Any] = record) -> float | None:
            if name not in mapping:
                return None
            value = record.get(mapping[name])
            number = parse_count(value)
            if value not in (None, "") and number is None:
                unreadable[name] = unreadable.get(name, 0) + 1
            return None if number is None or value in (None, "") else float(number)

        when = None
        if "time" in mapping:
            value = record.get(mapping["time"])
            when = parse_time(value)
            if when is None and value not in (None, ""):
                unreadable["time"] = unreadable.get("time", 0) + 1
        images = count("images") if "images" in mapping else None
        out.texts.append(text)
        out.labels.append(label)
        out.metas.append(PostMeta(
            likes=count("reactions"), comments=count("comments"), shares=count("shares"),
            published_at=when, images=None if images is None else int(images),
        ))
    for name, n in unreadable.items():
        out.notes.append(f"{n} values in column {mapping[name]!r} could not be read as "
                         f"{'a time' if name == 'time' else 'a number'}: left unknown")
    return out


def _pr(y: np.ndarray, scores: np.ndarray) -> float:
    from sklearn.metrics import average_precision_score

    return round(float(average_precision_score(y, scores)), 4)


def run_cv(
    data: Labelled, *, folds: int, seed: int, curve: Sequence[int] = (),
    similarity: Callable[[str], str] | None = None,
    progress: Callable[[str], None] = lambda _m: None,
) -> dict[str, Any]:
    """The learner (chosen on inner folds), each candidate, the learner before v2, the built-in
    cues and the baselines, on the same outer folds; then the learning curve."""
    from kiemchung.monitoring import learner_v1, stacking
    from kiemchung.monitoring.learner import baseline_cv
    from kiemchung.monitoring.learner_pool import helper_pool, one_thread

    y = np.asarray(data.labels, dtype=np.int64)
    positives = int(y.sum())
    fewest = min(positives, len(y) - positives)
    if fewest == 0:
        raise CvProblem(f"all {len(y)} rows have the same label: there is nothing to tell "
                        "apart (both labels are needed)")
    if fewest < folds:
        raise CvProblem(f"need at least {folds} rows of each label for {folds} folds "
                        f"({positives} labelled 1, {len(y) - positives} labelled 0)")
    started = time.monotonic()
    metas = list(data.metas)
    if similarity is not None:
        progress("similarity to the checked claims ...")
        metas = [PostMeta(**{**m.__dict__, "similarity": similarity(t)})
                 for t, m in zip(data.texts, metas, strict=True)]
    # Both cores for reading and for the candidates' fits (the figures are the same either way).
    with one_thread(), helper_pool(len(y) >= HELPER_MIN_ROWS) as spread:
        progress("reading the posts ...")
        corpus = stacking.Corpus.read(data.texts, metas, spread=spread)
        progress("learner (nested: chosen on inner folds) ...")
        nested = stacking.nested_cv(corpus, y, folds=folds, seed=seed, spread=spread)
    progress("learner before v2 ...")
    rows = [learner_v1.prepare_text(t) for t in data.texts]
    before = np.zeros(len(y))
    for train, test in stacking._folds(y, folds, seed):
        before[test] = learner_v1.v1_scores([rows[i] for i in train], y[train],
                                            [rows[i] for i in test])
    progress("baselines (TF-IDF + logistic regression) ...")
    baseline = baseline_cv(data.texts, data.labels, folds=folds, seed=seed)
    builtin = corpus.dense[:, stacking.CUE_COLUMNS.stop - 1]
    result: dict[str, Any] = {
        "rows": len(y),
        "positives": positives,
        "folds": folds,
        "mapping": data.mapping,
        "roc_auc": nested["chosen"],
        "pr_auc": _pr(y, nested["scores"]),
        "chosen": nested["picks"],
        "candidates": nested["candidates"],
        "before_v2": {"roc_auc": stacking.auc(y, before), "pr_auc": _pr(y, before)},
        "baseline": baseline["word_char"],
        "baseline_plain": baseline["plain"],
        "builtin": {"roc_auc": stacking.auc(y, builtin), "pr_auc": _pr(y, builtin)},
        "similarity": similarity is not None,
        "skipped": data.skipped,
        "notes": data.notes,
    }
    if curve:
        kind = max(set(nested["picks"]), key=nested["picks"].count)
        progress(f"learning curve ({kind}) ...")
        result["learning_curve"] = {
            "kind": kind,
            "roc_auc": stacking.learning_curve(corpus, y, curve, kind=kind, folds=folds,
                                               seed=seed),
        }
    result["seconds"] = round(time.monotonic() - started, 1)
    return result
