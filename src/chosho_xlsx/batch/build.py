"""Building many 調書 at once: every input validated and built, in parallel; one bad
workbook never stops the others.

Each worker process runs check_file and, when the input passes, writes its 調書 to a
temporary name in a hidden folder inside OUT; it sends back a small record (findings,
the name the content gives, the 一覧 figures), never the Report. The parent then
decides the final names and moves the files into OUT with os.replace (atomic on one
file system), writes the 一覧 and removes the hidden folder.

Two inputs for the same 施策 and 実施年度 build neither: both are reported as
duplicates, each naming the other. Picking one (the first in file order, say) would
publish a 調書 that may be the stale copy without anyone noticing; building neither
makes the division settle which one counts, and re-running gives the same result
whatever the file order. Distinct 施策 whose names sanitise to the same file name get
「_2」, 「_3」 … in input order.

The outcome is deterministic: the same inputs give the same files, byte for byte."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from chosho_xlsx.batch import leftovers, sources
from chosho_xlsx.common.errors import EXIT_CONTENT, EXIT_OK, EXIT_UNREADABLE
from chosho_xlsx.common.findings import Finding, Verdict
from chosho_xlsx.common.machine import default_jobs
from chosho_xlsx.common.sentences import text
from chosho_xlsx.common.text import TextTooLong, path_text
from chosho_xlsx.model.chosho import policy_key
from chosho_xlsx.model.ruleset import Ruleset
from chosho_xlsx.writers import summary
from chosho_xlsx.writers.export import report_dict
from chosho_xlsx.writers.naming import chosho_name, unique_names
from chosho_xlsx.writers.outputs import (
    MANIFEST,
    file_ids,
    read_manifest,
    refusal,
    retire,
    write_manifest,
)
from chosho_xlsx.writers.summary import (
    DUPLICATE,
    FAILED,
    FILE_NAME,
    NOT_WRITTEN,
    PASSED,
    UNREADABLE,
    ChoshoFigures,
    Line,
    figures,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from chosho_xlsx.pipeline import Bundled

TEMP_PREFIX = leftovers.PREFIX
# How often the pool's threads look at it (common.workers.Workers' poll), pebble's
# default: each look costs the parent CPU while the workers run (at 0.01 s, ~70 ms of a
# 100-input build on the project's machine, on the workers' cores), and closing the pool
# waits up to this long after the last 調書, which the batch spends placing its 調書 and
# writing its lists (Workers.finish), not waiting.
POLL = 0.1

Task = tuple[int, "str | Bundled", str, bool]  # (index, input, where to write its 調書, want JSON)


@dataclass
class Outcome(Verdict):
    """What a worker sends back for one input: small and picklable."""

    index: int
    source: str
    findings: list[Finding] = field(default_factory=list)
    unreadable: bool = False
    key: tuple[int, str] | None = None  # (実施年度, 施策) when the content names them
    name: str = ""  # the file name the content gives (naming.chosho_name)
    temp: str = ""  # where the worker wrote the 調書
    figures: ChoshoFigures | None = None
    data: dict | None = None  # export.report_dict, when JSON was asked for
    error: str = ""  # writing failed: why
    seconds: float = 0.0


@dataclass
class Entry:
    """One input's final result."""

    outcome: Outcome
    status: str  # summary.PASSED, FAILED, UNREADABLE, DUPLICATE, NOT_WRITTEN
    path: Path | None = None  # the 調書 written
    others: list[str] = field(default_factory=list)  # the other inputs of a duplicate

    @property
    def built(self) -> bool:
        return self.status == PASSED


@dataclass
class Batch:
    entries: list[Entry]
    summary: Path | None
    seconds: float = 0.0
    overview: Path | None = None  # 評価結果概要.xlsx
    summary_error: str = ""
    retired: list[Path] = field(default_factory=list)  # 調書 of the earlier batch removed
    manifest_error: str = ""

    @property
    def built(self) -> list[Entry]:
        return [e for e in self.entries if e.built]

    @property
    def failed(self) -> list[Entry]:
        return [e for e in self.entries if not e.built]

    @property
    def exit_code(self) -> int:
        """0 all built; 2 an input could not be read or an output written; else 1."""
        if (any(e.status in (UNREADABLE, NOT_WRITTEN) for e in self.entries) or self.summary_error
                or self.manifest_error):
            return EXIT_UNREADABLE
        return EXIT_CONTENT if self.failed else EXIT_OK


