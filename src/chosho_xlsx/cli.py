"""The `chosho-xlsx` command line.

Heavy imports (pandas, pandera, XlsxWriter, openpyxl) happen inside the commands that
need them, so `chosho-xlsx --help` answers fast. Exit codes: 0 fine, 1 the content breaks
the contract, 2 the file cannot be read safely or the command was misused."""

from __future__ import annotations

import contextlib
import sys
from contextvars import ContextVar
from pathlib import Path
from typing import Annotated

import typer
from typer.core import TyperGroup

from chosho_xlsx.common.errors import (
    EXIT_CONTENT,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_UNREADABLE,
    ChoshoError,
)
from chosho_xlsx.common.sentences import both

_LANG: ContextVar[str] = ContextVar("lang")  # the command's --lang, for _Commands


class _Commands(TyperGroup):
    """Every command's ChoshoError is caught here, once: the findings of the validation
    result it carries, its one sentence, its exit code; never a traceback."""

    def invoke(self, ctx):
        token = _LANG.set("ja")
        try:
            return super().invoke(ctx)
        except ChoshoError as exc:
            lang = _LANG.get()
            if exc.checked is not None:
                from chosho_xlsx.batch.display import print_findings

                print_findings([exc.checked], lang)
            message = exc.message(lang)
            if message:
                raise fail(message, exc.exit_code) from None
            raise typer.Exit(exc.exit_code) from None
        finally:
            _LANG.reset(token)


app = typer.Typer(
    name="chosho-xlsx",
    cls=_Commands,
    help="事業群評価調書を部局の入力ブックから作成します。 / Build 事業群評価調書 from department workbooks.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"chosho-xlsx {version('chosho-xlsx')}")
        raise typer.Exit(EXIT_OK)


@app.callback()
def _main(
    _: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="版を表示 / show the version"),
    ] = False,
) -> None:
    """事業群評価調書を部局の入力ブックから作成します。 / Build 事業群評価調書 from department workbooks."""

Lang = Annotated[str, typer.Option("--lang", help="メッセージの言語 ja|en / message language")]
Force = Annotated[
    bool, typer.Option("--force", help="既存のファイルに上書きする / overwrite an existing file")
]
RulesOpt = Annotated[
    Path | None,
    typer.Option("--rules", help="規則設定ファイル（既定: schemas/rules.yaml） / rules settings file"),
]


def fail(message: str, code: int = EXIT_UNREADABLE) -> typer.Exit:
    """Print one sentence to stderr (control characters of a file name shown, not sent
    to the terminal) and return the Exit to raise."""
    from chosho_xlsx.batch.display import visible

    typer.echo(visible(message), err=True)
    return typer.Exit(code)


def _settings(rules: Path | None):
    from chosho_xlsx.domain.settings import load_settings

    return load_settings(rules)  # a SettingsError is one sentence (_Commands)


def year_and_plan_or_exit(year_text: str, plan_text: str):
    """実施年度 and 計画期間 from the command line, refused (exit 2) unless they fit each
    other as validate requires (fiscal.Period.evaluable): a template that fails its own
    validation is no use to anyone."""
    from chosho_xlsx.domain import fiscal

    try:
        fy = fiscal.parse_year(year_text)
        if fy is None:
            raise fiscal.YearError(year_text)
    except fiscal.YearError:
        raise fail(both("cli.year", year=year_text)) from None
    try:
        period = fiscal.parse_period(plan_text)
    except fiscal.PeriodOrderError:
        raise fail(both("cli.plan-order", plan=plan_text)) from None
    except fiscal.YearError:
        raise fail(both("cli.plan", plan=plan_text)) from None
    if period.end is None:
        raise fail(both("cli.plan-open", plan=plan_text))
    if not period.evaluable(fy):
        first, last = fiscal.label(period.start), fiscal.label(period.end + 1)
        raise fail(both("cli.year-outside-plan", year=year_text, plan=plan_text, first=first, last=last))
    return fy, period


def refuse_overwrite(target: Path, force: bool) -> None:
    """`template` and `example` write a workbook a clerk then fills in: writing over an
    existing file could lose a filled one, so that takes --force. A folder is left to
    the writer (it cannot write there: 「書き出せません」)."""
    if force or not (target.is_symlink() or (target.exists() and not target.is_dir())):
        return
    raise fail(both("cli.exists", target=target))


