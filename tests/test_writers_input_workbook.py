"""The department input workbook written by input_workbook.write_input_workbook / example.write_example."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import example as hypothesis_example
from hypothesis import strategies as st
from openpyxl.utils import get_column_letter

from chosho_xlsx.contract import spec as contract
from chosho_xlsx.model.ruleset import load_ruleset
from chosho_xlsx.writers import example, input_workbook
from chosho_xlsx.writers.input_workbook import (
    GUIDE_SHEET,
    MAX_ROWS,
    InputWorkbookError,
    clip,
    write_input_workbook,
)

R6, R3, R7 = 2024, 2021, 2025
CLI = [sys.executable, "-c", "from chosho_xlsx.cli import main; main()"]


def cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*CLI, *args], capture_output=True, text=True, timeout=120,
        env={**os.environ, **(env or {})},
    )


@pytest.fixture(scope="module")
def r6_path(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("r6") / "r6.xlsx"
    write_input_workbook(path, R6, R3, R7)
    return path


@pytest.fixture(scope="module")
def r6(r6_path) -> openpyxl.Workbook:
    return openpyxl.load_workbook(r6_path)


def headers(ws) -> list:
    return [c.value for c in ws[1]]


def validations_at(ws, coord: str) -> list:
    return [dv for dv in ws.data_validations.dataValidation if coord in dv.sqref]


def col_of(ws, header: str) -> str:
    return get_column_letter(headers(ws).index(header) + 1)


# --------------------------------------------------------------------------- sheets and headers


def test_sheets_in_order_guide_first(r6):
    assert r6.sheetnames == [GUIDE_SHEET, *contract.SHEET_NAMES]
    assert r6.active.title == GUIDE_SHEET


def test_headers_equal_contract(r6):
    for sheet in contract.sheets(R6, R3, R7):
        assert headers(r6[sheet.name]) == sheet.headers, sheet.name


def test_r6_headers_literal(r6):
    """Spot-check against the contract text of docs/input-format.md."""
    assert headers(r6["調書"]) == ["項目", "値"]
    assert headers(r6["事業群"]) == ["事業群番号", "事業群名", "主管部", "主管課", "課長名", "総合計画本文"]
    assert headers(r6["取組項目"]) == ["取組項目番号", "取組項目名", "事業群番号"]
    assert headers(r6["指標"]) == [
        "指標番号", "事業群番号", "指標名", "単位", "目標の向き", "基準年度", "基準値",
        "R3目標", "R4目標", "R5目標", "R6目標", "R7目標", "R3実績", "R4実績", "R5実績",
        "進捗状況の分析",
    ]
    business = headers(r6["事業"])
    start = business.index("R4事業費")
    assert business[start:start + 9] == [
        "R4事業費", "R4一般財源", "R4人件費", "R5事業費", "R5一般財源", "R5人件費",
        "R6事業費", "R6一般財源", "R6人件費",
    ]
    assert business[:14] == [
        "事業番号", "事業群番号", "取組項目", "中核事業", "参考", "事務事業名", "開始年度",
        "終了年度", "所管課", "事業対象", "事業内容", "実施状況", "事業の成果", "目標達成への寄与",
    ]
    assert business[start + 9:] == [
        "根拠法令", "義務付け", "裁量なし", "他の評価対象", "見直し区分", "事業構築の視点",
        "見直し内容", "次年度の方向性",
    ]
    assert headers(r6["事業指標"]) == [
        "事業番号", "区分", "指標名", "単位", "R4目標", "R4実績", "R5目標", "R5実績", "R6目標",
    ]
    assert headers(r6["課題"]) == ["取組項目", "実績の検証及び解決すべき課題", "課題解決に向けた方向性"]


def test_keyvalue_sheet_prefilled(r6):
    ws = r6["調書"]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows] == [k["key"] for k in contract.keyvalue_keys()]
    values = dict(rows)
    assert values["実施年度"] == "R6"
    assert values["計画期間"] == "R3-R7"
    assert values["施策名"] is None


def test_cli_r7_year_labels(tmp_path):
    out = tmp_path / "tmp" / "x.xlsx"
    done = cli("template", "--year", "R7", "--plan", "R3-R7", "-o", str(out))
    assert done.returncode == 0, done.stderr
    wb = openpyxl.load_workbook(out)
    business = headers(wb["事業"])
    money = [h for h in business if h[:2] in ("R4", "R5", "R6", "R7") and not h.endswith(("目標", "実績"))]
    assert money == [
        "R5事業費", "R5一般財源", "R5人件費", "R6事業費", "R6一般財源", "R6人件費",
        "R7事業費", "R7一般財源", "R7人件費",
    ]
    indicator = headers(wb["指標"])
    assert [h for h in indicator if h.endswith("目標")] == ["R3目標", "R4目標", "R5目標", "R6目標", "R7目標"]
    assert [h for h in indicator if h.endswith("実績")] == ["R3実績", "R4実績", "R5実績", "R6実績"]
    assert headers(wb["事業指標"])[4:] == ["R5目標", "R5実績", "R6目標", "R6実績", "R7目標"]
    assert dict(wb["調書"].iter_rows(min_row=2, values_only=True))["実施年度"] == "R7"
    guide = guide_text(wb)
    assert "R7新規" in guide and "R6新規" not in guide
    assert "令和７年度" in guide


def test_cli_template_follows_the_rules_file(tmp_path):
    """`template --rules`: the 見直し区分 a department may pick, and the guide's 新規 label,
    are those of the planning division's rules file, as validate will judge them."""
    rules = tmp_path / "rules.yaml"
    default = (Path(__file__).resolve().parents[1] / "schemas" / "rules.yaml").read_text(encoding="utf-8")
    rules.write_text(default.replace("allowed: [拡充, 改善, 統合, 縮小, 廃止, ―]", "allowed: [拡充, 改善, 廃止, ―]")
                     .replace('new_label: "{year}新規"', 'new_label: "{year}から新規"'), encoding="utf-8")
    out = tmp_path / "x.xlsx"
    done = cli("template", "--rules", str(rules), "-o", str(out))
    assert done.returncode == 0, done.stderr
    wb = openpyxl.load_workbook(out)
    assert list_formula(wb["事業"], "見直し区分") == '"拡充,改善,廃止,―"'
    guide = guide_text(wb)
    assert "R6から新規" in guide and "拡充・改善・廃止・―" in guide


