"""The `chosho-xlsx` command line.

Heavy imports (pandas, pandera, XlsxWriter, openpyxl) happen inside the commands that
need them, so `chosho-xlsx --help` answers fast. Exit codes: 0 fine, 1 the content breaks
the contract, 2 the file cannot be read safely or the command was misused."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

EXIT_OK, EXIT_CONTENT, EXIT_UNREADABLE = 0, 1, 2

app = typer.Typer(
    name="chosho-xlsx",
    help="事業群評価調書を部局の入力ブックから作成します。 / Build 事業群評価調書 from department workbooks.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

Lang = Annotated[str, typer.Option("--lang", help="メッセージの言語 ja|en / message language")]
RulesOpt = Annotated[
    Path | None,
    typer.Option("--rules", help="規則設定ファイル（既定: schemas/rules.yaml） / rules settings file"),
]


def fail(message: str, code: int = EXIT_UNREADABLE) -> typer.Exit:
    """Print one sentence to stderr and return the Exit to raise."""
    typer.echo(message, err=True)
    return typer.Exit(code)


def load_settings_or_exit(rules: Path | None, lang: str):
    from .settings import SettingsError, load_settings

    try:
        return load_settings(rules)
    except SettingsError as exc:
        prefix = "規則設定ファイルを読めません" if lang == "ja" else "Cannot read the rules file"
        raise fail(f"{prefix}: {exc}") from None


def parse_year_or_exit(text: str, what: str):
    from . import fiscal

    try:
        if what == "period":
            return fiscal.parse_period(text)
        year = fiscal.parse_year(text)
        if year is None:
            raise fiscal.YearError(text)
        return year
    except fiscal.YearError:
        raise fail(f"年度を読めません / not a fiscal year: {text!r}") from None


@app.command()
def template(
    output: Annotated[Path, typer.Option("-o", "--output", help="書き出すファイル / output .xlsx")],
    year: Annotated[str, typer.Option("--year", help="実施年度（例: R6） / fiscal year of the evaluation")] = "R6",
    plan: Annotated[str, typer.Option("--plan", help="計画期間（例: R3-R7） / plan period")] = "R3-R7",
) -> None:
    """空の部局入力ブックを書き出します。 / Write a blank department input workbook."""
    fy = parse_year_or_exit(year, "year")
    period = parse_year_or_exit(plan, "period")
    if period.end is None:
        raise fail("計画期間には終了年度が必要です / the plan period needs an end year")
    from .template import write_template

    write_template(output, fy, period.start, period.end)
    typer.echo(str(output))


@app.command()
def example(
    output: Annotated[Path, typer.Option("-o", "--output", help="書き出すファイル / output .xlsx")],
) -> None:
    """記入例（長崎県 令和６年度の調書）の入力ブックを書き出します。 / Write the bundled example."""
    from .example import write_example

    write_example(output)
    typer.echo(str(output))


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
