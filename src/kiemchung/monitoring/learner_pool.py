"""The triage learner's work spread over two cores: its own process and one helper process.

Retraining is pure Python for the half of its time it spends reading posts (cleaning, cues,
hashing) and single-threaded for the other half (liblinear, trees limited to one thread), so
threads would not help; a second process does. The helper is spawned afresh for each retraining,
not forked: the worker that retrains may run other threads, and a forked copy could inherit
their locks (or an OpenMP pool the embedder started). It imports only the learner's parts that
need neither Django's settings nor the database, and is shut down with the retraining, so
nothing lingers between retrainings.

Work is handed out one call at a time from a shared list, to the helper as soon as it is free
(from the end of the list) and to this process between its own calls (from the start), so
neither waits while the other still has work. Every call is a module-level function with its
data (pickled to the helper), and its result is the same whichever process ran it.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from functools import partial
from typing import Any, Protocol, TypeVar, cast

__all__ = ["Spread", "helper_pool", "in_turn", "one_thread", "spread"]

T = TypeVar("T")


class Spread(Protocol):
    """Runs independent calls and returns their results in order."""

    def __call__(self, calls: Sequence[Callable[[], T]]) -> list[T]: ...


def in_turn(calls: Sequence[Callable[[], T]]) -> list[T]:
    """Every call in this process, one after the other."""
    return [call() for call in calls]


def spread(calls: Sequence[Callable[[], T]], helper: ProcessPoolExecutor) -> list[T]:
    """The calls shared between this process and the helper, results in order. A call the
    helper could not run because its process died is run here."""
    if len(calls) < 2:
        return in_turn(calls)
    results: list[Any] = [None] * len(calls)
    waiting = deque(range(len(calls)))
    lock = threading.Lock()
    failed: list[BaseException] = []

    def next_call(from_end: bool = False) -> int | None:
        with lock:
            if not waiting:
                return None
            return waiting.pop() if from_end else waiting.popleft()

    def feed_helper() -> None:
        # A thread that only waits on the helper: the calls themselves run there. The helper
        # takes calls from the end, so the first (the largest, as callers order them) stays
        # here, where its data need not be copied.
        while (index := next_call(from_end=True)) is not None:
            try:
                results[index] = helper.submit(one_thread_call, calls[index]).result()
            except BrokenProcessPool:
                with lock:
                    waiting.append(index)
                return
            except BaseException as exc:  # raised again by the caller below
                failed.append(exc)
                return

    feeder = threading.Thread(target=feed_helper, name="learner-helper", daemon=True)
    feeder.start()
    try:
        while (index := next_call()) is not None:
            results[index] = calls[index]()
    except BaseException:
        with lock:
            waiting.clear()  # the helper takes nothing more
        feeder.join()
        raise
    feeder.join()
    if failed:
        raise failed[0]
    while (index := next_call()) is not None:  # what the helper gave back when it died
        results[index] = calls[index]()
    return results


def one_thread() -> contextlib.AbstractContextManager[Any]:
    """BLAS held to one thread (the trees hold OpenMP to one themselves): each process keeps to
    its core, idle BLAS threads do not spin on the core the other works on, and liblinear's
    sums come out the same on any machine."""
    from threadpoolctl import threadpool_limits

    return cast(contextlib.AbstractContextManager[Any],
                threadpool_limits(limits=1, user_api="blas"))


def one_thread_call(call: Callable[[], T]) -> T:
    """A call run in the helper, on one thread."""
    with one_thread():
        return call()


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@contextmanager
def helper_pool(enabled: bool = True) -> Iterator[Spread]:
    """A Spread over this process and one helper process, or `in_turn` when the work is too
    small to pay for starting one (about 2 s of CPU to import the learner's libraries) or the
    machine has one core."""
    if not enabled or _cores() < 2:
        yield in_turn
        return
    helper = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
    try:
        yield partial(spread, helper=helper)
    finally:
        helper.shutdown(wait=True, cancel_futures=True)
