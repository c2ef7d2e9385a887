"""Calls of one function over a list of items in forked worker processes, each within a
time limit, the outcomes back in the items' order: for a short command (`validate` of a
folder, ~0.3 s in all) whose start-up is a large part of its time. POSIX (os.fork) only;
elsewhere the callers use common.workers.

What enters: a module-level function (pickled by name), the items and arguments shared
by every call (pickled). What leaves, for each item in order: the function's result, or
TimedOut (its worker was killed at the limit), or WorkerDied (its worker ended without
an answer); an exception the function raised is raised in the caller. Jobs follow one
another on one keeper (a build's 調書, then its two lists), each with workers of its own.

Why not common.workers (pebble) here: importing pebble costs asyncio and ssl (~30 ms of
CPU), its feeder and result threads poll, and its workers are forked from the caller, so
the caller must have imported all the workers need before the first call. Here one
process, the keeper, is forked as soon as the command knows it will check files, before
the command line (typer, click) is loaded: it imports what the calls need on one core
while the caller parses its arguments and lists its inputs on the other, and then forks
the workers from itself, warm. The keeper feeds each worker one item at a time through a
pipe, kills (SIGKILL) a worker whose call passes the limit and forks another, and sends
the outcomes to the caller in order as they complete.

Each process ends with the one that started it (PR_SET_PDEATHSIG): a caller killed or
interrupted takes the keeper and the workers with it. The keeper and the workers ignore
SIGINT (Ctrl-C reaches the whole process group): the caller alone answers it. They leave
by os._exit, never flushing what the caller had buffered when they were forked."""

from __future__ import annotations

import atexit
import contextlib
import errno
import gc
import importlib
import math
import os
import pickle  # nosec B403  # only between this command's own processes, over pipes it made
import select
import signal
import struct
import sys
import time
from collections.abc import Callable, Iterator, Sequence

from chosho_xlsx.common.workers import KeeperGone, TimedOut, WorkerDied, die_with_parent, worker_gc

# A frame on every pipe: one byte of kind, the payload's length, the payload.
_HEAD = struct.Struct(">cI")
_RESULT, _RAISED, _TIMED_OUT, _DIED = b"r", b"e", b"t", b"d"
_INDEX = struct.Struct(">I")  # keeper → worker: the item to call the function on
CLOSE_WAIT = 2.0  # seconds a caller that stops early gives the keeper to end its workers


