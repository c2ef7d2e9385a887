"""The finished 調書 workbook (layout/): contents, live formulas with cached values,
number formats, print setup, text safety, determinism, atomic writes, the build command."""

from __future__ import annotations

import copy
import dataclasses
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

from chosho_xlsx.model.form_texts import load_labels
from chosho_xlsx.model.ruleset import load_ruleset
from chosho_xlsx.pipeline import check_book, example_book
from chosho_xlsx.rules.engine import compute
from chosho_xlsx.writers import layout
from chosho_xlsx.writers.export import report_dict as report_json
from chosho_xlsx.writers.layout import measure, workbook
from chosho_xlsx.writers.naming import MAX_CHARS, chosho_name, safe_stem, unique_names

from support.cells import formula_cells

SETTINGS = load_ruleset()
OVERVIEW, RESULTS, ISSUES, REVIEW = "1 概要・指標", "2 R5取組実績", "3 課題と方向性", "4 見直し内容"


@pytest.fixture(scope="module")
def built(report, tmp_path_factory):
    path = tmp_path_factory.mktemp("chosho") / chosho_name(report)
    layout.write_chosho(report, path, SETTINGS)
    return path


@pytest.fixture(scope="module")
def books(built):
    """(formulas, cached values): openpyxl puts formulas in cell.value; data_only gives
    the values cached beside them."""
    return openpyxl.load_workbook(built), openpyxl.load_workbook(built, data_only=True)


def find(ws, value, col: int | None = None) -> list:
    return [
        c for row in ws.iter_rows() for c in row
        if c.value == value and (col is None or c.column == col)
    ]


def indicator_rows(ws) -> list[int]:
    """The 目標値① row of each indicator block, top to bottom."""
    return [c.row for c in find(ws, "目標値①", col=2)]


# ---- contents ---------------------------------------------------------------------


def test_sheets_and_title(books):
    f, _ = books
    assert f.sheetnames == [OVERVIEW, RESULTS, ISSUES, REVIEW]
    assert f[OVERVIEW]["A1"].value == "事業群評価調書（令和６年度実施）"


def test_header_values(books):
    ws = books[0][OVERVIEW]
    assert ws["B3"].value == "3-1 人口減少に対応できる持続可能な地域を創る"
    assert ws["B4"].value == "ICTを活用した地域活性化と行政運営の効率化"
    assert [ws[f"B{r}"].value for r in (5, 6, 7)] == [
        "①Society5.0実現に向けた推進体制の構築",
        "②地域を支える情報通信基盤の整備促進",
        "③行政におけるデジタル化の推進（スマート自治体の実現）",
    ]
    assert ws["J3"].value == "事業群①②:企画部　デジタル戦略課\n事業群③:総務部　スマート県庁推進課"
    assert ws["K3"].value == "①②:髙橋　圭\n③:吉村　邦裕"
    assert ws["J4"].value == "建設企画課、港湾課"
    assert ws["H5"].value.startswith("令和５年度事業費（千円）\n※下記「２．令和５年度取組実績」")


def test_budget_totals_are_live_sums(books):
    f, v = books
    ws, wv = f[OVERVIEW], v[OVERVIEW]
    assert [wv[f"J{r}"].value for r in (5, 6, 7)] == [83434, 0, 386326]
    assert [ws[f"J{r}"].number_format for r in (5, 6, 7)] == ['"①　"#,##0', '"②　"#,##0', '"③　"#,##0']
    sum1 = ws["J5"].value
    assert sum1.startswith(f"=SUM('{RESULTS}'!H")
    assert ws["J6"].value == "=0"
    # the summed cells are the Y-1実績 事業費 of the group's projects in section 2
    results = v[RESULTS]
    cells = re.findall(r"!(H\d+)", sum1)
    assert sum(results[c].value for c in cells if isinstance(results[c].value, int)) == 83434
    for c in cells:
        assert results[f"G{c[1:]}"].value == "R5実績"