# ---- the worker -------------------------------------------------------------------------

_settings: Ruleset | None = None


def _init(ruleset: Ruleset, parent: int | None = None) -> None:
    global _settings
    _settings = ruleset
    if parent is not None:  # a pool worker: it ends when the batch does (kill -9 included)
        # lazy: pebble (~60 ms) only when a batch runs in processes
        from chosho_xlsx.common.workers import die_with_parent, worker_gc

        # the pool stops a worker with SIGTERM: it dies at once, whatever handler the
        # command that forked it set for itself (cli.build's)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        die_with_parent(parent)
        worker_gc()


def work(task: Task) -> Outcome:
    """Validate one input and, if it passes, write its 調書 to `temp`."""
    index, source, temp, want_data = task
    ruleset = _settings
    if ruleset is None:  # not an assert: python -O would drop it (bandit B101)
        raise RuntimeError("work() needs _init(settings) first")
    # lazy: the checking stack is the workers' (imported by the keeper, or before the
    # pool's fork in _context); the command's own process never loads it (batch.keeper)
    from chosho_xlsx.pipeline import check_input

    start = time.perf_counter()
    checked = check_input(source, ruleset)
    out = Outcome(index, str(source), checked.findings, checked.unreadable)
    report = checked.report
    if report is not None:
        c = report.chosho
        out.key = policy_key(c.fiscal_year, c.policy)
        out.name = chosho_name(report)
        out.figures = figures(report, ruleset)  # the 一覧 lists 施策 and 主管課 of any it could read
    if out.ok and report is not None:
        # lazy: the 調書 writer (XlsxWriter, ~0.25 s with its layout) only when a 調書 is written
        from chosho_xlsx.writers.layout.workbook import chosho_bytes

        if want_data:
            out.data = report_dict(report)
        try:
            # a plain write into the batch's hidden folder: the parent makes it durable
            # (_Durable) before it renames it into OUT
            Path(temp).write_bytes(chosho_bytes(report, ruleset))
            out.temp = temp
        except Exception as exc:  # a full disk, or a bug: this input fails, the batch goes on
            out.error = f"{type(exc).__name__}: {exc}"
    out.seconds = time.perf_counter() - start
    return out


def work_with(task: Task, ruleset: Ruleset) -> Outcome:
    """work() in a keeper's worker (batch.keeper, common.prefork): the ruleset comes with
    the call, and a bug in work() costs its own input only (prefork raises an exception
    of the function in the caller, which would end the whole batch), as with pebble."""
    if _settings is not ruleset:
        _init(ruleset)
    try:
        return work(task)
    except Exception as exc:
        return _crashed(task[0], task[1], exc)


def _crashed(index: int, source: str | Bundled, exc: BaseException) -> Outcome:
    return Outcome(index, str(source), error=f"{type(exc).__name__}: {exc}")


# ---- the parent ---------------------------------------------------------------------------


def _context():
    """fork on Linux: each worker starts warm, with the modules it needs already imported
    here (and a test's monkeypatch seen); elsewhere the platform's default (spawn)."""
    # lazy: only a batch of more than one file starts processes
    import multiprocessing

    if sys.platform.startswith("linux"):
        # lazy: warmed here, before the fork, so every worker has them (layout's package
        # imports it lazily; this module imports the pipeline only in work())
        from chosho_xlsx import pipeline  # noqa: F401
        from chosho_xlsx.writers.layout import workbook  # noqa: F401

        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()


