"""`chosho-xlsx validate` on real workbooks: each case of the corpus (tests/support/corpus.py)
gives the exact exit code, the finding's code and the cell (or sheet and column) it names.

The workbooks are the bundled example with one thing changed, written as a department
gets them (template.write_input_workbook) or edited afterwards with openpyxl / XlsxWriter."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chosho_xlsx.cli import app
from chosho_xlsx.common.addresses import CELL_RE
from chosho_xlsx.common.findings import catalogue

from support import corpus

runner = CliRunner()


def run(*args: object) -> tuple[int, dict]:
    """validate --format json: (exit code, parsed output)."""
    result = runner.invoke(app, ["validate", *map(str, args), "--format", "json"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, json.loads(result.stdout)


def places(doc: dict, code: str, file: int = 0) -> list[str]:
    return [f["place"] for f in doc["files"][file]["findings"] if f["code"] == code]


def codes(doc: dict, file: int = 0) -> list[str]:
    return [f["code"] for f in doc["files"][file]["findings"]]


# ---- the bundled example ---------------------------------------------------------------


def test_example_validates_with_only_the_seed_warning(example):
    code, doc = run(example)
    assert code == 0
    f = doc["files"][0]
    assert (f["readable"], f["valid"], f["errors"]) == (True, True, 0)
    # The seed's 電子県庁推進事業 is 縮小 while its budget rises 44% (rules.md): the one
    # warning the example must give.
    assert codes(doc) == ["W-REVIEW-CONFLICT"]
    rows = corpus.example_rows()
    i = corpus.index_of(rows, "事業", 事務事業名="電子県庁推進事業")
    assert places(doc, "W-REVIEW-CONFLICT") == [corpus.cell("事業", "見直し区分", i)]


def test_example_strict_fails_on_the_warning(example):
    result = runner.invoke(app, ["validate", str(example), "--strict"])
    assert result.exit_code == 1


def test_example_text_output(example):
    result = runner.invoke(app, ["validate", str(example)])
    assert result.exit_code == 0
    assert "W-REVIEW-CONFLICT" in result.stdout and "事業!AB12" in result.stdout
    assert "警告 1" in result.stdout


def test_bundled_example_through_the_cli(tmp_path):
    out = tmp_path / "x.xlsx"
    assert runner.invoke(app, ["example", "-o", str(out)]).exit_code == 0
    code, doc = run(out)
    assert code == 0 and doc["files"][0]["errors"] == 0


# ---- one cell changed: (sheet, record matched by, header, new value) → code at that cell --

E = [  # errors: exit 1
    ("E-REF-GROUP", "事業", {"事業番号": "4"}, "事業群番号", 9),
    ("E-REF-GROUP", "取組項目", {"取組項目番号": 4}, "事業群番号", 9),
    ("E-REF-GROUP", "指標", {"指標番号": 1}, "事業群番号", 7),
    ("E-REF-ITEM", "事業", {"事業番号": "1"}, "取組項目", "1,2,9"),
    ("E-REF-ITEM", "課題", {"取組項目": "5"}, "取組項目", "ⅷ"),
    ("E-REF-PROJECT", "事業指標", {"事業番号": "8"}, "事業番号", "9"),
    ("E-ITEM-GROUP", "事業", {"事業番号": "6"}, "事業群番号", 2),
    ("E-DUPLICATE", "事業群", {"事業群番号": 2}, "事業群番号", 1),
    ("E-DUPLICATE", "取組項目", {"取組項目番号": 7}, "取組項目番号", "6"),
    ("E-DUPLICATE", "指標", {"指標番号": 6}, "指標番号", 5),
    ("E-DUPLICATE", "事業", {"事業番号": "8"}, "事業番号", "7"),
    ("E-DUPLICATE", "事業", {"事業番号": "5-2"}, "事業番号", "5－1"),  # 全角 hyphen: the same number
    ("E-RANGE", "事業群", {"事業群番号": 3}, "事業群番号", 21),
    ("E-RANGE", "取組項目", {"取組項目番号": 7}, "取組項目番号", 0),
    ("E-GENERAL-OVER-TOTAL", "事業", {"事業番号": "1"}, "R5一般財源", 47212),
    ("E-MONEY", "事業", {"事業番号": "1"}, "R5事業費", -5),
    ("E-MONEY", "事業", {"事業番号": "1"}, "R6事業費", 69178.5),
    ("E-MONEY", "事業", {"事業番号": "2"}, "R4人件費", "12件"),
    ("E-UNIT", "指標", {"指標番号": 1}, "R5実績", "24所属"),
    ("E-UNIT", "指標", {"指標番号": 3}, "基準値", "33件"),
    ("E-UNIT", "事業指標", {"指標名": "行政・民間で公開されたデータ数"}, "R5実績", "3,845所属"),
    ("E-VIEWPOINT", "事業", {"事業番号": "1"}, "事業構築の視点", "⑪"),
    ("E-VIEWPOINT", "事業", {"事業番号": "1"}, "事業構築の視点", "2,11"),
    ("E-VIEWPOINT", "事業", {"事業番号": "6"}, "事業構築の視点", "とても良い"),
    ("E-PERIOD-ORDER", "事業", {"事業番号": "1"}, "終了年度", "R1"),
    ("E-NOT-INT", "事業群", {"事業群番号": 3}, "事業群番号", "三"),
    ("E-NOT-INT", "指標", {"指標番号": 3}, "事業群番号", 2.5),
    ("E-NOT-YEAR", "事業", {"事業番号": "2"}, "開始年度", "来年"),
    ("E-NOT-YEAR", "事業", {"事業番号": "2"}, "開始年度", datetime(2022, 4, 1)),
    ("E-NOT-NUMBER", "指標", {"指標番号": 2}, "R4実績", "約50%"),
    ("E-NOT-NUMBER", "指標", {"指標番号": 2}, "R4実績", 5e29),  # found by hypothesis: overflowed 達成率
    ("E-NOT-NUMBER", "事業指標", {"指標名": "行政・民間で公開されたデータ数"}, "R4目標", "0.0000001"),
    ("E-MONEY", "事業", {"事業番号": "1"}, "R5人件費", 10**16),
    ("E-MARK", "事業", {"事業番号": "1"}, "中核事業", "はい"),
    ("E-ENUM", "指標", {"指標番号": 2}, "目標の向き", "上昇"),
    ("E-ENUM", "事業指標", {"指標名": "行政・民間で公開されたデータ数"}, "区分", "結果"),
    ("E-ITEMS", "事業", {"事業番号": "7"}, "取組項目", "6番"),
    ("E-PROJECT-NUMBER", "事業", {"事業番号": "8"}, "事業番号", "八"),
    ("E-REVIEW", "事業", {"事業番号": "7"}, "見直し区分", "現状維持"),
    ("E-TEXT-DATE", "事業", {"事業番号": "7"}, "事務事業名", date(2024, 5, 1)),
    # 「3-1」 typed into a cell Excel formats as General becomes 2024-03-01: an identifier
    # or code column holding a date is an error at the cell, never a printed 「2024-03-01」
    ("E-TEXT-DATE", "事業", {"事業番号": "8"}, "事業番号", date(2024, 3, 1)),
    ("E-TEXT-DATE", "事業", {"事業番号": "8"}, "事業番号", datetime(2024, 3, 1)),
    ("E-TEXT-DATE", "事業指標", {"指標名": "行政・民間で公開されたデータ数"}, "事業番号", date(2024, 1, 1)),
    ("E-TEXT-DATE", "事業", {"事業番号": "1"}, "取組項目", date(2024, 1, 2)),
    ("E-TEXT-DATE", "課題", {"取組項目": "6"}, "取組項目", date(2024, 5, 6)),
    ("E-TEXT-DATE", "取組項目", {"取組項目番号": 4}, "事業群番号", date(2024, 2, 1)),
    ("E-TEXT-DATE", "事業群", {"事業群番号": 2}, "事業群番号", date(2024, 2, 1)),
    ("E-TEXT-DATE", "事業", {"事業番号": "1"}, "事業構築の視点", date(2024, 2, 4)),
    ("E-TEXT-DATE", "事業", {"事業番号": "1"}, "見直し区分", date(2024, 2, 4)),
    ("E-TEXT-DATE", "事業指標", {"指標名": "行政・民間で公開されたデータ数"}, "区分", date(2024, 2, 4)),
    ("E-TEXT-DATE", "事業", {"事業番号": "1"}, "中核事業", date(2024, 2, 4)),
    ("E-REQUIRED", "事業", {"事業番号": "7"}, "事務事業名", None),
    ("E-REQUIRED", "事業", {"事業番号": "6"}, "取組項目", None),  # not a 参考 project
    ("E-REQUIRED", "指標", {"指標番号": 4}, "進捗状況の分析", "  "),
]

W = [  # warnings: exit 0 (1 with --strict)
    ("W-DECREASING", "指標", {"指標番号": 5}, "目標の向き", "減少"),
    ("W-NO-FINAL-TARGET", "指標", {"指標番号": 1}, "R7目標", "―"),
    ("W-ACTUAL-NO-TARGET", "指標", {"指標番号": 4}, "R4目標", None),
    ("W-ACTUAL-NO-TARGET", "事業指標", {"指標名": "行政・民間で公開されたデータ数"}, "R4目標", "―"),
    ("W-ACTUAL-FAR-ABOVE", "指標", {"指標番号": 3}, "R5実績", "870所属"),
    ("W-ACTUAL-FAR-ABOVE", "事業指標", {"指標名": "行政・民間で公開されたデータ数"}, "R4実績", 31260),
    ("W-ACTUAL-FAR-BELOW", "指標", {"指標番号": 1}, "R5実績", "2件"),  # target 21件
    ("W-ACTUAL-FAR-BELOW", "指標", {"指標番号": 2}, "R5実績", 0.656),  # 65.6% typed as a fraction
    ("W-ACTUAL-FAR-BELOW", "事業指標", {"指標名": "行政・民間で公開されたデータ数"}, "R4実績", 150),
    ("W-REVIEW-CONFLICT", "事業", {"事業番号": "1"}, "見直し区分", "廃止"),
    ("W-REVIEW-PROPOSED", "事業", {"事業番号": "1"}, "見直し区分", None),
    ("W-NEW-HAS-HISTORY", "事業", {"事業番号": "5"}, "R5事業費", 1200),
]


def _case_id(case) -> str:
    code, sheet, match, header, value = case
    return f"{code}:{sheet}.{header}={value!r}"


def _write_case(tmp_path, sheet, match, header, value) -> tuple[Path, str]:
    rows = corpus.example_rows()
    i = corpus.index_of(rows, sheet, **match)
    where = corpus.cell(sheet, header, i)
    if isinstance(value, date):  # the template writes text and numbers only: as Excel would
        path = corpus.write(tmp_path, rows)
        return corpus.set_cell(path, sheet, where.split("!")[1], value), where
    rows[sheet][i][header] = value
    return corpus.write(tmp_path, rows), where


@pytest.mark.slow
@pytest.mark.parametrize("case", E, ids=[_case_id(c) for c in E])
def test_error_at_its_cell(tmp_path, case):
    code, sheet, match, header, value = case
    path, where = _write_case(tmp_path, sheet, match, header, value)
    exit_code, doc = run(path)
    assert exit_code == 1
    assert where in places(doc, code), doc["files"][0]["findings"]
    finding = next(f for f in doc["files"][0]["findings"] if f["place"] == where)
    assert finding["code"] == code and finding["severity"] == "error"
    assert finding["sheet"] == sheet and finding["cell"] == where.split("!")[1]


@pytest.mark.slow
@pytest.mark.parametrize("case", W, ids=[_case_id(c) for c in W])
def test_warning_at_its_cell(tmp_path, case):
    code, sheet, match, header, value = case
    path, where = _write_case(tmp_path, sheet, match, header, value)
    exit_code, doc = run(path)
    assert exit_code == 0
    assert doc["files"][0]["errors"] == 0
    expected = [where]
    if code == "W-REVIEW-CONFLICT":  # the example's own one stays
        expected = sorted({*expected, "事業!AB12"})
    assert sorted(places(doc, code)) == expected, doc["files"][0]["findings"]
    assert runner.invoke(app, ["validate", str(path), "--strict"]).exit_code == 1


def test_far_below_message(tmp_path):
    rows = corpus.example_rows()
    i = corpus.index_of(rows, "指標", 指標番号=2)
    rows["指標"][i]["R5実績"] = 0.656
    code, doc = run(corpus.write(tmp_path, rows))
    [finding] = [f for f in doc["files"][0]["findings"] if f["code"] == "W-ACTUAL-FAR-BELOW"]
    assert finding["message"] == "実績「0.656」が目標「30%」の10分の1未満です。"
    # just above a tenth is no finding: 5団体 against 12団体 (41%) is the seed's 遅れ, not a slip
    assert codes(doc).count("W-ACTUAL-FAR-BELOW") == 1


def test_units_of_an_indicator_without_a_unit_agree(tmp_path):
    """事業指標 単位 may be blank; then its values' typed units must agree with each other
    (「20件」 and 「25人」 cannot both be right)."""
    rows = corpus.example_rows()
    i = corpus.index_of(rows, "事業指標", 指標名="行政・民間で公開されたデータ数")
    rows["事業指標"][i].update({"単位": None, "R4目標": "2,000件", "R4実績": "3,126人"})
    code, doc = run(corpus.write(tmp_path, rows))
    assert code == 1
    assert places(doc, "E-UNIT") == [corpus.cell("事業指標", "R4実績", i)]


def test_each_place_has_one_finding(tmp_path):
    """A cell with several problems (not a number AND far above): one finding."""
    rows = corpus.example_rows()
    i = corpus.index_of(rows, "指標", 指標番号=1)
    rows["指標"][i]["R5実績"] = "2400所属"  # wrong unit (件) and 100 times the target
    code, doc = run(corpus.write(tmp_path, rows))
    assert code == 1
    assert places(doc, "E-UNIT") == [corpus.cell("指標", "R5実績", i)]
    assert places(doc, "W-ACTUAL-FAR-ABOVE") == []
    all_places = [f["place"] for f in doc["files"][0]["findings"]]
    assert len(all_places) == len(set(all_places))


def test_reference_project_may_leave_items_blank():
    rows = corpus.example_rows()
    refs = [r for r in rows["事業"] if r.get("参考")]
    assert refs and all(not r.get("取組項目") for r in refs)  # the seed prints 「-」


# ---- whole-record checks ---------------------------------------------------------------


def test_project_without_indicator(tmp_path):
    rows = corpus.example_rows()
    rows["事業指標"] = [r for r in rows["事業指標"] if r["事業番号"] != "8"]
    code, doc = run(corpus.write(tmp_path, rows))
    i = corpus.index_of(rows, "事業", 事業番号="8")
    assert code == 0
    assert places(doc, "W-PROJECT-NO-INDICATOR") == [corpus.cell("事業", "事業番号", i)]


def test_group_without_indicator(tmp_path):
    rows = corpus.example_rows()
    rows["指標"] = [r for r in rows["指標"] if r["事業群番号"] != 2]
    code, doc = run(corpus.write(tmp_path, rows))
    i = corpus.index_of(rows, "事業群", 事業群番号=2)
    assert code == 0
    assert places(doc, "W-GROUP-NO-INDICATOR") == [corpus.cell("事業群", "事業群番号", i)]


def test_subproject_without_parent(tmp_path):
    rows = corpus.example_rows()
    i = corpus.index_of(rows, "事業", 事業番号="5-2")
    rows["事業"][i]["事業番号"] = "9-2"
    for r in rows["事業指標"]:
        if r["事業番号"] == "5-2":
            r["事業番号"] = "9-2"
    code, doc = run(corpus.write(tmp_path, rows))
    assert code == 0
    assert places(doc, "W-SUBPROJECT-NO-PARENT") == [corpus.cell("事業", "事業番号", i)]
    finding = next(f for f in doc["files"][0]["findings"] if f["code"] == "W-SUBPROJECT-NO-PARENT")
    assert "「9」" in finding["message"]


def test_subprojects_that_do_not_add_up_to_their_parent(tmp_path):
    """5-1 … 5-5 are the breakdown of 5: where their sum differs from 5's figure in a
    year, one warning at 5's cell naming both sums (and none for the figures that agree)."""
    rows = corpus.example_rows()
    rows["事業"][corpus.index_of(rows, "事業", 事業番号="5-1")]["R6事業費"] = 30000  # was 30,330
    code, doc = run(corpus.write(tmp_path, rows))
    assert code == 0
    parent = corpus.index_of(rows, "事業", 事業番号="5")
    assert places(doc, "W-SUBPROJECT-SUM") == [corpus.cell("事業", "R6事業費", parent)]
    finding = next(f for f in doc["files"][0]["findings"] if f["code"] == "W-SUBPROJECT-SUM")
    assert finding["value"] == "67313"
    assert finding["message"] == "事業「5」のR6事業費 67,313 が、内訳（5-1～5-5）の合計 66,983 と違います。"