# --------------------------------------------------------------------------- 説明


def guide_text(wb) -> str:
    return "\n".join(str(c.value) for row in wb[GUIDE_SHEET].iter_rows() for c in row if c.value)


def test_guide_sheet_content(r6):
    text = guide_text(r6)
    for name in contract.SHEET_NAMES:
        assert f"「{name}」" in text, name
    for phrase in ("シート名", "見出し", "達成率", "進捗状況", "事業費", "最終目標", "事業期間",
                   "R6新規", "「―」", "90%以上", "和暦", "chosho-xlsx validate"):
        assert phrase in text, phrase
    assert "{" not in text and "}" not in text  # every placeholder filled
    assert "・".join(load_ruleset().allowed_reviews) in text


def test_guide_comes_from_the_form_folder():
    from chosho_xlsx.common.resources import form_file

    raw = yaml.safe_load(form_file("input-guide.yaml").read_text(encoding="utf-8"))
    lines = input_workbook.load_guide(R6, R3, R7)
    assert lines[0] == ("title", raw["title"].format(year_full="令和６年度"))


def test_guide_bad_placeholder(tmp_path, monkeypatch):
    bad = tmp_path / "input-guide.yaml"
    bad.write_text("title: '{nope}'\nsections: []\n", encoding="utf-8")
    monkeypatch.setattr(input_workbook, "form_file", lambda name: bad)
    with pytest.raises(InputWorkbookError, match="nope"):
        input_workbook.load_guide(R6, R3, R7)


# --------------------------------------------------------------------------- layout and styles


def test_freeze_header_style_widths(r6):
    for sheet in contract.sheets(R6, R3, R7):
        ws = r6[sheet.name]
        assert ws.freeze_panes == "A2", sheet.name
        for i, col in enumerate(sheet.columns, start=1):
            letter = get_column_letter(i)
            head = ws.cell(row=1, column=i)
            assert head.font.b, (sheet.name, col.header)
            assert head.fill.fill_type == "solid"
            dim = ws.column_dimensions[letter]
            # at least the contract's width; wider where the header needs it (tests/test_writers_input_workbook_print.py)
            assert dim.width >= col.width, (sheet.name, col.header)
            assert bool(dim.alignment.wrap_text) == col.wrap, (sheet.name, col.header)