def _run_all(tasks: list[Task], ruleset: Ruleset, jobs: int,
             on_done, on_start=None, closing: contextlib.ExitStack | None = None,
             keeper=None) -> list[Outcome]:
    """Every task's Outcome, in task order, from `jobs` worker processes (common.workers),
    each input's work limited to settings.limits.seconds_per_file: past it, that worker
    is killed and replaced, the input becomes a row of the table (E-FILE-TIMEOUT) and the
    batch goes on. A worker that dies (killed, out of memory, a parser aborting) costs
    its own input only. Workers are reused: an input costs a message, not a process.

    The pool winds down from the last result on (Workers.finish); `closing`, if given,
    waits for its end when it closes (the batch's tail meanwhile), else it is waited for
    here. An error or an interrupt stops it at once, before this returns.

    `keeper` (batch.keeper, the command line's): a common.prefork.Prefork forked as the
    command started, whose workers run the inputs instead of a pool started here.

    `on_start` is called once the first workers exist; no thread of ours may run while
    they are forked (a lock it held at that moment, such as stderr's, would stay held in
    the children), so a progress bar must refresh from `on_done`, not from a thread of
    its own."""
    # Largest inputs first: the batch ends when the last worker does, so leave the
    # small ones for the end.
    def size(t):
        with contextlib.suppress(OSError, TypeError):  # TypeError: the bundled example
            return -os.path.getsize(t[1])
        return 0

    order = sorted(tasks, key=lambda t: (size(t), t[0]))
    results: dict[int, Outcome] = {}
    try:
        if keeper is not None:
            _run_kept(keeper, order, ruleset, jobs, on_done, on_start, closing, results)
        else:
            _run_pooled(order, ruleset, jobs, on_done, on_start, closing, results)
    except Exception as exc:
        if results or not _refused(exc):
            raise
        # No process or thread to be had (a pids limit reached, fork refused for memory),
        # before any result: each input built here, one after another, as validate checks
        # then (cli.checking) and as a keeper gone mid-batch leaves its inputs (no time
        # limit here: never once a result came, so no input past it is tried again).
        if on_start:
            on_start()
        for t in order:
            results[t[0]] = work_with(t, ruleset)
            on_done(results[t[0]])
    return [results[t[0]] for t in tasks]


def _refused(exc: BaseException | None) -> bool:
    """The system gave the batch no process (common.prefork.no_process: the keeper's or
    pebble's fork, pebble's BrokenProcessPool raised from it) or no thread (pebble's)."""
    # lazy: imported before the keeper's fork already (batch.keeper's SHARED_MODULES)
    from chosho_xlsx.common.prefork import no_process

    while exc is not None:
        if isinstance(exc, OSError) and no_process(exc):
            return True
        if isinstance(exc, RuntimeError) and "can't start new thread" in str(exc):
            return True
        exc = exc.__cause__
    return False


def _run_pooled(order: list[Task], ruleset: Ruleset, jobs: int, on_done, on_start,
                closing: contextlib.ExitStack | None, results: dict[int, Outcome]) -> None:
    """_run_all's work in a pool started here (common.workers, pebble)."""
    # lazy: as pebble, only for the pool (the keeper's workers, batch.keeper, never need it)
    from concurrent.futures import as_completed

    # lazy: pebble (~60 ms) only when a batch runs in processes
    from chosho_xlsx.common.workers import TimedOut, Workers

    limit = ruleset.limits.seconds_per_file
    pool = Workers(jobs, limit, context=_context(), initializer=_init,
                   initargs=(ruleset, os.getpid()), poll=POLL)
    try:
        futures = {pool.submit(work, t): t for t in order}  # the first submit starts them all
        if on_start:
            on_start()
        for fut in as_completed(futures):
            t = futures[fut]
            try:
                results[t[0]] = pool.result(fut)
            except TimedOut:
                results[t[0]] = _timed_out(t, limit)
            except Exception as exc:  # WorkerDied, or a bug in work(): its own input only
                results[t[0]] = _crashed(t[0], t[1], exc)
            on_done(results[t[0]])
    except BaseException:  # an interrupt or an error: no worker goes on
        pool.close(now=True)
        raise
    pool.finish()
    if closing is None:
        pool.close()
    else:
        closing.callback(pool.close)


def _run_kept(keeper, order: list[Task], ruleset: Ruleset, jobs: int, on_done, on_start,
              closing: contextlib.ExitStack | None, results: dict[int, Outcome]) -> None:
    """_run_all's work in the keeper's workers: each input's Outcome (TimedOut and
    WorkerDied as with the pool) into `results`, in `order` as they come back."""
    # lazy: the keeper's imports are light, but only a build with a keeper needs them
    from chosho_xlsx.common.workers import KeeperGone, TimedOut, WorkerDied

    limit = ruleset.limits.seconds_per_file
    try:
        outcomes = keeper.map(work_with, order, ruleset, jobs=jobs, seconds=limit)
        if on_start:
            on_start()
        for t, outcome in zip(order, outcomes, strict=True):
            if isinstance(outcome, KeeperGone):
                # the keeper was killed (the OOM killer, kill -9): its inputs are not
                # broken, only not built yet; built here, one after another
                outcome = work_with(t, ruleset)
            elif isinstance(outcome, TimedOut):
                outcome = _timed_out(t, limit)
            elif isinstance(outcome, WorkerDied):
                outcome = _crashed(t[0], t[1], outcome)
            results[t[0]] = outcome
            on_done(outcome)
    except BaseException:  # an interrupt or an error: the keeper and its workers end now
        keeper.close()
        raise
    if closing is None:
        keeper.close()
    else:  # its workers leave as their pipes end; waited for after the lists
        closing.callback(keeper.close)


