"""Every workbook we write (調書, 一覧, template, example, annotated copy) opened by
LibreOffice and by Gnumeric: each formula recalculates to the value cached in the file,
so Excel, a viewer that never recalculates and both programs show the same figures.
A workbook without formulas must still open and save in both.

Each program is skipped, with the install line as the reason, when it is missing."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from support import corpus, recalc
from support.commands import cli as _cli

WORKBOOKS = ("調書", "一覧", "評価結果概要", "template", "example", "annotated")


@pytest.fixture(scope="module")
def books(tmp_path_factory) -> dict[str, Path]:
    """One of each kind, written by the commands a user runs."""
    root = tmp_path_factory.mktemp("books")
    inputs = root / "in"
    inputs.mkdir()
    rows = corpus.example_rows()
    i = corpus.index_of(rows, "事業", 事業番号="1")
    # a department formula with its saved value: a warning, the input is built
    with_formula = corpus.xlsxwriter_book(inputs / "formula.xlsx", rows,
                                          {("事業", "R6事業費", i): ("=69000+178", 69178)})
    other = corpus.set_key(corpus.example_rows(), "施策名", "観光の振興")
    other["事業"][i]["R6事業費"] = "未定"  # an error: a row without figures
    broken = corpus.write(inputs, other, "broken.xlsx")
    assert _cli("build", with_formula, broken, "-o", root / "out", cwd=root).returncode == 1
    built = sorted((root / "out").glob("R*.xlsx"))
    assert len(built) == 1
    assert _cli("template", "-o", root / "template.xlsx", cwd=root).returncode == 0
    assert _cli("example", "-o", root / "example.xlsx", cwd=root).returncode == 0
    annotated = root / "annotated.xlsx"
    assert _cli("validate", with_formula, "--annotate", annotated, cwd=root).returncode == 0
    return {"調書": built[0], "一覧": root / "out" / "一覧.xlsx",
            "評価結果概要": root / "out" / "評価結果概要.xlsx", "template": root / "template.xlsx",
            "example": root / "example.xlsx", "annotated": annotated}


@pytest.mark.libreoffice
@pytest.mark.parametrize("program", recalc.PROGRAMS)
@pytest.mark.parametrize("kind", WORKBOOKS)
def test_every_formula_recalculates_to_its_cached_value(books, kind, program, tmp_path):
    recalc.skip_if_missing(program)
    path = books[kind]
    formulas, _ = recalc._read(path)
    if kind in ("調書", "一覧", "評価結果概要", "annotated"):
        assert formulas, f"the {kind} has formulas to check"
        mismatches = recalc.compare_cached_with_recalculated(path, program=program)
        assert mismatches == [], "\n".join(map(str, mismatches))
    else:  # no formulas: the program still opens it and keeps every sheet
        assert not formulas
        saved = recalc.recalculated(path, tmp_path, program)
        assert openpyxl.load_workbook(saved).sheetnames == openpyxl.load_workbook(path).sheetnames