def test_budget_total_counts_a_parent_once(tmp_path):
    """Sub-projects are their parent's breakdown: with R5 money on 5 (300) and on 5-1,
    5-2 (100 + 200), the header's ① sums 5 once, formula and cached value alike."""
    from chosho_xlsx.intake.reader import book_from_rows
    from chosho_xlsx.writers.example import load_example_rows

    rows = copy.deepcopy(load_example_rows())
    for rec in rows["事業"]:
        if rec["事業番号"] in ("5", "5-1", "5-2"):
            rec["R5事業費"] = {"5": 300, "5-1": 100, "5-2": 200}[rec["事業番号"]]
            rec["開始年度"] = "R5"
    base = example_book()
    checked = check_book(book_from_rows(rows, {n: s.rows[0] for n, s in base.sheets.items()}, "x"), SETTINGS)
    assert checked.ok, checked.errors
    assert checked.report.group_budgets[1] == 83434 + 300
    path = tmp_path / "x.xlsx"
    layout.write_chosho(checked.report, path, SETTINGS)
    ws = openpyxl.load_workbook(path)[OVERVIEW]
    wv = openpyxl.load_workbook(path, data_only=True)
    assert wv[OVERVIEW]["J5"].value == 83434 + 300
    cells = re.findall(r"!(H\d+)", ws["J5"].value)
    results = wv[RESULTS]
    numbers = {str(results[f"A{r}"].value) for r in range(6, results.max_row + 1)
               if any(f"H{r2}" in cells for r2 in range(r, r + 3)) and results[f"A{r}"].value}
    assert "5" in numbers and not {"5-1", "5-2"} & numbers
    assert sum(results[c].value for c in cells if isinstance(results[c].value, int)) == 83434 + 300


def test_overview_section(books):
    ws = books[0][OVERVIEW]
    assert ws["A9"].value == "１．計画等概要"
    assert ws["A10"].value == "（長崎県総合計画チェンジ＆チャレンジ2025　本文）"
    assert ws["A11"].value.startswith("①産学金官連携による")
    items = ws["I11"].value.split("\n")
    assert len(items) == 7
    assert items[0] == "ⅰ）ながさきSociety5.0推進プラットフォームによるICT利活用の推進（事業群①）"
    assert items[4] == "ⅴ）行政手続きのオンライン化（事業群③）"


EXPECTED_RATES = [
    (1.20, 1.33, 1.14),
    (4.18, 2.46, 2.18),
    (0.87, 1.33, 1.74),
    (1.00, 1.35, 1.23),
    (0.62, 0.50, 0.41),
    (1.53, 1.56, 1.13),
]
EXPECTED_STATUS = ["順調", "達成", "達成", "順調", "遅れ", "順調"]


def test_indicator_rates_cached_and_formulas(books):
    f, v = books
    ws, wv = f[OVERVIEW], v[OVERVIEW]
    rows = indicator_rows(ws)
    assert len(rows) == 6
    for t, rates in zip(rows, EXPECTED_RATES, strict=True):
        rate_row = t + 2
        assert ws[f"B{rate_row}"].value == "達成率\n②／①"
        got = tuple(wv[f"{col}{rate_row}"].value for col in "DEF")
        assert got == rates
        for col in "DEF":
            formula = ws[f"{col}{rate_row}"].value
            assert formula == (
                f"=IF(AND(ISNUMBER({col}{t}),ISNUMBER({col}{t + 1}),{col}{t}<>0),"
                f'ROUNDDOWN(ROUND({col}{t + 1}/{col}{t}*100,6),0)/100,"―")'
            )
            assert ws[f"{col}{rate_row}"].number_format == "0%"
        # R6, R7: no 実績 yet, no rate
        assert wv[f"G{rate_row}"].value is None and wv[f"H{rate_row}"].value is None