def _timed_out(task: Task, seconds: float) -> Outcome:
    source = str(task[1])
    finding = Finding.about("E-FILE-TIMEOUT", source, seconds=f"{seconds:g}")
    return Outcome(task[0], source, [finding], unreadable=True, seconds=seconds)


class _Durable:
    """The 調書 the workers wrote, made durable (fsync) by threads of the parent while
    the workers go on, so that a file renamed into OUT is on the disk (as
    atomic.atomic_path makes one file). An fsync is mostly waiting for the disk: 5–15 ms
    a file one after another on the project's machine, ~1 ms each when a few run at
    once (the journal commits them together); in the workers it was the batch's largest
    cost after the writing itself. The threads start with the first 調書 written, after
    the workers were forked."""

    def __init__(self) -> None:
        self._threads = None
        self._pending: dict[int, object] = {}

    def add(self, outcome: Outcome) -> None:
        if not outcome.temp:
            return
        if self._threads is None:
            # lazy: this process's alone, once a 調書 is written (concurrent.futures and
            # logging, ~4 ms uncached): not before the keeper's fork (batch.keeper)
            from concurrent.futures import ThreadPoolExecutor

            self._threads = ThreadPoolExecutor(4, thread_name_prefix="fsync")
        try:
            self._pending[outcome.index] = self._threads.submit(_fsync, outcome.temp)
        except RuntimeError:  # no thread to be had (a pids limit reached): made durable here
            # lazy: as ThreadPoolExecutor above
            from concurrent.futures import Future

            done = self._pending[outcome.index] = Future()
            try:
                _fsync(outcome.temp)
                done.set_result(None)
            except OSError as exc:
                done.set_exception(exc)

    def wait(self, index: int) -> str:
        """'' once the 調書 of input `index` is on the disk, else why it is not."""
        try:
            self._pending[index].result()
        except OSError as exc:
            return f"{exc.strerror or type(exc).__name__}: {exc.filename or ''}"
        return ""

    def close(self) -> None:
        if self._threads is not None:
            self._threads.shutdown(wait=True)


def _fsync(path: str) -> None:
    with open(path, "rb+") as fh:
        os.fsync(fh.fileno())


def _decide(outcomes: list[Outcome]) -> list[Entry]:
    """Each outcome's status; duplicates of 施策 + 実施年度 are found here."""
    by_key: dict[tuple[int, str], list[Outcome]] = defaultdict(list)
    for o in outcomes:
        if o.key is not None:
            by_key[o.key].append(o)
    entries = []
    for o in outcomes:
        same = by_key.get(o.key, []) if o.key is not None else []
        if o.unreadable:
            entries.append(Entry(o, UNREADABLE))
        elif len(same) > 1:
            entries.append(Entry(o, DUPLICATE, others=[x.source for x in same if x is not o]))
        elif not o.ok:
            entries.append(Entry(o, FAILED))
        elif o.error or not o.temp:
            entries.append(Entry(o, NOT_WRITTEN))
        else:
            entries.append(Entry(o, PASSED))
    return entries


def _place(entries: list[Entry], out: Path, inputs: set[tuple[int, int]], durable: _Durable) -> None:
    """Move the written 調書 to their final, unique names (in input order); never over
    an input or a file this tool did not write (outputs.refusal)."""
    built = [e for e in entries if e.built]
    names = unique_names([e.outcome.name for e in built])
    for e, name in zip(built, names, strict=True):
        target = out / name
        why = refusal(target, inputs) or durable.wait(e.outcome.index)
        if why:
            e.status = NOT_WRITTEN
            e.outcome.error = why
            continue
        try:
            os.replace(e.outcome.temp, target)
            e.path = target
        except OSError as exc:
            e.status = NOT_WRITTEN
            e.outcome.error = f"{exc.strerror or type(exc).__name__}: {target}"


