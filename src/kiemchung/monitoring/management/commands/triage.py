"""`kiemchung triage`: measure the triage learner on labelled texts, or retrain a workspace's."""

from __future__ import annotations

import csv
import json
import sys
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kiemchung.monitoring import learner
from kiemchung.text.normalize import fold


def _label_map(value: str) -> dict[str, int]:
    mapping: dict[str, int] = {}
    for part in value.split(","):
        key, sep, label = part.partition("=")
        if not sep or label.strip() not in ("0", "1"):
            raise CommandError(f"--label-map: {part!r} is not VALUE=0 or VALUE=1")
        mapping[key.strip()] = int(label)
    return mapping


def read_labelled(
    path: Path, *, text_column: str, label_column: str, label_map: dict[str, int] | None
) -> tuple[list[str], list[int], int]:
    """Texts and 0/1 labels from a CSV or JSONL file; rows without both are skipped."""
    csv.field_size_limit(sys.maxsize)
    rows: list[dict[str, Any]]
    with path.open(encoding="utf-8-sig", newline="") as handle:
        if path.suffix.lower() in (".jsonl", ".ndjson"):
            rows = [json.loads(line) for line in handle if line.strip()]
        else:
            rows = list(csv.DictReader(handle))
    texts: list[str] = []
    labels: list[int] = []
    skipped = 0
    for row in rows:
        text, raw = row.get(text_column), row.get(label_column)
        if not isinstance(text, str) or not text.strip() or raw is None:
            skipped += 1
            continue
        key = str(raw).strip()
        if label_map is not None:
            if key not in label_map:
                skipped += 1
                continue
            label = label_map[key]
        elif key in ("0", "1", "0.0", "1.0", "True", "False", "true", "false"):
            label = 1 if key in ("1", "1.0", "True", "true") else 0
        else:
            raise CommandError(f"label {key!r} is not 0 or 1; give --label-map")
        texts.append(text)
        labels.append(label)
    return texts, labels, skipped


class Command(BaseCommand):
    help = (
        "Triage learner: `cv` measures it with stratified k-fold on labelled texts (1 = worth "
        "checking or unreliable) beside a plain TF-IDF + logistic regression baseline; "
        "`retrain` trains a workspace's learner on its decisions now."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        cv = sub.add_parser("cv", help="Cross-validate the learner on a labelled CSV or JSONL.")
        cv.add_argument("--data", required=True, help="CSV or JSONL file.")
        cv.add_argument("--text-column", required=True, help="Column with the text.")
        cv.add_argument("--label-column", required=True, help="Column with the label.")
        cv.add_argument("--label-map", default="",
                        help="Derive 0/1 labels from other values, e.g. REFUTED=1,SUPPORTED=0 "
                        "(rows with other values are left out).")
        cv.add_argument("--folds", type=int, default=5, help="Folds (default: %(default)s).")
        cv.add_argument("--seed", type=int, default=13, help="Shuffle seed of the folds.")
        cv.add_argument("--unaccented", action="store_true",
                        help="Strip diacritics from every text first, as posts typed on phones.")
        retrain = sub.add_parser("retrain", help="Retrain a workspace's learner now.")
        retrain.add_argument("--workspace", required=True, help="Workspace slug.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "retrain":
            self._retrain(options["workspace"])
            return
        path = Path(options["data"])
        if not path.is_file():
            raise CommandError(f"cannot read {path}: no such file")
        if options["folds"] < 2:
            raise CommandError("--folds must be 2 or more")
        label_map = _label_map(options["label_map"]) if options["label_map"] else None
        texts, labels, skipped = read_labelled(
            path, text_column=options["text_column"], label_column=options["label_column"],
            label_map=label_map,
        )
        if options["unaccented"]:
            texts = [fold(t) for t in texts]
        positives = sum(labels)
        if min(positives, len(labels) - positives) < options["folds"]:
            raise CommandError(
                f"need at least {options['folds']} texts of each label "
                f"({positives} positive, {len(labels) - positives} negative)"
            )
        self.stderr.write(
            f"{len(labels)} texts ({positives} labelled 1), {skipped} rows left out; "
            f"{options['folds']} folds"
        )
        started = time.monotonic()
        self.stderr.write("learner ...")
        result = learner.learner_cv(texts, labels, folds=options["folds"], seed=options["seed"])
        self.stderr.write("baseline (TF-IDF + logistic regression) ...")
        baseline = learner.baseline_cv(texts, labels, folds=options["folds"],
                                       seed=options["seed"])
        self.stdout.write(json.dumps({
            "rows": len(labels),
            "positives": positives,
            "folds": options["folds"],
            "roc_auc": result["roc_auc"],
            "pr_auc": result["pr_auc"],
            "baseline": baseline,
            "builtin": result["builtin"],
            "unaccented": bool(options["unaccented"]),
            "seconds": round(time.monotonic() - started, 1),
        }))

    def _retrain(self, slug: str) -> None:
        from kiemchung.accounts.models import Workspace

        workspace = Workspace.objects.filter(slug=slug).first()
        if workspace is None:
            raise CommandError(f"no workspace with the slug {slug!r}")
        model = learner.learner_retrain(workspace=workspace)
        if model is None:
            self.stdout.write(json.dumps({"trained": False, "reason": "not enough decisions"}))
            return
        self.stdout.write(json.dumps({"trained": True, "version": model.version,
                                      "decisions": model.decisions,
                                      "positives": model.positives}))
