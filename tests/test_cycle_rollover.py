"""`rollover`: next year's input workbook from the example (R6 → R7)."""

import json

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from chosho_xlsx.common.addresses import parse_ref
from chosho_xlsx.cycle.rollover import RolloverError, rollover_file, write_rollover
from chosho_xlsx.intake.marks import ROLLOVER_AUTHOR
from chosho_xlsx.model.ruleset import load_ruleset
from chosho_xlsx.pipeline import check_file
from chosho_xlsx.writers.example import write_example

from support.commands import cli as run

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def rolled(tmp_path_factory):
    d = tmp_path_factory.mktemp("rollover")
    src = d / "R6.xlsx"
    write_example(src)
    result = rollover_file(src, load_ruleset())
    out = d / "R7.xlsx"
    write_rollover(result, out)
    return src, result, out


def _sheets(path):
    wb = CalamineWorkbook.from_path(str(path))
    return {n: wb.get_sheet_by_name(n).to_python() for n in wb.sheet_names}


def _at(sheets, sheet, cell):
    r, col = parse_ref(cell)
    r -= 1
    rows = sheets[sheet]
    v = rows[r][col] if r < len(rows) and col < len(rows[r]) else ""
    return int(v) if isinstance(v, float) and v.is_integer() else v


def _row(sheets, sheet, key_header, key):
    head = sheets[sheet][0]
    i = head.index(key_header)
    for row in sheets[sheet][1:]:
        if str(row[i]).removesuffix(".0") == key:
            return dict(zip(head, row, strict=False))
    raise KeyError(key)


def test_every_carried_value_equals_the_sources(rolled):
    src, result, out = rolled
    old, new = _sheets(src), _sheets(out)
    assert len(result.carried) == 481
    for c in result.carried:
        expected = "R7" if c.header == "実施年度" else _at(old, c.sheet, c.source_cell)
        assert _at(new, c.sheet, c.cell) == expected == c.value, c


def test_columns_and_values_of_the_new_year(rolled):
    _, result, out = rolled
    new = _sheets(out)
    kv = {r[0]: r[1] for r in new["調書"][1:]}
    assert (kv["実施年度"], kv["計画期間"]) == ("R7", "R3-R7")
    ind = new["指標"][0]
    assert ind[7:17] == ["R3目標", "R4目標", "R5目標", "R6目標", "R7目標", "R3実績", "R4実績", "R5実績", "R6実績",
                         "進捗状況の分析"]
    first = _row(new, "指標", "指標番号", "1")
    assert (first["R4実績"], first["R5実績"], first["R6目標"], first["R6実績"]) == ("16件", "24件", "32件", "")
    heads = new["事業"][0]
    assert heads[14:23] == ["R5事業費", "R5一般財源", "R5人件費", "R6事業費", "R6一般財源", "R6人件費",
                            "R7事業費", "R7一般財源", "R7人件費"]
    p1 = _row(new, "事業", "事業番号", "1")
    # R5 実績 carried, R6 計画 pre-filled as R6 実績, R7 計画 empty
    assert (p1["R5事業費"], p1["R6事業費"], p1["R6一般財源"], p1["R7事業費"]) == (47211, 69178, 30426, "")
    assert p1["見直し区分"] == "" and p1["事業構築の視点"] == "" and p1["次年度の方向性"] == ""
    assert p1["見直し内容"].startswith("他道府県との連携も含め、県・市町共同でのデータ連携基盤の活用")
    assert [r[0] for r in new["事業"][1:]] == ["1", "2", "5", "5-1", "5-2", "5-3", "5-4", "5-5", "6", "7"]
    assert new["課題"][1:] == [] or all(all(v == "" for v in r) for r in new["課題"][1:])
    pi = new["事業指標"][0]
    assert pi[4:9] == ["R5目標", "R5実績", "R6目標", "R6実績", "R7目標"]
    data = _row(new, "事業指標", "指標名", "行政・民間で公開されたデータ数")
    assert (data["R5目標"], data["R5実績"], data["R6目標"], data["R6実績"], data["R7目標"]) == (
        "2,350", "3,845", "2,700", "", "")


def test_ended_projects_are_left_out_and_listed(rolled):
    _, result, out = rolled
    assert [(p.number, p.period) for p in result.left_out] == [("3", "R5"), ("4", "R3-5"), ("8", "R5")]
    note = _sheets(out)["繰越メモ"]
    assert note[4][:4] == ["3", "デジタルDEJI-MA推進費", "R5", "事業!A4"]
    assert result.dropped_columns == ["事業!R4事業費", "事業!R4一般財源", "事業!R4人件費",
                                      "事業指標!R4目標", "事業指標!R4実績"]


