"""Tolerant JSONL reading: bad lines are reported with their line number, the rest is used."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["JsonlProblem", "JsonlResult", "read_jsonl"]


@dataclass(frozen=True)
class JsonlProblem:
    """One line that could not be used."""

    path: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.reason}"


@dataclass
class JsonlResult:
    """The usable rows (with their line numbers) and the problems met."""

    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    problems: list[JsonlProblem] = field(default_factory=list)


Validator = Callable[[dict[str, Any]], str | None]


def read_jsonl(path: str | Path, validate: Validator | None = None) -> JsonlResult:
    """Read ``path`` line by line; ``validate(row)`` returns an error message or None.

    Raises OSError only when the file itself cannot be read.
    """
    result = JsonlResult()
    name = str(path)
    data = Path(path).read_bytes()
    for number, raw in enumerate(data.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            result.problems.append(JsonlProblem(name, number, f"invalid UTF-8 ({exc.reason})"))
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            result.problems.append(JsonlProblem(name, number, f"not JSON ({exc.msg})"))
            continue
        if not isinstance(row, dict):
            result.problems.append(JsonlProblem(name, number, "not a JSON object"))
            continue
        message = validate(row) if validate else None
        if message:
            result.problems.append(JsonlProblem(name, number, message))
            continue
        result.rows.append((number, row))
    return result
