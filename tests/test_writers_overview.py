"""The 評価結果概要 workbook beside the 一覧: the example's real figures at their cells
(8 事務事業 evaluated, 4 reviewed = 50.0 %: 改善 3, 縮小 1; 3 新規; indicators 達成 2, 順調 3,
遅れ 1), by 基本戦略 and by 主管課 summed over several 調書, only built 調書 counted, totals as
formulas with their values cached (recalculated by LibreOffice and Gnumeric in
test_writers_recalculation), one A4 landscape page per sheet, same batch, same bytes."""

from __future__ import annotations

import openpyxl
import pytest

from chosho_xlsx.writers import outputs
from chosho_xlsx.writers.overview import FILE_NAME, SHEET_SECTION, SHEET_STRATEGY, SHEET_TOTAL

from support import corpus
from support.commands import cli

pytestmark = pytest.mark.slow


def _built(folder, *rows_list, broken=None):
    inputs = folder / "in"
    inputs.mkdir()
    for k, rows in enumerate(rows_list):
        corpus.write(inputs, rows, f"{k}.xlsx")
    if broken is not None:
        corpus.write(inputs, broken, "broken.xlsx")
    out = folder / "out"
    proc = cli("build", inputs, "-o", out)
    assert proc.returncode == (0 if broken is None else 1), proc.stdout + proc.stderr
    return out / FILE_NAME


def _values(path):
    """(formulas, cached values) of every sheet."""
    return openpyxl.load_workbook(path), openpyxl.load_workbook(path, data_only=True)


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    return _built(tmp_path_factory.mktemp("overview"), corpus.example_rows())


def test_the_example_counts(example):
    formulas, values = _values(example)
    ws, v = formulas[SHEET_TOTAL], values[SHEET_TOTAL]
    assert ws["A1"].value == "R6 事業群評価 評価結果概要（全体）"
    assert ws["A3"].value is None  # no 見直し区分 proposed by the engine
    assert [ws[f"A{r}"].value for r in range(6, 16)] == [
        "評価した事務事業", "見直しを行った事務事業", "\u3000拡充", "\u3000改善", "\u3000統合", "\u3000縮小",
        "\u3000廃止", "\u3000（―）", "\u3000（新規）", "\u3000（その他）"]
    assert [v[f"B{r}"].value for r in range(6, 16)] == [8, 4, 0, 3, 0, 1, 0, 0, 3, 0]
    assert ws["B7"].value == "=B8+B9+B10+B11+B12"  # the five that count as reviewed
    assert ws["C7"].value == "=IF(B6=0,0,B7/B6)"
    assert v["C7"].value == 0.5 and ws["C7"].number_format == "0.0%"
    assert v["C9"].value == 0.375
    assert [(ws[f"A{r}"].value, v[f"B{r}"].value) for r in range(20, 26)] == [
        ("達成", 2), ("順調", 3), ("やや遅れ", 0), ("遅れ", 1), ("―（判定なし）", 0), ("合計", 6)]
    assert ws["B25"].value == "=B20+B21+B22+B23+B24"
    assert round(v["C23"].value, 6) == round(1 / 6, 6)


def test_by_section_and_strategy(example):
    formulas, values = _values(example)
    ws, v = formulas[SHEET_SECTION], values[SHEET_SECTION]
    assert [c.value for c in ws[5]][:5] == ["主管課", "評価した事務事業", "見直し", "見直し率", "拡充"]
    rows = [[c.value for c in row] for row in v.iter_rows(min_row=6, max_row=8, max_col=4)]
    assert rows == [["スマート県庁推進課", 3, 2, 2 / 3], ["デジタル戦略課", 5, 2, 0.4], ["合計", 8, 4, 0.5]]
    assert ws["B8"].value == "=SUM(B6:B7)"
    s = values[SHEET_STRATEGY]
    assert [s["A6"].value, s["B6"].value, s["C6"].value] == ["3-1 人口減少に対応できる持続可能な地域を創る", 8, 4]


