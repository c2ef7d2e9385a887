"""`export`: the year's figures as open data (CSV, JSON and its JSON Schema) from
department workbooks and built 調書 (book/export, writers/opendata, docs/opendata.md)."""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Annotated

import typer

from chosho_xlsx.cli.display import cannot_write, print_findings, visible
from chosho_xlsx.cli.shared import (
    Force,
    Lang,
    RulesOpt,
    app,
    fail,
    lang_or_exit,
    ruleset_from,
    writing,
)
from chosho_xlsx.common.errors import EXIT_CONTENT, EXIT_UNREADABLE
from chosho_xlsx.common.sentences import text


@app.command()
def export(
    files: Annotated[list[Path], typer.Argument(help="部局の入力ブック・調書、またはフォルダ / department workbooks, 調書, or folders")],
    output: Annotated[Path, typer.Option("-o", "--output", help="書き出すフォルダ / the folder to write into")],
    force: Force = False,
    lang: Lang = "ja",
    rules: RulesOpt = None,
) -> None:
    """評価結果をオープンデータ（CSV・JSON）として書き出します。 / The year's figures as open data (CSV, JSON).

    指標.csv（指標・年度ごとに1行）、事務事業.csv（事務事業・年度ごとに1行）、評価結果.json と
    評価結果.schema.json。CSV は UTF-8（BOM 付き）、見出し1行。1件でもエラーのある入力があれば
    何も書きません。 / 指標.csv (a row per indicator and year), 事務事業.csv (a row per
    事務事業 and year), 評価結果.json and its JSON Schema; nothing is written when an
    input has an error.

    終了コード / exit: 0 書き出した / written, 1 エラーのある入力・同じ施策が2つ / an input breaks
    the contract or a 施策 is there twice, 2 読めない入力・書き出せない・既にある /
    unreadable input, cannot write, files exist (use --force)."""
    lang = lang_or_exit(lang)
    ruleset = ruleset_from(rules)
    # lazy: start-up: --help imports every cli module; a command loads what it runs
    from chosho_xlsx.book.export import export as make_export
    from chosho_xlsx.writers.opendata import FILES, JSON_FILE, SCHEMA_FILE

    if output.exists() and not output.is_dir():
        # --force would not help: a file is where the folder should be
        raise fail(cannot_write(output, NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR))))
    if not force:
        for name in (*FILES.values(), JSON_FILE, SCHEMA_FILE):
            if (output / name).exists():
                raise fail(text("cli.exists", lang, target=output / name))
    with writing(output):
        result = make_export(files, output, ruleset)
    if result.failed:
        print_findings(result.failed, lang)
        unread = sum(1 for c in result.failed if c.unreadable)
        if unread:  # the worse case decides the exit code and the sentence
            raise fail(text("export.not-read", lang, count=unread), EXIT_UNREADABLE)
        raise fail(text("export.not-written", lang, count=len(result.failed)), EXIT_CONTENT)
    for path in result.written:
        typer.echo(visible(str(path)))
    typer.echo(text("export.done", lang, reports=result.reports, folder=output), err=True)
