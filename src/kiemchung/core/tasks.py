"""Task helpers: enqueue after commit with ids only, and retries with exponential backoff."""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta
from inspect import iscoroutinefunction
from typing import Any, ParamSpec, TypeVar, cast

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks.base import (
    DEFAULT_TASK_BACKEND_ALIAS,
    DEFAULT_TASK_PRIORITY,
    DEFAULT_TASK_QUEUE_NAME,
    Task,
)

logger = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")

# The keyword argument that carries the attempt number from one try to the next. It is an
# integer, so retried tasks still carry ids only.
ATTEMPT_KWARG = "_attempt"


def enqueue_on_commit(task: Any, *ids: int | str) -> None:
    """Enqueue `task(*ids)` once the current transaction commits; arguments are ids only."""
    for value in ids:
        if not isinstance(value, int | str):
            raise TypeError("tasks carry ids only")
    transaction.on_commit(lambda: task.enqueue(*ids))


class RetryableError(Exception):
    """Raised by a retryable task when a later attempt may succeed (a timeout, a 503 answer)."""


@dataclass(frozen=True)
class Attempt:
    """Which try of a retryable task is running: `number` of `allowed`, counted from 1."""

    number: int
    allowed: int

    @property
    def is_last(self) -> bool:
        return self.number >= self.allowed


_OUTSIDE_A_TASK = Attempt(1, 1)
_current_attempt: ContextVar[Attempt | None] = ContextVar("kiemchung_task_attempt", default=None)


def task_attempt() -> Attempt:
    """The attempt of the retryable task running now; outside one, the first and last of one."""
    return _current_attempt.get() or _OUTSIDE_A_TASK


def backoff_delay(retry: int) -> float:
    """Seconds before retry RETRY (0 for the first): KIEMCHUNG_TASK_BACKOFF_SECONDS × 2^RETRY."""
    return float(settings.TASK_BACKOFF_SECONDS) * (2**retry)


@dataclass(frozen=True, kw_only=True)
class RetryableTask(Task[P, T]):
    """A task that is enqueued again, later, when it raises RetryableError and tries remain."""

    max_attempts: int | None = None

    @property
    def attempts_allowed(self) -> int:
        return self.max_attempts or settings.TASK_MAX_ATTEMPTS

    def call(self, *args: P.args, **kwargs: P.kwargs) -> T:
        call_kwargs = cast(dict[str, Any], kwargs)
        attempt = Attempt(int(call_kwargs.pop(ATTEMPT_KWARG, 1)), self.attempts_allowed)
        token = _current_attempt.set(attempt)
        try:
            return Task.call(self, *args, **kwargs)
        except RetryableError as exc:
            if attempt.is_last:
                logger.warning(
                    "%s%s gave up after %d attempts: %s", self.name, args, attempt.number, exc
                )
            else:
                self._enqueue_retry(list(args), call_kwargs, attempt, exc)
            raise
        finally:
            _current_attempt.reset(token)

    def _enqueue_retry(
        self, args: list[Any], kwargs: dict[str, Any], attempt: Attempt, exc: Exception
    ) -> None:
        delay = backoff_delay(attempt.number - 1)
        logger.info(
            "%s%s attempt %d of %d failed (%s); retrying in %.1f s",
            self.name,
            tuple(args),
            attempt.number,
            attempt.allowed,
            exc,
            delay,
        )
        retry: Task[P, T] = self
        if delay > 0 and self.get_backend().supports_defer:
            retry = self.using(run_after=timezone.now() + timedelta(seconds=delay))
        # A backend that cannot defer (the inline one used by tests) runs the retry at once.
        retry.get_backend().enqueue(retry, args, {**kwargs, ATTEMPT_KWARG: attempt.number + 1})


def retryable_task(
    *,
    max_attempts: int | None = None,
    priority: int = DEFAULT_TASK_PRIORITY,
    queue_name: str = DEFAULT_TASK_QUEUE_NAME,
    backend: str = DEFAULT_TASK_BACKEND_ALIAS,
) -> Callable[[Callable[P, T]], RetryableTask[P, T]]:
    """Declare a task retried with backoff on RetryableError, at most MAX_ATTEMPTS times in all."""

    def wrap(func: Callable[P, T]) -> RetryableTask[P, T]:
        if iscoroutinefunction(func):
            raise TypeError("retryable tasks must be plain functions")
        return RetryableTask(
            func=func,
            priority=priority,
            queue_name=queue_name,
            backend=backend,
            takes_context=False,
            run_after=None,
            max_attempts=max_attempts,
        )

    return wrap