# ---- optional columns: rates and statuses typed by the department -----------------------

# The engine's R5 rates and statuses of the six indicators (rules.md, the seed's values).
R5_RATES = ["114%", "218%", "174%", "123%", "41%", "113%"]
STATUSES = ["順調", "達成", "達成", "順調", "遅れ", "順調"]


def test_optional_columns_agree(tmp_path):
    path = corpus.example_workbook(tmp_path)
    corpus.add_column(path, "指標", "R5達成率", dict(enumerate(R5_RATES)))
    corpus.add_column(path, "指標", "進捗状況", dict(enumerate(STATUSES)))
    # numbers as Excel stores a percent-formatted cell, and plain numbers
    corpus.add_column(path, "指標", "R4達成率", {0: 1.33, 1: 246, 2: "133％", 3: "135%", 4: 0.5, 5: "156"})
    code, doc = run(path)
    assert code == 0, doc
    assert codes(doc) == ["W-REVIEW-CONFLICT"]


def test_rate_mismatch(tmp_path):
    path = corpus.example_workbook(tmp_path)
    col = corpus.add_column(path, "指標", "R5達成率", {0: "114%", 1: "200%", 4: "41%"})
    code, doc = run(path)
    assert code == 0
    assert places(doc, "W-RATE-MISMATCH") == [f"指標!{col}3"]
    finding = next(f for f in doc["files"][0]["findings"] if f["code"] == "W-RATE-MISMATCH")
    assert "200%" in finding["message"] and "218%" in finding["message"]


