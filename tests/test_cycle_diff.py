"""`diff`: what changed between two input workbooks, by meaning, at its cells."""

import copy
import json

import openpyxl
import pytest

from chosho_xlsx.cycle.diff import diff_files
from chosho_xlsx.cycle.rollover import rollover_file, write_rollover
from chosho_xlsx.domain.settings import load_settings
from chosho_xlsx.writers.example import load_example_rows, write_rows

from support.commands import cli as run


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
    assert diff_files(old, old, load_settings()).changes == []
    proc = run("diff", str(old), str(old))
    assert proc.returncode == 0
    assert proc.stdout.splitlines()[-1] == "変更はありません。"


def test_four_edits_are_exactly_four_changes_at_their_cells(books):
    _, old, new = books
    d = diff_files(old, new, load_settings())
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
    write_rollover(rollover_file(old, load_settings()), rolled)
    wb = openpyxl.load_workbook(rolled)
    wb["指標"]["P2"].value = "33件"  # the R6 actual, new this year
    wb["事業"]["R2"].value = 68000  # R6 事業費: planned 69,178, actual 68,000
    filled = tmp_path / "R7_filled.xlsx"
    wb.save(filled)
    d = diff_files(old, filled, load_settings())
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
    d = diff_files(old.read_bytes(), new.read_bytes(), load_settings(), "old.xlsx", "new.xlsx")
    assert (d.old_source, d.new_source, len(d.changes)) == ("old.xlsx", "new.xlsx", 4)
    junk = tmp_path / "junk.xlsx"
    junk.write_text("hello")
    proc = run("diff", str(old), str(junk))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr + proc.stdout
    assert run("diff", str(old), str(tmp_path / "missing.xlsx")).returncode == 2
    assert run("diff", str(old), str(new), "--format", "csv").returncode == 2


@pytest.mark.parametrize("program", ["libreoffice", "gnumeric"])
def test_libreoffice_and_gnumeric_open_the_change_list(books, program, tmp_path):
    from chosho_xlsx.cycle.diff import changes_xlsx_bytes

    from support import recalc

    recalc.skip_if_missing(program)
    _, old, new = books
    path = tmp_path / "changes.xlsx"
    path.write_bytes(changes_xlsx_bytes(diff_files(old, new, load_settings())))
    saved = recalc.recalculated(path, tmp_path / "out", program)
    ws = openpyxl.load_workbook(saved).active
    assert ws["D7"].value == "事業 7 スマート県庁プロジェクト" and ws["J7"].value == "事業!A13"