def test_progress_status(books):
    f, v = books
    ws, wv = f[OVERVIEW], v[OVERVIEW]
    rows = indicator_rows(ws)
    assert [wv[f"I{t + 2}"].value for t in rows] == EXPECTED_STATUS
    for t in rows:
        assert ws[f"I{t + 1}"].value == "進捗状況"
        formula = ws[f"I{t + 2}"].value
        assert formula.startswith(f"=IF(ISNUMBER(F{t + 1}),IF(AND(ISNUMBER(H{t})")
        assert '"順調"' in formula and '"やや遅れ"' in formula and ">=0.8" in formula


def test_final_target(books):
    f, v = books
    ws, wv = f[OVERVIEW], v[OVERVIEW]
    t = indicator_rows(ws)[0]
    assert ws[f"I{t}"].value == f'=IF(ISNUMBER(H{t}),H{t},"― (R7)")'
    assert wv[f"I{t}"].value == 45
    assert ws[f"I{t}"].number_format == '#,##0"件 (R7)"'
    assert ws[f"C{t + 1}"].value == 0
    assert ws[f"C{t + 1}"].number_format == '#,##0"件 (R元)"'


def test_number_formats_keep_units(books):
    ws = books[0][OVERVIEW]
    rows = indicator_rows(ws)
    assert (ws[f"F{rows[0] + 1}"].value, ws[f"F{rows[0] + 1}"].number_format) == (24, '#,##0"件"')
    assert (ws[f"F{rows[1] + 1}"].value, ws[f"F{rows[1] + 1}"].number_format) == (65.6, '#,##0.0"%"')
    assert (ws[f"D{rows[2]}"].value, ws[f"D{rows[2]}"].number_format) == (40, '#,##0"所属"')
    assert ws[f"H{rows[5]}"].number_format == '#,##0"件"'
    results = books[0][RESULTS]
    bound = [c for row in results.iter_rows() for c in row if c.number_format == '#,##0"%以上"']
    assert bound and {c.value for c in bound} == {90}
    money = results["H7"]
    assert (money.value, money.number_format) == (47211, "#,##0")
    # 「―」 stays text
    assert all(c.data_type == "s" for c in find(results, "―"))


def _section2_indicator_cells(path, name: str) -> list:
    """The target and actual cells of one project indicator in section 2, in order."""
    ws = openpyxl.load_workbook(path)[RESULTS]
    top = next(c.row for c in ws["K"] if isinstance(c.value, str) and c.value.endswith(name))
    return [ws[f"{col}{r}"] for r in range(top, top + 3) for col in "LM"]


@pytest.mark.slow
def test_section2_prints_an_indicator_one_way_whatever_was_typed(tmp_path):
    """「3,845件」 typed beside 3,126 and 「２，３５０」: every value of that indicator prints
    with its unit, in the number format; an indicator typed without units (the seed's
    counts) prints every value bare, as the seed does."""
    from chosho_xlsx.intake.reader import book_from_rows
    from chosho_xlsx.writers.example import load_example_rows

    rows = copy.deepcopy(load_example_rows())
    name = "行政・民間で公開されたデータ数"
    rec = next(r for r in rows["事業指標"] if r["指標名"] == name)
    rec.update({"R5実績": "3,845件", "R4実績": 3126, "R5目標": "２，３５０"})
    base = example_book()
    checked = check_book(book_from_rows(rows, {n: s.rows[0] for n, s in base.sheets.items()}, "x"), SETTINGS)
    assert checked.ok
    path = tmp_path / "x.xlsx"
    layout.write_chosho(checked.report, path, SETTINGS)
    numbers = [(c.value, c.number_format) for c in _section2_indicator_cells(path, name) if c.value not in ("―", None)]
    assert numbers == [(2000, '#,##0"件"'), (3126, '#,##0"件"'), (2350, '#,##0"件"'), (3845, '#,##0"件"'),
                       (2700, '#,##0"件"')]
    other = _section2_indicator_cells(path, "情報戦略アドバイザー等による市町向け職員の研修開催数")
    assert [(c.value, c.number_format) for c in other if c.value not in ("―", None)] == [
        (20, "#,##0"), (14, "#,##0"), (20, "#,##0"), (12, "#,##0")]
    data = report_json(checked.report)
    ind = next(i for p in data["projects"] for i in p["indicators"] if i["name"] == name)
    assert [(y["target"], y["actual"]) for y in ind["years"]] == [
        ("2,000件", "3,126件"), ("2,350件", "3,845件"), ("2,700件", None)]