def test_rate_mismatch_on_project_indicators(tmp_path):
    path = corpus.example_workbook(tmp_path)
    rows = corpus.example_rows()
    i = corpus.index_of(rows, "事業指標", 指標名="行政・民間で公開されたデータ数")  # 3,845 / 2,350
    col = corpus.add_column(path, "事業指標", "R5達成率", {i: "164%"})
    code, doc = run(path)
    assert code == 0
    assert places(doc, "W-RATE-MISMATCH") == [f"事業指標!{col}{i + 2}"]
    assert "163%" in doc["files"][0]["findings"][-1]["message"] or any(
        "163%" in f["message"] for f in doc["files"][0]["findings"])


def test_status_mismatch(tmp_path):
    path = corpus.example_workbook(tmp_path)
    col = corpus.add_column(path, "指標", "進捗状況", {4: "順調", 0: "順調"})
    code, doc = run(path)
    assert code == 0
    assert places(doc, "W-STATUS-MISMATCH") == [f"指標!{col}6"]
    finding = next(f for f in doc["files"][0]["findings"] if f["code"] == "W-STATUS-MISMATCH")
    assert (finding["value"], "遅れ" in finding["message"]) == ("順調", True)


def test_template_does_not_write_the_optional_columns(tmp_path):
    from openpyxl import load_workbook

    wb = load_workbook(corpus.example_workbook(tmp_path), read_only=True)
    header = [c.value for c in next(wb["指標"].iter_rows(max_row=1))]
    assert header == corpus.headers("指標")
    assert not any("達成率" in str(h) or h == "進捗状況" for h in header)