def test_prefilled_budgets_are_marked_with_a_comment(rolled):
    _, result, out = rolled
    ws = openpyxl.load_workbook(out)["事業"]
    assert ws["R2"].value == 69178
    assert ws["R2"].comment.author == ROLLOVER_AUTHOR
    assert "計画額 69178" in ws["R2"].comment.text
    assert ws["U2"].value is None and ws["U2"].comment is None  # R7事業費: plain blank
    marked = {t.cell for t in result.to_fill if t.prefilled is not None}
    assert marked == {c.coordinate for row in ws.iter_rows() for c in row if c.comment is not None}


def test_the_result_validates_with_only_what_is_left_to_fill(rolled):
    _, result, out = rolled
    checked = check_file(out, load_ruleset())
    assert checked.errors == []
    by_code = {}
    for f in checked.findings:
        by_code.setdefault(f.code, []).append(f.place)
    assert set(by_code) == {"W-ACTUAL-MISSING", "W-PREFILLED", "W-REVIEW-PROPOSED"}
    actual_cells = {f"{t.sheet}!{t.cell}" for t in result.to_fill if t.kind == "actual"}
    assert set(by_code["W-ACTUAL-MISSING"]) <= actual_cells
    assert "指標!P2" in by_code["W-ACTUAL-MISSING"] and "事業指標!H3" in by_code["W-ACTUAL-MISSING"]
    # 事業指標 row 2's R6 target is blank in the source: nothing to measure against
    assert "事業指標!H2" not in by_code["W-ACTUAL-MISSING"]
    assert set(by_code["W-PREFILLED"]) == {f"{t.sheet}!{t.cell}" for t in result.to_fill if t.prefilled is not None}
    review_cells = {f"{t.sheet}!{t.cell}" for t in result.to_fill if t.header == "見直し区分"}
    assert set(by_code["W-REVIEW-PROPOSED"]) == review_cells
    f = next(f for f in checked.findings if f.place == "指標!P2")
    assert f.message() == "R6年度は終わりましたが、実績が空欄です（目標「32件」）。"


def test_deleting_the_comment_confirms_the_figure(rolled, tmp_path):
    _, _, out = rolled
    wb = openpyxl.load_workbook(out)
    wb["事業"]["R2"].comment = None
    wb["事業"]["S2"].value = 30000  # the clerk typed the real figure, comment kept
    edited = tmp_path / "edited.xlsx"
    wb.save(edited)
    places = {f.place: f for f in check_file(edited, load_ruleset()).findings if f.code == "W-PREFILLED"}
    assert "事業!R2" not in places
    assert places["事業!S2"].value == "30000"


def test_same_input_same_bytes_and_bytes_in(rolled, tmp_path):
    src, _, out = rolled
    again = tmp_path / "again.xlsx"
    write_rollover(rollover_file(src, load_ruleset()), again)
    assert again.read_bytes() == out.read_bytes()
    from_bytes = rollover_file(src.read_bytes(), load_ruleset(), name=str(src))
    assert from_bytes.carried == rollover_file(src, load_ruleset()).carried


def test_past_the_plans_last_year_is_refused(rolled):
    _, _, out = rolled
    with pytest.raises(RolloverError) as exc:
        rollover_file(out, load_ruleset())
    assert exc.value.exit == 1
    assert exc.value.message() == (
        "R7年度は計画期間 R3-7 の最終年度のため、R8年度への繰越はできません。"
        "新しい計画期間のテンプレート（chosho-xlsx template --year R8 --plan …）から作成してください。")


