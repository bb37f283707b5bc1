"""Waking database-queue workers the moment a task is enqueued, in any process.

A worker of `kiemchung run` hears its own process enqueue through Django Tasks'
`task_enqueued` signal. On PostgreSQL the enqueue also sends `NOTIFY kiemchung_tasks`
(delivered when the enqueuing transaction commits, never before), and every process running
database-queue workers, `kiemchung worker` on another machine included, keeps one connection
that LISTENs for it, shared by its workers. Without PostgreSQL a worker in another process
finds new tasks at its next poll.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import DatabaseError, connections, router
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.compat import task_enqueued
from django_tasks_db.models import DBTaskResult

logger = logging.getLogger(__name__)

CHANNEL = "kiemchung_tasks"

# Set whenever a task is enqueued in this process (a web request after its commit, a task
# running) or, on PostgreSQL, in any process; database-queue workers wait on it between polls.
enqueued = threading.Event()


def _queue_alias() -> str:
    return router.db_for_write(DBTaskResult) or "default"


def _on_enqueue(sender: Any, **kwargs: Any) -> None:
    enqueued.set()
    if not (isinstance(sender, type) and issubclass(sender, DatabaseBackend)):
        return
    connection = connections[_queue_alias()]
    if connection.vendor != "postgresql":
        return
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_notify(%s, '')", [CHANNEL])
    except DatabaseError:
        # The task is stored; a worker finds it at its next poll.
        logger.warning("could not notify the workers of a new task", exc_info=True)


task_enqueued.connect(_on_enqueue, dispatch_uid="kiemchung.core.wake.on_enqueue")


def listens_on_database() -> bool:
    """Whether workers can hear enqueues of other processes through the database."""
    return connections[_queue_alias()].vendor == "postgresql"


class EnqueueListener:
    """A thread holding one PostgreSQL connection that LISTENs for new tasks and sets
    `enqueued` for each; it reconnects after an error, and wakes the worker once on every
    (re)connection so nothing sent while it was away waits for the next poll."""

    RETRY_SECONDS = 2.0

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="kiemchung-wake", daemon=True)

    def start(self) -> EnqueueListener:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._listen()
            except Exception:  # the worker still polls; try again shortly
                logger.warning("lost the connection that hears new tasks", exc_info=True)
                self._stop.wait(self.RETRY_SECONDS)

    def _listen(self) -> None:
        database = connections[_queue_alias()]
        listener = database.get_new_connection(database.get_connection_params())
        try:
            listener.autocommit = True
            listener.execute(f"LISTEN {CHANNEL}")
            enqueued.set()
            while not self._stop.is_set():
                for _notice in listener.notifies(timeout=1.0, stop_after=1):
                    enqueued.set()
        finally:
            listener.close()


_listener_lock = threading.Lock()
_listener: EnqueueListener | None = None
_listener_users = 0


@contextmanager
def listening() -> Iterator[None]:
    """Hear, while inside, the enqueues of other processes (on PostgreSQL); the workers of one
    process share one listener, started by the first and stopped when the last leaves."""
    global _listener, _listener_users
    if not listens_on_database():
        yield
        return
    with _listener_lock:
        _listener_users += 1
        if _listener is None:
            _listener = EnqueueListener().start()
    try:
        yield
    finally:
        with _listener_lock:
            _listener_users -= 1
            stopping, _listener = (_listener, None) if _listener_users == 0 else (None, _listener)
        if stopping is not None:
            stopping.stop()
