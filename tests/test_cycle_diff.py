"""`diff`: what changed between two input workbooks, by meaning, at its cells."""

import copy
import json
import os

import openpyxl
import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from chosho_xlsx.cycle.diff import diff_files
from chosho_xlsx.cycle.rollover import rollover_file, write_rollover
from chosho_xlsx.model.ruleset import load_ruleset
from chosho_xlsx.writers.example import load_example_rows, write_rows

from support import corpus
from support.commands import cli as run

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def books(tmp_path_factory):
    d = tmp_path_factory.mktemp("diff")
    rows = load_example_rows()
    old = d / "old.xlsx"
    write_rows(old, rows)
    new_rows = copy.deepcopy(rows)
    first = new_rows["指標"][0]
    first["R7目標"] = "40件"  # was 45件
    first["R4実績"] = "15件"  # was 16件
    new_rows["事業"] = [p for p in new_rows["事業"] if p["事業番号"] != "7"]
    new_rows["事業指標"] = [p for p in new_rows["事業指標"] if p["事業番号"] != "7"]
    p1 = new_rows["事業"][0]
    p1["次年度の方向性"] = p1["次年度の方向性"].replace("検証・実証等を図る。", "検証・実証等を進める。")
    new = d / "new.xlsx"
    write_rows(new, new_rows)
    return d, old, new


def test_the_example_against_itself_is_empty(books):
    _, old, _ = books
    assert diff_files(old, old, load_ruleset()).changes == []
    proc = run("diff", str(old), str(old))
    assert proc.returncode == 0
    assert proc.stdout.splitlines()[-1] == "変更はありません。"


def test_four_edits_are_exactly_four_changes_at_their_cells(books):
    _, old, new = books
    d = diff_files(old, new, load_ruleset())
    assert d.relation == "same-year"
    got = [(c.kind, c.severity, c.field, c.old, c.new, c.detail, c.new_cell, c.old_cell) for c in d.changes]
    assert got == [
        ("target-changed", "warning", "R7目標", "45件", "40件", "-11.1%", "指標!L2", "指標!L2"),
        ("actual-revised", "warning", "R4実績", "16件", "15件", "-6.2%", "指標!N2", "指標!N2"),
        ("text-changed", "info", "次年度の方向性", d.changes[2].old, d.changes[2].new,
         "…についても検証・実証等を[図→進め]る。", "事業!AE2", "事業!AE2"),
        ("project-removed", "info", "事業番号", "7", "", "", "", "事業!A13"),
    ]
    text = d.changes[2]
    assert text.subject.startswith("事業 1 ")
    assert [line[:2] for line in text.lines] == ["- ", "+ "]
    assert text.lines[1].endswith("検証・実証等を進める。")
    assert d.changes[3].subject == "事業 7 スマート県庁プロジェクト"


def test_json_and_the_reviewers_xlsx(books):
    d, old, new = books
    out = d / "changes.xlsx"
    proc = run("diff", str(old), str(new), "--format", "json", "--xlsx", str(out))
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert (data["version"], data["relation"], data["warnings"]) == (1, "same-year", 2)
    assert [(c["kind"], c["new_cell"], c["old_cell"]) for c in data["changes"]] == [
        ("target-changed", "指標!L2", "指標!L2"), ("actual-revised", "指標!N2", "指標!N2"),
        ("text-changed", "事業!AE2", "事業!AE2"), ("project-removed", "", "事業!A13")]
    ws = openpyxl.load_workbook(out).active
    assert [c.value for c in ws[3]] == ["No", "種別", "区分", "対象", "項目", "旧", "新", "変化", "新のセル",
                                        "旧のセル", "確認"]
    assert [ws.cell(r, 3).value for r in range(4, 8)] == ["目標の変更（理由が必要）", "過去の実績の修正",
                                                          "記述の変更", "事業の削除"]
    assert (ws["F4"].value, ws["G4"].value, ws["H4"].value, ws["I4"].value) == ("45件", "40件", "-11.1%", "指標!L2")
    assert ws.auto_filter.ref == "A3:K7" and ws.freeze_panes == "A4"
    again = d / "again.xlsx"
    assert run("diff", str(old), str(new), "--xlsx", str(again)).returncode == 0
    assert again.read_bytes() == out.read_bytes()
    assert run("diff", str(old), str(new), "--xlsx", str(out)).returncode == 2  # exists, no --force
    assert run("diff", str(old), str(new), "--xlsx", str(new), "--force").returncode == 2  # an input


