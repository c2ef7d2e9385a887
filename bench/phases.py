"""Where a batch build's time goes, phase by phase: `batch.build.run` of a folder, in this
process as `chosho-xlsx build DIR` runs it (same pool, same workers), with a clock at each
step and the workers' CPU per file split into its parts.

    python bench/phases.py DIR [-n N] [--jobs J] [--pool]

Prints the timeline (wall clock since the interpreter started, and this process's CPU):
imports, the pool started (workers forked, tasks queued), the first 調書 back, the last
one back, the 調書 put in place (each made durable first), the 一覧 and 評価結果概要
written, the end; then each worker's CPU per file: check (read, safety, contract, rules),
the 調書 planned and written in memory (layout.workbook.chosho_bytes), the rest of the
task (the 一覧's figures, the name, the write into the hidden folder). The command line's
own start-up (typer, click; `python -X importtime -m chosho_xlsx.cli build …`) is not in
it: `run.py` times the command as a user runs it."""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

START = time.perf_counter()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("inputs", type=Path)
    ap.add_argument("-n", type=int, default=0, help="the first N inputs (default: all)")
    ap.add_argument("--jobs", type=int, default=None)
    ap.add_argument("--pool", action="store_true",
                    help="the pool run() starts itself (the portal's, the book's) instead of the keeper")
    a = ap.parse_args(argv)

    marks: list[tuple[str, float, float]] = []

    def mark(name: str) -> None:
        marks.append((name, time.perf_counter() - START, time.process_time()))

    from chosho_xlsx.batch import build, keeper
    from chosho_xlsx.model.ruleset import load_ruleset

    mark("imports (batch.build)")
    _instrument(build, mark)
    settings = load_ruleset()
    paths = sorted(a.inputs.glob("*.xlsx"))
    paths = paths[: a.n] if a.n else paths
    first: list[bool] = []

    def done(outcome) -> None:
        if not first:
            first.append(True)
            mark("first 調書 back")

    # The command line's workers: a keeper (batch.keeper) forked here, after the wrappers
    # above so that its workers run them; `chosho-xlsx build` forks it before typer loads,
    # so its imports overlap the command line's instead of following this process's.
    from chosho_xlsx.common.prefork import Prefork

    kept = None if a.pool else Prefork(keeper.BUILD_MODULES)
    with tempfile.TemporaryDirectory() as out:
        mark("run() called")
        batch = build.run(paths, Path(out), settings, jobs=a.jobs, on_done=done, keeper=kept,
                          on_start=lambda: mark("workers started, inputs sent"))
        mark("end")
    _print(marks, batch, len(paths))
    return 0


def _instrument(build, mark) -> None:
    """Clocks at the parent's steps, and each worker task's CPU by part (fork: the
    workers inherit these wrappers)."""
    from chosho_xlsx import pipeline
    from chosho_xlsx.writers.layout import workbook

    place, lists, work = build._place, build._start_lists, build.work
    check, chosho_bytes = pipeline.check_input, workbook.chosho_bytes
    parts: dict[str, float] = {}

    def timed(name, fn):
        def call(*args, **kwargs):
            t = time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                parts[name] = parts.get(name, 0.0) + time.process_time() - t
        return call

    def timed_work(task):
        parts.clear()
        t = time.process_time()
        outcome = work(task)
        outcome.cpu = dict(parts, task=time.process_time() - t)  # pickled with the Outcome
        return outcome

    # pickled by name as the pool sends it: the name it replaces
    timed_work.__module__, timed_work.__qualname__ = work.__module__, work.__qualname__

    def timed_place(*args, **kwargs):
        mark("last 調書 back")
        place(*args, **kwargs)
        mark("調書 durable and in place")

    def timed_lists(*args, **kwargs):
        finish = lists(*args, **kwargs)  # handed to the keeper's workers, if any

        def timed_finish():
            finish()
            mark("一覧 and 評価結果概要 written")
        return timed_finish

    pipeline.check_input = timed("check", check)
    workbook.chosho_bytes = timed("write", chosho_bytes)
    build.work, build._place, build._start_lists = timed_work, timed_place, timed_lists


def _print(marks, batch, n: int) -> None:
    print(f"build of {n} inputs: {len(batch.built)} 調書 built, load average {os.getloadavg()[0]:.1f}")
    previous = 0.0
    for name, wall, cpu in marks:
        print(f"  {name:32s} {wall:7.3f} s  (+{wall - previous:.3f})   this process's CPU {cpu:.3f} s")
        previous = wall
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(f"  workers' CPU in all: {children.ru_utime + children.ru_stime:.2f} s")
    cpu = [getattr(e.outcome, "cpu", None) for e in batch.entries]
    cpu = [c for c in cpu if c]
    if not cpu:
        return
    print("per input, worker CPU (median / mean, ms):")
    for part in ("check", "write", "task"):
        values = [c.get(part, 0.0) * 1000 for c in cpu]
        print(f"  {part:6s} {statistics.median(values):6.1f} / {statistics.mean(values):6.1f}")
    rest = [(c["task"] - c.get("check", 0) - c.get("write", 0)) * 1000 for c in cpu]
    print(f"  rest   {statistics.median(rest):6.1f} / {statistics.mean(rest):6.1f}   (figures, name, the file)")


if __name__ == "__main__":
    sys.exit(main())