@contextlib.contextmanager
def _writing(target: Path):
    """An output that cannot be written is the user's folder or disk, not a bug: one
    sentence and exit 2 (the atomic writers leave nothing half-written behind)."""
    try:
        yield
    except OSError as exc:
        from chosho_xlsx.batch.display import cannot_write

        raise fail(cannot_write(target, exc)) from None


@app.command()
def template(
    output: Annotated[Path, typer.Option("-o", "--output", help="書き出すファイル / output .xlsx")],
    year: Annotated[str, typer.Option("--year", help="実施年度（例: R6） / fiscal year of the evaluation")] = "R6",
    plan: Annotated[str, typer.Option("--plan", help="計画期間（例: R3-R7） / plan period")] = "R3-R7",
    force: Force = False,
) -> None:
    """空の部局入力ブックを書き出します。 / Write a blank department input workbook."""
    fy, period = year_and_plan_or_exit(year, plan)
    refuse_overwrite(output, force)
    from chosho_xlsx.batch.display import visible
    from chosho_xlsx.writers.template import write_template

    with _writing(output):
        write_template(output, fy, period.start, period.end)
    typer.echo(visible(str(output)))


@app.command()
def example(
    output: Annotated[Path, typer.Option("-o", "--output", help="書き出すファイル / output .xlsx")],
    force: Force = False,
) -> None:
    """記入例（長崎県 令和６年度の調書）の入力ブックを書き出します。 / Write the bundled example."""
    refuse_overwrite(output, force)
    from chosho_xlsx.batch.display import visible
    from chosho_xlsx.writers.example import load_example_rows, write_rows
    from chosho_xlsx.writers.template import TemplateError

    try:
        rows = load_example_rows()
    except (OSError, TemplateError) as exc:
        # a broken installation, not the user's doing: still one sentence, no traceback
        raise fail(both("cli.example-broken", error=exc)) from None
    with _writing(output):
        write_rows(output, rows)
    typer.echo(visible(str(output)))


def _lang_or_exit(lang: str) -> str:
    if lang not in ("ja", "en"):
        raise fail(both("cli.lang", lang=lang))
    _LANG.set(lang)
    return lang


def _check_inputs(files: list[Path], settings) -> list:
    from chosho_xlsx.batch.build import inputs
    from chosho_xlsx.batch.pipeline import check_file

    paths = inputs(files)  # a folder's 調書 and 一覧 of ours are not inputs
    if not paths:
        raise fail(both("inputs.none"))
    return [check_file(p, settings) for p in paths]


def _exit_code(results: list, strict: bool) -> int:
    if any(r.unreadable for r in results):
        return EXIT_UNREADABLE
    if any(r.errors for r in results):
        return EXIT_CONTENT
    if strict and any(r.findings for r in results):
        return EXIT_CONTENT
    return EXIT_OK


