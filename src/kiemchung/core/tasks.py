"""Enqueueing tasks after the transaction commits, with ids only."""

from __future__ import annotations

from typing import Any

from django.db import transaction


def enqueue_on_commit(task: Any, *ids: int | str) -> None:
    """Enqueue `task(*ids)` once the current transaction commits; arguments are ids only."""
    for value in ids:
        if not isinstance(value, int | str):
            raise TypeError("tasks carry ids only")
    transaction.on_commit(lambda: task.enqueue(*ids))
