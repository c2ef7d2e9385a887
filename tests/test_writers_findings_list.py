"""`validate --format xlsx -o FILE`: the findings as a list to work through in Excel (one
row per finding, an Excel table with a filter), the same list the portal gives."""

import openpyxl
import pytest

from chosho_xlsx.writers.example import load_example_rows, write_rows
from chosho_xlsx.writers.findings_list import findings_xlsx_bytes

from support import corpus
from support.commands import cli as run

# the four cells (corpus.MISTYPED has three more)
MISTAKES = {("事業", "O2"): "43,948円", ("事業", "AB2"): "廃止?", ("指標", "N4"): "48.5%", ("指標", "E2"): "増える"}


@pytest.fixture(scope="module")
def wrong(tmp_path_factory):
    d = tmp_path_factory.mktemp("list")
    good = d / "good.xlsx"
    write_rows(good, load_example_rows())
    path = d / "wrong.xlsx"
    write_rows(path, load_example_rows())
    corpus.mistyped(path, MISTAKES)
    return d, path, good


def _rows(path):
    ws = openpyxl.load_workbook(path).active
    return ws, [tuple(r) for r in ws.iter_rows(values_only=True)]


@pytest.mark.slow
def test_one_row_per_finding_as_an_excel_table(wrong):
    d, path, _ = wrong
    out = d / "問題.xlsx"
    proc = run("validate", str(path), "--format", "xlsx", "-o", str(out))
    assert proc.returncode == 1, proc.stderr  # the exit code is validate's
    assert proc.stdout.strip() == str(out)
    ws, rows = _rows(out)
    assert rows[0] == ("シート", "セル", "列", "種別", "入っている値", "内容", "直し方", "コード", "対応")
    assert rows[1:5] == [
        ("指標", "E2", "目標の向き", "エラー", "増える", "「増える」は選択肢にありません。",
         "次のいずれかを選んでください: 増加、減少", "E-ENUM", None),
        ("指標", "N4", "R4実績", "エラー", "48.5%", "「48.5%」の単位「%」が指標の単位「所属」と違います。",
         rows[2][6], "E-UNIT", None),
        ("事業", "O2", "R4事業費", "エラー", "43,948円", "「43,948円」は金額（千円・0以上の整数）ではありません。",
         "千円単位の整数で入力してください。事業がない年度は空欄か「―」にしてください。", "E-MONEY", None),
        ("事業", "AB2", "見直し区分", "エラー", "廃止?", "見直し区分「廃止?」は使えません。", rows[4][6], "E-REVIEW", None),
    ]
    assert rows[5][7] == "W-REVIEW-CONFLICT" and rows[5][3] == "警告" and len(rows) == 6
    assert list(ws.tables) == ["findings"] and ws.tables["findings"].ref == "A1:I6"
    assert ws.tables["findings"].autoFilter is not None and ws.freeze_panes == "A2"
    again = d / "again.xlsx"
    run("validate", str(path), "--format", "xlsx", "-o", str(again))
    assert again.read_bytes() == out.read_bytes()  # same input, same bytes


def test_several_files_have_a_file_column_and_english(wrong):
    d, path, good = wrong
    out = d / "findings-en.xlsx"
    proc = run("validate", str(path), str(good), "--format", "xlsx", "-o", str(out), "--lang", "en")
    assert proc.returncode == 1
    _, rows = _rows(out)
    assert rows[0] == ("File", "Sheet", "Cell", "Column", "Kind", "Value as typed", "Message", "How to fix", "Code",
                       "Done")
    assert {r[0] for r in rows[1:]} == {str(path), str(good)}
    assert rows[1][:6] == (str(path), "指標", "E2", "目標の向き", "error", "増える")


def test_nothing_to_list_is_still_a_table(wrong):
    ws, rows = _rows_of(findings_xlsx_bytes([("good.xlsx", [])]), wrong[0])
    assert rows == [("シート", "セル", "列", "種別", "入っている値", "内容", "直し方", "コード", "対応")]
    assert ws.tables["findings"].ref == "A1:I2"  # a table needs a row: an empty one


def _rows_of(data, d):
    path = d / "bytes.xlsx"
    path.write_bytes(data)
    return _rows(path)


@pytest.mark.slow
def test_misuse_and_refusals(wrong):
    d, path, _ = wrong
    no_output = run("validate", str(path), "--format", "xlsx")
    assert no_output.returncode == 2 and "-o FILE" in no_output.stderr
    assert run("validate", str(path), "-o", str(d / "x.xlsx")).returncode == 2  # -o without xlsx
    over_input = run("validate", str(path), "--format", "xlsx", "-o", str(path), "--force")
    assert over_input.returncode == 2 and "上書きしません" in over_input.stderr
    exists = d / "exists.xlsx"
    exists.write_bytes(b"keep")
    assert run("validate", str(path), "--format", "xlsx", "-o", str(exists)).returncode == 2
    assert exists.read_bytes() == b"keep"
    assert run("validate", str(path), "--format", "csv").returncode == 2
