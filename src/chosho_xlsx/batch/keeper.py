"""`chosho-xlsx build`'s worker processes, started as the command starts: the process that
forks them (common.prefork's keeper) is forked before typer and click load, and imports
the checking and writing stack on the other core while this process parses the
arguments, loads the rules and lists the inputs; batch.build.run hands it the inputs.

On the project's machine the build's first process spent ~0.28 s before its first worker
started: Python, typer, the rules, the inputs, then every import the workers need (the
check stack, XlsxWriter and the layout) and pebble, one after the other on one core
while the other waited. No typer here, and nothing heavy: cli.main imports this module
before anything else of the command."""

from __future__ import annotations

# What the keeper imports before it forks the workers: the batch's worker (work()) and
# what check_file and the 調書's writer import at their top and in their first call
# (work() imports the pipeline inside; pipeline, intake and contract import some inside
# functions; zipfile decodes part names as cp437, the workbook's properties are read as
# UTF-16; cli.checking lists the same for validate's checks), so that every worker starts
# with them: `python -c` of a work() after these imports loads nothing more.
BUILD_MODULES = (
    "chosho_xlsx.batch.build", "chosho_xlsx.pipeline", "chosho_xlsx.writers.layout.workbook",
    "chosho_xlsx.intake.safety", "chosho_xlsx.intake.marks", "chosho_xlsx.intake.scan",
    "chosho_xlsx.contract.crosschecks", "chosho_xlsx.rules.engine", "chosho_xlsx.model.form_texts",
    "python_calamine", "encodings.cp437", "encodings.utf_16_le",
)

# What both this process and the keeper need: imported once, before the fork, rather
# than once in each (this machine compiles our modules at every start, so a module
# imported twice costs twice): the findings, the ruleset this process loads and sends,
# and batch.build, whose Outcome this process receives and whose work() the workers
# run (the 一覧's writers and the model come with it; not the pipeline nor the 調書's
# layout, which only the workers import).
SHARED_MODULES = ("chosho_xlsx.common.findings", "chosho_xlsx.model.ruleset", "chosho_xlsx.common.prefork",
                  "chosho_xlsx.batch.build")

_early = None  # the keeper start_early forked, until taken


def start_early(words: list[str]) -> None:
    """Fork the keeper now for `build` with these words (common.prefork.early: Linux, not
    for --help, none when the system gives no process: run() then starts its own pool)."""
    global _early
    if _early is None:
        # lazy: only a build forks a keeper (this module is imported by cli.main first)
        from chosho_xlsx.common import prefork

        _early = prefork.early(words, BUILD_MODULES, SHARED_MODULES)


def take():
    """The keeper start_early forked (common.prefork.Prefork), once; else None."""
    global _early
    keeper, _early = _early, None
    return keeper
