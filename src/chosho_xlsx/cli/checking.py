"""validate's checks in worker processes (common.prefork), each file within the rules'
seconds_per_file, the results in the order of the inputs: paths and the ruleset in,
each file's Checked (without its computed 調書) out. No typer here: the keeper process
imports this module's worker function by name.

`start_early` forks the keeper as `chosho-xlsx validate` starts, before the command line
loads, so that the reading stack is imported on one core while typer, click and the
arguments take the other (a cold validate of a folder was ~0.16 s of start-up, one
after the other, before its first check); `check_all` uses it, or forks one then.
When the words after `validate` are files and folders alone (`chosho-xlsx validate
DIR`, no option), the command runs without typer (quick): this process lists the inputs,
loads the rules and hands the keeper the job long before the keeper has imported the
check stack (~40 M instructions against ~350 M), so the keeper starts its workers as
soon as its imports are done. (It used to list the inputs and load the rules itself,
then compare: the same work twice, the keeper's on the way to the first check.)"""

from __future__ import annotations

import os
from pathlib import Path

from chosho_xlsx.common.errors import EXIT_CONTENT, EXIT_OK, EXIT_UNREADABLE
from chosho_xlsx.common.findings import Checked, Finding

# What check_file imports, at its module's top and in its first call (pipeline, intake
# and contract import some inside functions; zipfile decodes the names of a workbook's
# parts as cp437 where they are not flagged UTF-8): the keeper imports them once, the
# workers forked from it start with them.
CHECK_MODULES = (
    "chosho_xlsx.pipeline", "chosho_xlsx.intake.safety", "chosho_xlsx.intake.marks",
    "chosho_xlsx.intake.scan", "chosho_xlsx.writers.outputs", "chosho_xlsx.contract.crosschecks",
    "chosho_xlsx.rules.engine", "chosho_xlsx.model.form_texts", "python_calamine", "encodings.cp437",
)

# What both the first process (the findings it prints, the ruleset it loads, the pool it
# talks to) and the keeper (the check stack) need: imported before the fork, once, rather
# than once in each (~35 ms of CPU each: this machine compiles our modules at every
# start). What this process alone needs (the listing of the inputs, the display) it
# imports after the fork, while the keeper imports the check stack.
SHARED_MODULES = ("chosho_xlsx.common.findings", "chosho_xlsx.model.ruleset", "chosho_xlsx.common.prefork",
                  "json", "shutil", "datetime", "importlib.util")

_early = None  # the keeper start_early forked, until check_all takes it
_quick = False  # start_early's words were plain: quick runs the command


def start_early(words: list[str]) -> bool:
    """Fork the keeper now for `validate` with these words (common.prefork.early: Linux,
    not for --help, none when the system gives no process: check_all tries again, else
    checks in this process). True when there is a keeper and the words are files and
    folders alone (plain): `quick` can run the command."""
    global _early, _quick
    if _early is not None:
        return False
    # lazy: only a validate forks a keeper (this module is imported by cli.main first)
    from chosho_xlsx.common import prefork

    _early = prefork.early(words, CHECK_MODULES, SHARED_MODULES)
    _quick = _early is not None and plain(words)
    return _quick


def plain(words: list[str]) -> bool:
    """Files and folders alone, as typer takes them as validate's FILES with every option
    at its default: no word an option (or `--`), and none that typer's path type
    refuses (one that exists but cannot be read: click.Path(readable=True))."""
    if not words or any(w.startswith("-") for w in words):
        return False
    for w in words:
        try:
            os.stat(w)
        except OSError:
            continue  # a missing file: typer passes it on, validate reports it
        if not os.access(w, os.R_OK):
            return False
    return True


def quick(words: list[str]) -> int | None:
    """`validate WORDS` for plain words (start_early), without loading the command line
    (typer, click: ~45 ms of CPU, a third of what the first process does): the same
    checks, the same findings printed, the same exit code as the command (tests compare
    them). None where the command has something to say that only it words (no input
    found): then it runs as usual."""
    if _early is None or not _quick:
        return None
    # lazy: the first process loads the display and the rules here, while the keeper
    # still imports the check stack on the other core
    from chosho_xlsx.cli.display import print_findings
    from chosho_xlsx.model.ruleset import load_ruleset

    results = inputs_checked([Path(w) for w in words], load_ruleset(None), check_all)
    if not results:
        return None
    print_findings(results, "ja")
    return exit_code(results, strict=False)


