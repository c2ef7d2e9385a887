"""The Typer app every command is registered on, and what the commands share: the one
place a ChoshoError becomes its findings, its sentence and its exit code (Commands), the
options several commands take (--lang, --force, --rules), and the refusals every command
words the same way (fail, lang_or_exit, refuse_overwrite, writing, year_and_plan_or_exit).

Exit codes: 0 fine, 1 the content breaks the contract, 2 the file cannot be read safely or
the command was misused."""

from __future__ import annotations

import contextlib
from contextvars import ContextVar
from pathlib import Path
from typing import Annotated

import typer
from typer.core import TyperGroup

from chosho_xlsx import __version__
from chosho_xlsx.cli.display import cannot_write, print_findings, visible
from chosho_xlsx.common.errors import (
    EXIT_OK,
    EXIT_UNREADABLE,
    ChoshoError,
)
from chosho_xlsx.common.sentences import both

_LANG: ContextVar[str] = ContextVar("lang")  # the command's --lang, for Commands


class Commands(TyperGroup):
    """Every command's ChoshoError is caught here, once: the findings of the validation
    result it carries, its one sentence, its exit code; never a traceback."""

    def invoke(self, ctx):
        token = _LANG.set("ja")
        try:
            return super().invoke(ctx)
        except ChoshoError as exc:
            lang = _LANG.get()
            if exc.checked is not None:
                print_findings([exc.checked], lang)
            message = exc.message(lang)
            if message:
                raise fail(message, exc.exit_code) from None
            raise typer.Exit(exc.exit_code) from None
        finally:
            _LANG.reset(token)


app = typer.Typer(
    name="chosho-xlsx",
    cls=Commands,
    help="事業群評価調書を部局の入力ブックから作成します。 / Build 事業群評価調書 from department workbooks.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"chosho-xlsx {__version__}")
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
    typer.echo(visible(message), err=True)
    return typer.Exit(code)


def ruleset_from(rules: Path | None):
    """The ruleset of --rules (the default schemas/rules.yaml when None)."""
    # lazy: start-up: --help imports every cli module; a command loads what it runs
    from chosho_xlsx.model.ruleset import load_ruleset

    return load_ruleset(rules)  # a RulesetError is one sentence (Commands)


def year_and_plan_or_exit(year_text: str, plan_text: str):
    """実施年度 and 計画期間 from the command line, refused (exit 2) unless they fit each
    other as validate requires (fiscal.Period.evaluable): a template that fails its own
    validation is no use to anyone."""
    # lazy: start-up: --help imports every cli module; a command loads what it runs
    from chosho_xlsx.model import fiscal

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
def writing(target: Path):
    """An output that cannot be written is the user's folder or disk, not a bug: one
    sentence and exit 2 (the atomic writers leave nothing half-written behind)."""
    try:
        yield
    except OSError as exc:
        raise fail(cannot_write(target, exc)) from None


def lang_or_exit(lang: str) -> str:
    """--lang, refused (exit 2) unless ja or en; from here on Commands reports in it."""
    if lang not in ("ja", "en"):
        raise fail(both("cli.lang", lang=lang))
    _LANG.set(lang)
    return lang
