"""docs/WORKFLOW.md shows the same transition tables the services obey."""

from __future__ import annotations

from pathlib import Path

from django.utils import translation

from kiemchung.claims.models import ClaimState, FactCheckState
from kiemchung.claims.workflow import CLAIM_TRANSITIONS, FACTCHECK_TRANSITIONS

WORKFLOW_DOC = Path(__file__).resolve().parents[2] / "docs" / "WORKFLOW.md"


def _state(choices, value):
    return f"{choices(value).label} (`{value}`)"


def transitions_markdown(table, choices) -> str:
    """A markdown table of (service, from, to) rows, states named in Vietnamese and in code."""
    with translation.override("vi"):
        lines = ["| Service | From | To |", "|---|---|---|"]
        for service, sources, target in table:
            froms = ", ".join(_state(choices, s) for s in sources)
            lines.append(f"| `{service}` | {froms} | {_state(choices, target)} |")
    return "\n".join(lines)


def _between_markers(text: str, name: str) -> str:
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    assert start in text and end in text, f"the {name} markers are missing"
    return text.split(start, 1)[1].split(end, 1)[0].strip()


def test_workflow_doc_shows_the_claim_transitions():
    expected = transitions_markdown(CLAIM_TRANSITIONS, ClaimState)
    page = WORKFLOW_DOC.read_text(encoding="utf-8")

    assert _between_markers(page, "claim-transitions") == expected, (
        "docs/WORKFLOW.md is stale; the claim table should read:\n\n" + expected
    )


def test_workflow_doc_shows_the_verdict_transitions():
    expected = transitions_markdown(FACTCHECK_TRANSITIONS, FactCheckState)
    page = WORKFLOW_DOC.read_text(encoding="utf-8")

    assert _between_markers(page, "factcheck-transitions") == expected, (
        "docs/WORKFLOW.md is stale; the verdict table should read:\n\n" + expected
    )


def test_every_state_is_reachable_in_the_tables():
    claim_targets = {target for _, _, target in CLAIM_TRANSITIONS} | {ClaimState.OPEN}
    verdict_targets = {target for _, _, target in FACTCHECK_TRANSITIONS} | {FactCheckState.DRAFT}

    assert claim_targets == set(ClaimState.values)
    assert verdict_targets == set(FactCheckState.values)
