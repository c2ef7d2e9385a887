"""`build`: the batch on the terminal: the progress bar while it runs, the findings of the
inputs that failed, the table of what was built and the sentences under it. The batch
itself (batch.build) prints nothing.

With `--json -` stdout carries the JSON alone: everything else goes to stderr.

The batch, the pipeline and the writers are imported inside the functions that use them:
`--help` imports this module, and `import chosho_xlsx.batch.build` alone takes ~390 ms
(`python -c 'import chosho_xlsx.batch.build'` timed, against ~160 ms for the whole CLI)."""

from __future__ import annotations

import contextlib
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from chosho_xlsx.cli.display import cannot_write, print_findings, visible
from chosho_xlsx.cli.shared import Lang, RulesOpt, app, lang_or_exit, ruleset_from
from chosho_xlsx.common.errors import EXIT_TERMINATED, EXIT_UNREADABLE
from chosho_xlsx.common.sentences import both, text

if TYPE_CHECKING:
    from chosho_xlsx.batch.build import Batch, Entry
    from chosho_xlsx.model.ruleset import Ruleset


def status_text(entry: Entry, lang: str) -> str:
    return text(f"build.status.{entry.status}", lang)


def print_table(batch: Batch, lang: str, console) -> None:
    """The table of the inputs and what became of them, and the sentences under it."""
    print_rows(batch, lang, console)
    print_sentences(batch, lang, console)


def print_rows(batch: Batch, lang: str, console) -> None:
    """The table: each input, its result, its 調書 or why there is none (final once the
    batch's 調書 are in place: rendered while its lists are written)."""
    # lazy: rich (~0.1 s) only when a table is drawn on a terminal
    from rich.table import Table
    from rich.text import Text

    # lazy: start-up: --help imports every cli module; a command loads what it runs
    from chosho_xlsx.batch.build import reason

    table = Table(show_lines=False, expand=False)
    table.add_column(text("build.head-input", lang), overflow="fold")
    table.add_column(text("build.head-result", lang), no_wrap=True)
    table.add_column(text("build.head-detail", lang), overflow="fold")
    for e in batch.entries:
        style = "green" if e.built else "red"
        detail = e.path.name if e.path else reason(e, lang)
        table.add_row(Text(visible(e.outcome.source)), Text(status_text(e, lang), style), Text(visible(detail)))
    console.print(table)


def print_sentences(batch: Batch, lang: str, console) -> None:
    """Under the table: how many were built and in how long, the lists, what was retired."""
    # lazy: rich (~0.1 s) only when a table is drawn on a terminal
    from rich.text import Text

    # lazy: start-up: --help imports every cli module; a command loads what it runs
    from chosho_xlsx.writers.outputs import MANIFEST

    console.print(Text(text("build.done", lang, built=len(batch.built), failed=len(batch.failed),
                            seconds=batch.seconds)))
    if batch.summary:
        console.print(Text(visible(text("build.summary", lang, path=batch.summary))))
    if batch.summary_error:
        console.print(Text(visible(text("build.summary-error", lang, error=batch.summary_error)), "red"))
    if batch.retired:
        names = ", ".join(p.name for p in batch.retired)
        console.print(Text(visible(text("build.retired", lang, names=names))))
    if batch.manifest_error:
        console.print(Text(visible(text("build.manifest-error", lang, manifest=MANIFEST,
                                        error=batch.manifest_error)), "red"))


def _progress(count: int, lang: str):
    """A progress bar on stderr for several inputs when stderr is a terminal, else None."""
    # lazy: rich (~0.1 s) only when a table is drawn on a terminal
    from rich.console import Console

    err = Console(stderr=True, highlight=False)
    if count <= 1 or not err.is_terminal:
        return None
    # lazy: rich (~0.1 s) only when a table is drawn on a terminal
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    # No refresh thread: workers are forked while the bar shows (build._run_all).
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeRemainingColumn(), console=err, transient=True, auto_refresh=False)


