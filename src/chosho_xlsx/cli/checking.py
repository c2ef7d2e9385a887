"""validate's checks in worker processes (common.prefork), each file within the rules'
seconds_per_file, the results in the order of the inputs: paths and the ruleset in,
each file's Checked (without its computed 調書) out. No typer here: the keeper process
imports this module's worker function by name.

`start_early` forks the keeper as `chosho-xlsx validate` starts, before the command line
loads, so that the reading stack is imported on one core while typer, click and the
arguments take the other (a cold validate of a folder was ~0.16 s of start-up, one
after the other, before its first check); `check_all` uses it, or forks one then."""

from __future__ import annotations

import atexit
import importlib
import sys
from pathlib import Path

from chosho_xlsx.common.findings import Checked, Finding

# What check_file imports, at its module's top and in its first call (pipeline, intake
# and contract import some inside functions): the keeper imports them once, the workers
# forked from it start with them.
CHECK_MODULES = (
    "chosho_xlsx.pipeline", "chosho_xlsx.intake.safety", "chosho_xlsx.intake.marks",
    "chosho_xlsx.intake.scan", "chosho_xlsx.writers.outputs", "chosho_xlsx.contract.crosschecks",
    "chosho_xlsx.rules.engine", "chosho_xlsx.model.form_texts", "python_calamine",
)

# What both the first process (the findings it prints, the ruleset it loads, the pool it
# talks to) and the keeper need: imported before the fork, once, rather than once in
# each (~30 ms of CPU each: this machine compiles our modules at every start).
SHARED_MODULES = ("chosho_xlsx.common.findings", "chosho_xlsx.model.ruleset", "chosho_xlsx.common.prefork",
                  "json", "shutil")

_early = None  # the keeper start_early forked, until check_all takes it


def available() -> bool:
    """Forked workers need os.fork, and a platform where forking a process that has
    loaded system libraries is safe (macOS's is not): Linux."""
    return sys.platform.startswith("linux")


def start_early(words: list[str]) -> None:
    """Fork the keeper now for `validate` with these words, unless they only ask for
    its help (which checks nothing)."""
    global _early
    if _early is not None or not available() or {"-h", "--help"} & set(words):
        return
    for module in SHARED_MODULES:
        importlib.import_module(module)
    # lazy: only a validate forks a keeper
    from chosho_xlsx.common.prefork import Prefork

    _early = Prefork(CHECK_MODULES)
    atexit.register(_early.close)  # a validate that ends before checking: the keeper too


def check_all(paths: list[Path], ruleset, jobs: int) -> list[Checked]:
    """check_file of each path in `jobs` workers (see the module's docstring); past the
    limit a file is E-FILE-TIMEOUT, a worker that dies costs its own file only
    (E-FILE-CORRUPT, as in the portal)."""
    global _early
    # lazy: only a validate forks a keeper
    from chosho_xlsx.common.prefork import Prefork
    from chosho_xlsx.common.workers import TimedOut, WorkerDied

    pool, _early = _early or Prefork(CHECK_MODULES), None
    limit = ruleset.limits.seconds_per_file
    results = []
    with pool:
        outcomes = pool.map(check_one, [str(p) for p in paths], ruleset, jobs=jobs, seconds=limit)
        for path, outcome in zip(paths, outcomes, strict=True):
            if isinstance(outcome, TimedOut):
                finding = Finding.about("E-FILE-TIMEOUT", str(path), seconds=f"{limit:g}")
                outcome = Checked(str(path), [finding], unreadable=True)
            elif isinstance(outcome, WorkerDied):
                finding = Finding.about("E-FILE-CORRUPT", str(path), reason="worker died")
                outcome = Checked(str(path), [finding], unreadable=True)
            results.append(outcome)
    return results


def check_one(path: str, ruleset) -> Checked:
    """In a worker: check_file, its result without the computed 調書 (validate shows
    findings only, and the 調書 is most of what a result weighs)."""
    # lazy: the keeper has imported it; the first process never does
    from chosho_xlsx.pipeline import check_file

    checked = check_file(path, ruleset)
    checked.report = None
    return checked