def test_terminal_table_in_english(books):
    _, old, new = books
    proc = run("diff", str(old), str(new), "--lang", "en")
    assert proc.returncode == 0
    assert "NEW 指標!L2" in proc.stdout and "OLD 事業!A13" in proc.stdout and "(none)" in proc.stdout
    assert proc.stdout.splitlines()[-1] == "4 changes (2 to confirm)"


def test_across_a_rollover_the_year_shift_is_understood(books, tmp_path):
    _, old, _ = books
    rolled = tmp_path / "R7.xlsx"
    write_rollover(rollover_file(old, load_ruleset()), rolled)
    wb = openpyxl.load_workbook(rolled)
    wb["指標"]["P2"].value = "33件"  # the R6 actual, new this year
    wb["事業"]["R2"].value = 68000  # R6 事業費: planned 69,178, actual 68,000
    filled = tmp_path / "R7_filled.xlsx"
    wb.save(filled)
    d = diff_files(old, filled, load_ruleset())
    assert d.relation == "rollover"
    kinds = {c.kind for c in d.changes}
    assert not kinds & {"budget-changed", "target-changed", "actual-revised", "review-changed"}
    new_actual = [c for c in d.changes if c.kind == "actual-new"]
    assert [(c.field, c.new, c.new_cell, c.old_cell) for c in new_actual] == [("R6実績", "33件", "指標!P2", "")]
    planned = {(c.field, c.new_cell, c.old_cell): (c.old, c.new, c.detail) for c in d.changes
               if c.kind == "budget-planned-vs-actual"}
    assert len(planned) == 30
    assert planned[("R6事業費", "事業!R2", "事業!U2")] == ("69,178", "68,000", "-1.7%")
    ended = [(c.subject.split()[1], c.detail, c.old_cell) for c in d.changes if c.kind == "project-ended"]
    assert ended == [("3", "R5", "事業!A4"), ("4", "R3-5", "事業!A5"), ("8", "R5", "事業!A14")]


def test_bytes_in_and_unreadable_inputs(books, tmp_path):
    _, old, new = books
    d = diff_files(old.read_bytes(), new.read_bytes(), load_ruleset(), "old.xlsx", "new.xlsx")
    assert (d.old_source, d.new_source, len(d.changes)) == ("old.xlsx", "new.xlsx", 4)
    junk = tmp_path / "junk.xlsx"
    junk.write_text("hello")
    proc = run("diff", str(old), str(junk))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr + proc.stdout
    assert run("diff", str(old), str(tmp_path / "missing.xlsx")).returncode == 2
    assert run("diff", str(old), str(new), "--format", "csv").returncode == 2


@pytest.mark.libreoffice
@pytest.mark.parametrize("program", ["libreoffice", "gnumeric"])
def test_libreoffice_and_gnumeric_open_the_change_list(books, program, tmp_path):
    from chosho_xlsx.cycle.diff import changes_xlsx_bytes

    from support import recalc

    recalc.skip_if_missing(program)
    _, old, new = books
    path = tmp_path / "changes.xlsx"
    path.write_bytes(changes_xlsx_bytes(diff_files(old, new, load_ruleset())))
    saved = recalc.recalculated(path, tmp_path / "out", program)
    ws = openpyxl.load_workbook(saved).active
    assert ws["D7"].value == "事業 7 スマート県庁プロジェクト" and ws["J7"].value == "事業!A13"


# ---- a value as typed is never lost (issue 26) ---------------------------------------------------

@pytest.fixture(scope="module")
def mistaken(tmp_path_factory):
    """Version 1 typed the issue's cells wrong (corpus.MISTYPED), version 2 fixed them."""
    d = tmp_path_factory.mktemp("typed")
    fixed = d / "v2.xlsx"
    write_rows(fixed, load_example_rows())
    wrong = d / "v1.xlsx"
    write_rows(wrong, load_example_rows())
    corpus.mistyped(wrong)
    return d, wrong, fixed


def _typed(d):
    return [(c.kind, c.field, c.old, c.new, c.old_readable, c.new_readable, c.old_code or c.new_code,
             c.new_cell, c.detail, c.severity) for c in d.changes]


