"""`validate`: department workbooks checked cell by cell, the findings shown as a table or
JSON or written as a list to work through in Excel (--format xlsx -o FILE), and on request
a copy of each workbook with its faulty cells marked (--annotate)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from chosho_xlsx.cli import checking
from chosho_xlsx.cli.display import print_findings, visible
from chosho_xlsx.cli.shared import (
    Force,
    Lang,
    RulesOpt,
    app,
    fail,
    lang_or_exit,
    refuse_overwrite,
    ruleset_from,
    writing,
)
from chosho_xlsx.common import sentences
from chosho_xlsx.common.errors import EXIT_UNREADABLE
from chosho_xlsx.common.findings import Checked, Finding, finding_dict, findings_json
from chosho_xlsx.common.sentences import both
from chosho_xlsx.common.text import path_text

# Where workers cannot be forked (prefork.available: not Linux), from this many inputs
# on validate checks them in common.workers' pool (pebble, spawned), below in this
# process: the pool costs the parent ~45 ms of CPU (pebble and its asyncio imported, the
# workers started, fed and joined) and a second core takes half of each file's ~5 ms.
POOL_FROM = 8


def _check_inputs(files: list[Path], ruleset) -> list:
    # _check_in_workers looked up at each call: the tests stand in for it
    results = checking.inputs_checked(files, ruleset, lambda *job: _check_in_workers(*job))
    if not results:
        raise fail(both("inputs.none"))
    return results


def _check_in_workers(paths: list[Path], ruleset, jobs: int) -> list:
    """check_file of each path in `jobs` worker processes, in the order given, each
    within ruleset.limits.seconds_per_file as in a batch build: past it the worker is
    killed and the file is E-FILE-TIMEOUT; a worker that dies costs its own file only
    (E-FILE-CORRUPT, as in the portal). Forked (cli.checking) where it can be; else in
    common.workers' pool (pebble, spawned)."""
    # lazy: the pool's module only once files are checked (--help imports every cli module)
    from chosho_xlsx.common import prefork

    if prefork.available():
        return checking.check_all(paths, ruleset, jobs)
    if len(paths) < POOL_FROM or jobs < 2:
        # lazy: start-up: --help imports every cli module; a command loads what it runs
        from chosho_xlsx.pipeline import check_file

        return [check_file(p, ruleset) for p in paths]
    # lazy: start-up: --help imports every cli module; a command loads what it runs
    from chosho_xlsx.common.workers import TimedOut, WorkerDied, Workers

    limit = ruleset.limits.seconds_per_file
    results = []
    with Workers(jobs, limit, initializer=_worker_init, initargs=(os.getpid(),), poll=0.01) as pool:
        futures = [pool.submit(checking.check_one, str(p), ruleset) for p in paths]
        for path, future in zip(paths, futures, strict=True):
            try:
                results.append(pool.result(future))
            except TimedOut:
                finding = Finding.about("E-FILE-TIMEOUT", str(path), seconds=f"{limit:g}")
                results.append(Checked(str(path), [finding], unreadable=True))
            except WorkerDied:
                finding = Finding.about("E-FILE-CORRUPT", str(path), reason="worker died")
                results.append(Checked(str(path), [finding], unreadable=True))
    return results


def _worker_init(parent: int) -> None:
    # lazy: start-up: --help imports every cli module; a command loads what it runs
    from chosho_xlsx.common.workers import die_with_parent, worker_gc

    die_with_parent(parent)  # no worker outlives validate, kill -9 included
    worker_gc()  # as the batch's workers: the collector set for many objects made, few kept