# ---- year columns against 実施年度 and 計画期間 ------------------------------------------


def test_year_columns_follow_the_fiscal_year(tmp_path):
    """A R6 workbook whose 調書 says R7: one finding at 実施年度 (tests/test_contract_places.py),
    not one per year column."""
    rows = corpus.set_key(corpus.example_rows(), "実施年度", "R7")
    code, doc = run(corpus.write(tmp_path, rows))
    assert code == 1
    assert codes(doc) == ["E-YEAR-COLUMNS"]
    assert places(doc, "E-YEAR-COLUMNS") == [corpus.key_cell("実施年度")]


def test_year_columns_follow_the_plan_period(tmp_path):
    rows = corpus.set_key(corpus.example_rows(), "計画期間", "R3-R8")
    code, doc = run(corpus.write(tmp_path, rows))
    assert code == 1
    assert places(doc, "E-COLUMN-MISSING") == ["指標!R8目標"]


def test_no_actual_for_a_year_that_has_not_ended(tmp_path):
    path = corpus.example_workbook(tmp_path)
    col = corpus.add_column(path, "指標", "R6実績", {0: "30件"})
    col2 = corpus.add_column(path, "事業指標", "R6実績", {})
    code, doc = run(path)
    assert code == 1
    assert places(doc, "E-ACTUAL-FUTURE") == [f"指標!{col}1", f"事業指標!{col2}1"]