def test_cli(rolled, tmp_path):
    src, _, out = rolled
    target = tmp_path / "R7.xlsx"
    proc = run("rollover", str(src), "--to", "R7", "-o", str(target), "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert (data["from"], data["to"], len(data["carried"]), len(data["to_fill"])) == ("R6", "R7", 481, 151)
    assert data["left_out"][0]["number"] == "3"
    assert target.read_bytes() == out.read_bytes()
    again = run("rollover", str(src), "-o", str(target))
    assert again.returncode == 2 and "--force" in again.stderr and "すでにあります" in again.stderr
    assert run("rollover", str(src), "-o", str(target), "--force").returncode == 0
    assert run("rollover", str(src), "-o", str(src), "--force").returncode == 2
    wrong = run("rollover", str(src), "--to", "R8", "-o", str(tmp_path / "x.xlsx"), "--lang", "en")
    assert wrong.returncode == 2
    assert wrong.stderr.strip() == "--to R8 cannot be used: a R6 workbook rolls over to the next year, R7, only."
    ended = run("rollover", str(out), "-o", str(tmp_path / "R8.xlsx"))
    assert ended.returncode == 1 and ended.stderr.startswith("R7年度は計画期間 R3-7 の最終年度")
    assert not (tmp_path / "R8.xlsx").exists()
    broken = tmp_path / "broken.xlsx"
    broken.write_text("not a workbook")
    assert run("rollover", str(broken), "-o", str(tmp_path / "y.xlsx")).returncode == 2


def test_a_source_with_errors_is_refused_with_its_findings(rolled, tmp_path):
    src, _, _ = rolled
    wb = openpyxl.load_workbook(src)
    wb["指標"]["H2"].value = "たくさん"
    bad = tmp_path / "bad.xlsx"
    wb.save(bad)
    proc = run("rollover", str(bad), "-o", str(tmp_path / "out.xlsx"))
    assert proc.returncode == 1
    assert "指標!H2" in proc.stdout and "E-NOT-NUMBER" in proc.stdout
    assert proc.stderr.startswith(f"{bad} に誤りがあるため繰越できません。")
    assert not (tmp_path / "out.xlsx").exists()


def test_help():
    proc = run("rollover", "--help")
    assert proc.returncode == 0 and "--force" in proc.stdout


def test_to_must_be_a_year(rolled, tmp_path):
    src, _, _ = rolled
    proc = run("rollover", str(src), "--to", "来年", "-o", str(tmp_path / "x.xlsx"))
    assert proc.returncode == 2 and proc.stderr.startswith("--to: 年度を読めません")


# ---- rollover from a 調書 this tool built ------------------------------------------------


def _build(source, target):
    """The 調書 of a workbook (path), as `build` writes it."""
    from chosho_xlsx.writers.layout import write_chosho

    checked = check_file(source, load_ruleset())
    assert checked.errors == [], checked.errors
    write_chosho(checked.report, target, load_ruleset())
    return target


def test_chosho_round_trip_is_byte_identical(rolled, tmp_path):
    from chosho_xlsx.contract.loader import headers_for
    from chosho_xlsx.intake.reader import book_from_rows
    from chosho_xlsx.pipeline import check_book
    from chosho_xlsx.writers.embed import read_embedded, rows_from_model
    from chosho_xlsx.writers.layout import write_chosho

    src, _, _ = rolled
    first = _build(src, tmp_path / "first.xlsx")
    rows = read_embedded(first)
    assert [r["値"] for r in rows["調書"][:1]] == ["R6"]
    back = check_book(book_from_rows(rows, headers_for(2024, 2021, 2025), "back"), load_ruleset())
    assert back.errors == []
    assert rows_from_model(back.report.chosho) == rows
    second = tmp_path / "second.xlsx"
    write_chosho(back.report, second, load_ruleset())
    assert second.read_bytes() == first.read_bytes()
    assert read_embedded(src) is None  # an input workbook has none


def test_rollover_from_the_chosho_equals_rollover_from_the_input(rolled, tmp_path):
    src, from_input, _ = rolled
    chosho = _build(src, tmp_path / "R6_調書.xlsx")
    target = tmp_path / "R7_from_chosho.xlsx"
    proc = run("rollover", str(chosho), "-o", str(target), "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["from_chosho"] is True and (data["from"], data["to"]) == ("R6", "R7")
    assert {c["source_cell"] for c in data["carried"]} == {""}
    assert [(t["sheet"], t["cell"], t["kind"]) for t in data["to_fill"]] == [
        (t.sheet, t.cell, t.kind) for t in from_input.to_fill]
    assert [p["number"] for p in data["left_out"]] == ["3", "4", "8"]
    # the two rolled workbooks read as the same 調書: their R7 調書 are the same bytes
    a = _build(target, tmp_path / "a.xlsx")
    b_src = tmp_path / "R7_from_input.xlsx"
    write_rollover(from_input, b_src)
    b = _build(b_src, tmp_path / "b.xlsx")
    assert a.read_bytes() == b.read_bytes()


def test_a_damaged_embedded_input_is_refused(rolled, tmp_path):
    import zipfile

    src, _, _ = rolled
    chosho = _build(src, tmp_path / "c.xlsx")
    damaged = tmp_path / "damaged.xlsx"
    with zipfile.ZipFile(chosho) as zin, zipfile.ZipFile(damaged, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "docProps/custom.xml":
                data = data.replace(b"chosho-xlsx input 002", b"chosho-xlsx input 902")
            zout.writestr(item, data)
    proc = run("rollover", str(damaged), "-o", str(tmp_path / "out.xlsx"))
    assert proc.returncode == 2
    assert "調書に保存された入力データが壊れているため読み込めません" in proc.stdout
    assert not (tmp_path / "out.xlsx").exists()


def test_a_figure_never_confirmed_stays_marked_in_the_next_rollover(tmp_path):
    from chosho_xlsx.writers.example import load_example_rows, write_rows

    rows = load_example_rows()
    for r in rows["調書"]:
        if r["項目"] == "計画期間":
            r["値"] = "R3-R8"  # one more year, so that R7 rolls over to R8
    r6 = tmp_path / "R6.xlsx"
    write_rows(r6, rows)
    r7 = tmp_path / "R7.xlsx"
    write_rollover(rollover_file(r6, load_ruleset()), r7)
    wb = openpyxl.load_workbook(r7)
    wb["事業"]["S2"].comment = None  # R6一般財源 of project 1 confirmed; R6事業費 (R2) not
    confirmed = tmp_path / "R7_partly.xlsx"
    wb.save(confirmed)
    result = rollover_file(confirmed, load_ruleset())
    unconfirmed = [(t.cell, t.header, t.prefilled) for t in result.to_fill if t.kind == "unconfirmed"]
    assert ("O2", "R6事業費", 69178) in unconfirmed
    assert all(h != "R6一般財源" or c != "P2" for c, h, _ in unconfirmed)
    r8 = tmp_path / "R8.xlsx"
    write_rollover(result, r8)
    ws = openpyxl.load_workbook(r8)["事業"]
    assert ws["O1"].value == "R6事業費" and ws["O2"].value == 69178
    assert "R7年度の入力ブックでも確認されていません" in ws["O2"].comment.text
    assert ws["P2"].comment is None
    places = {f.place for f in check_file(r8, load_ruleset()).findings if f.code == "W-PREFILLED"}
    assert "事業!O2" in places and "事業!P2" not in places


@pytest.mark.libreoffice
@pytest.mark.parametrize("program", ["libreoffice", "gnumeric"])
def test_libreoffice_and_gnumeric_open_the_rolled_workbook(rolled, program, tmp_path):
    from support import recalc

    recalc.skip_if_missing(program)
    _, _, out = rolled
    saved = recalc.recalculated(out, tmp_path, program)
    assert openpyxl.load_workbook(saved).sheetnames == openpyxl.load_workbook(out).sheetnames


def test_a_number_is_carried_as_the_clerk_sees_it(rolled, tmp_path):
    src, _, _ = rolled
    wb = openpyxl.load_workbook(src)
    ws = wb["指標"]
    assert (ws["O1"].value, ws["O3"].value) == ("R5実績", "65.6％")
    ws["O3"].value = 0.656  # typed 65.6% into a percent-formatted cell
    ws["O3"].number_format = "0.0%"
    ws["O3"].data_type = "n"
    wb["事業"]["R2"].value = 47211000  # 千円 shown through a scaling format
    wb["事業"]["R2"].number_format = "#,##0,"
    wb["事業"]["R2"].data_type = "n"
    typed = tmp_path / "typed.xlsx"
    wb.save(typed)
    assert wb["事業"]["R1"].value == "R5事業費"
    result = rollover_file(typed, load_ruleset())
    carried = {(c.sheet, c.cell): c.value for c in result.carried}
    assert carried[("指標", "O3")] == "65.6%"
    assert carried[("事業", "O2")] == 47211  # R5事業費: column O in the R7 workbook


def test_a_chosho_without_its_input_is_refused_with_a_sentence(rolled, tmp_path):
    import zipfile

    src, _, _ = rolled
    chosho = _build(src, tmp_path / "c.xlsx")
    bare = tmp_path / "bare.xlsx"  # as a 調書 from before the input was stored in it
    with zipfile.ZipFile(chosho) as zin, zipfile.ZipFile(bare, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "docProps/custom.xml":
                continue
            if item.filename in ("[Content_Types].xml", "_rels/.rels"):
                data = data.replace(b"docProps/custom.xml", b"docProps/none.xml")
            zout.writestr(item, data)
    proc = run("rollover", str(bare), "-o", str(tmp_path / "out.xlsx"))
    assert proc.returncode == 1
    assert proc.stderr.startswith(f"{bare} には入力ブックのシート（調書・事業群・指標 …）がなく")
    assert not (tmp_path / "out.xlsx").exists()