def test_text_format_on_text_like_columns(r6):
    for sheet in contract.sheets(R6, R3, R7):
        ws = r6[sheet.name]
        for i, col in enumerate(sheet.columns, start=1):
            fmt = ws.column_dimensions[get_column_letter(i)].number_format
            expected = "General" if col.type in ("int", "money") else "@"
            assert fmt == expected, (sheet.name, col.header, col.type)


def test_no_merged_cells(r6):
    for ws in r6.worksheets:
        assert not ws.merged_cells.ranges, ws.title


# --------------------------------------------------------------------------- validations


def list_formula(ws, header: str) -> str:
    letter = col_of(ws, header)
    found = [dv for dv in validations_at(ws, f"{letter}2") if dv.type == "list"]
    assert len(found) == 1, (ws.title, header)
    dv = found[0]
    assert f"{letter}{MAX_ROWS}" in dv.sqref
    assert dv.errorStyle == "warning" and dv.showErrorMessage
    assert dv.allowBlank
    return dv.formula1


def test_list_validations(r6):
    groups = "'事業群'!$A$2:$A$21"  # 事業群番号 is at most 20
    assert list_formula(r6["取組項目"], "事業群番号") == groups
    assert list_formula(r6["指標"], "事業群番号") == groups
    assert list_formula(r6["事業"], "事業群番号") == groups
    assert list_formula(r6["事業指標"], "事業番号") == f"'事業'!$A$2:$A${MAX_ROWS}"
    assert list_formula(r6["事業指標"], "区分") == '"活動,成果"'
    assert list_formula(r6["指標"], "目標の向き") == '"増加,減少"'
    reviews = load_ruleset().allowed_reviews
    assert list_formula(r6["事業"], "見直し区分") == '"' + ",".join(reviews) + '"'
    for mark in ("中核事業", "参考", "義務付け", "裁量なし"):
        assert list_formula(r6["事業"], mark) == '"○"'


def test_no_list_on_free_columns(r6):
    ws = r6["事業"]
    for header in ("事業番号", "取組項目", "事務事業名", "他の評価対象", "事業構築の視点"):
        assert not [dv for dv in validations_at(ws, f"{col_of(ws, header)}2") if dv.type], header


def test_header_is_not_validated_as_data(r6):
    ws = r6["指標"]
    letter = col_of(ws, "事業群番号")
    assert [dv.type for dv in validations_at(ws, f"{letter}1")] == [None]


def test_money_whole_number_warning(r6):
    ws = r6["事業"]
    (dv,) = validations_at(ws, f"{col_of(ws, 'R5事業費')}2")
    assert (dv.type, dv.operator, dv.formula1, dv.errorStyle) == ("whole", "greaterThanOrEqual", "0", "warning")


def test_input_messages_on_headers_and_data(r6):
    for sheet in contract.sheets(R6, R3, R7):
        ws = r6[sheet.name]
        if sheet.kind == contract.KEYVALUE:
            continue
        for i, col in enumerate(sheet.columns, start=1):
            letter = get_column_letter(i)
            for coord in (f"{letter}1", f"{letter}2", f"{letter}{MAX_ROWS}"):
                (dv,) = validations_at(ws, coord)
                assert dv.showInputMessage, (sheet.name, coord)
                assert dv.promptTitle == col.header
                mark = "【必須】" if col.required or col.required_unless else ""
                assert dv.prompt == clip(mark + col.help["ja"], 255)
                assert dv.prompt


def test_keyvalue_messages(r6):
    ws = r6["調書"]
    helps = {k["key"]: ("【必須】" if k.get("required") else "") + k["help"]["ja"] for k in contract.keyvalue_keys()}
    for row in range(2, ws.max_row + 1):
        key = ws.cell(row=row, column=1).value
        for coord in (f"A{row}", f"B{row}"):
            (dv,) = validations_at(ws, coord)
            assert (dv.promptTitle, dv.prompt) == (key, helps[key])
    assert validations_at(ws, "A1")[0].promptTitle == "項目"


def test_prompt_limits(r6):
    for ws in r6.worksheets:
        for dv in ws.data_validations.dataValidation:
            assert len((dv.prompt or "").encode("utf-16-le")) // 2 <= 255
            assert len((dv.promptTitle or "").encode("utf-16-le")) // 2 <= 32