def test_rate_for_a_year_that_has_not_ended(tmp_path):
    path = corpus.example_workbook(tmp_path)
    col = corpus.add_column(path, "事業指標", "R6達成率", {0: "100%"})
    code, doc = run(path)
    assert code == 1
    assert places(doc, "E-ACTUAL-FUTURE") == [f"事業指標!{col}1"]


def test_year_outside_plan(tmp_path):
    rows = corpus.set_key(corpus.example_rows(), "計画期間", "R1-R3")
    code, doc = run(corpus.write(tmp_path, rows))
    assert code == 1
    assert places(doc, "E-YEAR-OUTSIDE-PLAN") == [corpus.key_cell("計画期間")]


def test_open_plan_period(tmp_path):
    rows = corpus.set_key(corpus.example_rows(), "計画期間", "R3-")
    code, doc = run(corpus.write(tmp_path, rows))
    assert code == 1
    assert places(doc, "E-PLAN-OPEN") == [corpus.key_cell("計画期間")]


def test_not_a_period(tmp_path):
    rows = corpus.set_key(corpus.example_rows(), "計画期間", "五年間")
    code, doc = run(corpus.write(tmp_path, rows))
    assert code == 1
    assert places(doc, "E-NOT-PERIOD") == [corpus.key_cell("計画期間")]


