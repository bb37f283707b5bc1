"""Same claim, related, or none: the one decision behind every automatic answer.

*Same claim*: the record states this very claim, so its verdict applies to the text. *Related*:
the record is about the same event or subject and helps as reading; its verdict does not
apply. *None*: nothing to show. The related score is the index's calibrated match score (how
surely the record addresses the text's claim); the same-claim score is a second logistic model
over the match signals and the key facts of both texts (numbers, dates, places, negation...),
fitted on hard negatives by ``python -m kiemchung.matching.calibrate_same``. A conflicting key
fact (another year, another amount, another place) rules out *same claim* whatever the scores.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from importlib import resources

from kiemchung.matching.features import FEATURE_NAMES, PreparedText
from kiemchung.matching.lexical import TermStats, UniformTermStats
from kiemchung.matching.thresholds import Thresholds
from kiemchung.text.contrasts import absolutes, contrasts
from kiemchung.text.keyfacts import KeyFact, KeyFacts, key_facts
from kiemchung.text.keyfacts_compare import Conflict, conflicts, shared
from kiemchung.text.normalize import fold

__all__ = [
    "NONE",
    "RELATED",
    "SAME",
    "SAME_FEATURE_NAMES",
    "Decision",
    "SameModel",
    "decide",
    "decide_plain",
    "facts_of",
    "same_features",
    "same_model",
]

SAME = "same"
RELATED = "related"
NONE = "none"

# Kinds of key fact whose conflict rules out "same claim" outright; the others (negation and
# modality, which paraphrases move around more freely) weigh through the model only.
HARD_CONFLICTS = frozenset({"money", "percent", "quantity", "number", "date", "year", "place"})

SAME_FEATURE_NAMES = (
    "related_logit",
    *FEATURE_NAMES,
    "hard_conflicts",
    "negation_conflict",
    "modality_conflict",
    "shared_facts",
    "query_facts_unmatched",
    "length_ratio",
    "novel_share",
    "novel_idf",
    "novel_pair_share",
    "min_coverage",
    "max_coverage",
    "contrasts",
    "absolutes",
    "novel_names",
)
_TOKEN = re.compile(r"[^\W\d_]+|[.!?:;\n]")


@dataclass(frozen=True)
class Decision:
    """What an automatic answer may say about one record for one text."""

    label: str  # SAME, RELATED or NONE
    score: float  # related: probability that the record addresses the text's claim
    same_score: float  # probability that the record states this very claim
    conflicts: tuple[Conflict, ...] = ()
    shared: tuple[KeyFact, ...] = ()
    # The text says the record's words again, nearly all of them both ways, and adds no fact,
    # negation or opposite word: the claim passed on as it was (see `verbatim`).
    verbatim: bool = False

    @property
    def is_same(self) -> bool:
        return self.label == SAME

    def under(self, thresholds: Thresholds) -> Decision:
        """The same scores and reasons, labelled by these thresholds (a workspace's own)."""
        hard = any(c.kind in HARD_CONFLICTS for c in self.conflicts)
        # A reworded claim can share few words with the record and still be the same claim:
        # the same-claim model decides it above a low floor of the match score; "related"
        # alone needs the match score's own threshold.
        same = self.verbatim or _reaches(self.same_score, thresholds.auto)
        if self.score >= SAME_FLOOR and same and not hard and thresholds.auto < 1.0:
            label = SAME
        elif _reaches(self.score, thresholds.suggest):
            label = RELATED
        else:
            label = NONE
        return replace(self, label=label)

    @property
    def is_related(self) -> bool:
        """Related or better: worth showing."""
        return self.label in (SAME, RELATED)


@dataclass(frozen=True)
class SameModel:
    """Boosted trees over :data:`SAME_FEATURE_NAMES`, read from the JSON that
    ``calibrate_same --write`` exports: each tree is a list of nodes ``[feature, threshold,
    left, right, value]`` (``feature`` -1 for a leaf), the score the sum of the leaves reached
    plus ``baseline``, squashed to a probability."""

    trees: tuple[tuple[tuple[int, float, int, int, float], ...], ...]
    baseline: float

    @classmethod
    def from_json(cls, data: dict[str, object]) -> SameModel:
        features = data.get("features")
        if features != list(SAME_FEATURE_NAMES):
            raise ValueError(f"the same-claim model was fitted on other features: {features}")
        trees = tuple(
            tuple((int(n[0]), float(n[1]), int(n[2]), int(n[3]), float(n[4])) for n in tree)
            for tree in data["trees"]  # type: ignore[attr-defined]
        )
        return cls(trees=trees, baseline=float(data["baseline"]))  # type: ignore[arg-type]

    def score(self, features: Sequence[float]) -> float:
        """Probability in [0, 1] that the pair states the same claim."""
        z = self.baseline
        for tree in self.trees:
            node = tree[0]
            while node[0] >= 0:
                value = features[node[0]]
                # Missing values never occur (every feature is computed); NaN goes left.
                node = tree[node[2] if not value > node[1] else node[3]]
            z += node[4]
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


_MODEL: SameModel | None = None


def same_model() -> SameModel:
    """The shipped same-claim model (``matching/data/same_model.json``), read once."""
    global _MODEL
    if _MODEL is None:
        path = resources.files("kiemchung.matching") / "data" / "same_model.json"
        _MODEL = SameModel.from_json(json.loads(path.read_text(encoding="utf-8")))
    return _MODEL


# Both texts hold at least this share of each other's words (idf-weighted, folded).
VERBATIM_COVERAGE = 0.9
_INDEX = {name: i for i, name in enumerate(SAME_FEATURE_NAMES)}


def verbatim(row: Sequence[float]) -> bool:
    """A claim passed on as it was: nearly every word of each text is in the other (typed with
    or without diacritics, with a question or a share tail around it), and no key fact,
    negation, modality or opposite word differs or is added. Decided the same claim whatever
    the model says; on held-out folds it never fired on an unanswerable query."""
    return (
        row[_INDEX["min_coverage"]] >= VERBATIM_COVERAGE
        and row[_INDEX["hard_conflicts"]] == 0
        and row[_INDEX["negation_conflict"]] == 0
        and row[_INDEX["modality_conflict"]] == 0
        and row[_INDEX["contrasts"]] == 0
        and row[_INDEX["query_facts_unmatched"]] == 0
    )


# Kinds read from the restored diacritics of a text typed without them.
_WORD_SENSE = frozenset({"negation", "modality"})


def facts_of(text: PreparedText) -> KeyFacts:
    """Key facts of a prepared text. Typed without diacritics, its negation and modality are
    read from the restored text ("co chua duoc" is "có chữa được", can cure, not "chưa
    được", not yet), and every other fact from what was typed, which a wrong restoration
    cannot spoil ("3 trieu" stays an amount even if restored as "3 triều")."""
    typed = key_facts(text.clean)
    if not text.restored:
        return typed
    restored = key_facts(text.dense)
    return KeyFacts(
        tuple(f for f in typed.facts if f.kind not in _WORD_SENSE)
        + tuple(f for f in restored.facts if f.kind in _WORD_SENSE)
    )


def _logit(p: float) -> float:
    p = min(max(p, 1e-4), 1 - 1e-4)
    return math.log(p / (1 - p)) / 10.0


# How people wrap a rumour when they ask about it ("nghe nói…", "…có đúng không?"), folded:
# these words are never what makes two claims differ.
ASKING_WORDS = frozenset({
    "nghe", "noi", "nguoi", "ta", "don", "rang", "co", "dung", "khong", "phai", "that", "a",
    "ah", "nhi", "nhe", "vay", "the", "hoi", "cho", "minh", "moi", "oi", "ban", "ai", "biet",
    "gi", "chua", "la",
})
# Below this match score a text is not about the record at all, whatever else it shares.
SAME_FLOOR = 0.5


def _novel_names(query: PreparedText, record: PreparedText) -> int:
    """Capitalised words inside the query's sentences (names) that the record never says."""
    known = set(record.words)
    count, starts_sentence = 0, True
    for token in _TOKEN.findall(query.clean):
        if not token[0].isalpha():
            starts_sentence = True
            continue
        if token[0].isupper() and not starts_sentence and fold(token) not in known:
            count += 1
        starts_sentence = False
    return count


def same_features(
    query: PreparedText,
    record: PreparedText,
    signals: Sequence[float],
    score: float,
    query_facts: KeyFacts,
    record_facts: KeyFacts,
    stats: TermStats | None = None,
) -> tuple[list[float], list[Conflict], list[KeyFact]]:
    """The same-claim model's inputs for one pair, with the conflicts and shared facts.

    Beyond the match signals: the key facts that conflict or that only the query states, how
    much of the query the record never says (words, their rarity, word pairs), antonyms and
    absolute words the query adds, and names the record does not mention.
    """
    stats = stats or UniformTermStats()
    found = conflicts(record_facts, query_facts)
    opposite = contrasts(record.dense, query.dense)
    found += [Conflict("contrast", c.left, c.right) for c in opposite]
    kinds = {c.kind for c in found}
    common = shared(query_facts, record_facts)
    numeric = [f for f in query_facts.facts if f.kind in HARD_CONFLICTS]
    common_keys = {(f.kind, f.value) for f in common}
    unmatched = sum(1 for f in numeric if (f.kind, f.value) not in common_keys)
    qn, rn = len(query.words), len(record.words)
    ratio = min(qn, rn) / max(qn, rn, 1)
    known = set(record.words)
    novel = [w for w in query.words if w not in known and w not in ASKING_WORDS]
    qpairs = list(itertools.pairwise(query.words))
    rpairs = set(itertools.pairwise(record.words))
    novel_pairs = sum(
        1 for p in qpairs if p not in rpairs and not (p[0] in ASKING_WORDS and p[1] in ASKING_WORDS)
    )
    coverage, record_coverage = signals[1], signals[3]
    row = [
        _logit(score),
        *signals,
        float(len(kinds & HARD_CONFLICTS)),
        float("negation" in kinds),
        float("modality" in kinds),
        float(min(len(common), 5)) / 5.0,
        float(min(unmatched, 5)) / 5.0,
        ratio,
        len(novel) / max(qn, 1),
        min(sum(stats.idf(w) for w in set(novel)), 100.0) / 50.0,
        novel_pairs / max(len(qpairs), 1),
        min(coverage, record_coverage),
        max(coverage, record_coverage),
        float(min(len(opposite), 3)),
        float(min(len(absolutes(record.dense, query.dense)), 3)),
        float(min(_novel_names(query, record), 5)) / 5.0,
    ]
    return row, found, common


def decide(
    query: PreparedText,
    record: PreparedText,
    signals: Sequence[float],
    score: float,
    thresholds: Thresholds | None = None,
    query_facts: KeyFacts | None = None,
    record_facts: KeyFacts | None = None,
    model: SameModel | None = None,
    stats: TermStats | None = None,
) -> Decision:
    """The decision for ``record`` answering ``query``, with its reasons."""
    thresholds = thresholds or Thresholds()
    qf = query_facts if query_facts is not None else facts_of(query)
    rf = record_facts if record_facts is not None else facts_of(record)
    row, found, common = same_features(query, record, signals, score, qf, rf, stats)
    same_score = (model or same_model()).score(row)
    return Decision(
        NONE, score, same_score, tuple(found), tuple(common), verbatim=verbatim(row)
    ).under(thresholds)


def _reaches(score: float, threshold: float) -> bool:
    """A threshold of 1 means never: a score can round to exactly 1.0."""
    return threshold < 1.0 and score >= threshold


def decide_plain(score: float, thresholds: Thresholds | None = None) -> Decision:
    """The decision when only the score is known: never *same claim* (no facts were read)."""
    thresholds = thresholds or Thresholds()
    return Decision(RELATED if _reaches(score, thresholds.suggest) else NONE, score, 0.0)
