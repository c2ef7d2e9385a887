"""`rollover` and `diff`, the yearly cycle: next year's input workbook from this year's,
and what changed between two versions."""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from chosho_xlsx.cli.display import visible
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
from chosho_xlsx.common.sentences import both
from chosho_xlsx.cycle.sentences import text


def _refuse_output(output: Path, inputs: list[Path], force: bool, lang: str) -> None:
    """Never write over an input, even with --force; an existing output only with
    --force (exit 2)."""
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
    lang = lang_or_exit(lang)
    ruleset = ruleset_from(rules)
    to_year = None
    if to is not None:
        # lazy: start-up: --help imports every cli module; a command loads what it runs
        from chosho_xlsx.model import fiscal

        try:
            to_year = fiscal.parse_year(to)
        except fiscal.YearError:
            to_year = None
        if to_year is None:
            raise fail(both("cli.to-year", year=to))
    _refuse_output(output, [last], force, lang)
    # lazy: start-up: --help imports every cli module; a command loads what it runs
    from chosho_xlsx.cycle.rollover import rollover_file, write_rollover
    result = rollover_file(last, ruleset, to_year)  # RolloverRefused, RolloverError: Commands
    with writing(output):
        write_rollover(result, output)
    if as_json:
        sys.stdout.write(json.dumps({**result.as_dict(), "output": str(output)}, ensure_ascii=False, indent=2) + "\n")
    # lazy: start-up: --help imports every cli module; a command loads what it runs
    from chosho_xlsx.model import fiscal

    typer.echo(text("rollover.done", lang, path=output, year=fiscal.label(result.from_year),
                    next=fiscal.label(result.to_year), carried=len(result.carried),
                    to_fill=len(result.to_fill), left_out=len(result.left_out)), err=as_json)


@app.command()
def diff(
    old: Annotated[Path, typer.Argument(help="比較元の入力ブックまたは調書 / the earlier workbook or 調書")],
    new: Annotated[Path, typer.Argument(help="比較先の入力ブックまたは調書 / the later workbook or 調書")],
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
    lang = lang_or_exit(lang)
    if fmt not in ("text", "json"):
        raise fail(both("cli.format", fmt=fmt))
    ruleset = ruleset_from(rules)
    if xlsx is not None:
        _refuse_output(xlsx, [old, new], force, lang)
    # lazy: start-up: --help imports every cli module; a command loads what it runs
    from chosho_xlsx.cycle.diff import (
        diff_versions,
        open_version,
        print_changes,
        write_changes_xlsx,
    )
    opened = [open_version(path, ruleset) for path in (old, new)]  # DiffRefused, NotInput: Commands
    for version in opened:
        if version.checked.errors:
            typer.echo(text("diff.has-errors", lang, path=version.checked.source,
                            errors=len(version.checked.errors)), err=True)
    result = diff_versions(*opened)
    if fmt == "json":
        sys.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False, indent=2) + "\n")
    else:
        print_changes(result, lang)
    if xlsx is not None:
        with writing(xlsx):
            write_changes_xlsx(result, xlsx, lang)
        typer.echo(visible(str(xlsx)), err=True)