# ---- structure -------------------------------------------------------------------------


def test_missing_sheet(tmp_path):
    path = corpus.delete_sheet(corpus.example_workbook(tmp_path), "課題")
    code, doc = run(path)
    assert code == 1
    f = doc["files"][0]["findings"]
    assert [(x["code"], x["place"], x["sheet"], x["cell"]) for x in f] == [("E-SHEET-MISSING", "課題", "課題", "")]


def test_missing_column_names_sheet_and_column(tmp_path):
    path = corpus.rename_header(corpus.example_workbook(tmp_path), "事業", "事業対象", "対象者")
    code, doc = run(path)
    assert code == 1
    assert places(doc, "E-COLUMN-MISSING") == ["事業!事業対象"]
    f = doc["files"][0]["findings"][0]
    assert (f["sheet"], f["cell"], f["column"]) == ("事業", "", "事業対象")
    assert "事業対象" in f["message"] and "事業" in f["message"]


def test_missing_key_column_stops_the_sheet(tmp_path):
    path = corpus.rename_header(corpus.example_workbook(tmp_path), "事業", "事業番号", "番号")
    code, doc = run(path)
    assert code == 1
    assert places(doc, "E-COLUMN-MISSING") == ["事業!事業番号"]


def test_duplicate_column(tmp_path):
    path = corpus.example_workbook(tmp_path)
    col = corpus.add_column(path, "取組項目", "取組項目名", {})
    code, doc = run(path)
    assert code == 1
    assert places(doc, "E-COLUMN-DUPLICATE") == [f"取組項目!{col}1"]


def test_missing_keyvalue_item(tmp_path):
    path = corpus.delete_keyvalue(corpus.example_workbook(tmp_path), "施策名")
    code, doc = run(path)
    assert code == 1
    assert places(doc, "E-KEY-MISSING") == ["調書!施策名"]


