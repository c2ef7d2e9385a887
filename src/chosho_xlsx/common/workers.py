"""The one pool of worker processes, used by the batch build and the portal's examination:
a function and its arguments go in, its result comes out, each call within a time limit.

pebble's ProcessPool does the work: a call past its `timeout` has its worker killed
(SIGTERM, then SIGKILL) and replaced, a worker that dies costs only the call it was
running (ProcessExpired), and both hold on every platform and start method (fork, spawn,
forkserver). Here they become two exceptions of ours, TimedOut and WorkerDied, so that
callers turn each into their one finding without knowing pebble.

Also here: a worker's life bound to the process that needs it (die_with_parent,
die_with_process), so no worker outlives a killed batch or server."""

from __future__ import annotations

import contextlib
import ctypes
import gc
import os
import select
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from concurrent.futures import Future


class TimedOut(Exception):
    """The call ran past the pool's time limit; its worker was killed."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"stopped after {seconds:g} s")
        self.seconds = seconds


class WorkerDied(Exception):
    """The worker running the call ended without an answer (killed, out of memory, a
    parser aborting the process), or the pool itself is broken."""


class KeeperGone(WorkerDied):
    """The call was never made: the process that hands out the calls (common.prefork's
    keeper) stopped first (killed, out of memory). Nothing is known of the item: it is
    not the item's fault, as a worker dying on it may be."""


class Workers:
    """`jobs` worker processes running calls of at most `seconds` each.

    `context` is a multiprocessing context (None: the platform's default); `initializer`
    runs once in each worker as it starts (replacements included). The processes start
    on the first submit, in the calling thread.

    `poll` (seconds): how often pebble's threads look at the pool (its CONSTS.sleep_unit,
    0.1 s by default), and so how long closing the pool may wait for them: ~0.1 s that a
    short command (validate of 50 files: ~0.3 s) should not spend waiting, and that a
    long-lived pool (the portal's) should keep, each wake-up costing CPU while it idles.
    It is pebble's one setting for the whole process: the last pool made with a `poll`
    sets it."""

    def __init__(self, jobs: int, seconds: float | None, *, context=None,
                 initializer: Callable | None = None, initargs: Iterable = (),
                 poll: float | None = None) -> None:
        # lazy: pebble imports asyncio and ssl (~30 ms), multiprocessing ~10 ms: not for
        # those who import this module for TimedOut, WorkerDied or die_with_parent alone
        # (common.prefork: validate's workers)
        import multiprocessing

        from pebble import CONSTS, ProcessPool

        if poll is not None:
            CONSTS.sleep_unit = poll
        self.seconds = seconds
        self._finished = False
        self._pool = ProcessPool(max_workers=jobs, initializer=initializer, initargs=tuple(initargs),
                                 context=context or multiprocessing.get_context())

    def submit(self, fn: Callable, *args) -> Future:
        return self._pool.schedule(fn, args=args, timeout=self.seconds)

    def result(self, future: Future):
        """The call's result; TimedOut or WorkerDied when it has none. An exception the
        function itself raised is raised here as it was."""
        # lazy: as in __init__
        from concurrent.futures import TimeoutError as FutureTimeout
        from concurrent.futures.process import BrokenProcessPool

        from pebble import ProcessExpired

        try:
            return future.result()
        except FutureTimeout:
            raise TimedOut(self.seconds or 0.0) from None
        except ProcessExpired as exc:
            raise WorkerDied(f"the worker stopped (exit code {exc.exitcode})") from None
        except BrokenProcessPool as exc:
            raise WorkerDied(f"the worker pool broke ({exc})") from None

    def run(self, fn: Callable, *args):
        """submit, then wait for the result (TimedOut, WorkerDied)."""
        return self.result(self.submit(fn, *args))

    def finish(self) -> None:
        """Every call submitted has returned: the pool's threads start winding down now
        (pebble's stop, with nothing pending to lose) while the caller goes on with other
        work, and close() waits only for what is left of it. Closing a pool waits for its
        threads to wake (up to `poll`) and for its workers to end; a batch has its 調書
        to place and its lists to write meanwhile."""
        self._pool.stop()
        self._finished = True

    def close(self, *, now: bool = False) -> None:
        """No worker outlives this: wait for the calls submitted (kill them when `now`)."""
        if now:
            self._pool.stop()
        elif not self._finished:
            self._pool.close()
        self._pool.join()

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, kind, value, tb) -> None:
        self.close(now=kind is not None)  # an interrupt or an error: stop at once


def worker_gc(young: int = 20_000) -> None:
    """The garbage collector of a worker process set for work that makes many objects
    and keeps few: what the process inherited (modules, the parent's caches) frozen out
    of every collection, and the youngest generation collected every `young`
    allocations instead of 700. Checking and writing a 調書 makes many objects, most of
    them freed by their reference counts; at 700 the collector ran ~10 times per 調書
    over the survivors (a full pass over the heap every ~10 調書), 10–30 % of the
    worker's time (measured pairwise per file, bench/README.md); at 20,000, once every
    ~5 調書. Memory stays bounded: a collection still runs every `young` allocations.
    Changes what is collected when, never what a call returns."""
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(young, older, oldest)


# ---- workers end with the process that needs them -----------------------------------------

_PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int) -> None:
    """Make this (worker) process end when `parent` does, however the parent ends.

    Linux: prctl(PR_SET_PDEATHSIG, SIGKILL): the kernel kills the worker the moment its
    parent exits, kill -9 included, with no thread and no polling in the worker. `parent`
    is the pid the batch passed, so a parent that died before the call is seen
    (getppid() no longer names it). Elsewhere: a daemon thread that checks getppid()
    once a second."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0:
                if os.getppid() != parent:
                    os._exit(1)
                return
    threading.Thread(target=_watch, args=(parent,), daemon=True, name="parent-watch").start()


def _watch(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(1)


def die_with_process(pid: int) -> None:
    """Make this (worker) process end when process `pid` does, though `pid` is not its
    parent: the portal's workers are children of multiprocessing's fork server, and each
    holds the write end of that server's 'alive' pipe, so when `serve` is killed neither
    the fork server nor its workers would ever see it (PR_SET_PDEATHSIG only follows the
    direct parent). Linux: a pidfd of `pid`, polled by a daemon thread, becomes readable
    the moment `pid` exits, and cannot be fooled by a reused pid. Elsewhere: a daemon
    thread that checks once a second that `pid` still exists."""
    pidfd = None
    with contextlib.suppress(OSError, AttributeError):
        pidfd = os.pidfd_open(pid)
    if pidfd is None and not _exists(pid):
        os._exit(1)
    threading.Thread(target=_watch_process, args=(pid, pidfd), daemon=True,
                     name="process-watch").start()


def _exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True


def _watch_process(pid: int, pidfd: int | None) -> None:
    if pidfd is not None:
        select.select([pidfd], [], [])  # readable once the process has exited
    else:
        while _exists(pid):
            time.sleep(1.0)
    os._exit(1)
