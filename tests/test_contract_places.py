"""Findings that point to the right place and name what is there (issue 8 items 6–9):
a wrong 実施年度 is one finding at its cell, not a dozen about columns; sheet names are
read as tolerantly as headers; a note under a table is one finding; a 調書 item's
finding names the item; and no hint ever tells a clerk to delete data."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from chosho_xlsx.cli import app
from chosho_xlsx.common.findings import catalogue

from support import corpus

runner = CliRunner()


def run(path, lang="ja") -> tuple[int, list[dict]]:
    result = runner.invoke(app, ["validate", str(path), "--format", "json", "--lang", lang])
    return result.exit_code, json.loads(result.stdout)["files"][0]["findings"]


# ---- 8.6: a wrong 実施年度 ----------------------------------------------------------------


def test_wrong_fiscal_year_is_one_finding_at_its_cell(tmp_path):
    """R5 typed into the R6 workbook: the year columns are R6's (R5実績 …)."""
    rows = corpus.set_key(corpus.example_rows(), "実施年度", "R5")
    code, findings = run(corpus.write(tmp_path, rows))
    assert code == 1
    assert [(f["code"], f["place"], f["column"], f["value"]) for f in findings] == [
        ("E-YEAR-COLUMNS", corpus.key_cell("実施年度"), "実施年度", "R5")
    ]
    f = findings[0]
    assert f["message"] == "実施年度は「R5」ですが、年度付きの列（R5実績 など）は R6 の調書のものです。"
    assert f["hint"] == ("R6 の調書なら実施年度を「R6」に直してください。R5 の調書なら、"
                         "chosho-xlsx template --year R5 で作ったブックに値を移してください。")
    _, en = run(corpus.write(tmp_path, rows), "en")
    assert en[0]["message"] == ("実施年度 is 「R5」 but the year columns (R5実績 …) "
                                "are those of a R6 report.")


def test_wrong_fiscal_year_keeps_the_other_findings(tmp_path):
    """The sheets are still read (with the columns they have), so a bad cell elsewhere
    is reported in the same run."""
    rows = corpus.set_key(corpus.example_rows(), "実施年度", "R7")
    i = corpus.index_of(rows, "事業", 事業番号="1")
    rows["事業"][i]["中核事業"] = "はい"
    code, findings = run(corpus.write(tmp_path, rows))
    assert code == 1
    assert [(f["code"], f["place"]) for f in findings] == [
        ("E-YEAR-COLUMNS", corpus.key_cell("実施年度")),
        ("E-MARK", corpus.cell("事業", "中核事業", i)),
    ]
    assert findings[0]["message"].endswith("年度付きの列（R4事業費 など）は R6 の調書のものです。")


# ---- no hint advises deleting data ---------------------------------------------------

# Advice to delete (「削除しないでください」 and removing a password are not about data).
DELETE = re.compile(r"(削除|消去|消|取り除|除)いて|(削除|消去)して|消して|\b(delete|erase|remove)\b(?! the password)",
                    re.IGNORECASE)


def test_no_hint_says_delete():
    offenders = [
        (code, lang, text)
        for code, entry in catalogue().items()
        for part in ("message", "hint")
        for lang, text in entry[part].items()
        if DELETE.search(text)
    ]
    assert offenders == []


# ---- 8.9: a 調書 item's finding names the item ---------------------------------------------


@pytest.mark.parametrize(
    ("key", "value", "code", "ja", "en"),
    [
        ("実施年度", "R99x", "E-NOT-YEAR", "実施年度：「R99x」は年度として読めません。",
         "実施年度: 「R99x」 is not a fiscal year."),
        ("計画期間", "五年間", "E-NOT-PERIOD", "計画期間：「五年間」は期間として読めません。",
         "計画期間: 「五年間」 is not a period."),
        ("施策名", "", "E-REQUIRED", "施策名：必須の項目が空欄です。", "施策名: A required cell is blank."),
    ],
)
def test_keyvalue_finding_names_the_item(tmp_path, key, value, code, ja, en):
    rows = corpus.set_key(corpus.example_rows(), key, value)
    path = corpus.write(tmp_path, rows)
    for lang, message in (("ja", ja), ("en", en)):
        _, findings = run(path, lang)
        f = next(f for f in findings if f["place"] == corpus.key_cell(key))
        assert (f["code"], f["column"], f["message"]) == (code, key, message)


def test_keyvalue_formula_names_the_item(tmp_path):
    rows = corpus.example_rows()
    path = corpus.xlsxwriter_book(tmp_path / "f.xlsx", rows, {("調書", "値", 2): ('="ICT"&"を活用"', "ICTを活用")})
    _, findings = run(path)
    f = next(f for f in findings if f["code"] == "W-FORMULA")
    assert (f["place"], f["column"], f["value"]) == (corpus.key_cell("施策名"), "施策名", "ICTを活用")
    assert f["message"] == "施策名：数式が入っています。保存されている計算結果を使います。"


# ---- 8.7: sheet names read as tolerantly as headers --------------------------------------


def rename_sheet(path, old, new):
    def change(wb):
        wb[old].title = new

    return corpus.edit(path, change)


@pytest.mark.parametrize("name", ["指標 ", " 指標", "指標\u3000"])
def test_sheet_name_with_spaces_is_read(tmp_path, name):
    path = rename_sheet(corpus.example_workbook(tmp_path), "指標", name)
    rows = corpus.example_rows()
    i = corpus.index_of(rows, "指標", 指標番号=2)
    corpus.set_cell(path, name, corpus.cell("指標", "R4実績", i).split("!")[1], "約50%")
    code, findings = run(path)
    assert code == 1
    got = [(f["code"], f["place"], f["message"]) for f in findings if f["code"] != "W-REVIEW-CONFLICT"]
    assert got == [
        ("W-SHEET-NAME", "指標", f"シート名「{name}」を「指標」として読みました。"),
        ("E-NOT-NUMBER", corpus.cell("指標", "R4実績", i), "「約50%」は数値として読めません。"),
    ]


