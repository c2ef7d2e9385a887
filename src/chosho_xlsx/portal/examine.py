"""Validating an upload, in a worker process of its own: check_file is pure Python and
holds the GIL, so in the server's threads two uploads would share one core. `serve` starts
one worker per core (forkserver: never a fork of the threaded server); the tests and the
commands call examine() in their own process. No Django here: a worker does not set it up.

Each examination has the batch's time limit (the rules' seconds_per_file, common.workers):
past it the worker is killed and the upload gets E-FILE-TIMEOUT. A worker that dies on a
file (a parser crashing, memory) costs that upload only: it gets E-FILE-CORRUPT, and
another worker takes its place."""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import cache

from chosho_xlsx.common.findings import Finding, finding_dict
from chosho_xlsx.common.workers import TimedOut, WorkerDied, Workers, die_with_process
from chosho_xlsx.model.ruleset import load_ruleset
from chosho_xlsx.pipeline import check_book, check_file, example_book
from chosho_xlsx.portal import timing


@dataclass(frozen=True)
class Named:
    """What a workbook says it is for: its 施策, 実施年度, 計画期間 and 事業群's 主管課."""

    fiscal_year: int
    policy: str
    plan_start: int
    plan_end: int
    sections: tuple[str, ...]


@dataclass
class Examined:
    findings: list[dict] = field(default_factory=list)  # validate --format json, in Japanese
    unreadable: bool = False
    named: Named | None = None
    seconds: float = 0.0  # examine()'s own time, in the process that ran it
    # some finding carries the name shown (those about the file as a whole): the same
    # bytes under another name have other findings
    names_the_file: bool = False
    # False: no result of the file itself (stopped past the time limit, its worker died):
    # another try may have one, so it is never recalled (remember())
    complete: bool = True

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f["severity"] == "error")


@cache
def rules():
    """The rules settings (schemas/rules.yaml), read once per process."""
    return load_ruleset()


def examine(path: str, name: str) -> Examined:
    """check_file on a stored upload; `name` (what the browser sent) stands where the CLI
    names the file: the server's path is nobody's business."""
    start = time.perf_counter()
    checked = check_file(path, rules())
    findings, named_file = [], False
    for f in checked.findings:
        if f.about_file:
            f, named_file = f.named(name), True
        findings.append(finding_dict(checked, f, "ja"))
    named = None
    if checked.report is not None:
        c = checked.report.chosho
        named = Named(c.fiscal_year, c.policy, c.plan_start, c.plan_end,
                      tuple(dict.fromkeys(g.section for g in c.groups if g.section)))
    return Examined(findings, checked.unreadable, named, time.perf_counter() - start, names_the_file=named_file)


_pool: Workers | None = None
_lock = threading.Lock()


def use_workers(n: int) -> None:
    """Validate in `n` worker processes from now on (0: in this process, with no time
    limit: the tests and the commands)."""
    global _pool
    with _lock:
        old, _pool = _pool, (_new_pool(n) if n > 0 else None)
    if old is not None:
        old.close(now=True)
    if _pool is not None:
        # the workers start now, not on the first upload, and each pays its first
        # examination's caches before anyone waits for it (the first uploads of a load
        # test waited 2 s for both)
        for _ in range(n):
            _pool.submit(warm)


def warm() -> None:
    """In a worker: what the first examination would load (the rules, the contract, the
    form's texts), loaded by checking the bundled example."""
    check_book(example_book(), rules())


def _new_pool(n: int) -> Workers:
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["chosho_xlsx.portal.examine", "chosho_xlsx.pipeline"])
    # A worker ends with the server, however the server ends (kill -9 included); with
    # the workers gone the fork server sees its pipe close and ends too.
    return Workers(n, rules().limits.seconds_per_file, context=ctx,
                   initializer=die_with_process, initargs=(os.getpid(),))


def examine_upload(path: os.PathLike, name: str) -> Examined:
    """examine() in a worker, within the rules' seconds_per_file: past it the worker is
    killed and the upload gets E-FILE-TIMEOUT, as an input of a batch build does."""
    pool = _pool
    if pool is None:
        return examine(str(path), name)
    start = time.perf_counter()
    try:
        examined = pool.run(examine, str(path), name)
        # the examination itself, and the process hop around it (pickling, the pipes,
        # waiting for a free worker), as the load benchmark reports them
        timing.add("check", examined.seconds)
        timing.add("hop", time.perf_counter() - start - examined.seconds)
        return examined
    except TimedOut as exc:
        finding = Finding.about("E-FILE-TIMEOUT", name, seconds=f"{exc.seconds:g}")
    except WorkerDied:
        finding = Finding.about("E-FILE-CORRUPT", name, reason="worker died")
    return Examined([finding.as_dict("ja")], unreadable=True, complete=False)


# ---- the same bytes again ------------------------------------------------------------------------
# check_file gives the same findings for the same bytes under the same rules (read once per
# process: rules()), so bytes uploaded again (a department unsure whether its upload went
# through; every third upload of bench/portal_load.py) are not examined again by this
# process: their examination is recalled by their SHA-256 and suffix (which decides how
# they are read), and the name shown where a finding carries it. The newest RECENT are kept,
# and no more than RECENT_FINDINGS findings among them: a workbook within the limits can have
# ~28,000 findings (~15 MB held; 2,000 rows of wrong figures), and 256 such uploads, each
# differing by a cell, would have kept ~4 GB in the server. A file sent again is most often
# one with few findings, which is what is kept.

RECENT = 256
RECENT_FINDINGS = 20_000  # ~11 MB at ~0.55 KB a finding


class Recent(OrderedDict):
    """The examinations recalled, oldest first, with the count of their findings kept as
    they come and go (summing the 256 on every upload cost ~0.1 ms of the server's CPU)."""

    held = 0

    def put(self, key: tuple[str, str, str], examined: Examined) -> None:
        old = self.pop(key, None)
        self.held += len(examined.findings) - (len(old.findings) if old is not None else 0)
        self[key] = examined
        while len(self) > RECENT or self.held > RECENT_FINDINGS:
            self.held -= len(self.popitem(last=False)[1].findings)


_recent = Recent()
_recent_lock = threading.Lock()


def recalled(sha256: str, suffix: str, name: str) -> Examined | None:
    """The examination of these bytes, read as `suffix`, shown as `name`, if this process
    made one lately."""
    with _recent_lock:
        for key in ((sha256, suffix, ""), (sha256, suffix, name)):
            examined = _recent.get(key)
            if examined is not None:
                _recent.move_to_end(key)
                return examined
    return None


def remember(sha256: str, suffix: str, name: str, examined: Examined) -> None:
    if not examined.complete or len(examined.findings) > RECENT_FINDINGS:
        return
    key = (sha256, suffix, name if examined.names_the_file else "")
    with _recent_lock:
        _recent.put(key, examined)