def test_section2_lists_every_project(books, report):
    ws = books[0][RESULTS]
    numbers = [c.value for c in ws["A"][5:] if c.value]
    assert numbers == [cp.project.number for cp in report.projects]
    assert {"3", "4", "8"} <= set(numbers)
    assert ws["A1"].value == "２．令和５年度取組実績（令和６年度新規・補正事業は参考記載）"
    assert [ws[f"G{r}"].value for r in (2, 3, 4, 5)] == ["事業費　(単位:千円）", "R4実績", "R5実績", "R6計画"]
    assert [ws[f"L{r}"].value for r in (3, 4, 5)] == ["R4目標", "R5目標", "R6目標"]


def test_section2_new_projects_print_dashes(books, report):
    ws = books[0][RESULTS]
    row = next(c.row for c in ws["A"] if c.value == "5-1")
    assert ws[f"D{row + 1}"].value == "(R6新規)R6-8" or any(
        ws[f"D{r}"].value == "(R6新規)R6-8" for r in range(row, row + 6)
    )
    assert [ws[f"{col}{row}"].value for col in "HIJ"] == ["―", "―", "―"]
    assert [ws[f"{col}{row + 1}"].value for col in "HIJ"] == ["―", "―", "―"]
    assert isinstance(ws[f"H{row + 2}"].value, int)


def test_section2_project_rates(books):
    f, v = books
    ws, wv = f[RESULTS], v[RESULTS]
    # project 1, first indicator: 3 → 4 = 133%; R5 target 3, actual ― → ―
    assert wv["N6"].value == 1.33
    assert wv["N7"].value == "―"
    assert ws["N6"].value.startswith("=IF(AND(ISNUMBER(L6),ISNUMBER(M6),L6<>0)")
    capped = [c for row in ws.iter_rows() for c in row
              if isinstance(c.value, str) and c.value.startswith("=IF") and "MIN(" in c.value]
    assert capped, "bound targets (90%以上) cap the rate with MIN"
    assert {wv[c.coordinate].value for c in capped} >= {1.0, 0.98}


def test_section4_only_reviewed_projects(books, report):
    ws = books[0][REVIEW]
    numbers = [c.value for c in ws["A"][4:] if c.value and not str(c.value).startswith("注")]
    expected = [cp.project.number for cp in report.projects if cp.in_section4]
    assert numbers[: len(expected)] == expected
    assert not {"3", "4", "8"} & set(numbers)
    assert ws["A1"].value == "４．令和６年度見直し内容及び令和７年度実施に向けた方向性"
    row = {c.value: c.row for c in ws["A"]}
    assert ws[f"G{row['1']}"].value == "改善"
    assert ws[f"H{row['1']}"].value == "②④⑧"
    assert ws[f"G{row['5']}"].value == "R6新規"
    assert ws[f"G{row['6']}"].value == "縮小"


def test_section4_legend_and_notes(books):
    ws = books[0][REVIEW]
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert "※令和６年度の新たな取組は「R６新規」等と、見直しがない場合は「―」と記載" in texts
    assert any(t.startswith("注：「２．令和５年度取組実績」に記載している事業のうち、令和５年度終了事業") for t in texts)
    legend = next(t for t in texts if t.startswith("【事業構築の視点】"))
    assert legend.count("\n") == 10 and "⑩　その他の視点" in legend


PROPOSAL_NOTE = "※見直し区分の「（案）」は、部局が空欄とした見直し区分に規則表で提案した区分です（部局で確認のうえ決定してください）。"