def test_compatibility_characters_in_a_sheet_name_are_read(tmp_path):
    """「取組項⽬」 with the Kangxi radical ⽬ (U+2F6C, from a PDF) is 取組項目 under NFKC."""
    path = rename_sheet(corpus.example_workbook(tmp_path), "取組項目", "取組項\u2f6c")
    code, findings = run(path)
    assert code == 0
    assert [(f["code"], f["place"]) for f in findings][:1] == [("W-SHEET-NAME", "取組項目")]
    assert findings[0]["hint"] == "シート名を「取組項目」に直してください（前後の空白や全角・半角の違いも含めて）。"


def test_missing_sheet_names_the_near_identical_one_and_keeps_the_others(tmp_path):
    path = rename_sheet(corpus.example_workbook(tmp_path), "指標", "指標一覧")
    rows = corpus.example_rows()
    i = corpus.index_of(rows, "事業", 事業番号="1")
    corpus.set_cell(path, "事業", corpus.cell("事業", "中核事業", i).split("!")[1], "はい")
    code, findings = run(path)
    assert code == 1
    assert [(f["code"], f["place"]) for f in findings] == [
        ("E-SHEET-NAME", "指標"),
        ("E-MARK", corpus.cell("事業", "中核事業", i)),
    ]
    assert findings[0]["message"] == "シート「指標」がありません。名前の似たシート「指標一覧」があります。"
    assert findings[0]["hint"] == "シート名を「指標」に直してください。"


def test_a_contract_sheet_is_not_the_near_name_of_another(tmp_path):
    """事業 is missing; 事業群 and 事業指標 are sheets of their own, not its near names."""
    path = corpus.delete_sheet(corpus.example_workbook(tmp_path), "事業")
    code, findings = run(path)
    assert [(f["code"], f["place"]) for f in findings] == [("E-SHEET-MISSING", "事業")]


def test_annotate_finds_the_renamed_sheet(tmp_path):
    from openpyxl import load_workbook

    path = rename_sheet(corpus.example_workbook(tmp_path), "指標", "指標 ")
    rows = corpus.example_rows()
    i = corpus.index_of(rows, "指標", 指標番号=2)
    ref = corpus.cell("指標", "R4実績", i).split("!")[1]
    corpus.set_cell(path, "指標 ", ref, "約50%")
    out = tmp_path / "notes.xlsx"
    runner.invoke(app, ["validate", str(path), "--annotate", str(out)])
    wb = load_workbook(out)
    assert wb["指標 "][ref].comment is not None
    assert "約50%" in wb["指標 "][ref].comment.text


# ---- 8.8: a note in a row of its own --------------------------------------------------


def note_at(tmp_path, sheet, column_letter, text, row=None):
    rows = corpus.example_rows()
    row = row or len(rows[sheet]) + 2  # the row under the table
    path = corpus.set_cell(corpus.example_workbook(tmp_path), sheet, f"{column_letter}{row}", text)
    return path, f"{sheet}!{column_letter}{row}"


@pytest.mark.parametrize(
    ("sheet", "column"),
    [("指標", "A"), ("指標", "C"), ("事業", "A"), ("課題", "B"), ("指標", "AD")],
)
def test_a_note_under_a_table_is_one_finding(tmp_path, sheet, column):
    path, place = note_at(tmp_path, sheet, column, "※R5は速報値")
    code, findings = run(path)
    assert code == 1
    got = [(f["code"], f["place"], f["value"]) for f in findings if f["code"] != "W-REVIEW-CONFLICT"]
    assert got == [("E-NOTE-ROW", place, "※R5は速報値")]
    f = next(f for f in findings if f["code"] == "E-NOTE-ROW")
    assert f["message"] == "この行には「※R5は速報値」の1つのセルだけが入力されています（表の中や下にメモは書けません）。"
    assert f["hint"] == "メモならセルのコメントにするか別のシートに移してください。データの行なら、ほかの必須の欄も入力してください。"


def test_a_row_with_two_values_is_still_a_data_row(tmp_path):
    rows = corpus.example_rows()
    r = len(rows["指標"]) + 2
    path = corpus.set_cell(corpus.example_workbook(tmp_path), "指標", f"A{r}", 9)
    corpus.set_cell(path, "指標", f"C{r}", "新しい指標")
    code, findings = run(path)
    assert code == 1
    assert {f["code"] for f in findings if f["place"].startswith("指標!")} == {"E-REQUIRED", "W-NO-FINAL-TARGET"}


# ---- the 調書 sheet: a row that is no item is said to be left out ---------------------------


@pytest.mark.parametrize(("ref", "text"), [("A8", "※施策名は仮称"), ("B9", "備考：R5から継続")])
def test_a_row_that_is_no_item_is_left_out_with_a_warning(tmp_path, ref, text):
    path = corpus.set_cell(corpus.example_workbook(tmp_path), "調書", ref, text)
    code, findings = run(path)
    assert code == 0
    got = [(f["code"], f["place"], f["value"], f["message"]) for f in findings if f["sheet"] == "調書"]
    assert got == [("W-KEY-UNKNOWN", f"調書!{ref}", text,
                    f"この行（「{text}」）は調書シートの項目ではないため、読み込みません。")]
