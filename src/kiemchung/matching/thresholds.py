"""Per-workspace decision thresholds on the calibrated match score."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DEFAULT_AUTO", "DEFAULT_SUGGEST", "Thresholds"]

# Fitted by ``python -m kiemchung.matching.calibrate_same`` (docs/MATCHING.md, "Same claim,
# related, none"): ``suggest`` on the match score (related), ``auto`` on the same-claim score.
DEFAULT_SUGGEST = 0.9892
DEFAULT_AUTO = 0.6141


@dataclass(frozen=True)
class Thresholds:
    """``suggest``: the lowest match score called *related* (listed, to read); ``auto``: the
    lowest same-claim score called *same claim* (its verdict applies), see ``decision``. The two
    are on different scores, so neither bounds the other."""

    suggest: float = DEFAULT_SUGGEST
    auto: float = DEFAULT_AUTO

    def __post_init__(self) -> None:
        if not (0.0 <= self.suggest <= 1.0 and 0.0 <= self.auto <= 1.0):
            raise ValueError("thresholds must be between 0 and 1")

    def decide(self, score: float) -> str:
        """``"auto"``, ``"suggest"`` or ``"none"`` for a calibrated score."""
        if score >= self.auto:
            return "auto"
        if score >= self.suggest:
            return "suggest"
        return "none"