def reason(entry: Entry, lang: str = "ja") -> str:
    """Why an input was not built, in one line."""
    o = entry.outcome
    if entry.status == DUPLICATE:
        return text("build.duplicate", lang, names=", ".join(entry.others))
    if entry.status == NOT_WRITTEN:
        return text("build.not-written", lang, error=o.error)
    if o.unreadable and o.findings:
        return o.findings[0].message(lang)
    errors = o.errors
    if errors:
        f = errors[0]
        more = len(errors) - 1
        tail = text("build.more", lang, more=more) if more else ""
        return f"{f.place}: {f.message(lang)} [{f.code}]{tail}"
    return ""


def lines(batch: Batch, lang: str = "ja", labels: dict[str, str] | None = None) -> list[Line]:
    """The 一覧's rows; `labels` name inputs by their path (run's `labels`)."""
    out = []
    for e in batch.entries:
        o = e.outcome
        n_err = len(o.errors)
        out.append(Line(
            source=path_text((labels or {}).get(o.source, o.source)),
            outcome=e.status,
            figures=o.figures,  # counted only when built (summary)
            output=e.path.name if e.path else "",
            errors=n_err,
            warnings=len(o.findings) - n_err,
            reason="" if e.built else reason(e, lang),
        ))
    return out


def run(paths: list[Path | Bundled], out: Path, ruleset: Ruleset, jobs: int | None = None,
        want_data: bool = False, on_done=None, summary: bool = True, on_start=None,
        lang: str = "ja", labels: list[str] | None = None, record: bool = True,
        keeper=None, on_placed=None) -> Batch:
    """Validate and build every input into `out`; write the 一覧 there (unless not
    `summary`), and the manifest, removing what the earlier batch wrote and this one did
    not (unless not `record`). `labels`, one per path, stand for the paths in the 一覧's
    入力 column (the portal builds from copies in a temporary folder whose name is
    nobody's business, and would change every build). `keeper`: the workers' keeper the
    command line forked as it started (batch.keeper), else a pool is started here.
    `on_placed(batch)`: once every input's row is final and its 調書 in place, before the
    lists and the manifest are (a table of the rows is drawn meanwhile)."""
    # lazy: the 評価結果概要's writer is wanted at the batch's end only (~8 ms uncached):
    # batch.build is imported before the keeper's fork (batch.keeper), and the 調書's
    # workers never write it
    from chosho_xlsx.writers import overview

    start = time.perf_counter()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    previous = read_manifest(out)
    leftovers.sweep(out, (FILE_NAME, overview.FILE_NAME, MANIFEST))  # what a killed batch left here
    # The pool, finished with its last result, ends while the 調書 are placed and the
    # lists written (_run_all's `closing`): its threads' last wake-up is waited for once.
    with contextlib.ExitStack() as closing:
        held = leftovers.Held(out)
        tmpdir = held.path
        try:
            tasks = [(i, str(p) if _is_file(p) else p, str(tmpdir / f"{i}.xlsx"), want_data)
                     for i, p in enumerate(paths)]
            side = max(1, jobs or default_jobs())  # --jobs: processes side by side, the lists' too
            jobs = min(side, len(tasks))
            durable = _Durable()

            def done(o: Outcome) -> None:
                durable.add(o)
                if on_done:
                    on_done(o)

            try:
                outcomes = _run_all(tasks, ruleset, jobs, done, on_start, closing, keeper)
                entries = _decide(outcomes)
                sources = file_ids(p for p in paths if _is_file(p))
                _place(entries, out, sources, durable)
            finally:
                durable.close()
        finally:
            held.remove()
        batch = Batch(entries, None)
        finish_lists = None
        if summary:
            named = dict(zip(map(str, paths), labels, strict=True)) if labels else {}
            finish_lists = _start_lists(batch, lines(batch, lang, named), out, sources, ruleset, keeper, side)
        try:
            if on_placed:  # while the keeper's workers write the lists
                on_placed(batch)
        finally:  # whatever on_placed met, the batch is completed: its lists, its manifest
            if finish_lists:
                finish_lists()
            if record:
                _record(batch, out, previous, sources)
    batch.seconds = time.perf_counter() - start
    return batch