@given(st.text(), st.integers(min_value=2, max_value=300))
def test_clip(text, limit):
    out = clip(text, limit)
    assert len(out.encode("utf-16-le", "surrogatepass")) // 2 <= max(limit, 0)
    if len(text.encode("utf-16-le", "surrogatepass")) // 2 <= limit:
        assert out == text
    else:
        assert out.endswith("…") and text.startswith(out[:-1])


def test_long_help_is_clipped(monkeypatch, tmp_path):
    real = contract.sheets

    def long_help(*args):
        out = []
        for s in real(*args):
            cols = tuple(
                contract.Column(**{**c.__dict__, "help": {"ja": "長" * 300 + "😀"}}) for c in s.columns
            )
            out.append(contract.Sheet(s.name, s.kind, cols, s.key, s.help))
        return out

    monkeypatch.setattr(contract, "sheets", long_help)
    path = tmp_path / "long.xlsx"
    write_input_workbook(path, R6, R3, R7)
    ws = openpyxl.load_workbook(path)["課題"]
    (dv,) = validations_at(ws, "B2")
    assert dv.prompt == "【必須】" + "長" * 250 + "…"


# --------------------------------------------------------------------------- determinism, atomicity


def test_byte_identical(tmp_path):
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    write_input_workbook(a, R6, R3, R7)
    write_input_workbook(b, R6, R3, R7)
    assert a.read_bytes() == b.read_bytes()
    with zipfile.ZipFile(a) as z:
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    props = openpyxl.load_workbook(a).properties
    assert props.created == input_workbook.FIXED_TIME and props.modified == input_workbook.FIXED_TIME


@pytest.mark.slow
def test_byte_identical_across_processes(tmp_path):
    """Different hash seeds (set ordering) and different seconds give the same bytes."""
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    assert cli("template", "-o", str(a), env={"PYTHONHASHSEED": "1"}).returncode == 0
    assert cli("template", "-o", str(b), env={"PYTHONHASHSEED": "2"}).returncode == 0
    assert a.read_bytes() == b.read_bytes()


def test_same_bytes_with_rows(tmp_path):
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    write_input_workbook(a, R6, R3, R7, fixture_rows())
    write_input_workbook(b, R6, R3, R7, fixture_rows())
    assert a.read_bytes() == b.read_bytes()


def test_failure_leaves_no_file(tmp_path, monkeypatch):
    target = tmp_path / "out.xlsx"
    target.write_bytes(b"old")

    def boom(self):
        raise RuntimeError("disk full")

    monkeypatch.setattr(input_workbook.ExcelWriter, "save", boom)
    with pytest.raises(RuntimeError):
        write_input_workbook(target, R6, R3, R7)
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.xlsx"]


def test_bad_rows_leave_no_file(tmp_path):
    target = tmp_path / "out.xlsx"
    with pytest.raises(InputWorkbookError, match="unknown column"):
        write_input_workbook(target, R6, R3, R7, {"事業": [{"事業番号": "1", "事業名": "x"}]})
    with pytest.raises(InputWorkbookError, match="unknown sheet"):
        write_input_workbook(target, R6, R3, R7, {"事業一覧": []})
    with pytest.raises(InputWorkbookError, match="bool"):
        write_input_workbook(target, R6, R3, R7, {"事業": [{"中核事業": True}]})
    with pytest.raises(InputWorkbookError, match="調書"):
        write_input_workbook(target, R6, R3, R7, {"調書": [{"項目": "年度", "値": "R6"}]})
    assert list(tmp_path.iterdir()) == []


