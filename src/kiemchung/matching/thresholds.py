"""Per-workspace decision thresholds on the calibrated match score."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DEFAULT_AUTO", "DEFAULT_SUGGEST", "Thresholds"]

# Calibrated by ``python -m kiemchung.matching.calibrate`` on the benchmark data; see
# docs/MATCHING.md for how and for the precision each one gave on held-out queries.
DEFAULT_SUGGEST = 0.528
DEFAULT_AUTO = 0.701


@dataclass(frozen=True)
class Thresholds:
    """``suggest``: show the match to a checker; ``auto``: link without asking."""

    suggest: float = DEFAULT_SUGGEST
    auto: float = DEFAULT_AUTO

    def __post_init__(self) -> None:
        if not 0.0 <= self.suggest <= self.auto <= 1.0:
            raise ValueError("thresholds must satisfy 0 <= suggest <= auto <= 1")

    def decide(self, score: float) -> str:
        """``"auto"``, ``"suggest"`` or ``"none"`` for a calibrated score."""
        if score >= self.auto:
            return "auto"
        if score >= self.suggest:
            return "suggest"
        return "none"