def test_a_value_that_broke_the_contract_is_shown_as_typed(mistaken):
    _, wrong, fixed = mistaken
    d = diff_files(wrong, fixed, load_ruleset())
    assert (d.old_errors, d.new_errors) == (7, 0)
    assert _typed(d) == [
        ("value-changed", "事業群番号", "1群", "1", False, True, "E-NOT-INT", "取組項目!C2", "", "warning"),
        ("value-changed", "目標の向き", "増える", "増加", False, True, "E-ENUM", "指標!E2", "", "warning"),
        ("unit-changed", "R4実績", "48.5%", "60所属", False, True, "E-UNIT", "指標!N4", "", "warning"),
        ("budget-changed", "R4事業費", "43,948円", "43,948", False, True, "E-MONEY", "事業!O2", "", "warning"),
        ("review-changed", "見直し区分", "廃止?", "改善", False, True, "E-REVIEW", "事業!AB2", "", "warning"),
        ("target-changed", "R4目標", "三つ", "3", False, True, "E-NOT-NUMBER", "事業指標!E2", "", "warning"),
        ("unit-changed", "R4実績", "4件", "4", False, True, "E-UNIT", "事業指標!F2", "", "warning"),
    ]
    back = diff_files(fixed, wrong, load_ruleset())  # the other way round: NEW is unreadable
    assert [(c.old, c.new, c.old_readable, c.new_readable, c.new_code) for c in back.changes][3] == (
        "43,948", "43,948円", True, False, "E-MONEY")


