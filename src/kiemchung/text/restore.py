"""Diacritic restoration for Vietnamese typed without accents.

A syllable n-gram model (bigram and trigram counts, Witten-Bell interpolation) learned from
accented text, decoded with Viterbi over the accented forms each unaccented syllable can take.
The built-in model is learned from the Viet74K word list shipped in ``underthesea`` (Apache-2.0)
and from ``data/seed_vi.txt`` (written by this project); a workspace adds its own fact-checks and
claims with :meth:`Restorer.learn` on a copy (:meth:`Restorer.merge` with a small weight), so its
own vocabulary dominates.
"""

from __future__ import annotations

import gzip
import itertools
import json
import math
import re
import sys
import threading
from collections import Counter, defaultdict
from collections.abc import Iterable
from importlib import resources
from pathlib import Path

from kiemchung.text.normalize import accent_ratio, fold, has_diacritics, normalize

__all__ = ["Restorer", "builtin_restorer", "restore_diacritics"]

_WORD = re.compile(r"[^\W\d_]+")
_RUN_BREAK = re.compile(r"[^\W\d_]+|[^\s]")
_BOS = "<s>"
_EOS = "</s>"
_FORMAT = 1


def _runs(text: str) -> list[list[str]]:
    """Lowercased word runs; punctuation, digits and symbols end a run."""
    runs: list[list[str]] = []
    current: list[str] = []
    for match in _RUN_BREAK.finditer(text):
        tok = match.group()
        if tok[0].isalpha():
            # Interned: the n-gram tables hold millions of keys made of the same few words.
            current.append(sys.intern(tok.lower()))
        elif current:
            runs.append(current)
            current = []
    if current:
        runs.append(current)
    return runs


