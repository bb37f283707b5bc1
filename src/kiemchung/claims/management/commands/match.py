from __future__ import annotations

import json
import sys
import time
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from kiemchung.accounts.models import Workspace
from kiemchung.claims import matching


def _result(record: matching.Similar) -> dict[str, Any]:
    publisher = record.publisher if isinstance(record, matching.ExternalMatch) else None
    wording = record.wording if isinstance(record, matching.SimilarRecord) else ""
    return {
        "id": record.record_id,
        "kind": record.kind,
        "score": round(record.score, 4),
        "decision": record.decision,
        "differences": record.differences,
        "text": record.text,
        "title": record.title,
        "rating": record.rating,
        "date": record.date.isoformat() if record.date is not None else None,
        "url": record.url,
        "publisher": publisher,
        "matched_wording": wording or None,
    }


class Command(BaseCommand):
    help = (
        'Find claims and fact-checks like a text: kiemchung match "text" [--workspace SLUG] '
        "[--k 5] (\"-\" reads the text from stdin). Without --workspace, searches the published "
        "fact-checks of every workspace. Fact-checks of other teams imported as ClaimReview "
        'come with kind "external" and their publisher. Progress goes to stderr; the last line '
        "of stdout is one JSON object."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("text", help='The text to look for, or "-" to read it from stdin.')
        parser.add_argument(
            "--workspace",
            metavar="SLUG",
            help="Search this workspace's index: its open claims, its published fact-checks and "
            "those it imported from other teams.",
        )
        parser.add_argument(
            "--k", type=int, default=5, help=f"How many results at most (1-{matching.K_MAX})."
        )

    def handle(
        self, *args: Any, text: str, workspace: str | None, k: int, **options: Any
    ) -> None:
        if text == "-":
            # One character more than allowed is enough to refuse a text that is too long.
            text = sys.stdin.read(matching.QUERY_MAX_CHARS + 1)
        try:
            query = matching.clean_query(text)
            k = matching.clean_k(k)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        started = time.monotonic()
        slug = None
        if workspace is not None:
            found = Workspace.objects.filter(slug=workspace.strip().lower()).first()
            if found is None:
                raise CommandError(f"no workspace with the slug {workspace!r}")
            slug = found.slug
            self.stderr.write(f"searching the index of {slug}…")
            results = matching.similar_records(workspace=found, text=query, k=k, external=True)
        else:
            self.stderr.write("searching the published fact-checks of every workspace…")
            results = matching.published_matches(text=query, k=k)
        self.stderr.write(
            f"{len(results)} results in {1000 * (time.monotonic() - started):.0f} ms"
        )
        answer = {
            "query": query,
            "workspace": slug,
            "results": [_result(record) for record in results],
        }
        self.stdout.write(json.dumps(answer, ensure_ascii=False))
