"""Helper processes for the charts and the PDF, warmed up while K-Means runs.

Importing matplotlib and WeasyPrint and loading their fonts takes about two seconds, as long
as importing scikit-learn and choosing k.  ``start()``, called when a run begins, launches a
fork server that imports and warms them up (``reportgen._warm``) on another core while the
main process loads the table and fits K-Means; the charts and the PDF are then made in
worker processes forked from it, the charts several at a time.  The workers start from the
small fork server, not from the main process, so a large table is never copied.

A worker runs the same code on the same inputs as the main process would, so charts and PDF
are the same wherever they are made.  With one core, without a fork server on the platform,
with ``REPORTGEN_WORKERS=0``, or when a helper cannot start or dies, everything runs in the
main process.  The helpers live as long as the process (a notebook or test session reuses
them); ``shutdown()`` stops them, and ``shutdown(now=True)`` kills them at once (a failed or
interrupted command: nothing of theirs may print after its one-line error).

The helpers die with the run however it ends: each worker watches the main process and
leaves as soon as it is gone (a pidfd on Linux, else a poll twice a second), and the fork
server and the resource tracker leave once nothing holds their pipes, so even a killed run
(SIGKILL) leaves no helper behind.  Workers ignore Ctrl-C: the main process decides what to
do with it.
"""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

T = TypeVar("T")
PRELOAD = "reportgen._warm"
MAX_WORKERS = 4

_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None
_disabled = False
_made: weakref.WeakSet[ProcessPoolExecutor] = weakref.WeakSet()


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


def start() -> None:
    """Start the helpers in the background and return at once (no-op if already started)."""
    global _pool, _disabled
    with _lock:
        if _pool is not None or _disabled:
            return
        count = wanted()
        if count == 0:
            return
        try:
            context = _context()
            context.set_forkserver_preload([PRELOAD])  # only if the server is not running yet
            pool = ProcessPoolExecutor(
                max_workers=count,
                mp_context=context,
                initializer=_worker_setup,
                initargs=(os.getpid(),),
            )
        except (ValueError, OSError, ImportError, AttributeError):
            _disabled = True
            return
        _pool = pool
        _made.add(pool)
    # Starting a worker waits until the fork server has imported PRELOAD: not on this thread.
    threading.Thread(target=_spin_up, args=(pool, count), daemon=True).start()


def _context() -> Any:
    """The fork server start method, without re-running the caller's main module in the
    workers (see ``reportgen._forkserver``)."""
    from reportgen._forkserver import Context

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


def _spin_up(pool: ProcessPoolExecutor, count: int) -> None:
    try:
        for _ in range(count):
            pool.submit(os.getpid)
    except Exception:  # noqa: BLE001 - the jobs fall back to this process
        _give_up(pool)


def map_jobs(function: Callable[..., T], jobs: Sequence[tuple[Any, ...]]) -> Iterator[T]:
    """``function(*job)`` for every job, in order; in the helpers when they run."""
    pool = _pool
    if pool is None or len(jobs) == 0:
        yield from (function(*job) for job in jobs)
        return
    try:
        futures = [pool.submit(function, *job) for job in jobs]
    except (BrokenProcessPool, RuntimeError, OSError):
        _give_up(pool)
        yield from (function(*job) for job in jobs)
        return
    for i, future in enumerate(futures):
        try:
            result = future.result()
        except BrokenProcessPool:
            _give_up(pool)
            for future_left in futures[i:]:
                future_left.cancel()
            yield from (function(*job) for job in jobs[i:])
            return
        yield result


def call(function: Callable[..., T], *args: Any) -> T:
    """``function(*args)`` in a helper when they run, else here."""
    return next(map_jobs(function, [args]))


def shutdown(now: bool = False) -> None:
    """Stop the helpers (they are started again by the next ``start()``); ``now`` kills them
    instead of letting them finish, so none is left to print after a failed command."""
    global _pool
    with _lock:
        pool, _pool = _pool, None
    if pool is None:
        return
    if now:
        # shutdown() first: once it returns no worker can be added, so the kill reaches all
        pool.shutdown(wait=False, cancel_futures=True)
        _kill(pool)
        return
    pool.shutdown(wait=True, cancel_futures=True)


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


def _give_up(pool: ProcessPoolExecutor) -> None:
    """A helper failed to start or died: this process does the work from now on."""
    global _pool, _disabled
    with _lock:
        if _pool is pool:
            _pool = None
            _disabled = True
    pool.shutdown(wait=False, cancel_futures=True)
