"""Department text that looks like a formula (「=SUM(A1)」, 「+81」, 「@x」, 「-1+1」) comes out
of `chosho-xlsx build` as text: end to end, from the input workbook to every workbook
build writes, read back with openpyxl and checked in the sheet XML."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook
from typer.testing import CliRunner

from chosho_xlsx.cli import app

from support import corpus
from support.cells import formula_cells

runner = CliRunner()

# (sheet, record matched by, header, text): each a text column of the contract
TEXTS = [
    ("調書", {"項目": "関係課"}, "値", "=SUM(A1)"),
    ("事業群", {"事業群番号": 2}, "事業群名", "+81"),
    ("取組項目", {"取組項目番号": 4}, "取組項目名", "@x"),
    ("指標", {"指標番号": 2}, "進捗状況の分析", "=SUM(A1)"),
    ("指標", {"指標番号": 5}, "指標名", "-1+1"),
    ("事業", {"事業番号": "1"}, "根拠法令", "=SUM(A1)"),
    ("事業", {"事業番号": "2"}, "根拠法令", "+81"),
    ("事業", {"事業番号": "7"}, "根拠法令", "@x"),
    ("事業", {"事業番号": "1"}, "事業内容", "=HYPERLINK(\"http://x\")"),
    ("事業", {"事業番号": "6"}, "見直し内容", "+81"),
    ("事業指標", {"指標名": "行政・民間で公開されたデータ数"}, "指標名", "=SUM(A1)"),
    ("課題", {"取組項目": "5"}, "課題解決に向けた方向性", "@x"),
]
MARKERS = {t for *_, t in TEXTS}


def test_formula_like_text_is_built_as_text(tmp_path):
    rows = corpus.example_rows()
    for sheet, match, header, text in TEXTS:
        rows[sheet][corpus.index_of(rows, sheet, **match)][header] = text
    src = corpus.write(tmp_path, rows)
    out = tmp_path / "out"
    result = runner.invoke(app, ["build", str(src), "-o", str(out)])
    assert result.exit_code == 0, result.output
    built = sorted(out.glob("*.xlsx"))
    assert built

    found: dict[str, int] = dict.fromkeys(MARKERS, 0)
    exact: set[str] = set()
    for path in built:
        wb = load_workbook(path)
        formulas = formula_cells(path, tuple(wb.sheetnames))
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    value = cell.value
                    if not isinstance(value, str):
                        continue
                    hits = [m for m in MARKERS if m in value]
                    if not hits:
                        continue
                    for m in hits:
                        found[m] += 1
                    if value in MARKERS:
                        exact.add(value)
                    where = f"{path.name}:{ws.title}!{cell.coordinate}"
                    assert cell.data_type == "s", where
                    assert (ws.title, cell.row, cell.column - 1) not in formulas, where
    assert all(found.values()), found  # every text reached the 調書
    # and the three the issue names stand alone in a cell, where Excel would parse them
    assert {"=SUM(A1)", "+81", "@x"} <= exact


def test_formula_like_text_validates_clean(tmp_path):
    """Such text is the department's to write: no finding for it."""
    rows = corpus.example_rows()
    for sheet, match, header, text in TEXTS:
        rows[sheet][corpus.index_of(rows, sheet, **match)][header] = text
    path: Path = corpus.write(tmp_path, rows)
    result = runner.invoke(app, ["validate", str(path), "--format", "json"])
    assert result.exit_code == 0, result.stdout