def _is_file(p: object) -> bool:
    """A path, not the bundled example (pipeline.Bundled: this process need not import
    the pipeline to tell them apart)."""
    return isinstance(p, (str, os.PathLike))


def _start_lists(batch: Batch, listed: list, out: Path, sources: set[tuple[int, int]],
                 ruleset: Ruleset, keeper=None, jobs: int = 2) -> Callable[[], None]:
    """The 一覧 and the 評価結果概要 of the batch, beside its 調書 (a file there that is not
    ours is never written over: batch.summary_error says why there is none): handed now
    to two of the command line's keeper's workers, at once (one after the other in one
    where `jobs`, the command's --jobs, is 1); the function returned waits
    for them and notes them in `batch` (without a keeper, or for a list whose worker
    was lost, it writes them itself). In the workers the writers are imported already
    (this process never loads XlsxWriter), and the two lists and the command's table
    take one list's time after the last 調書 instead of three, one after the other,
    while the other core sat idle."""
    # lazy: imported by run() already (not at the top: see there)
    from chosho_xlsx.writers import overview

    lists = {"summary": FILE_NAME, "overview": overview.FILE_NAME}
    errors = {attr: refusal(out / name, sources) or "" for attr, name in lists.items()}
    todo = [(attr, str(out / name)) for attr, name in lists.items() if not errors[attr]]
    handed = keeper is not None and bool(todo)
    names = tuple(lists.values())
    before = leftovers.temporaries(out, names) if handed else None
    written = (keeper.map(write_list, todo, listed, ruleset, jobs=min(jobs, len(todo)), seconds=None)
               if handed else iter(()))

    def finish() -> None:
        lost = False  # a list's worker killed as it wrote leaves its temporary file in OUT
        try:
            for item in todo:
                why = _answer(written)
                if not isinstance(why, str):  # no keeper, or it or its worker is gone: written here
                    lost = True
                    why = write_list(item, listed, ruleset)
                attr, target = item
                errors[attr] = why
                if not why:
                    setattr(batch, attr, Path(target))
        except BaseException:  # Ctrl-C while they write: the workers end now, and are waited for
            lost = True
            if handed:
                keeper.close()
            raise
        finally:
            if handed and lost:
                leftovers.sweep_lost(out, names, before)
        batch.summary_error = next((e for e in errors.values() if e), "")

    return finish


def _answer(written):
    """The next list's answer from the keeper (see _start_lists), or None to write it
    here: the keeper's workers may be refused (a pids limit, the memory: its error
    raised here, _refused), as a pool's would be, and the lists are the batch's all the
    same."""
    try:
        return next(written, None)
    except Exception as exc:
        if not _refused(exc):
            raise
        return None


def write_list(item: tuple[str, str], listed: list, ruleset: Ruleset) -> str:
    """One of _start_lists' lists, ("summary" or "overview", its path), written: '' or why
    it is not (a full disk, a text longer than a cell holds: no list rather than a wrong
    one)."""
    # lazy: the list writer's own (see run()): in a keeper's worker, imported beside the
    # 一覧's longer writing
    from chosho_xlsx.writers import overview

    kind, target = item
    write = summary.write_summary if kind == "summary" else overview.write_overview
    try:
        write(listed, Path(target), ruleset)
    except OSError as exc:
        return f"{exc.strerror or type(exc).__name__}: {target}"
    except TextTooLong as exc:
        return f"{exc}: {target}"
    return ""


def _record(batch: Batch, out: Path, previous: list[str], sources: set[tuple[int, int]]) -> None:
    """The manifest (outputs.MANIFEST) lists what this batch wrote; what the earlier batch
    wrote and this one did not is removed (outputs.retire), so no stale 調書 looks current."""
    written = [e.path.name for e in batch.entries if e.path]
    written += [p.name for p in (batch.summary, batch.overview) if p]
    try:
        write_manifest(out, written)
    except OSError as exc:
        batch.manifest_error = f"{exc.strerror or type(exc).__name__}: {out / MANIFEST}"
    batch.retired = retire(out, previous, written, sources)


# The inputs of a batch (sources.py, which validate imports without this module's writers).
inputs = sources.inputs