def test_creates_missing_folder_and_keeps_mode(tmp_path):
    target = tmp_path / "a" / "b" / "t.xlsx"
    write_input_workbook(target, R6, R3, R7)
    assert target.is_file()
    mask = os.umask(0)
    os.umask(mask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~mask


# --------------------------------------------------------------------------- rows


def fixture_rows() -> dict[str, list[dict]]:
    return {
        "調書": [
            {"項目": "実施年度", "値": "R6"},
            {"項目": "計画期間", "値": "R3-R7"},
            {"項目": "施策名", "値": "ICTを活用した地域活性化と行政運営の効率化"},
        ],
        "事業群": [{"事業群番号": 1, "事業群名": "Society5.0実現に向けた推進体制の構築",
                  "主管部": "企画部", "主管課": "デジタル戦略課", "課長名": "髙橋 圭",
                  "総合計画本文": "一行目\n二行目"}],
        "指標": [{"指標番号": 1, "事業群番号": 1, "指標名": "5G", "単位": "%", "基準年度": "R元",
                "R3目標": "―", "R5実績": "65.6%", "進捗状況の分析": "=順調"}],
        "事業": [{"事業番号": "5-1", "事業群番号": 1, "取組項目": "1,2,3", "中核事業": "〇",
                "事務事業名": "=SUM(A1:A2)", "開始年度": "R2", "R5事業費": 47211,
                "事業内容": "#N/A", "見直し区分": "縮小", "事業構築の視点": "②④⑧"}],
        "事業指標": [{"事業番号": "5-1", "区分": "成果", "指標名": "x", "R6目標": "90%以上"}],
    }


@pytest.fixture(scope="module")
def filled(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("filled") / "filled.xlsx"
    write_input_workbook(path, R6, R3, R7, fixture_rows())
    return path


def cell(wb, sheet: str, header: str, row: int = 2):
    ws = wb[sheet]
    return ws[f"{col_of(ws, header)}{row}"]


def test_rows_written_under_headers(filled):
    wb = openpyxl.load_workbook(filled)
    assert cell(wb, "事業", "事業番号").value == "5-1"
    assert cell(wb, "事業", "取組項目").value == "1,2,3"
    assert cell(wb, "指標", "R5実績").value == "65.6%"
    assert cell(wb, "指標", "R3目標").value == "―"
    assert cell(wb, "事業指標", "R6目標").value == "90%以上"
    assert cell(wb, "事業群", "総合計画本文").value == "一行目\n二行目"
    for sheet, header in (("事業", "事業番号"), ("指標", "R5実績"), ("事業", "取組項目")):
        c = cell(wb, sheet, header)
        assert (c.data_type, c.number_format) == ("s", "@"), header
    money = cell(wb, "事業", "R5事業費")
    assert (money.value, money.data_type, money.number_format) == (47211, "n", "General")
    assert cell(wb, "事業群", "事業群番号").value == 1
    assert cell(wb, "事業群", "総合計画本文").alignment.wrap_text


def test_keyvalue_rows_in_contract_order(filled):
    ws = openpyxl.load_workbook(filled)["調書"]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows] == [k["key"] for k in contract.keyvalue_keys()]
    assert dict(rows)["施策名"] == "ICTを活用した地域活性化と行政運営の効率化"
    assert dict(rows)["基本戦略名"] is None


def test_equals_sign_is_text_not_formula(filled):
    wb = openpyxl.load_workbook(filled)
    for sheet, header, text in (("事業", "事務事業名", "=SUM(A1:A2)"), ("指標", "進捗状況の分析", "=順調"),
                                ("事業", "事業内容", "#N/A")):
        c = cell(wb, sheet, header)
        assert (c.value, c.data_type) == (text, "s"), header
    assert cell(wb, "事業", "事務事業名").quotePrefix
    with zipfile.ZipFile(filled) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in z.read(name), name


def test_value_that_looks_like_a_number_stays_text(tmp_path):
    path = tmp_path / "t.xlsx"
    write_input_workbook(path, R6, R3, R7, {"事業": [{"事業番号": "01", "事業構築の視点": "2,4,8"}]})
    wb = openpyxl.load_workbook(path)
    assert cell(wb, "事業", "事業番号").value == "01"


# Whitespace-only text is left out: openpyxl writes it without xml:space="preserve", so
# readers drop it, and for the contract such a cell is blank anyway (cells.is_blank).
XML_TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\ufffe\uffff")).filter(
    lambda t: t == "" or t.strip() != ""
)


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(XML_TEXT, min_size=1, max_size=4))
@hypothesis_example(["_x0041_ _x005F_x0041_ __x0041__x0042_ _x000d_", "a\r\nb\rc", "\x01\x1f", " lead\t", "=1+1"])
def test_text_kept_exactly(tmp_path, texts):
    """Any text, control characters, 「_x0041_」 and 「\\r」 included, reads back as given in
    an OOXML reader that unescapes _xHHHH_ as Excel does (calamine)."""
    calamine = pytest.importorskip("python_calamine")
    path = tmp_path / "h.xlsx"
    write_input_workbook(path, R6, R3, R7, {"課題": [{"取組項目": t} for t in texts]})
    sheet = calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name("課題").to_python()
    got = [row[0] for row in sheet[1:]]
    got += [""] * (len(texts) - len(got))  # trailing blank rows are not returned
    assert got == texts