def _write(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _read(fd: int, n: int) -> bytes | None:
    """Exactly n bytes, or None at the end of the pipe (its writer gone)."""
    chunks, left = [], n
    while left:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _send(fd: int, kind: bytes, payload: bytes = b"") -> None:
    _write(fd, _HEAD.pack(kind, len(payload)) + payload)


def _receive(fd: int) -> tuple[bytes, bytes] | None:
    head = _read(fd, _HEAD.size)
    if head is None:
        return None
    kind, n = _HEAD.unpack(head)
    payload = _read(fd, n) if n else b""
    return None if payload is None else (kind, payload)


def _raised(exc: BaseException) -> bytes:
    """An exception to raise in the caller: itself, or its repr where it cannot be pickled."""
    try:
        return pickle.dumps(exc, pickle.HIGHEST_PROTOCOL)
    except Exception:  # noqa: BLE001 — any exception's pickling may fail in any way
        return pickle.dumps(RuntimeError(repr(exc)), pickle.HIGHEST_PROTOCOL)


# What the system answers when it gives no new process or pipe: a pids limit reached
# (EAGAIN), fork refused for memory (ENOMEM), no file descriptor left (EMFILE, ENFILE).
NO_PROCESS = frozenset((errno.EAGAIN, errno.ENOMEM, errno.EMFILE, errno.ENFILE))


def available() -> bool:
    """Forked workers need os.fork, and a platform where forking a process that has
    loaded system libraries is safe (macOS's is not): Linux."""
    return sys.platform.startswith("linux")


def no_process(exc: OSError) -> bool:
    """The system gives no new process now (not a bug: the caller does the work itself)."""
    return exc.errno in NO_PROCESS


def early(words: Sequence[str], modules: Sequence[str], shared: Sequence[str] = ()) -> Prefork | None:
    """A keeper forked as a command starts (validate's, build's), before the command line
    loads, importing `modules` on the other core; `shared` (what the command and the
    keeper both need) imported first, once. None where there can be none: not Linux,
    words that only ask for the command's help, or no process to be had now (the
    command then works as it would without). The keeper is closed at exit if the
    command ends before it takes it."""
    if not available() or {"-h", "--help"} & set(words):
        return None
    for module in shared:
        importlib.import_module(module)
    try:
        keeper = Prefork(modules)
    except OSError as exc:
        if not no_process(exc):
            raise
        return None
    atexit.register(keeper.close)
    return keeper


class Prefork:
    """The keeper, forked now, importing `modules`; then map(), one job after another."""

    def __init__(self, modules: Sequence[str] = ()) -> None:
        job_r, self._job = os.pipe()
        self._out, out_w = os.pipe()
        parent = os.getpid()
        try:
            pid = os.fork()
        except OSError:  # no process to be had: nothing of this one left open
            for fd in (job_r, self._job, self._out, out_w):
                os.close(fd)
            raise
        if pid == 0:  # the keeper
            code = 1
            try:
                os.close(self._job)
                os.close(self._out)
                _keeper(job_r, out_w, parent, modules)
                code = 0
            finally:
                os._exit(code)
        os.close(job_r)
        os.close(out_w)
        self.pid: int | None = pid
        self._finished = False  # the keeper waits for a job, every outcome taken
        self._mapping = False  # a job handed over whose outcomes are not all taken

    def map(self, fn: Callable, items: Sequence, *args, jobs: int, seconds: float | None) -> Iterator:
        """fn(item, *args) for each item in up to `jobs` workers, each call within
        `seconds` (None: no limit); the job is handed to the keeper now, and the iterator
        returned yields, in the items' order, each result or a TimedOut or WorkerDied
        instance (KeeperGone: the keeper stopped before the item's outcome came, so the
        call may never have been made). Another job may follow once every outcome of
        this one is taken (its workers are forked afresh from the keeper: a batch's
        lists after its 調書)."""
        items = list(items)
        if self.pid is None:  # closed (its pipes too: their numbers may be another file's now)
            return iter([KeeperGone("the pool's keeper was closed")] * len(items))
        if self._mapping:
            raise RuntimeError("one job at a time: take every outcome of the last one first")
        job = (fn, items, args, jobs, seconds)
        with contextlib.suppress(BrokenPipeError):  # the keeper is gone: each item KeeperGone below
            _send(self._job, b"j", pickle.dumps(job, pickle.HIGHEST_PROTOCOL))
        self._mapping, self._finished = True, False
        return self._outcomes(len(items), seconds)

    def _outcomes(self, count: int, seconds: float | None) -> Iterator:
        for _ in range(count):
            frame = _receive(self._out)
            if frame is None:
                yield KeeperGone("the pool's keeper stopped")
                continue
            kind, payload = frame
            if kind == _RESULT:
                yield pickle.loads(payload)  # nosec B301  # from a pipe between this command's own forked processes
            elif kind == _TIMED_OUT:
                yield TimedOut(seconds or 0.0)
            elif kind == _DIED:
                yield WorkerDied(payload.decode())
            else:  # this Prefork is done with: its caller closes it
                raise pickle.loads(payload)  # nosec B301  # from a pipe between this command's own forked processes
        self._mapping = False
        self._finished = True

    def close(self) -> None:
        """No keeper or worker outlives this. Closing the job's pipe tells the keeper:
        one whose work is done has left already; one still at work kills its workers,
        waits for them and leaves (so that none is left when this returns: they die with
        the keeper by PR_SET_PDEATHSIG too, but only a moment later). Each is waited
        for, so its CPU time counts in this process's children's. A keeper that has
        not left within CLOSE_WAIT seconds (still importing) is killed."""
        if self.pid is None:
            return
        with contextlib.suppress(OSError):
            os.close(self._job)
        deadline = time.monotonic() + (0 if self._finished else CLOSE_WAIT)
        while not self._finished and time.monotonic() < deadline:
            if os.waitpid(self.pid, os.WNOHANG) != (0, 0):
                self.pid = None
                break
            time.sleep(0.002)
        if self.pid is not None:
            if not self._finished:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(self.pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self.pid, 0)
        os.close(self._out)
        self.pid = None

    def __enter__(self) -> Prefork:
        return self

    def __exit__(self, kind, value, tb) -> None:
        self.close()


# ---- in the keeper ----------------------------------------------------------------------


def _keeper(job_r: int, out_w: int, parent: int, modules: Sequence[str]) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the caller answers Ctrl-C
    die_with_parent(parent)
    try:
        _keep(job_r, out_w, modules)
    except BaseException as exc:  # noqa: BLE001 — a bug of ours: raised in the caller, not hidden
        with contextlib.suppress(OSError):
            _send(out_w, _RAISED, _raised(exc))
        raise


def _keep(job_r: int, out_w: int, modules: Sequence[str]) -> None:
    gc.disable()  # the imports make many objects and free few (see cli.main)
    for module in modules:
        importlib.import_module(module)
    gc.enable()
    worker_gc()  # the workers, forked from here, inherit it
    # one job after another, until the caller closes the job's pipe (the command ended,
    # or had nothing to do)
    while (frame := _receive(job_r)) is not None:
        job = pickle.loads(frame[1])  # nosec B301  # from a pipe between this command's own forked processes
        fn, items, args, jobs, seconds = job
        if items:
            _Keeper(fn, items, args, seconds, out_w, job_r).run(max(1, min(jobs, len(items))))


class _Stopped(Exception):
    """The caller closed the job's pipe before taking every outcome."""


class _Worker:
    def __init__(self, pid: int, tasks: int, results: int) -> None:
        self.pid, self.tasks, self.results = pid, tasks, results
        self.index: int | None = None  # the item it is calling fn on
        self.started = 0.0


class _Keeper:
    def __init__(self, fn, items: list, args: tuple, seconds: float | None, out: int, job: int) -> None:
        self.fn, self.items, self.args, self.seconds, self.out = fn, items, args, seconds, out
        self.job = job  # the caller's end closed (it stopped: Ctrl-C, an error): stop too
        self.workers: list[_Worker] = []
        self.next_item = 0
        self.done: dict[int, tuple[bytes, bytes]] = {}
        self.next_out = 0

    def run(self, jobs: int) -> None:
        try:
            for _ in range(jobs):
                w = self._another()
                if w is None:
                    break
                self._give(w)
            while self.next_out < len(self.items):
                free = self._wait()
                # the outcomes go to the caller before the next items go out: a worker
                # that kills this keeper on its next item (the OOM killer's pick at that
                # moment) must not take an answer already here with it
                while self.next_out in self.done:
                    _send(self.out, *self.done.pop(self.next_out))
                    self.next_out += 1
                for w in free:
                    self._give(w)
        except _Stopped:
            pass
        finally:
            for w in self.workers:
                if w.index is not None:  # in a file no one will wait for (the caller stopped)
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(w.pid, signal.SIGKILL)
                os.close(w.tasks)  # an idle worker leaves at the end of its pipe
            for w in self.workers:
                with contextlib.suppress(ChildProcessError):
                    os.waitpid(w.pid, 0)

    def _wait(self) -> list[_Worker]:
        """Until a busy worker answers, dies or passes the limit; each handled. The
        workers free for the next item (those that answered, those forked in place of
        one that died or was killed)."""
        free = []
        busy = [w for w in self.workers if w.index is not None]
        timeout = None
        if self.seconds is not None:
            timeout = max(0.0, min(w.started for w in busy) + self.seconds - time.monotonic())
        # poll, not select: a caller's open files inherited put our pipes past select's
        # 1,024 descriptors (ValueError). A pipe whose writer is gone is POLLHUP: ready.
        poller = select.poll()
        for fd in (self.job, *(w.results for w in busy)):
            poller.register(fd, select.POLLIN)
        ready = {fd for fd, _event in poller.poll(None if timeout is None else math.ceil(timeout * 1000))}
        if self.job in ready:  # nothing more is ever written there: the caller has closed it
            raise _Stopped
        now = time.monotonic()
        for w in busy:
            if w.results in ready:
                frame = _receive(w.results)
                if frame is not None:
                    self.done[w.index] = frame
                    w.index = None
                    free.append(w)
                    continue
                free += self._replace(w, _DIED, f"the worker stopped (exit code {self._end(w)})")
            elif self.seconds is not None and now - w.started >= self.seconds:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(w.pid, signal.SIGKILL)
                self._end(w)
                free += self._replace(w, _TIMED_OUT, "")
        return free

    def _give(self, w: _Worker) -> None:
        """The next item to `w`, or none left (w.index None). A worker that died after
        its last answer (no reader on its pipe) is replaced, and the item given to the
        new one: it had not started it."""
        w.index = None
        if self.next_item < len(self.items):
            try:
                _write(w.tasks, _INDEX.pack(self.next_item))
            except BrokenPipeError:
                self._end(w)
                w = self._fork()
                _write(w.tasks, _INDEX.pack(self.next_item))
            w.index, w.started = self.next_item, time.monotonic()
            self.next_item += 1

    def _end(self, w: _Worker) -> int:
        """Wait for a worker that ended or was killed; its exit code as pebble gives it."""
        self.workers.remove(w)
        os.close(w.tasks)
        os.close(w.results)
        _, status = os.waitpid(w.pid, 0)
        return os.waitstatus_to_exitcode(status)

    def _replace(self, w: _Worker, kind: bytes, why: str) -> list[_Worker]:
        """`w`'s item has this outcome; a worker forked in its place while items are left
        (if the system gives one)."""
        self.done[w.index] = (kind, why.encode())
        w = self._another() if self.next_item < len(self.items) else None
        return [w] if w is not None else []

    def _another(self) -> _Worker | None:
        """A worker forked now; None when the system gives no process (a pids limit
        reached) while another worker is there to take the items: fewer side by side,
        each still within the limit, rather than the whole job refused."""
        try:
            return self._fork()
        except OSError as exc:
            if self.workers and no_process(exc):
                return None
            raise

    def _fork(self) -> _Worker:
        tasks_r, tasks_w = os.pipe()
        results_r, results_w = os.pipe()
        keeper = os.getpid()
        pid = os.fork()
        if pid == 0:  # a worker
            code = 1
            try:
                # only its own pipes: a worker holding another's would hide that one's death
                for other in self.workers:
                    os.close(other.tasks)
                    os.close(other.results)
                for fd in (tasks_w, results_r, self.out, self.job):
                    os.close(fd)
                die_with_parent(keeper)
                _work(tasks_r, results_w, self.fn, self.items, self.args)
                code = 0
            finally:
                os._exit(code)
        os.close(tasks_r)
        os.close(results_w)
        w = _Worker(pid, tasks_w, results_r)
        self.workers.append(w)
        return w


def _work(tasks: int, results: int, fn: Callable, items: list, args: tuple) -> None:
    """A worker: fn on each item the keeper names, until its pipe ends."""
    while (head := _read(tasks, _INDEX.size)) is not None:
        (index,) = _INDEX.unpack(head)
        try:
            payload, kind = pickle.dumps(fn(items[index], *args), pickle.HIGHEST_PROTOCOL), _RESULT
        except BaseException as exc:  # noqa: BLE001 — raised in the caller, as pebble does
            payload, kind = _raised(exc), _RAISED
        _send(results, kind, payload)
