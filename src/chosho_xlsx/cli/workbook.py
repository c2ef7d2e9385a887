"""`template` and `example`: the department input workbook to fill in, blank or filled
with the bundled example."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from chosho_xlsx.cli.display import visible
from chosho_xlsx.cli.shared import (
    Force,
    RulesOpt,
    app,
    fail,
    refuse_overwrite,
    ruleset_from,
    writing,
    year_and_plan_or_exit,
)
from chosho_xlsx.common.sentences import both


@app.command()
def template(
    output: Annotated[Path, typer.Option("-o", "--output", help="書き出すファイル / output .xlsx")],
    year: Annotated[str, typer.Option("--year", help="実施年度（例: R6） / fiscal year of the evaluation")] = "R6",
    plan: Annotated[str, typer.Option("--plan", help="計画期間（例: R3-R7） / plan period")] = "R3-R7",
    force: Force = False,
    rules: RulesOpt = None,
) -> None:
    """空の部局入力ブックを書き出します。 / Write a blank department input workbook.

    見直し区分の選択肢と説明シートは規則設定（--rules）に従います。 / The 見直し区分 offered
    and the guide follow the rules settings (--rules)."""
    fy, period = year_and_plan_or_exit(year, plan)
    ruleset = ruleset_from(rules)
    refuse_overwrite(output, force)
    # lazy: start-up: --help imports every cli module; a command loads what it runs
    from chosho_xlsx.writers.input_workbook import write_input_workbook

    with writing(output):
        write_input_workbook(output, fy, period.start, period.end, ruleset=ruleset)
    typer.echo(visible(str(output)))


@app.command()
def example(
    output: Annotated[Path, typer.Option("-o", "--output", help="書き出すファイル / output .xlsx")],
    force: Force = False,
) -> None:
    """記入例（長崎県 令和６年度の調書）の入力ブックを書き出します。 / Write the bundled example."""
    refuse_overwrite(output, force)
    # lazy: start-up: --help imports every cli module; a command loads what it runs
    from chosho_xlsx.writers.example import load_example_rows, write_rows
    from chosho_xlsx.writers.input_workbook import InputWorkbookError

    try:
        rows = load_example_rows()
    except (OSError, InputWorkbookError) as exc:
        # a broken installation, not the user's doing: still one sentence, no traceback
        raise fail(both("cli.example-broken", error=exc)) from None
    with writing(output):
        write_rows(output, rows)
    typer.echo(visible(str(output)))
