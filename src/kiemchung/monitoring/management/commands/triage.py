"""`kiemchung triage`: measure the triage learner on labelled texts, or retrain a workspace's."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kiemchung.monitoring import learner
from kiemchung.monitoring.triage_cv import CV_FIELDS, CvProblem, read_labelled, run_cv
from kiemchung.text.normalize import fold


def _label_map(value: str) -> dict[str, int]:
    mapping: dict[str, int] = {}
    for part in value.split(","):
        key, sep, label = part.partition("=")
        if not sep or label.strip() not in ("0", "1"):
            raise CommandError(f"--label-map: {part!r} is not VALUE=0 or VALUE=1")
        mapping[key.strip()] = int(label)
    return mapping


def _field_map(values: list[str]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for value in values:
        name, sep, column = value.partition("=")
        if not sep or name.strip() not in CV_FIELDS or not column.strip():
            raise CommandError(f"--map: {value!r} is not FIELD=COLUMN with FIELD one of "
                               f"{', '.join(CV_FIELDS)}")
        mapping[name.strip()] = column.strip()
    return mapping


def _sizes(value: str) -> list[int]:
    try:
        sizes = [int(v) for v in value.split(",") if v.strip()]
    except ValueError:
        raise CommandError(f"--learning-curve: {value!r} is not numbers like 50,200,1000") \
            from None
    if any(n < 10 for n in sizes):
        raise CommandError("--learning-curve: each size must be 10 decisions or more")
    return sizes


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
        cv.add_argument("--text-column", default="",
                        help="Column with the text (default: guessed as the import screen does).")
        cv.add_argument("--label-column", default="",
                        help="Column with the label (default: guessed, e.g. 'label').")
        cv.add_argument("--map", action="append", default=[], metavar="FIELD=COLUMN",
                        help="Take a field from this column (fields: "
                        f"{', '.join(CV_FIELDS)}); repeatable. Overrides the guess.")
        cv.add_argument("--label-map", default="",
                        help="Derive 0/1 labels from other values, e.g. REFUTED=1,SUPPORTED=0 "
                        "(rows with other values are left out).")
        cv.add_argument("--folds", type=int, default=5, help="Folds (default: %(default)s).")
        cv.add_argument("--seed", type=int, default=13, help="Shuffle seed of the folds.")
        cv.add_argument("--unaccented", action="store_true",
                        help="Strip diacritics from every text first, as posts typed on phones.")
        cv.add_argument("--learning-curve", default="", metavar="N,N,...",
                        help="Also measure after only N decisions, e.g. 50,200,1000.")
        cv.add_argument("--workspace", default="",
                        help="Workspace slug: adds the similarity to its checked claims "
                        "(same claim, related, none) as a feature; slow on large files.")
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
        overrides = _field_map(options["map"])
        if options["text_column"]:
            overrides.setdefault("text", options["text_column"])
        if options["label_column"]:
            overrides.setdefault("label", options["label_column"])
        sizes = _sizes(options["learning_curve"]) if options["learning_curve"] else []
        similarity = self._similarity(options["workspace"]) if options["workspace"] else None
        try:
            data = read_labelled(path, overrides=overrides, label_map=label_map)
            if options["unaccented"]:
                data.texts = [fold(t) for t in data.texts]
            self.stderr.write(
                f"{len(data.labels)} texts ({sum(data.labels)} labelled 1), {data.skipped} rows "
                f"left out; {options['folds']} folds; columns: "
                + ", ".join(f"{k}={v}" for k, v in data.mapping.items())
            )
            for note in data.notes:
                self.stderr.write(note)
            result = run_cv(data, folds=options["folds"], seed=options["seed"], curve=sizes,
                            similarity=similarity, progress=self.stderr.write)
        except CvProblem as exc:
            raise CommandError(str(exc)) from None
        result["unaccented"] = bool(options["unaccented"])
        self.stdout.write(json.dumps(result, ensure_ascii=False))

    def _similarity(self, slug: str) -> Any:
        from kiemchung.accounts.models import Workspace
        from kiemchung.claims.matching import similar_records

        workspace = Workspace.objects.filter(slug=slug).first()
        if workspace is None:
            raise CommandError(f"no workspace with the slug {slug!r}")

        def decide(text: str) -> str:
            found = similar_records(workspace=workspace, text=text[:2000], k=1, external=True)
            return found[0].decision if found else "none"

        return decide

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