def inputs_checked(files: list[Path], ruleset, check) -> list[Checked]:
    """The inputs FILES name (folders expanded) checked by check(paths, ruleset, jobs),
    in order, less our own 調書 and 一覧 found in folders; [] when there are none."""
    # lazy: start-up: --help imports every cli module; a command loads what it runs
    from chosho_xlsx.batch.sources import candidates
    from chosho_xlsx.common.machine import default_jobs

    found = candidates(files)
    if not found:
        return []
    paths = [p for p, _named in found]
    results = check(paths, ruleset, min(default_jobs(), len(paths)))
    # A 調書 or 一覧 of ours found in a folder is not an input (named, it is E-FILE-OUTPUT):
    # batch.sources.inputs leaves them out the same way, by the same mark, before checking.
    return [r for (_p, named), r in zip(found, results, strict=True) if named or not _ours(r)]


def _ours(r: Checked) -> bool:
    return r.unreadable and [f.code for f in r.findings] == ["E-FILE-OUTPUT"]


def exit_code(results: list[Checked], strict: bool) -> int:
    """validate's exit code: 2 if a file could not be read, 1 if one breaks the contract
    (or, with --strict, has any finding), else 0."""
    if any(r.unreadable for r in results):
        return EXIT_UNREADABLE
    if any(r.errors for r in results):
        return EXIT_CONTENT
    if strict and any(r.findings for r in results):
        return EXIT_CONTENT
    return EXIT_OK


def check_all(paths: list[Path], ruleset, jobs: int) -> list[Checked]:
    """check_file of each path in `jobs` workers (see the module's docstring); past the
    limit a file is E-FILE-TIMEOUT, a worker that dies costs its own file only
    (E-FILE-CORRUPT, as in the portal); the files a killed keeper left unchecked are
    checked in this process."""
    global _early
    # lazy: only a validate forks a keeper
    from chosho_xlsx.common import prefork
    from chosho_xlsx.common.workers import KeeperGone, TimedOut, WorkerDied

    limit = ruleset.limits.seconds_per_file
    results = []
    try:
        pool, _early = _early or prefork.Prefork(CHECK_MODULES), None
        with pool:
            outcomes = pool.map(check_one, [str(p) for p in paths], ruleset, jobs=jobs, seconds=limit)
            for path, outcome in zip(paths, outcomes, strict=True):
                if isinstance(outcome, KeeperGone):
                    # the keeper was killed (the OOM killer, kill -9): its files are not
                    # damaged, only unchecked; checked here, as without processes
                    outcome = check_one(str(path), ruleset)
                elif isinstance(outcome, TimedOut):
                    finding = Finding.about("E-FILE-TIMEOUT", str(path), seconds=f"{limit:g}")
                    outcome = Checked(str(path), [finding], unreadable=True)
                elif isinstance(outcome, WorkerDied):
                    finding = Finding.about("E-FILE-CORRUPT", str(path), reason="worker died")
                    outcome = Checked(str(path), [finding], unreadable=True)
                results.append(outcome)
    except OSError as exc:
        # No process to be had (the keeper's or its workers' fork refused): checked here,
        # one after another, as validate checked a few files before it had workers (no
        # time limit, so never once a result came: a file past it would be tried again).
        if results or not prefork.no_process(exc):
            raise
        return [check_one(str(p), ruleset) for p in paths]
    return results


def check_one(path: str, ruleset) -> Checked:
    """In a worker: check_file, its result without the computed 調書 (validate shows
    findings only, and the 調書 is most of what a result weighs)."""
    # lazy: the keeper has imported it; the first process never does
    from chosho_xlsx.pipeline import check_file

    checked = check_file(path, ruleset)
    checked.report = None
    return checked
