"""A job body run in a child process of its own, the caller's loop keeping the score.

Why a child: the worker's main thread must stay free to beat the job's heartbeat and
read its cancel request while LibreOffice and the batch work, and the batch forks its
own workers, which is only safe from a process with no other thread (batch._run_all).
The child is spawned (no fork of a process holding a database connection; the same on
Windows), runs at the lowest priority (nice 19: the web's requests come first), dies with the worker (kill -9 included, common.workers.die_with_parent) and
talks through one pipe: ("progress", stage, done, total) … then ("done", summary),
("failed", sentence) or ("cancelled",). A cancel sets an Event the body reads at its
next step; a body that has not stopped GRACE seconds later is killed."""

from __future__ import annotations

import multiprocessing
import os
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from chosho_xlsx.jobs import book, build, preview, rollover
from chosho_xlsx.jobs.inputs import Stored
from chosho_xlsx.jobs.progress import Cancelled, JobFailed, Progress, sentence

DONE, FAILED, CANCELLED = "done", "failed", "cancelled"
NICENESS = 19  # the lowest priority: a job only takes what the web leaves
GRACE = 60.0  # seconds a body has to stop after a cancel (a LibreOffice round is ~20 s)


def _body(kind: str):
    return {"book": book.year_book, "build": build.build_all, "preview": preview.preview_pdf,
            "rollover": rollover.rollover_all}[kind]


@dataclass
class Outcome:
    status: str  # DONE, FAILED or CANCELLED
    summary: dict = field(default_factory=dict)
    error: str = ""  # one sentence when FAILED


def _child(kind: str, stored: list[dict], target: str, options: dict, conn, stop, parent: int) -> None:
    # lazy: pebble (~60 ms) only in the job's child process
    from chosho_xlsx.common.workers import die_with_parent

    die_with_parent(parent)
    if hasattr(os, "nice"):  # the web's requests first: a job (and its LibreOffice) takes the CPU left over
        os.nice(NICENESS)
    progress = Progress(report=lambda stage, done, total: conn.send(("progress", stage, done, total)),
                        cancelled=stop.is_set)
    try:
        summary = _body(kind)([Stored.from_dict(d) for d in stored], Path(target), progress, **options)
        conn.send((DONE, summary))
    except Cancelled:
        conn.send((CANCELLED,))
    except JobFailed as exc:
        conn.send((FAILED, exc.sentence))
    except Exception as exc:  # a bug: the sentence names it, the worker's log has the rest
        traceback.print_exc()
        conn.send((FAILED, sentence("crashed", error=type(exc).__name__)))
    finally:
        conn.close()


def run_child(kind: str, stored: list[Stored], target: Path, options: dict,
              tick: Callable[[str, int, int], bool], every: float = 1.0) -> Outcome:
    """Run the body of `kind` in a child; call tick(stage, done, total) at least every
    `every` seconds (the heartbeat) — it returns True when the job is to be cancelled."""
    ctx = multiprocessing.get_context("spawn")
    ours, theirs = ctx.Pipe(duplex=False)
    stop = ctx.Event()
    child = ctx.Process(target=_child, name=f"chosho-job-{kind}",
                        args=(kind, [s.to_dict() for s in stored], str(target), options, theirs, stop, os.getpid()))
    child.start()
    theirs.close()
    state = ("", 0, 0)
    stopping_since = None
    end: tuple | None = None
    ticked = 0.0
    try:
        while end is None:
            try:
                if ours.poll(every):
                    message = ours.recv()
                    if message[0] == "progress":
                        state = message[1:]
                    else:
                        end = message
                        break
            except (EOFError, OSError):  # the child is gone without a word
                break
            if time.monotonic() - ticked < every:
                continue
            ticked = time.monotonic()
            if tick(*state) and stopping_since is None:
                stop.set()
                stopping_since = time.monotonic()
            if stopping_since is not None and time.monotonic() - stopping_since > GRACE:
                child.kill()
                end = (CANCELLED,)
    finally:
        child.join(GRACE if end else 5)
        if child.is_alive():
            child.kill()
            child.join()
        ours.close()
    if end is None:
        return Outcome(FAILED, error=sentence("child-died", code=child.exitcode))
    if end[0] == DONE:
        return Outcome(DONE, summary=end[1] or {})
    if end[0] == FAILED:
        return Outcome(FAILED, error=end[1])
    return Outcome(CANCELLED)