def test_the_command_line_json_and_list_say_unreadable(mistaken):
    d, wrong, fixed = mistaken
    out = d / "changes.xlsx"
    proc = run("diff", str(wrong), str(fixed), "--format", "json", "--xlsx", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "注意: " in proc.stderr and "エラーが 7 件" in proc.stderr
    data = json.loads(proc.stdout)
    assert (data["old_errors"], data["new_errors"], data["warnings"]) == (7, 0, 7)
    money = data["changes"][3]
    assert {k: money[k] for k in ("kind", "old", "new", "old_readable", "new_readable", "old_code", "detail")} == {
        "kind": "budget-changed", "old": "43,948円", "new": "43,948", "old_readable": False, "new_readable": True,
        "old_code": "E-MONEY", "detail": ""}
    assert data["changes"][2]["kind"] == "unit-changed" and data["changes"][2]["detail"] == ""
    ws = openpyxl.load_workbook(out).active
    assert [ws.cell(7, c).value for c in (3, 6, 7, 8, 9)] == [
        "事業費の変更", "「43,948円」（読めない値）", "43,948", "E-MONEY", "事業!O2"]
    assert ws["C6"].value == "単位の変更（比較できません）" and ws["H6"].value == "E-UNIT"
    wide = {**os.environ, "COLUMNS": "300"}  # one line per change
    table = run("diff", str(wrong), str(fixed), env=wide)
    for shown in ("「43,948円」（読めない値） → 43,948 (E-MONEY)", "「廃止?」（読めない値） → 改善 (E-REVIEW)",
                  "「48.5%」（読めない値） → 60所属 (E-UNIT)", "「増える」（読めない値） → 増加 (E-ENUM)",
                  "「4件」（読めない値） → 4 (E-UNIT)", "「1群」（読めない値） → 1 (E-NOT-INT)"):
        assert shown in table.stdout
    assert "%)" not in table.stdout  # no percentage anywhere
    assert table.stdout.splitlines()[-1] == "変更 7 件（うち確認が必要 7 件）"
    en = run("diff", str(fixed), str(wrong), "--lang", "en", env=wide)
    assert "43,948 → 「43,948円」 (unreadable) (E-MONEY)" in en.stdout


def test_units_that_differ_are_never_compared(books, tmp_path):
    _, old, _ = books
    rows = load_example_rows()
    rows["指標"][0]["単位"] = "%"
    rows["指標"][0]["R7目標"] = "45%"
    other = tmp_path / "unit.xlsx"
    write_rows(other, rows)
    d = diff_files(old, other, load_ruleset())
    got = [(c.kind, c.field, c.old, c.new, c.detail) for c in d.changes]
    assert ("value-changed", "単位", "件", "%", "") in got
    assert ("unit-changed", "R7目標", "45件", "45%", "") in got
    assert not [c for c in d.changes if c.kind in ("target-changed", "actual-revised")]


# ---- a built 調書 on either side (issue 24) ------------------------------------------------------


@pytest.fixture(scope="module")
def built(books, tmp_path_factory):
    d, old, _ = books
    out = tmp_path_factory.mktemp("built")
    proc = run("build", str(old), "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    return next(p for p in out.glob("R6_*.xlsx"))


def test_a_built_chosho_is_read_from_its_stored_input(books, built, mistaken):
    _, old, new = books
    assert diff_files(built, old, load_ruleset()).changes == []
    d = diff_files(built, new, load_ruleset())
    assert d.old_from_chosho and not d.new_from_chosho
    assert [(c.kind, c.new_cell, c.old_cell) for c in d.changes] == [
        ("target-changed", "指標!L2", ""), ("actual-revised", "指標!N2", ""), ("text-changed", "事業!AE2", ""),
        ("project-removed", "", "")]
    proc = run("diff", str(built), str(mistaken[1]), "--format", "json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["old_from_chosho"] is True and data["new_errors"] == 7
    assert [c["new_code"] for c in data["changes"]][:2] == ["E-NOT-INT", "E-ENUM"]
    table = run("diff", str(built), str(new))
    assert "（調書に保存された入力）" in "".join(table.stdout.split())


def test_a_chosho_without_its_input_is_one_sentence(books, built, tmp_path):
    import re
    import zipfile

    _, old, _ = books
    bare = tmp_path / "bare.xlsx"
    with zipfile.ZipFile(built) as zin, zipfile.ZipFile(bare, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "docProps/custom.xml":
                data = re.sub(rb'<property [^>]*name="chosho-xlsx input[^"]*"><vt:lpwstr>[^<]*</vt:lpwstr></property>',
                              b"", data)
            zout.writestr(info, data)
    proc = run("diff", str(bare), str(old))
    assert proc.returncode == 1
    assert proc.stderr.strip() == (f"{bare} は chosho-xlsx で作成した調書ですが、入力データが保存されていないため"
                                   "比較できません（入力データは、この版の chosho-xlsx build で作成した調書に保存されます）。"
                                   "入力ブックか、chosho-xlsx build で作り直した調書を指定してください。")
    assert "シート「調書」がありません" not in proc.stdout + proc.stderr
    summary = built.parent / "一覧.xlsx"
    proc = run("diff", str(old), str(summary), "--lang", "en")
    assert proc.returncode == 1 and "is not a 調書 with its input stored" in proc.stderr


# ---- the property: whatever a clerk types in a typed cell is never lost ---------------------------

# (sheet, record index, header) of cells that take a number, a year or a choice
TYPED_CELLS = [("指標", 0, "目標の向き"), ("指標", 2, "R4実績"), ("指標", 0, "R7目標"), ("指標", 0, "基準年度"),
               ("事業", 0, "R4事業費"), ("事業", 0, "見直し区分"), ("事業指標", 0, "R4実績"), ("事業指標", 0, "R4目標"),
               ("取組項目", 0, "事業群番号")]


def _version(rows, name):
    from chosho_xlsx.contract.loader import headers_for
    from chosho_xlsx.cycle.diff import Version
    from chosho_xlsx.cycle.sources import keyvalue_cells
    from chosho_xlsx.intake.reader import book_from_rows
    from chosho_xlsx.model import fiscal
    from chosho_xlsx.pipeline import check_book
    from chosho_xlsx.writers.example import plan_of

    year, plan = plan_of(rows)
    period = fiscal.parse_period(plan)
    book = book_from_rows(rows, headers_for(fiscal.parse_year(year), period.start, period.end), name)
    checked = check_book(book, load_ruleset())
    return Version(checked.report, keyvalue_cells(book), checked, book) if checked.report else None


@pytest.fixture(scope="module")
def example_version():
    return _version(load_example_rows(), "good")


@given(where=st.sampled_from(TYPED_CELLS),
       typed=st.text(alphabet="0123456789,.%件所属円増加減少改善廃止拡充?―R令和", min_size=1, max_size=7))
@example(where=("事業", 0, "R4事業費"), typed="43,948円").via("the issue")
@example(where=("指標", 2, "R4実績"), typed="48.5%").via("the issue")
@example(where=("指標", 0, "目標の向き"), typed="増える").via("the issue")
@example(where=("指標", 2, "R4実績"), typed="00?").via("E-UNIT's value was the number read: 「0?」")
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_a_cell_that_breaks_the_contract_is_in_the_diff_as_typed(example_version, where, typed):
    from chosho_xlsx.cycle.diff import diff_versions

    sheet, index, header = where
    rows = copy.deepcopy(load_example_rows())
    rows[sheet][index][header] = typed
    wrong = _version(rows, "typed")
    assume(wrong is not None)  # a cell some record cannot be read without (none of these, so far)
    row = index + 2
    errors = [f for f in wrong.checked.errors if f.sheet == sheet and f.at.row == row
              and wrong.checked.header_of(f) == header]
    d = diff_versions(wrong, example_version)
    if errors:  # shown exactly as typed, marked unreadable, with its code, never as a percentage
        place = errors[0].place
        at = [c for c in d.changes if c.old_cell == place]
        assert len(at) == 1, (place, typed, [c.old_cell for c in d.changes])
        assert (at[0].old, at[0].old_readable, at[0].old_code, at[0].detail, at[0].severity) == (
            typed, False, errors[0].code, "", "warning")
        assert at[0].kind != "unit-changed" or not at[0].detail
    else:  # a value that can be read is never marked unreadable
        assert all(c.old_readable and c.new_readable for c in d.changes)