@pytest.mark.skipif(not hasattr(contract, "optional_columns"), reason="no optional columns yet")
def test_optional_columns_only_when_rows_fill_them(tmp_path):
    optional = contract.optional_columns(R6, R3, R7)["指標"]
    extra = optional[0].header  # R3達成率
    path = tmp_path / "t.xlsx"
    write_input_workbook(path, R6, R3, R7, {"指標": [{"指標番号": 1, extra: "120%"}]})
    ws = openpyxl.load_workbook(path)["指標"]
    expected = contract.sheets(R6, R3, R7)[3].headers + [extra]
    assert headers(ws) == expected
    assert cell(openpyxl.load_workbook(path), "指標", extra).value == "120%"
    (dv,) = validations_at(ws, f"{col_of(ws, extra)}2")
    assert dv.promptTitle == extra


def test_unstorable_text_rejected(tmp_path):
    with pytest.raises(InputWorkbookError):
        write_input_workbook(tmp_path / "t.xlsx", R6, R3, R7, {"課題": [{"取組項目": "a\ufffe"}]})


# --------------------------------------------------------------------------- example


@pytest.fixture
def tiny_example(tmp_path, monkeypatch) -> Path:
    rows = fixture_rows()
    rows["調書"] = {r["項目"]: r["値"] for r in rows["調書"]}  # mapping form is accepted too
    path = tmp_path / "example.yaml"
    path.write_text(yaml.safe_dump({"version": 1, **rows}, allow_unicode=True), encoding="utf-8")
    monkeypatch.setattr(example, "example_file", lambda: path)
    return path


def test_load_example_rows(tiny_example):
    rows = example.load_example_rows()
    assert set(rows) == {"調書", "事業群", "指標", "事業", "事業指標"}
    assert rows["調書"][0] == {"項目": "実施年度", "値": "R6"}


def test_write_example_reads_year_and_period(tiny_example, tmp_path):
    out = tmp_path / "ex.xlsx"
    example.write_example(out)
    wb = openpyxl.load_workbook(out)
    assert headers(wb["指標"])[7:15] == ["R3目標", "R4目標", "R5目標", "R6目標", "R7目標",
                                        "R3実績", "R4実績", "R5実績"]
    assert cell(wb, "事業", "事務事業名").value == "=SUM(A1:A2)"


def test_example_year_from_yaml(tmp_path, monkeypatch):
    path = tmp_path / "example.yaml"
    path.write_text("調書:\n  実施年度: 令和７年度\n  計画期間: R3～R7\n", encoding="utf-8")
    monkeypatch.setattr(example, "example_file", lambda: path)
    out = tmp_path / "ex.xlsx"
    example.write_example(out)
    assert "R7人件費" in headers(openpyxl.load_workbook(out)["事業"])


def test_example_errors(tmp_path, monkeypatch):
    path = tmp_path / "example.yaml"
    monkeypatch.setattr(example, "example_file", lambda: path)
    path.write_text("事業一覧: []\n", encoding="utf-8")
    with pytest.raises(InputWorkbookError, match="unknown sheet"):
        example.load_example_rows()
    path.write_text("調書:\n  計画期間: R3-R7\n", encoding="utf-8")
    with pytest.raises(InputWorkbookError, match="実施年度"):
        example.write_example(tmp_path / "x.xlsx")
    path.unlink()
    with pytest.raises(FileNotFoundError):
        example.load_example_rows()


@pytest.mark.skipif(not example.example_file().is_file(), reason="example_r6.yaml not transcribed yet")
def test_bundled_example(tmp_path):
    out = tmp_path / "example.xlsx"
    done = cli("example", "-o", str(out))
    assert done.returncode == 0, done.stderr
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == [GUIDE_SHEET, *contract.SHEET_NAMES]
    assert dict(wb["調書"].iter_rows(min_row=2, values_only=True))["実施年度"]


# --------------------------------------------------------------------------- CLI misuse


@pytest.mark.parametrize("args", [["--year", "XX"], ["--plan", "R7-R3"], ["--plan", "R3-"]])
def test_cli_misuse_exits_2(tmp_path, args):
    out = tmp_path / "x.xlsx"
    done = cli("template", *args, "-o", str(out))
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert not out.exists()
