"""The README lists every finding code (generated from data/messages.yaml by
scripts/codes_table.py), and every code is complete and used. A finding's Location is
data, its place string derived; the one Findings collector keeps one finding per cell."""

from __future__ import annotations

import importlib.util
import json
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chosho_xlsx.common.addresses import MAX_COLS, MAX_ROWS
from chosho_xlsx.common.findings import Finding, Findings, Location, UnreadableFile, catalogue

from support import ROOT


def _script():
    spec = importlib.util.spec_from_file_location("codes_table", ROOT / "scripts" / "codes_table.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_readme_table_is_the_generated_one():
    script = _script()
    assert script.current() == script.block(), "run: python3 scripts/codes_table.py --write"


@pytest.mark.parametrize("code", list(catalogue()))
def test_every_code_in_readme_with_its_severity_and_message(code):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    entry = catalogue()[code]
    row = next((line for line in readme.splitlines() if line.startswith(f"| `{code}` |")), None)
    assert row, f"{code} is not in README.md"
    assert f"| {entry['severity']} |" in row
    assert entry["message"]["ja"].replace("|", "\\|") in row


@pytest.mark.parametrize("code", list(catalogue()))
def test_every_code_is_complete_and_used(code):
    entry = catalogue()[code]
    assert re.fullmatch(r"[EW]-[A-Z0-9]+(?:-[A-Z0-9]+)*", code)
    assert entry["severity"] == ("error" if code.startswith("E-") else "warning")
    for part in ("message", "hint"):
        assert entry[part]["ja"].strip() and entry[part]["en"].strip()
        # the same blanks in both languages
        assert set(re.findall(r"\{(\w+)\}", entry[part]["ja"])) == set(re.findall(r"\{(\w+)\}", entry[part]["en"]))
    source = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "src" / "chosho_xlsx").rglob("*.py"))
    assert f'"{code}"' in source, f"{code} is never reported"


def test_places_of_each_kind_of_location():
    assert Location("指標", 7, 7).place == "指標!H7"
    assert Location("調書", 2, 1).place == "調書!B2"
    assert Location("指標", header="R7目標").place == "指標!R7目標"
    assert Location("調書", header="実施年度").place == "調書!実施年度"
    assert Location("指標").place == "指標"
    assert Location(file="in/a.xlsx").place == "in/a.xlsx"


def test_as_dict_of_a_cell_finding():
    f = Finding("E-NOT-NUMBER", Location("指標", 7, 7), "abc")
    d = f.as_dict("ja")
    assert (d["place"], d["sheet"], d["cell"], d["column"], d["value"]) == ("指標!H7", "指標", "H7", "", "abc")
    assert (d["code"], d["severity"]) == ("E-NOT-NUMBER", "error")
    assert not f.about_file


def test_as_dict_of_a_column_a_sheet_and_a_file():
    column = Finding("E-COLUMN-MISSING", Location("指標", header="R7目標"), params={"column": "R7目標", "sheet": "指標"})
    assert [column.place, column.sheet, column.cell, column.column] == ["指標!R7目標", "指標", "", "R7目標"]
    sheet = Finding("E-SHEET-MISSING", Location("課題"), params={"sheet": "課題"})
    assert [sheet.place, sheet.sheet, sheet.cell, sheet.column] == ["課題", "課題", "", ""]
    file = UnreadableFile("E-FILE-CORRUPT", "in/a!b.xlsx", reason="BadZipFile").finding
    assert [file.place, file.sheet, file.cell, file.column] == ["in/a!b.xlsx", "", "", ""]
    assert file.about_file and file.params == {"path": "in/a!b.xlsx", "reason": "BadZipFile"}


def test_a_file_finding_named_as_the_user_knows_the_file():
    f = Finding.about("E-FILE-TIMEOUT", "/tmp/x/upload-1.xlsx", seconds="60").named("指標.xlsx")
    assert f.place == "指標.xlsx" and f.about_file
    assert f.params == {"path": "指標.xlsx", "seconds": "60"}
    assert "指標.xlsx" in f.message("ja")


@given(st.integers(1, MAX_ROWS), st.integers(0, MAX_COLS - 1))
def test_cell_place_round_trip(row, col):
    f = Finding("E-REQUIRED", Location("事業", row, col))
    sheet, ref = f.place.split("!")
    assert sheet == "事業" and ref == f.cell and f.column == ""
    assert json.loads(json.dumps(f.as_dict()))["cell"] == ref


def _codes(found: Findings) -> list[tuple[str, str]]:
    return [(f.code, f.place) for f in found.items]


def test_one_finding_per_cell_first_wins():
    found = Findings([
        Finding("E-NOT-NUMBER", Location("指標", 7, 7), "x"),
        Finding("E-RANGE", Location("指標", 7, 7), "x"),
        Finding("E-NOT-INT", Location("指標", 7, 8), "y"),
    ])
    assert _codes(found) == [("E-NOT-NUMBER", "指標!H7"), ("E-NOT-INT", "指標!I7")]


def test_an_error_replaces_a_warning_in_its_place():
    found = Findings([
        Finding("W-FORMULA", Location("事業", 5, 1), "3"),
        Finding("E-REQUIRED", Location("事業", 6, 1)),
        Finding("E-NOT-INT", Location("事業", 5, 1), "3"),
        Finding("W-ACTUAL-MISSING", Location("事業", 6, 1)),
    ])
    assert _codes(found) == [("E-NOT-INT", "事業!B5"), ("E-REQUIRED", "事業!B6")]


def test_findings_without_a_cell_once_per_code_place_and_value():
    missing = Finding("E-COLUMN-MISSING", Location("指標", header="単位"), params={"column": "単位"})
    found = Findings([missing, Finding("E-SHEET-MISSING", Location("課題")), missing,
                      Finding("E-COLUMN-MISSING", Location("指標", header="単位"), "other")])
    found.extend([missing])
    assert [(f.code, f.place, f.value) for f in found.items] == [
        ("E-COLUMN-MISSING", "指標!単位", ""), ("E-SHEET-MISSING", "課題", ""),
        ("E-COLUMN-MISSING", "指標!単位", "other")]


def test_collecting_twice_changes_nothing():
    """The loader collects, then the pipeline collects the loader's and the cross-checks'
    findings again: the result is the same as collecting them all at once."""
    stream = [Finding("W-FORMULA", Location("指標", 3, 2)), Finding("E-SHEET-MISSING", Location("課題")),
              Finding("E-FORMULA", Location("指標", 3, 2)), Finding("W-DECREASING", Location("指標", 4, 2))]
    later = [Finding("E-UNIT", Location("指標", 4, 2)), Finding("E-SHEET-MISSING", Location("課題"))]
    once = Findings([*stream, *later])
    twice = Findings(Findings(stream).items)
    twice.extend(later)
    assert once.items == twice.items
    assert _codes(once) == [("E-FORMULA", "指標!C3"), ("E-SHEET-MISSING", "課題"), ("E-UNIT", "指標!C4")]