def test_a_proposed_review_is_printed_as_a_proposal(tmp_path):
    """Project 1 with 見直し区分 left blank: the engine proposes 拡充 (+46%); section 4
    prints 「拡充（案）」, never like a department's decision, and a legend line says what
    （案） means. The example, with every 見直し区分 typed, has neither."""
    from chosho_xlsx.intake.reader import book_from_rows
    from chosho_xlsx.writers.example import load_example_rows

    rows = copy.deepcopy(load_example_rows())
    rows["事業"][0]["見直し区分"] = None
    base = example_book()
    checked = check_book(book_from_rows(rows, {n: s.rows[0] for n, s in base.sheets.items()}, "x"), SETTINGS)
    assert [f.code for f in checked.findings if f.code == "W-REVIEW-PROPOSED"] == ["W-REVIEW-PROPOSED"]
    path = tmp_path / "x.xlsx"
    layout.write_chosho(checked.report, path, SETTINGS)
    ws = openpyxl.load_workbook(path)[REVIEW]
    row = {c.value: c.row for c in ws["A"]}
    assert ws[f"G{row['1']}"].value == "拡充（案）"
    assert ws[f"G{row['6']}"].value == "縮小"  # typed: as typed
    texts = [c.value for r in ws.iter_rows() for c in r if isinstance(c.value, str)]
    assert PROPOSAL_NOTE in texts


def test_no_proposal_note_without_a_proposal(books):
    texts = [c.value for r in books[0][REVIEW].iter_rows() for c in r if isinstance(c.value, str)]
    assert PROPOSAL_NOTE not in texts and not any("（案）" in t for t in texts)


def test_section3_rows_per_item_group(books, report):
    ws = books[0][ISSUES]
    assert ws["A1"].value == "３．実績の検証及び解決すべき課題と解決に向けた方向性"
    assert [ws[f"{c}2"].value for c in "ACD"] == ["取組項目", "●実績の検証及び解決すべき課題", "●課題解決に向けた方向性"]
    numerals = [c.value for c in ws["A"][2:] if c.value]
    assert numerals == ["ⅰ", "ⅱ", "ⅲ", "ⅳ", "ⅶ", "ⅴ", "ⅵ"]
    texts = [c.value for c in ws["C"][2:] if c.value]
    assert len(texts) == len(report.chosho.issues)


# ---- print setup ------------------------------------------------------------------


def test_print_setup(books):
    f, _ = books
    for ws in f.worksheets:
        ps = ws.page_setup
        assert ps.orientation == "landscape"
        assert int(ps.paperSize) == 8
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert ps.fitToWidth in (None, 1) and int(ps.fitToHeight) == 0
        assert ws.print_area and ws.print_area.startswith(f"'{ws.title}'!$A$1:")
        assert ws.oddFooter.center.text == "&P / &N"
        assert ws.page_margins.left <= 0.5
        # every row has a computed height
        last = int(ws.print_area.rsplit("$", 1)[1])
        assert all(ws.row_dimensions[r].height for r in range(1, last + 1))
    assert f[RESULTS].print_title_rows == "$1:$5"
    assert f[ISSUES].print_title_rows == "$1:$2"
    assert f[REVIEW].print_title_rows == "$1:$4"
    assert f[RESULTS].row_breaks.brk, "section 2 breaks between project blocks"


def test_page_breaks_fall_between_project_blocks(books):
    ws = books[0][RESULTS]
    starts = {c.row for c in ws["A"][5:] if c.value}
    for brk in ws.row_breaks.brk:
        assert brk.id + 1 in starts  # a break after row id: the next row starts a project


def test_merged_rows_are_tall_enough(books):
    """Neither Excel nor LibreOffice sizes merged cells: the rows a merged text spans
    must add up to what the text needs."""
    ws = books[0][RESULTS]
    for rng in ws.merged_cells.ranges:
        cell = ws.cell(rng.min_row, rng.min_col)
        if not isinstance(cell.value, str) or not cell.value:
            continue
        width = sum(ws.column_dimensions[openpyxl.utils.get_column_letter(c)].width
                    for c in range(rng.min_col, rng.max_col + 1))
        need = measure.text_height(cell.value, width, 10)
        have = sum(ws.row_dimensions[r].height for r in range(rng.min_row, rng.max_row + 1))
        assert have >= need * 0.97, (rng.coord, have, need)