def _run(paths: list, out: Path, ruleset: Ruleset, jobs: int | None, want_data: bool,
         lang: str, example: bool, show) -> Batch:
    """build.run, with a progress bar where there is one to show; `show(batch)` once the
    rows are final (build.run's on_placed), the bar gone. The bundled example adds its
    調書 to OUT and nothing else: no 一覧, and what a batch wrote there stays."""
    # lazy: start-up: --help imports every cli module; a command loads what it runs
    from chosho_xlsx.batch import keeper
    from chosho_xlsx.batch.build import run

    progress = _progress(len(paths), lang)

    def placed(batch: Batch) -> None:
        if progress is not None:
            progress.stop()
        show(batch)

    options = {"want_data": want_data, "lang": lang, "summary": not example, "record": not example,
               "keeper": keeper.take(),  # forked as the command started (cli.main), if it was
               "on_placed": placed}
    if progress is None:
        return run(paths, out, ruleset, jobs, **options)
    task = progress.add_task(text("build.progress", lang), total=len(paths))
    try:
        return run(paths, out, ruleset, jobs, on_start=progress.start,
                   on_done=lambda o: progress.update(task, advance=1, refresh=True), **options)
    finally:
        progress.stop()


def _print_failed(batch: Batch, lang: str, to_stdout: bool) -> None:
    """The findings of each input that was not built for its content (duplicates too)."""
    bad = [e for e in batch.entries if e.outcome.unreadable or e.outcome.errors]
    if bad:
        # lazy: start-up: --help imports every cli module; a command loads what it runs
        from chosho_xlsx.common.findings import Checked

        checked = [Checked(e.outcome.source, e.outcome.findings, None, e.outcome.unreadable) for e in bad]
        with contextlib.redirect_stdout(sys.stdout if to_stdout else sys.stderr):
            print_findings(checked, lang)


def _table_console(to_stdout: bool):
    # lazy: rich (~0.1 s) only when a table is drawn on a terminal
    from rich.console import Console

    console = Console(highlight=False, stderr=not to_stdout)
    if not console.is_terminal:  # piped or saved: one line per input, nothing folded
        console = Console(highlight=False, stderr=not to_stdout, width=1000)
    return console


def build_command(files: list[Path], out: Path, ruleset: Ruleset, jobs: int | None,
                  json_path: str | None, lang: str) -> int:
    """`chosho-xlsx build [FILE…] -o OUT`: the batch, its progress, its table (for the
    bundled example, when no FILE is given: the path of its 調書); the exit code."""
    # lazy: start-up: --help imports every cli module; a command loads what it runs
    from chosho_xlsx.batch.build import inputs, reason
    from chosho_xlsx.writers.outputs import file_ids, json_refusal
    from chosho_xlsx.writers.summary import NOT_WRITTEN

    example = not files
    if example:
        # lazy: the pipeline is the workers' (batch.keeper); only the example needs it here
        from chosho_xlsx.pipeline import Bundled

        paths = [Bundled()]
    else:
        paths = inputs(files, out)
    if not paths:
        print(both("inputs.none"), file=sys.stderr)
        return EXIT_UNREADABLE
    why = json_refusal(json_path, file_ids([] if example else paths))
    if why:
        print(why, file=sys.stderr)
        return EXIT_UNREADABLE
    to_stdout = json_path != "-"
    console = _table_console(to_stdout)
    drawn: list[str] = []

    def show(batch: Batch) -> None:
        # The table rendered (rich's layout, ~30 ms for 100 rows) while the batch writes its
        # lists; written once the batch is complete, as before: a reader that does not read
        # (`| less` left open) must not hold up the lists and the manifest. Not on a legacy
        # Windows console, which rich draws through its own calls rather than text.
        if not example and not console.legacy_windows:
            try:
                with console.capture() as capture:
                    print_rows(batch, lang, console)
                drawn.append(capture.get())
            except OSError:  # rich flushes the console's file as a capture ends (`> /dev/full`):
                pass  # the table is drawn at the end, and that error said then (cli.main)

    try:
        batch = _run(paths, out, ruleset, jobs, bool(json_path), lang, example, show)
    except OSError as exc:
        print(cannot_write(out, exc), file=sys.stderr)
        return EXIT_UNREADABLE
    _print_failed(batch, lang, to_stdout)
    if example:
        unwritten = [e for e in batch.entries if e.status == NOT_WRITTEN]
        if unwritten:  # one sentence, and no JSON of a 調書 that is not there
            print(visible(reason(unwritten[0], lang)), file=sys.stderr)
            return batch.exit_code
    else:
        if drawn:
            console.file.write(drawn[0])
            console.file.flush()
        else:
            print_rows(batch, lang, console)
        print_sentences(batch, lang, console)
    if json_path:
        # lazy: start-up: --help imports every cli module; a command loads what it runs
        from chosho_xlsx.writers.export import emit

        if _over_output(json_path, batch, out):
            print(visible(text("build.json-over-output", lang, path=json_path)), file=sys.stderr)
            return EXIT_UNREADABLE
        try:  # one shape always: no report built is an empty list
            emit([e.outcome.data for e in batch.built if e.outcome.data is not None], json_path)
        except OSError as exc:
            print(cannot_write(json_path, exc), file=sys.stderr)
            return EXIT_UNREADABLE
    if example:
        for e in batch.built:  # stdout stays pure JSON with --json -
            print(visible(str(e.path)), file=sys.stdout if to_stdout else sys.stderr)
    return batch.exit_code