def _apply_case(template: str, word: str) -> str:
    if template.isupper() and len(template) > 1:
        return word.upper()
    if template[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


class Restorer:
    """Learns syllable n-grams from accented text and restores diacritics of unaccented text."""

    # Viterbi keeps this many (previous two words) states per position: the full lattice has
    # up to 81 of them, most hopeless, and a pasted unaccented post must restore in milliseconds.
    beam_width = 16

    def __init__(self) -> None:
        self.uni: defaultdict[str, float] = defaultdict(float)
        self.bi: defaultdict[tuple[str, str], float] = defaultdict(float)
        self.tri: defaultdict[tuple[str, str, str], float] = defaultdict(float)
        self.followers: Counter[str] = Counter()
        self.followers2: Counter[tuple[str, str]] = Counter()
        self.forms: dict[str, set[str]] = defaultdict(set)
        self.total = 0.0
        self._lock = threading.Lock()
        self._cache: dict[str, list[str]] = {}

    def merge(self, other: Restorer, weight: float = 1.0) -> Restorer:
        """Add ``other``'s counts, scaled by ``weight``, to this model; returns self."""
        with self._lock:
            for word, n in other.uni.items():
                self.uni[word] += n * weight
            for form, words in other.forms.items():
                self.forms[form].update(words)
            for key, n in other.bi.items():
                if key not in self.bi:
                    self.followers[key[0]] += 1
                self.bi[key] += n * weight
            for key3, n in other.tri.items():
                if key3 not in self.tri:
                    self.followers2[key3[0], key3[1]] += 1
                self.tri[key3] += n * weight
            self.total += other.total * weight
            self._cache.clear()
        return self

    def learn(self, texts: Iterable[str], weight: float = 1, min_accent_ratio: float = 0.3) -> int:
        """Learn from accented texts (mostly unaccented ones are skipped); returns how many."""
        learned = 0
        with self._lock:
            for text in texts:
                if not text or not isinstance(text, str):
                    continue
                text = normalize(text[:20000])
                if accent_ratio(text) < min_accent_ratio:
                    continue
                learned += 1
                for run in _runs(text):
                    self._learn_run(run, weight)
            self._cache.clear()
        return learned

    def learn_phrases(self, phrases: Iterable[str], weight: float = 1) -> None:
        """Learn from short accented phrases (dictionary entries): no accent-ratio filter."""
        with self._lock:
            for phrase in phrases:
                for run in _runs(normalize(phrase)):
                    self._learn_run(run, weight)
            self._cache.clear()

    def _learn_run(self, run: list[str], weight: float) -> None:
        seq = [_BOS, *run, _EOS]
        for word in run:
            self.uni[word] += weight
            self.forms[fold(word)].add(word)
        self.total += weight * len(run)
        for a, b in itertools.pairwise(seq):
            if (a, b) not in self.bi:
                self.followers[a] += 1
            self.bi[a, b] += weight
        for a, b, c in zip(seq, seq[1:], seq[2:], strict=False):
            if (a, b, c) not in self.tri:
                self.followers2[a, b] += 1
            self.tri[a, b, c] += weight
        self.uni[_BOS] += weight

    def candidates(self, word: str) -> list[str]:
        """Accented forms seen for the folded ``word``, most frequent first (at most 8)."""
        key = fold(word)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        forms = self.forms.get(key, ())
        ranked = sorted(forms, key=lambda f: (-self.uni.get(f, 0), f))[:8]
        self._cache[key] = ranked
        return ranked

    def _p_uni(self, w: str) -> float:
        return (self.uni.get(w, 0) + 0.01) / (self.total + 1.0)

    def _p_bi(self, a: str, b: str) -> float:
        ca = self.uni.get(a, 0)
        if ca <= 0:
            return self._p_uni(b)
        t = max(self.followers.get(a, 0), 1)
        lam = ca / (ca + t)
        return lam * self.bi.get((a, b), 0) / ca + (1 - lam) * self._p_uni(b)

    def _p_tri(self, a: str, b: str, c: str) -> float:
        cab = self.bi.get((a, b), 0)
        if cab <= 0:
            return self._p_bi(b, c)
        t = max(self.followers2.get((a, b), 0), 1)
        lam = cab / (cab + t)
        return lam * self.tri.get((a, b, c), 0) / cab + (1 - lam) * self._p_bi(b, c)

    def _decode(self, words: list[str]) -> list[str]:
        """Viterbi over candidate forms with a trigram model (state = last two words)."""
        options: list[list[str]] = []
        for word in words:
            low = word.lower()
            if has_diacritics(low):
                options.append([low])
                continue
            cands = self.candidates(low)
            if low not in cands:
                cands = [*cands, low]
            options.append(cands)
        beam: dict[tuple[str, str], tuple[float, list[str]]] = {(_BOS, _BOS): (0.0, [])}
        for cands in options:
            nxt: dict[tuple[str, str], tuple[float, list[str]]] = {}
            for (p2, p1), (score, path) in beam.items():
                for c in cands:
                    prob = self._p_tri(p2, p1, c) if p2 != _BOS else self._p_bi(p1, c)
                    s = score + math.log(prob)
                    key = (p1, c)
                    if key not in nxt or s > nxt[key][0]:
                        nxt[key] = (s, [*path, c])
            if len(nxt) > self.beam_width:
                kept = sorted(nxt.items(), key=lambda kv: kv[1][0], reverse=True)
                nxt = dict(kept[: self.beam_width])
            beam = nxt
        best = max(beam.items(), key=lambda kv: kv[1][0] + math.log(self._p_bi(kv[0][1], _EOS)))
        return best[1][1]

    def restore(self, text: str) -> str:
        """Return ``text`` with diacritics restored on its unaccented syllables."""
        text = normalize(text)
        if not text:
            return text
        pieces: list[str] = []
        pos = 0
        for run_start, run_words in self._word_runs(text):
            if not run_words:
                continue
            restored = self._decode([w for _, w in run_words])
            for (start, word), new in zip(run_words, restored, strict=True):
                pieces.append(text[pos:start])
                pieces.append(_apply_case(word, new) if fold(new) == fold(word) else word)
                pos = start + len(word)
            del run_start
        pieces.append(text[pos:])
        return "".join(pieces)

    @staticmethod
    def _word_runs(text: str) -> list[tuple[int, list[tuple[int, str]]]]:
        runs: list[tuple[int, list[tuple[int, str]]]] = []
        current: list[tuple[int, str]] = []
        for match in _RUN_BREAK.finditer(text):
            tok = match.group()
            if tok[0].isalpha():
                current.append((match.start(), tok))
            elif current:
                runs.append((current[0][0], current))
                current = []
        if current:
            runs.append((current[0][0], current))
        return runs

    def restore_if_unaccented(self, text: str, threshold: float = 0.35) -> str:
        """Restore only when few syllables carry diacritics (accented text is returned as is)."""
        text = normalize(text)
        return self.restore(text) if accent_ratio(text) < threshold else text

    def to_json(self) -> dict[str, object]:
        """The model's counts as a JSON-able dict."""
        return {
            "format": _FORMAT,
            "uni": dict(self.uni),
            "bi": [[a, b, c] for (a, b), c in self.bi.items()],
            "tri": [[a, b, c, n] for (a, b, c), n in self.tri.items()],
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Restorer:
        """Rebuild a model saved with :meth:`to_json`."""
        if data.get("format") != _FORMAT:
            raise ValueError("unsupported restorer format")
        model = cls()
        uni = data["uni"]
        bi = data["bi"]
        tri = data["tri"]
        assert isinstance(uni, dict) and isinstance(bi, list) and isinstance(tri, list)
        for word, n in uni.items():
            model.uni[word] = n
            if word != _BOS:
                model.forms[fold(word)].add(word)
                model.total += n
        for a, b, n in bi:
            model.bi[a, b] = n
            model.followers[a] += 1
        for a, b, c, n in tri:
            model.tri[a, b, c] = n
            model.followers2[a, b] += 1
        return model

    def save(self, path: str | Path) -> None:
        """Write the model's counts to a gzip'd JSON file."""
        with gzip.open(path, "wt", encoding="utf-8") as fh:
            json.dump(self.to_json(), fh, ensure_ascii=False)

    @classmethod
    def load(cls, path: str | Path) -> Restorer:
        """Read a model written by :meth:`save`."""
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            return cls.from_json(json.load(fh))


_BUILTIN: Restorer | None = None
_BUILTIN_LOCK = threading.Lock()


def _word_list() -> list[str]:
    try:
        ref = resources.files("underthesea") / "corpus" / "data" / "Viet74K.txt"
        return ref.read_text(encoding="utf-8").splitlines()
    except (FileNotFoundError, ModuleNotFoundError, OSError):
        return []


def builtin_restorer() -> Restorer:
    """The shared built-in model (word list + the project's seed text), built once per process."""
    global _BUILTIN
    with _BUILTIN_LOCK:
        if _BUILTIN is None:
            model = Restorer()
            model.learn_phrases((w for w in _word_list() if w and not w.startswith("#")), 1)
            seed = resources.files("kiemchung.text") / "data" / "seed_vi.txt"
            lines = [ln for ln in seed.read_text(encoding="utf-8").splitlines() if ln[:1] != "#"]
            model.learn(lines, weight=3)
            _BUILTIN = model
        return _BUILTIN


def restore_diacritics(text: str, restorer: Restorer | None = None) -> str:
    """Restore Vietnamese diacritics on unaccented syllables of ``text``.

    Uses the built-in model unless a (workspace) ``restorer`` is given.
    """
    return (restorer or builtin_restorer()).restore(text)