def test_fonts_are_the_layout_font(built):
    with zipfile.ZipFile(built) as z:
        styles = z.read("xl/styles.xml").decode()
    assert 'val="IPAexゴシック"' in styles


# ---- text safety ------------------------------------------------------------------


def test_text_starting_with_equals_stays_text(report, tmp_path):
    r = copy.deepcopy(report)
    r.chosho.related_sections = "=1+1"
    r.chosho.projects[0].law = "@SUM(A1)"
    path = tmp_path / "x.xlsx"
    layout.write_chosho(r, path, SETTINGS)
    wb = openpyxl.load_workbook(path)
    cell = wb[OVERVIEW]["J4"]
    assert cell.value == "=1+1" and cell.data_type == "s" and cell.quotePrefix
    assert (OVERVIEW, 4, 9) not in formula_cells(path, (OVERVIEW,))
    law = wb[RESULTS]["P6"]
    assert law.value == "@SUM(A1)" and law.data_type == "s"
    with zipfile.ZipFile(path) as z:
        assert "<t>=1+1</t>" in z.read("xl/sharedStrings.xml").decode()


def test_only_derived_cells_are_formulas(built):
    cells = formula_cells(built, (OVERVIEW, RESULTS, ISSUES, REVIEW))
    assert cells and all(cells.values()), "every formula has a cached value"
    assert {sheet for sheet, _, _ in cells} == {OVERVIEW, RESULTS}


# ---- years come from 実施年度 -------------------------------------------------------


def test_labels_follow_the_fiscal_year(report, tmp_path):
    later = dataclasses.replace(report.chosho, fiscal_year=report.chosho.fiscal_year + 1)
    path = tmp_path / "r7.xlsx"
    layout.write_chosho(compute(later, SETTINGS), path, SETTINGS)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[1] == "2 R6取組実績"
    assert wb.worksheets[0]["A1"].value == "事業群評価調書（令和７年度実施）"
    assert wb.worksheets[1]["A1"].value == "２．令和６年度取組実績（令和７年度新規・補正事業は参考記載）"
    assert wb.worksheets[3]["A1"].value == "４．令和７年度見直し内容及び令和８年度実施に向けた方向性"
    assert [wb.worksheets[1][f"G{r}"].value for r in (3, 4, 5)] == ["R5実績", "R6実績", "R7計画"]


def test_labels_fill_placeholders():
    L = load_labels(2024, "計画")
    assert L.text("review.note_new") == "※令和６年度の新たな取組は「R６新規」等と、見直しがない場合は「―」と記載"
    assert L.text("overview.plan_text") == "（計画　本文）"


def test_no_year_literals_in_layout_code():
    src = Path(layout.__file__).parent
    for path in src.glob("*.py"):
        code = "\n".join(
            line for line in path.read_text(encoding="utf-8").splitlines()
            if not line.lstrip().startswith("#")
        )
        # strings in code (not docstrings) must not name a year
        for literal in re.findall(r'f?"([^"\n]*)"', code):
            assert not re.search(r"\bR\d\b|令和[０-９\d]", literal), (path.name, literal)


# ---- determinism and atomic writes ------------------------------------------------


def test_same_input_same_bytes(report, built, tmp_path):
    again = tmp_path / "again.xlsx"
    layout.write_chosho(report, again, SETTINGS)
    assert again.read_bytes() == built.read_bytes()