@app.command()
def build(
    files: Annotated[
        list[Path] | None,
        typer.Argument(help="入力ブックまたはフォルダ（省略時は記入例） / workbooks or folders (default: the bundled example)"),
    ] = None,
    output: Annotated[Path, typer.Option("-o", "--output", help="出力フォルダ / output folder")] = Path("output"),
    json_path: Annotated[
        str | None, typer.Option("--json", help="計算結果のJSON（- は標準出力） / computed model as JSON (- for stdout)")
    ] = None,
    lang: Lang = "ja",
    rules: RulesOpt = None,
    jobs: Annotated[
        int | None,
        typer.Option("--jobs", "-j", min=1, help="並列に処理するプロセス数（既定: CPU数） / worker processes (default: all cores)"),
    ] = None,
) -> None:
    """調書を作成します。引数なしで記入例を output/ に作成します。 / Build the 調書.

    入力ごとに検査して調書を作り、OUT に一覧.xlsx を書き、最後に結果の表を示します。
    1件の失敗で他が止まることはありません。 / Every input is validated and built; the
    summary 一覧.xlsx goes to OUT; a table at the end says what was built and what failed.

    終了コード / exit: 0 すべて作成 / all built, 1 作成できない入力あり（内容の誤り・重複） /
    some not built (contract broken, duplicate 施策), 2 読めない入力・書き出せない出力 / unreadable
    input or unwritable output."""
    lang = lang_or_exit(lang)
    ruleset = ruleset_from(rules)
    try:
        previous = signal.signal(signal.SIGTERM, _terminate)
        answers = True
    except ValueError:  # not the main thread (a program running the command line in a
        answers = False  # thread of its own): SIGTERM stays as it was
    try:
        code = build_command(files or [], output, ruleset, jobs, json_path, lang)
    except Terminated:  # its processes ended and its temporaries removed on the way here
        code = EXIT_TERMINATED
    finally:
        if answers:
            signal.signal(signal.SIGTERM, previous)
    raise typer.Exit(code)


def _over_output(json_path: str, batch: Batch, out: Path) -> bool:
    """`--json PATH` is a file this build has just written (`-o OUT --json OUT/一覧.xlsx`,
    a 調書's name, the manifest): checked before the build only as an existing workbook
    (outputs.json_refusal), so in a new OUT the JSON replaced the 一覧 it had just written,
    and the next build refused that 'file chosho-xlsx did not write'."""
    # lazy: start-up: --help imports every cli module; a command loads what it runs
    from chosho_xlsx.writers.outputs import MANIFEST, file_ids

    if json_path == "-":
        return False
    written = [e.path for e in batch.entries if e.path]
    written += [p for p in (batch.summary, batch.overview) if p] + [Path(out) / MANIFEST]
    return bool(file_ids([json_path]) & file_ids(written))


class Terminated(KeyboardInterrupt):
    """SIGTERM to a build (timeout(1), a job runner's stop, `kill`): it ends as Ctrl-C ends
    it, every path that undoes a half-done batch for an interrupt doing so (the keeper
    and its workers ended, the hidden folder and the lists' temporaries removed), with
    the shell's code for SIGTERM. Without it the process died at once and left them in
    OUT. The keeper was forked before this handler was set, and a pool's workers reset
    it (batch.build._init): only this process answers."""


def _terminate(signum, frame) -> None:
    raise Terminated