@app.command()
def validate(
    files: Annotated[list[Path], typer.Argument(help="入力ブックまたはフォルダ / workbooks or folders")],
    fmt: Annotated[str, typer.Option("--format", help="text | json")] = "text",
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
    lang = _lang_or_exit(lang)
    if fmt not in ("text", "json"):
        raise fail(both("cli.format", fmt=fmt))
    settings = _settings(rules)
    results = _check_inputs(files, settings)
    from chosho_xlsx.batch.display import findings_json, print_findings

    if fmt == "json":
        sys.stdout.write(findings_json(results, lang))
    else:
        print_findings(results, lang)
    code = _exit_code(results, strict)
    if annotate_to is not None and not _annotate(results, annotate_to, lang, quiet=fmt == "json"):
        code = EXIT_UNREADABLE
    raise typer.Exit(code)


def _annotate(results: list, target: Path, lang: str, quiet: bool) -> bool:
    """Write the annotated copies: `target` itself for one input, else one file per
    input in the folder `target`. Unreadable inputs get none. False if one failed."""
    from chosho_xlsx.batch.display import visible
    from chosho_xlsx.common import sentences
    from chosho_xlsx.writers.annotate import AnnotateError, annotate

    readable = [r for r in results if not r.unreadable]
    if len(results) == 1 and target.suffix.lower() in (".xlsx", ".xlsm"):
        plan = [(r, target) for r in readable]
    else:
        if target.exists() and not target.is_dir():
            typer.echo(both("cli.annotate-folder", target=target), err=True)
            return False
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
    lang = _lang_or_exit(lang)
    settings = _settings(rules)
    from chosho_xlsx.batch.console import build_command

    raise typer.Exit(build_command(files or [], output, settings, jobs, json_path, lang))


@app.command()
def preview(
    files: Annotated[list[Path], typer.Argument(help="印刷イメージを作る .xlsx またはフォルダ / workbooks or folders to print")],
    output: Annotated[Path, typer.Option("-o", "--output", help="出力フォルダ / output folder")] = Path("output"),
    png: Annotated[bool, typer.Option("--png", help="ページごとの PNG も作る / also one PNG per page")] = False,
    dpi: Annotated[int, typer.Option("--dpi", min=10, max=600, help="PNG の解像度 / PNG resolution")] = 100,
    lang: Lang = "ja",
) -> None:
    """LibreOffice で PDF（と PNG）の印刷イメージを作ります。 / Print workbooks to PDF (and PNG) with LibreOffice."""
    lang = _lang_or_exit(lang)
    from chosho_xlsx.batch.display import visible
    from chosho_xlsx.intake.files import expand
    from chosho_xlsx.render.preview import preview_many

    paths = expand(files)
    if not paths:
        raise fail(both("inputs.none"))
    results = preview_many(paths, output, png=png, dpi=dpi)
    for result in results:
        for path in result.paths:
            typer.echo(visible(str(path)))


@app.command()
def publish(
    files: Annotated[list[Path], typer.Argument(help="調書・部局の入力ブック・一覧、またはフォルダ / 調書, department workbooks, 一覧, or folders")],
    output: Annotated[Path, typer.Option("-o", "--output", help="書き出す PDF / the book to write (.pdf)")],
    pdfa: Annotated[bool, typer.Option("--pdfa", help="PDF/A-2b で書き出す / write PDF/A-2b")] = False,
    jobs: Annotated[
        int | None,
        typer.Option("--jobs", "-j", min=1, help="並列に動かす LibreOffice の数（既定: CPU数） / LibreOffice processes side by side (default: all cores)"),
    ] = None,
    lang: Lang = "ja",
    rules: RulesOpt = None,
) -> None:
    """調書を目次付きの1冊の PDF にします。 / Publish the 調書 as one PDF book with contents.

    表紙・目次（基本戦略→施策とページ）、基本戦略・施策の番号順の調書、一覧の順です。
    しおりは施策ごとに4つの欄。ページ番号は通し、フッターに施策名。タグ付き PDF。
    部局の入力ブックはまず作成します（1件でも作成できなければ PDF は書きません）。 /
    Cover, contents, every 調書 in 基本戦略 and 施策 order, then the 一覧; bookmarks per
    施策 and section; page numbers run through the book. Department workbooks are built
    first; if one cannot be built, no book is written.

    終了コード / exit: 0 書き出した / written, 1 作成できない入力・同じ施策が2つ /
    an input breaks the contract or a 施策 is there twice, 2 読めない入力・LibreOffice が
    ない・書き出せない / unreadable input, no LibreOffice, cannot write."""
    lang = _lang_or_exit(lang)
    settings = _settings(rules)
    from chosho_xlsx.batch.display import visible
    from chosho_xlsx.book.publish import publish as make_book

    with _writing(output):
        result = make_book(files, output, settings, pdfa=pdfa, jobs=jobs)
    if result.book is None:
        from rich.console import Console

        from chosho_xlsx.batch.console import print_table

        print_table(result.batch, lang, Console(stderr=True, highlight=False, width=1000))
        raise fail(both("cli.no-book"), result.batch.exit_code)
    typer.echo(visible(str(result.book)))


def _refuse_output(output: Path, inputs: list[Path], force: bool, lang: str) -> None:
    """Never write over an input, even with --force; an existing output only with
    --force (exit 2)."""
    from chosho_xlsx.cycle.text import text

    for src in inputs:
        with contextlib.suppress(OSError):
            if output.resolve() == src.resolve() or (output.exists() and output.samefile(src)):
                raise fail(text("rollover.same-file", lang, path=output))
    refuse_overwrite(output, force)


@app.command()
def rollover(
    last: Annotated[Path, typer.Argument(help="今年度の入力ブック / this year's input workbook")],
    output: Annotated[Path, typer.Option("-o", "--output", help="翌年度の入力ブック / next year's workbook")],
    to: Annotated[str | None, typer.Option("--to", help="繰越先の年度（翌年度のみ） / the year to roll to (the next one)")] = None,
    force: Force = False,
    as_json: Annotated[bool, typer.Option("--json", help="繰越した値と記入が必要な欄をJSONで / what was carried and what is left to fill, as JSON")] = False,
    lang: Lang = "ja",
    rules: RulesOpt = None,
) -> None:
    """翌年度の入力ブックを今年度のものから作ります。 / Next year's input workbook from this year's.

    終了コード / exit: 0 作成 / written, 1 入力ブックの誤り・計画期間の最終年度 / the workbook
    breaks the contract or its year is the plan's last, 2 読めない・使い方の誤り・出力が既にある /
    unreadable, misuse, output exists."""
    lang = _lang_or_exit(lang)
    settings = _settings(rules)
    to_year = None
    if to is not None:
        from chosho_xlsx.domain import fiscal

        try:
            to_year = fiscal.parse_year(to)
        except fiscal.YearError:
            to_year = None
        if to_year is None:
            raise fail(both("cli.to-year", year=to))
    _refuse_output(output, [last], force, lang)
    from chosho_xlsx.cycle.rollover import rollover_file, write_rollover
    from chosho_xlsx.cycle.text import text

    result = rollover_file(last, settings, to_year)  # RolloverRefused, RolloverError: _Commands
    with _writing(output):
        write_rollover(result, output)
    if as_json:
        import json

        sys.stdout.write(json.dumps({**result.as_dict(), "output": str(output)}, ensure_ascii=False, indent=2) + "\n")
    from chosho_xlsx.domain import fiscal

    typer.echo(text("rollover.done", lang, path=output, year=fiscal.label(result.from_year),
                    next=fiscal.label(result.to_year), carried=len(result.carried),
                    to_fill=len(result.to_fill), left_out=len(result.left_out)), err=as_json)


@app.command()
def diff(
    old: Annotated[Path, typer.Argument(help="比較元の入力ブック / the earlier workbook")],
    new: Annotated[Path, typer.Argument(help="比較先の入力ブック / the later workbook")],
    fmt: Annotated[str, typer.Option("--format", help="text | json")] = "text",
    xlsx: Annotated[
        Path | None, typer.Option("--xlsx", help="変更一覧の .xlsx（絞り込み・記入用） / the change list as .xlsx")
    ] = None,
    force: Force = False,
    lang: Lang = "ja",
    rules: RulesOpt = None,
) -> None:
    """2つの入力ブックの変更点（目標・実績・事業・事業費・記述）を示します。 / What changed between two workbooks.

    終了コード / exit: 0 比較できた（変更の有無によらない） / compared (changes or not),
    1 内容を読み取れない入力 / an input whose content cannot be read, 2 読めないファイル・
    使い方の誤り / unreadable file or misuse."""
    lang = _lang_or_exit(lang)
    if fmt not in ("text", "json"):
        raise fail(both("cli.format", fmt=fmt))
    settings = _settings(rules)
    if xlsx is not None:
        _refuse_output(xlsx, [old, new], force, lang)
    from chosho_xlsx.cycle.diff import diff_reports, open_report, print_changes, write_changes_xlsx
    from chosho_xlsx.cycle.text import text

    opened = [open_report(path, settings) for path in (old, new)]  # DiffRefused: _Commands
    for _, _, checked in opened:
        if checked.errors:
            typer.echo(text("diff.has-errors", lang, path=checked.source, errors=len(checked.errors)), err=True)
    (a, a_cells, _), (b, b_cells, _) = opened
    result = diff_reports(a, b, a_cells, b_cells)
    if fmt == "json":
        import json

        sys.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False, indent=2) + "\n")
    else:
        print_changes(result, lang)
    if xlsx is not None:
        from chosho_xlsx.batch.display import visible

        with _writing(xlsx):
            write_changes_xlsx(result, xlsx, lang)
        typer.echo(visible(str(xlsx)), err=True)


from chosho_xlsx.portal.commands import add_commands  # noqa: E402  (Django is imported inside them)

add_commands(app)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(EXIT_INTERRUPTED)


if __name__ == "__main__":
    main()