def test_nothing_left_when_writing_fails(report, tmp_path, monkeypatch):
    calls = []
    real = workbook.render

    def failing(wb, plan, styles, setup):
        calls.append(plan.name)
        if len(calls) == 2:
            raise RuntimeError("disk on fire")
        real(wb, plan, styles, setup)

    monkeypatch.setattr(workbook, "render", failing)
    target = tmp_path / "out.xlsx"
    with pytest.raises(RuntimeError):
        layout.write_chosho(report, target, SETTINGS)
    assert list(tmp_path.iterdir()) == []
    # an earlier complete file survives a failed rewrite
    target.write_bytes(b"old")
    calls.clear()
    with pytest.raises(RuntimeError):
        layout.write_chosho(report, target, SETTINGS)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.xlsx"]


# ---- naming and the build command ---------------------------------------------------


def test_file_name_from_content(report):
    assert chosho_name(report) == "R6_ICTを活用した地域活性化と行政運営の効率化.xlsx"


@pytest.mark.parametrize(
    ("text", "stem"),
    [
        ('a\\b/c:d*e?f"g<h>i|j', "a_b_c_d_e_f_g_h_i_j"),
        ("施策. . ", "施策"),
        ("CON", "_CON"),
        ("nul.txt", "_nul.txt"),
        ("", "chosho"),
        ("tab\there", "tab_here"),
    ],
)
def test_safe_stem(text, stem):
    assert safe_stem(text) == stem


def test_names_are_short_and_unique():
    long = safe_stem("長" * 300) + ".xlsx"
    assert len(long) <= MAX_CHARS
    names = unique_names([long, long, "a.xlsx", "A.xlsx"])
    assert len(set(n.casefold() for n in names)) == 4
    assert all(len(n) <= MAX_CHARS and n.endswith(".xlsx") for n in names)


@pytest.mark.slow
def test_build_command(tmp_path):
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "chosho_xlsx.cli", "build", "-o", str(out)],
        capture_output=True, text=True, encoding="utf-8", timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    written = out / "R6_ICTを活用した地域活性化と行政運営の効率化.xlsx"
    assert written.is_file()
    assert proc.stdout.strip() == str(written)
    assert openpyxl.load_workbook(written).sheetnames[0] == OVERVIEW


# ---- the formulas recalculate to the engine's values, edge cases included ------------


def _edge_chosho(report):
    """The example with the cases the seed lacks: 減少, a bound target, やや遅れ, a zero
    target, no actual in the latest year, no final target, 0.29/1 (binary float)."""
    from decimal import Decimal

    from chosho_xlsx.model.quantity import EMPTY, Quantity

    c = copy.deepcopy(report.chosho)
    y = c.fiscal_year
    c.indicators[0].direction = "減少"
    c.indicators[1].targets[y - 3] = Quantity(Decimal(10), "%", "以上")
    c.indicators[2].actuals[y - 1] = Quantity(Decimal(43), "所属")
    c.indicators[3].targets[y - 2] = Quantity(Decimal(0), "所属")
    c.indicators[4].actuals[y - 1] = EMPTY
    c.indicators[5].targets[c.plan_end] = EMPTY
    pi = c.projects[0].indicators[0]
    pi.targets[y - 2] = Quantity(Decimal(1))
    pi.actuals[y - 2] = Quantity(Decimal("0.29"))
    return c


@pytest.mark.libreoffice
@pytest.mark.parametrize("program", ["libreoffice", "gnumeric"])
@pytest.mark.parametrize("rounding", ["down", "half_up", "up"])
def test_edge_cases_recalculate_to_the_cached_values(report, tmp_path, rounding, program):
    from support import recalc

    recalc.skip_if_missing(program)
    rules = tmp_path / "rules.yaml"
    rules.write_text(f"rate: {{rounding: {rounding}}}\nstatus: {{slightly_behind_from: 80}}\n",
                     encoding="utf-8")
    settings = load_ruleset(rules)
    edge = compute(_edge_chosho(report), settings)
    statuses = {ci.status for ci in edge.indicators}
    assert "やや遅れ" in statuses and "減少" in {ci.indicator.direction for ci in edge.indicators}
    path = tmp_path / "edge.xlsx"
    layout.write_chosho(edge, path, settings)
    assert recalc.compare_cached_with_recalculated(path, program=program) == []
