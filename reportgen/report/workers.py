"""Helper processes for the charts and the PDF, warmed up while K-Means runs.

Importing matplotlib and WeasyPrint and loading their fonts takes about two seconds, as long
as importing scikit-learn and choosing k.  A run owns its helpers: ``pipeline.run`` opens
``owned()`` as it begins, which launches (once per process) a fork server that imports and
warms them up (``reportgen.report._warm``) on another core while the main process loads the table
and fits K-Means; the charts and the PDF are then made in worker processes forked from it,
the charts several at a time, and the workers end with the run.  The workers start from the
small fork server, not from the main process, so a large table is never copied.

A worker runs the same code on the same inputs as the main process would, so charts and PDF
are the same wherever they are made.  With one core, without a fork server on the platform,
with ``REPORTGEN_WORKERS=0``, or when a helper cannot start or dies, everything runs in the
main process (``IN_PROCESS`` is that policy, for callers without a run, such as a notebook
drawing charts).

The helpers die with the run however it ends: a failed or interrupted run kills them at once
(nothing of theirs may print after its one-line error); each worker watches the main process
and leaves as soon as it is gone (a pidfd on Linux, else a poll twice a second), and the fork
server and the resource tracker leave once nothing holds their pipes, so even a killed run
(SIGKILL) leaves no helper behind.  Workers ignore Ctrl-C: the main process decides what to
do with it.
"""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import Any, TypeVar

T = TypeVar("T")
PRELOAD = "reportgen.report._warm"
MAX_WORKERS = 4

_made: weakref.WeakSet[ProcessPoolExecutor] = weakref.WeakSet()  # for the exit hook only


