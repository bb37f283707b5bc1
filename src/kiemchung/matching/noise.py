"""Noisy variants of query and pair files, as posts are really typed.

    python -m kiemchung.matching.noise --queries Q.jsonl --kind abbrev > Q-abbrev.jsonl
    python -m kiemchung.matching.noise --pairs P.jsonl --kind unaccent --side a > P-unacc.jsonl

Kinds: unaccent, abbrev (teencode, lowercase), truncate (~25 words), drop (15% of words),
nopunct, social (emoji, hashtag, link, "share gấp" tail), mixed (half the words unaccented),
all (abbreviations + unaccented + truncation + dropped words + no punctuation + social tail).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import unicodedata
from collections.abc import Callable

from kiemchung.matching.jsonl import read_jsonl

__all__ = ["KINDS", "make_noisy", "strip_accents"]

_TEENCODE = {
    "không": ("ko", "k", "hok", "khong"), "được": ("dc", "đc", "dk"), "người": ("ng",),
    "gì": ("j",), "với": ("vs",), "rồi": ("r",), "trước": ("trc",), "mọi người": ("mn", "mng"),
    "cũng": ("cx", "cg"), "biết": ("bt", "bít"), "mới": ("ms",), "nữa": ("nx",), "vậy": ("z", "v"),
    "nhiều": ("nhìu",), "quá": ("wa",), "làm": ("lm",), "bây giờ": ("bjo",), "thời gian": ("tg",),
}
_TAILS = ("share gấp mọi người ơi", "chia sẻ ngay!!!", "ai cũng nên biết", "SHARE GẤP",
          "lan tỏa giúp mình", "xin hãy chia sẻ trước khi bị xóa")
_EMOJI = ("😱", "🔥", "⚠️", "👉", "😡", "‼️", "🙏")
_HASHTAGS = ("#tingia", "#CanhBao", "#chiasegap", "#SựThật", "#NóngNhất")


def strip_accents(text: str) -> str:
    """Remove Vietnamese diacritics, keeping case: "Đà Nẵng" -> "Da Nang"."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    kept = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", kept)


def _unaccent(text: str, rng: random.Random) -> str:
    return strip_accents(text)


def _abbrev(text: str, rng: random.Random) -> str:
    text = text.lower()
    for word, forms in _TEENCODE.items():
        pattern = re.compile(rf"(?<!\w){word}(?!\w)")
        text = pattern.sub(lambda _m: rng.choice(forms), text)  # noqa: B023
    return text


def _truncate(text: str, rng: random.Random) -> str:
    words = text.split()
    return " ".join(words[: rng.randint(20, 28)]) if len(words) > 28 else text


def _drop(text: str, rng: random.Random) -> str:
    words = text.split()
    kept = [w for w in words if rng.random() > 0.15]
    return " ".join(kept or words[:1])


def _nopunct(text: str, rng: random.Random) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s]", " ", text)).strip().lower()


def _social(text: str, rng: random.Random) -> str:
    parts = [rng.choice(_EMOJI) * rng.randint(1, 3), text, rng.choice(_EMOJI), "\n",
             rng.choice(_TAILS), rng.choice(_HASHTAGS)]
    if rng.random() < 0.5:
        parts.append(f"https://example.com/p/{rng.randint(1000, 9999)}")
    return " ".join(parts)


def _mixed(text: str, rng: random.Random) -> str:
    return " ".join(strip_accents(w) if rng.random() < 0.5 else w for w in text.split(" "))


def _all(text: str, rng: random.Random) -> str:
    text = _truncate(_drop(text, rng), rng)
    text = strip_accents(_abbrev(text, rng)) if rng.random() < 0.7 else _abbrev(text, rng)
    return _social(_nopunct(text, rng), rng)


KINDS: dict[str, Callable[[str, random.Random], str]] = {
    "unaccent": _unaccent, "abbrev": _abbrev, "truncate": _truncate,
    "drop": _drop, "nopunct": _nopunct, "social": _social, "mixed": _mixed, "all": _all,
}


def make_noisy(text: str, kind: str, rng: random.Random) -> str:
    """One noisy variant of ``text``."""
    return KINDS[kind](text, rng)


def main(argv: list[str] | None = None) -> int:
    """Write a noisy copy of a queries or pairs JSONL file to stdout."""
    parser = argparse.ArgumentParser(prog="python -m kiemchung.matching.noise", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--queries", help='JSONL rows {"id", "text", "relevant"}')
    source.add_argument("--pairs", help='JSONL rows {"a", "b", "label"}')
    parser.add_argument("--kind", choices=sorted(KINDS), required=True)
    parser.add_argument("--side", choices=("a", "b"), default="a", help="pair side to change")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    path = args.queries or args.pairs
    field = "text" if args.queries else args.side
    try:
        result = read_jsonl(path, lambda r: None if isinstance(r.get(field), str) else
                            f'missing "{field}"')
    except OSError as exc:
        sys.stderr.write(f"error: cannot read {path}: {exc.strerror or exc}\n")
        return 1
    for problem in result.problems:
        sys.stderr.write(f"warning: {problem}; line skipped\n")
    for _, row in result.rows:
        row[field] = make_noisy(row[field], args.kind, rng)
        sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
