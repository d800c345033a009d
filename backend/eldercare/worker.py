"""Workers: processes (or a server's thread) that claim queued jobs from the database and run
them, one at a time each.

A *source* claims the next job of its kind for a named worker and returns the task that
runs it, or None when nothing waits (imports: :func:`eldercare.bulk.jobs.take`; the
callers, ``eldercare worker`` and the server, say which sources a worker serves).
Claims are safe between any number of workers on any hosts: see :mod:`eldercare.bulk.jobs`.

An idle worker looks again after ``ELDERCARE_WORKER_POLL_SECONDS``, or sooner when woken:
on PostgreSQL by ``NOTIFY`` (sent in the transaction that queues a job, so it arrives when
that commits), on SQLite by the process that queued the job, for its own embedded worker.

:meth:`Worker.stop` (SIGTERM, SIGINT, the server's shutdown) asks the running task to end
before its next batch and give its job back to the queue, where another worker resumes
it, and the loop to exit.
"""

from __future__ import annotations

import gc
import logging
import os
import signal
import socket
import threading
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from eldercare.config import get_settings

log = logging.getLogger("eldercare.worker")

# A claimed job's run: it ends early (giving the job back) once the event is set.
Task = Callable[[threading.Event], None]
# Claims the next job for the worker of this name: the task that runs it, or None.
Source = Callable[[str], Task | None]

CHANNEL = "eldercare_jobs"
_queued_here = threading.Event()


def announce(db: Session) -> None:
    """Wake the waiting workers once ``db``'s transaction commits: on PostgreSQL every
    worker listening (any host); otherwise this process's own."""
    if db.get_bind().dialect.name == "postgresql":
        db.execute(select(func.pg_notify(CHANNEL, "")))
    event.listen(db, "after_commit", _wake_here, once=True)


def _wake_here(_session: Session) -> None:
    _queued_here.set()


def default_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class Worker:
    """Claims and runs jobs until stopped. ``run_once`` is one claim-and-run cycle."""

    def __init__(
        self,
        sources: Sequence[Source],
        name: str | None = None,
        poll_seconds: float | None = None,
    ) -> None:
        self.sources = list(sources)
        self.name = name or default_name()
        self.poll_seconds = poll_seconds or get_settings().worker_poll_seconds
        self.stopping = threading.Event()
        self._listener: Any = None

    def run_once(self) -> bool:
        """Claim one job and run it to its end (or until stopped); False if none waited."""
        for source in self.sources:
            task = source(self.name)
            if task is not None:
                task(self.stopping)
                return True
        return False

    def run_until_idle(self) -> int:
        """Run jobs until none waits; how many ran."""
        ran = 0
        while not self.stopping.is_set() and self.run_once():
            ran += 1
        return ran

    def run(self) -> None:
        """Claim and run jobs, waiting when there are none, until :meth:`stop`."""
        log.info("worker started", extra={"worker": self.name})
        try:
            while not self.stopping.is_set():
                try:
                    busy = self.run_once()
                except Exception:  # the database is away, say: try again after a pause
                    log.exception("worker could not claim a job", extra={"worker": self.name})
                    busy = False
                if not busy and not self.stopping.is_set():
                    self._wait()
        finally:
            self._close_listener()
            log.info("worker stopped", extra={"worker": self.name})

    def stop(self) -> None:
        self.stopping.set()
        _queued_here.set()

    def _wait(self) -> None:
        if not self._wait_for_notify():
            _queued_here.wait(self.poll_seconds)
            _queued_here.clear()

    def _wait_for_notify(self) -> bool:
        """On PostgreSQL: LISTEN on a connection of its own, up to the poll interval."""
        from eldercare.db import get_engine

        engine = get_engine()
        if engine.dialect.name != "postgresql":
            return False
        import psycopg

        try:
            if self._listener is None or self._listener.closed:
                dsn = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
                self._listener = psycopg.connect(dsn, autocommit=True)
                self._listener.execute(f"LISTEN {CHANNEL}")
            for _ in self._listener.notifies(timeout=self.poll_seconds, stop_after=1):
                pass
        except psycopg.Error:
            log.warning("worker cannot listen for jobs: polling", extra={"worker": self.name})
            self._close_listener()
            return False
        return True

    def _close_listener(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()


class Embedded:
    """A server process's own worker: a thread beside the event loop."""

    def __init__(self, sources: Sequence[Source]) -> None:
        self.worker = Worker(sources, name=f"{default_name()}:embedded")
        self.thread = threading.Thread(target=self.worker.run, name="eldercare-worker", daemon=True)

    def start(self) -> Embedded:
        self.thread.start()
        return self

    def stop(self, timeout: float = 30) -> None:
        """Stop, giving a running job back to the queue (blocks up to ``timeout`` seconds)."""
        self.worker.stop()
        self.thread.join(timeout)


def run_process(sources: Sequence[Source]) -> int:
    """``eldercare worker``: run a worker in this process's main thread until SIGTERM/SIGINT."""
    worker = Worker(sources)

    def on_signal(signum: int, _frame: Any) -> None:
        log.info("worker stopping", extra={"worker": worker.name, "signal": signum})
        worker.stop()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    # What start-up made lives as long as the process: out of the collector's sight, as in
    # the server (a 100,000-row import spent 1.7 s in full collections walking it).
    gc.collect()
    gc.freeze()
    worker.run()
    return 0