def test_every_finding_has_a_place_and_renders(tmp_path):
    """Every code of a file with many problems renders in both languages, no blanks left."""
    import re

    rows = corpus.example_rows()
    for _code, sheet, match, header, value in E + W:
        i = corpus.index_of(rows, sheet, **match)
        if header in ("事業番号", "事業群番号", "取組項目番号", "指標番号") or isinstance(value, date):
            continue  # keep the references intact so the cross checks run
        rows[sheet][i][header] = value
    path = corpus.write(tmp_path, rows)
    for lang in ("ja", "en"):
        result = runner.invoke(app, ["validate", str(path), "--format", "json", "--lang", lang])
        doc = json.loads(result.stdout)
        for f in doc["files"][0]["findings"]:
            assert f["place"] and f["sheet"]
            assert f["cell"] == "" or CELL_RE.match(f["cell"])
            assert f["message"] and f["hint"]
            assert not re.search(r"\{\w+\}", f["message"] + f["hint"]), f
            assert f["code"] in catalogue()


# ---- formulas --------------------------------------------------------------------------


def test_formula_with_cached_value_is_used_with_a_warning(tmp_path):
    rows = corpus.example_rows()
    i = corpus.index_of(rows, "事業", 事業番号="1")
    path = corpus.xlsxwriter_book(tmp_path / "f.xlsx", rows,
                                  {("事業", "R6事業費", i): ("=69000+178", 69178)})
    code, doc = run(path)
    assert code == 0
    assert places(doc, "W-FORMULA") == [corpus.cell("事業", "R6事業費", i)]


def test_formula_default_cached_zero_is_still_a_value(tmp_path):
    """XlsxWriter stores 0 when no value is given: a cached value, so a warning."""
    rows = corpus.example_rows()
    i = corpus.index_of(rows, "事業", 事業番号="1")
    path = corpus.xlsxwriter_book(tmp_path / "f.xlsx", rows, {("事業", "R4人件費", i): ("=1-1", None)})
    code, doc = run(path)
    assert code == 0
    assert places(doc, "W-FORMULA") == [corpus.cell("事業", "R4人件費", i)]


def test_formula_without_cached_value_is_an_error(tmp_path):
    rows = corpus.example_rows()
    i = corpus.index_of(rows, "事業", 事業番号="1")
    where = corpus.cell("事業", "R6事業費", i)
    path = corpus.xlsxwriter_book(tmp_path / "f.xlsx", rows, {("事業", "R6事業費", i): ("=69000+178", 69178)})
    corpus.strip_cached_value(path, "事業", where.split("!")[1])
    code, doc = run(path)
    assert code == 1
    assert places(doc, "E-FORMULA") == [where]


def test_formula_whose_cached_value_is_bad_is_an_error_not_a_warning(tmp_path):
    rows = corpus.example_rows()
    i = corpus.index_of(rows, "事業", 事業番号="1")
    where = corpus.cell("事業", "R6事業費", i)
    path = corpus.xlsxwriter_book(tmp_path / "f.xlsx", rows, {("事業", "R6事業費", i): ("=-5", -5)})
    code, doc = run(path)
    assert code == 1
    assert places(doc, "E-MONEY") == [where]
    assert places(doc, "W-FORMULA") == []


def test_formula_in_keyvalue_sheet(tmp_path):
    rows = corpus.example_rows()
    from chosho_xlsx.contract import spec

    keys = [k["key"] for k in spec.keyvalue_keys()]
    path = corpus.xlsxwriter_book(tmp_path / "f.xlsx", rows,
                                  {("調書", "値", keys.index("施策名")): ('="ICT"', "ICT")})
    corpus.strip_cached_value(path, "調書", corpus.key_cell("施策名").split("!")[1])
    code, doc = run(path)
    assert code == 1
    assert places(doc, "E-FORMULA") == [corpus.key_cell("施策名")]


def test_xlsxwriter_copy_of_the_example_is_clean(tmp_path):
    """The corpus' second writer agrees with the template: same findings."""
    path = corpus.xlsxwriter_book(tmp_path / "x.xlsx", corpus.example_rows(), {})
    code, doc = run(path)
    assert code == 0 and codes(doc) == ["W-REVIEW-CONFLICT"]


