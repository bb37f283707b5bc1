"""Synthetic short records at scale (for the 100k latency and memory benchmark)."""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator
from pathlib import Path

__all__ = ["generate_records", "source_texts"]

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