class Helpers:
    """Worker processes for one run: ``map_jobs`` and ``call`` run functions in them, or in
    this process when there are none (or they fail)."""

    def __init__(self, count: int) -> None:
        self._count = count
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None

    def start(self) -> None:
        """Start the workers in the background and return at once."""
        if self._count == 0 or self._pool is not None:
            return
        try:
            context = _context()
            context.set_forkserver_preload([PRELOAD])  # only if the server is not running yet
            pool = ProcessPoolExecutor(
                max_workers=self._count,
                mp_context=context,
                initializer=_worker_setup,
                initargs=(os.getpid(),),
            )
        except (ValueError, OSError, ImportError, AttributeError):
            return
        with self._lock:
            self._pool = pool
        _made.add(pool)
        # Starting a worker waits until the fork server has imported PRELOAD: not on this thread.
        threading.Thread(target=self._spin_up, args=(pool,), daemon=True).start()

    def map_jobs(self, function: Callable[..., T], jobs: Sequence[tuple[Any, ...]]) -> Iterator[T]:
        """``function(*job)`` for every job, in order; in the workers when they run.  The jobs
        are submitted at once, before the first result is asked for."""
        return self._collect(function, jobs, *self._submit(function, jobs))

    def call(self, function: Callable[..., T], *args: Any) -> T:
        """``function(*args)`` in a worker when they run, else here."""
        return next(self.map_jobs(function, [args]))

    def begin(self, function: Callable[..., T], *args: Any) -> Callable[[], T]:
        """Start ``function(*args)`` in a worker and return at once, so this process can go on
        with other work; calling the result waits for it (and runs it here, then, when there
        are no workers or they failed)."""
        results = self.map_jobs(function, [args])
        return lambda: next(results)

    def _submit(
        self, function: Callable[..., Any], jobs: Sequence[tuple[Any, ...]]
    ) -> tuple[ProcessPoolExecutor | None, list[Future[Any]]]:
        """The pool and the jobs submitted to it; no futures when the workers do not run (or
        refuse the jobs)."""
        pool = self._pool
        if pool is None or len(jobs) == 0:
            return None, []
        try:
            return pool, [pool.submit(function, *job) for job in jobs]
        except (BrokenProcessPool, RuntimeError, OSError):
            self._give_up(pool)
            return None, []

    def _collect(
        self,
        function: Callable[..., T],
        jobs: Sequence[tuple[Any, ...]],
        pool: ProcessPoolExecutor | None,
        futures: list[Future[Any]],
    ) -> Iterator[T]:
        """The results in order: from the workers' futures, or computed here for the jobs
        not submitted or left when a worker died."""
        if not futures:
            yield from (function(*job) for job in jobs)
            return
        for i, future in enumerate(futures):
            try:
                result = future.result()
            except BrokenProcessPool:
                if pool is not None:
                    self._give_up(pool)
                for future_left in futures[i:]:
                    future_left.cancel()
                yield from (function(*job) for job in jobs[i:])
                return
            yield result

    def close(self, now: bool = False) -> None:
        """Stop the workers; ``now`` kills them instead of letting them finish, so none is
        left to print after a failed command."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is None:
            return
        if now:
            # shutdown() first: once it returns no worker can be added, so the kill reaches all
            pool.shutdown(wait=False, cancel_futures=True)
            _kill(pool)
            return
        pool.shutdown(wait=True, cancel_futures=True)

    def _spin_up(self, pool: ProcessPoolExecutor) -> None:
        try:
            for _ in range(self._count):
                pool.submit(os.getpid)
        except Exception:  # noqa: BLE001 - the jobs fall back to this process
            self._give_up(pool)

    def _give_up(self, pool: ProcessPoolExecutor) -> None:
        """A worker failed to start or died: this process does the work from now on."""
        with self._lock:
            if self._pool is pool:
                self._pool = None
        pool.shutdown(wait=False, cancel_futures=True)


IN_PROCESS = Helpers(0)  # no workers: everything in the calling process


@contextmanager
def owned(enabled: bool = True) -> Iterator[Helpers]:
    """Helpers for the length of a ``with`` block: started at once to warm up, stopped at
    its end, killed at once when it ends with an exception (an error, Ctrl-C, SIGTERM)."""
    helpers = Helpers(wanted() if enabled else 0)
    helpers.start()
    ok = False
    try:
        yield helpers
        ok = True
    finally:
        helpers.close(now=not ok)


def wanted() -> int:
    """Worker processes to use: ``REPORTGEN_WORKERS`` or the cores (at most 4); 0 for none."""
    setting = os.environ.get("REPORTGEN_WORKERS", "").strip()
    if setting:
        try:
            return max(0, int(setting))
        except ValueError:
            return 0
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return 0 if cores < 2 else min(cores, MAX_WORKERS)


def _context() -> Any:
    """The fork server start method, without re-running the caller's main module in the
    workers (see ``reportgen.report._forkserver``)."""
    from reportgen.report._forkserver import Context

    return Context()


def _worker_setup(owner: int) -> None:
    """In each worker: leave Ctrl-C to the main process, and leave when it is gone."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_leave_with, args=(owner,), daemon=True).start()


def _leave_with(owner: int) -> None:
    """Exit this worker once the process that owns it has ended."""
    import select
    import time

    try:
        handle = os.pidfd_open(owner)  # type: ignore[attr-defined]
    except (AttributeError, OSError):
        handle = None
    if handle is not None:
        select.select([handle], [], [])  # readable when the owner has exited
        os._exit(0)
    while True:
        try:
            os.kill(owner, 0)
        except ProcessLookupError:
            os._exit(0)
        except PermissionError:
            pass
        time.sleep(0.5)


def _kill(pool: ProcessPoolExecutor) -> None:
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        try:
            process.kill()
        except (OSError, AttributeError, ValueError):
            pass


def _kill_all_at_exit() -> None:
    """At interpreter exit, the standard library waits for every worker of every pool to
    finish.  A worker killed while it held the job queue's lock (a failed command kills its
    helpers) leaves its siblings waiting on that lock for ever, and the exit with them: the
    helpers have nothing left to do at exit, so they are killed first."""
    for pool in list(_made):
        _kill(pool)


# Runs before concurrent.futures' own exit hook (these hooks run last registered first).
_register = getattr(threading, "_register_atexit", None)
if _register is not None:
    _register(_kill_all_at_exit)