# ---- the JSON shape (documented in README「validate」) -----------------------------------

FILE_KEYS = ["file", "readable", "valid", "errors", "warnings", "findings"]
FINDING_KEYS = ["code", "severity", "place", "sheet", "cell", "column", "value", "message", "hint"]


def test_json_shape_is_stable(tmp_path):
    rows = corpus.example_rows()
    rows["事業"][3]["事業群番号"] = 9
    path = corpus.rename_header(corpus.write(tmp_path, rows), "事業", "事業対象", "対象者")
    code, doc = run(path)
    assert code == 1
    assert list(doc) == ["version", "files"] and doc["version"] == 1
    f = doc["files"][0]
    assert list(f) == FILE_KEYS
    assert (f["file"], f["readable"], f["valid"], f["errors"], f["warnings"]) == (str(path), True, False, 2, 1)
    assert all(list(x) == FINDING_KEYS for x in f["findings"])
    # reading order: the missing column first, then the cells row by row
    assert [(x["code"], x["place"], x["cell"], x["column"]) for x in f["findings"]] == [
        ("E-COLUMN-MISSING", "事業!事業対象", "", "事業対象"),
        ("E-REF-GROUP", "事業!B5", "B5", "事業群番号"),
        ("W-REVIEW-CONFLICT", "事業!AB12", "AB12", "見直し区分"),
    ]
    assert f["findings"][1]["value"] == "9"


def test_findings_in_reading_order(tmp_path):
    rows = corpus.example_rows()
    rows["課題"][0]["取組項目"] = "ⅷ"
    rows["事業"][4]["R5事業費"] = -1
    rows["事業"][2]["中核事業"] = "x"
    rows["事業群"][0]["課長名"] = None
    code, doc = run(corpus.write(tmp_path, rows))
    assert code == 1
    assert [x["place"] for x in doc["files"][0]["findings"]] == [
        "事業群!E2", "事業!D4", "事業!R6", "事業!AB12", "課題!A2"]


# ---- error values (#N/A, #DIV/0!): calamine reads them as blank; they are errors --------


def test_formula_whose_result_is_an_error(tmp_path):
    rows = corpus.example_rows()
    i = corpus.index_of(rows, "指標", 指標番号=1)
    where = corpus.cell("指標", "R5実績", i)
    path = corpus.xlsxwriter_book(tmp_path / "f.xlsx", rows, {("指標", "R5実績", i): ("=1/0", "#DIV/0!")})
    code, doc = run(path)
    assert code == 1
    assert places(doc, "E-CELL-ERROR") == [where]
    assert places(doc, "W-FORMULA") == []
    assert doc["files"][0]["findings"][0]["value"] == "#DIV/0!"


def test_pasted_error_value(tmp_path):
    rows = corpus.example_rows()
    i = corpus.index_of(rows, "事業", 事業番号="2")
    where = corpus.cell("事業", "事務事業名", i)
    path = corpus.set_cell(corpus.write(tmp_path, rows), "事業", where.split("!")[1], "#N/A")  # an error cell
    code, doc = run(path)
    assert code == 1
    assert places(doc, "E-CELL-ERROR") == [where]
    assert places(doc, "E-REQUIRED") == []


def test_text_that_reads_like_an_error_is_text(tmp_path):
    path = corpus.mutated(tmp_path, "事業", 1, "事業内容", "#N/A")  # the template writes it as text
    code, doc = run(path)
    assert code == 0 and places(doc, "E-CELL-ERROR") == []


def test_formula_found_whatever_the_attribute_order(tmp_path):
    """openpyxl writes a relationship's Target before its Id (Excel: Id first): the
    formula scan must find the sheet either way."""
    rows = corpus.example_rows()
    i = corpus.index_of(rows, "事業", 事業番号="1")
    where = corpus.cell("事業", "R6事業費", i)
    path = corpus.set_cell(corpus.write(tmp_path, rows), "事業", where.split("!")[1], "=69000+178")
    code, doc = run(path)  # openpyxl saves no cached value
    assert code == 1
    assert places(doc, "E-FORMULA") == [where]