@app.command()
def validate(
    files: Annotated[list[Path], typer.Argument(help="入力ブックまたはフォルダ / workbooks or folders")],
    fmt: Annotated[str, typer.Option("--format", help="text | json | xlsx（-o に問題の一覧 / the list of findings to -o）")] = "text",
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="--format xlsx の書き出し先 / where --format xlsx writes")
    ] = None,
    force: Force = False,
    strict: Annotated[bool, typer.Option("--strict", help="警告も失敗扱い / warnings fail too")] = False,
    lang: Lang = "ja",
    rules: RulesOpt = None,
    annotate_to: Annotated[
        Path | None,
        typer.Option(
            "--annotate",
            help="問題のセルに色とコメントを付けた写しを保存（複数ファイルのときはフォルダ） / "
            "save a copy with the faulty cells marked (a folder for several files)",
        ),
    ] = None,
) -> None:
    """入力ブックを検査し、問題をセル単位で報告します。 / Check department workbooks cell by cell.

    終了コード / exit: 0 問題なし / fine, 1 内容の誤り / content breaks the contract,
    2 読めないファイル・使い方の誤り / unreadable file or misuse."""
    lang = lang_or_exit(lang)
    if fmt not in ("text", "json", "xlsx"):
        raise fail(both("cli.format-validate", fmt=fmt))
    if (fmt == "xlsx") != (output is not None):
        raise fail(both("cli.xlsx-output"))
    if output is not None:
        refuse_overwrite(output, force)
    ruleset = ruleset_from(rules)
    results = _check_inputs(files, ruleset)
    if fmt == "json":
        sys.stdout.write(findings_json(results, lang))
    elif fmt == "xlsx":
        _findings_list(results, output, lang)
    else:
        print_findings(results, lang)
    code = checking.exit_code(results, strict)
    if annotate_to is not None and not _annotate(results, annotate_to, lang, quiet=fmt == "json"):
        code = EXIT_UNREADABLE
    raise typer.Exit(code)


def _findings_list(results: list, output: Path, lang: str) -> None:
    """The findings as a list to work through in Excel (writers/findings_list), never
    over an input; its path on stdout."""
    # lazy: start-up: --help imports every cli module; a command loads what it runs
    from chosho_xlsx.writers.findings_list import write_findings_xlsx
    from chosho_xlsx.writers.outputs import file_ids, input_refusal

    why = input_refusal(output, file_ids(r.source for r in results))
    if why:
        raise fail(why)
    files = [(path_text(r.source), [finding_dict(r, f, lang) for f in r.findings]) for r in results]
    with writing(output):
        write_findings_xlsx(files, output, lang)
    typer.echo(visible(str(output)))


def _annotate(results: list, target: Path, lang: str, quiet: bool) -> bool:
    """Write the annotated copies: `target` itself for one input, else one file per
    input in the folder `target`. Unreadable inputs get none. False if one failed."""
    # lazy: start-up: --help imports every cli module; a command loads what it runs
    from chosho_xlsx.writers.annotate import AnnotateError, annotate

    readable = [r for r in results if not r.unreadable]
    if len(results) == 1 and target.suffix.lower() in (".xlsx", ".xlsm"):
        plan = [(r, target) for r in readable]
    else:
        if target.exists() and not target.is_dir():
            typer.echo(both("cli.annotate-folder", target=target), err=True)
            return False
        # lazy: start-up: --help imports every cli module; a command loads what it runs
        from chosho_xlsx.writers.naming import fit

        used: set[str] = set()
        plan = []
        for r in readable:
            src = Path(r.source)
            name, n = fit(src.stem, f".annotated{src.suffix}"), 1
            while name in used:
                n += 1
                name = fit(src.stem, f".annotated-{n}{src.suffix}")
            used.add(name)
            plan.append((r, target / name))
    # lazy: start-up: --help imports every cli module; a command loads what it runs
    from chosho_xlsx.writers.outputs import file_ids, input_refusal

    sources = file_ids(r.source for r in results)
    ok = True
    for r, out in plan:
        why = input_refusal(out, sources)  # e.g. an earlier copy a clerk corrected, given too
        if why:
            typer.echo(why, err=True)
            ok = False
            continue
        try:
            annotate(r.source, r.findings, out, lang)
        except AnnotateError as exc:
            typer.echo(visible(str(exc)), err=True)
            ok = False
            continue
        if not quiet:
            typer.echo(visible(sentences.text("cli.annotated", lang, path=out)), err=True)
    return ok