def test_several_chosho_summed_only_built_ones_counted(tmp_path):
    other = corpus.rows_with("観光の振興")
    corpus.set_key(other, "基本戦略名", "10-1 観光で稼ぐ")  # after 3-1, as in the book (not as text sorts)
    broken = corpus.rows_with("港湾の整備")
    broken["事業"][0]["R6事業費"] = "未定"
    path = _built(tmp_path, corpus.example_rows(), other, broken=broken)
    values = openpyxl.load_workbook(path, data_only=True)
    t = values[SHEET_TOTAL]
    assert [t["B6"].value, t["B7"].value, t["C7"].value] == [16, 8, 0.5]
    s = values[SHEET_STRATEGY]
    assert [[c.value for c in row] for row in s.iter_rows(min_row=6, max_row=8, max_col=3)] == [
        ["3-1 人口減少に対応できる持続可能な地域を創る", 8, 4], ["10-1 観光で稼ぐ", 8, 4], ["合計", 16, 8]]


def test_one_strategy_and_section_however_spaced_or_wide(tmp_path):
    """Two departments typing one 基本戦略 with a full-width space or digits, or a 主管課 with a
    space inside, are one row each (as the batch compares 施策), shown as first spelled."""
    other = corpus.rows_with("観光の振興")
    corpus.set_key(other, "基本戦略名", "３－１\u3000人口減少に対応できる持続可能な地域を創る")
    for g in other["事業群"]:
        g["主管課"] = g["主管課"][:2] + "\u3000" + g["主管課"][2:]  # 「デジ　タル戦略課」
    values = openpyxl.load_workbook(_built(tmp_path, corpus.example_rows(), other), data_only=True)
    s = values[SHEET_STRATEGY]
    assert [[c.value for c in row] for row in s.iter_rows(min_row=6, max_row=7, max_col=3)] == [
        ["3-1 人口減少に対応できる持続可能な地域を創る", 16, 8], ["合計", 16, 8]]
    s = values[SHEET_SECTION]
    assert [[c.value for c in row] for row in s.iter_rows(min_row=6, max_row=8, max_col=3)] == [
        ["スマート県庁推進課", 6, 4], ["デジタル戦略課", 10, 4], ["合計", 16, 8]]


def test_proposals_are_counted_and_said_to_be(tmp_path):
    """A 見直し区分 left blank is the engine's proposal: counted as the 一覧 counts it, and
    every sheet says how many of the counts are proposals; without any, no such line."""
    rows = corpus.example_rows()
    blanked = [p for p in rows["事業"] if p.get("見直し区分")][:2]
    for p in blanked:
        p["見直し区分"] = None
    values = openpyxl.load_workbook(_built(tmp_path, rows), data_only=True)
    line = "見直し区分のうち 2 件は部局が空欄にし、規則が提案したもの（調書では「（案）」）で、件数に含みます（一覧の「うち提案」）。"
    for name in (SHEET_TOTAL, SHEET_STRATEGY, SHEET_SECTION):
        assert values[name]["A3"].value == line
    assert values[SHEET_TOTAL]["B6"].value == 8 and values[SHEET_TOTAL]["B7"].value == 4


def test_marked_as_ours_one_page_each_and_deterministic(example, tmp_path):
    assert outputs.written_by_us(example) == outputs.OVERVIEW
    wb = openpyxl.load_workbook(example)
    for ws in wb:
        assert ws.page_setup.orientation == "landscape"
        assert ws.page_setup.paperSize == 9  # A4
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        # XlsxWriter leaves out the default 1 of fitToWidth and fitToHeight
        assert (ws.page_setup.fitToWidth or 1, ws.page_setup.fitToHeight or 1) == (1, 1)
    again = _built(tmp_path, corpus.example_rows())
    assert again.read_bytes() == example.read_bytes()
