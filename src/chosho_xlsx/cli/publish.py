"""`preview` and `publish`: workbooks printed through LibreOffice, one by one (preview) or
as the year's book with its contents (publish)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from chosho_xlsx.cli.display import visible
from chosho_xlsx.cli.shared import Lang, RulesOpt, app, fail, lang_or_exit, ruleset_from, writing
from chosho_xlsx.common.sentences import both


@app.command()
def preview(
    files: Annotated[list[Path], typer.Argument(help="印刷イメージを作る .xlsx またはフォルダ / workbooks or folders to print")],
    output: Annotated[Path, typer.Option("-o", "--output", help="出力フォルダ / output folder")] = Path("output"),
    png: Annotated[bool, typer.Option("--png", help="ページごとの PNG も作る / also one PNG per page")] = False,
    dpi: Annotated[int, typer.Option("--dpi", min=10, max=600, help="PNG の解像度 / PNG resolution")] = 100,
    lang: Lang = "ja",
) -> None:
    """LibreOffice で PDF（と PNG）の印刷イメージを作ります。 / Print workbooks to PDF (and PNG) with LibreOffice."""
    lang = lang_or_exit(lang)
    # lazy: start-up: --help imports every cli module; a command loads what it runs
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
    lang = lang_or_exit(lang)
    ruleset = ruleset_from(rules)
    # lazy: start-up: --help imports every cli module; a command loads what it runs
    from chosho_xlsx.book.publish import publish as make_book

    with writing(output):
        result = make_book(files, output, ruleset, pdfa=pdfa, jobs=jobs)
    if result.book is None:
        # lazy: rich (~0.1 s) only when a table is drawn on a terminal
        from rich.console import Console

        # lazy: importing cli.build registers `build`; publish needs only its table
        from chosho_xlsx.cli.build import print_table

        print_table(result.batch, lang, Console(stderr=True, highlight=False, width=1000))
        raise fail(both("cli.no-book"), result.batch.exit_code)
    typer.echo(visible(str(result.book)))
