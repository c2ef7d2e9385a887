"""Size limits (issue 14.7): a sheet past them is refused with one finding before
calamine, pandas or pandera build anything; what is accepted stays small."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from chosho_xlsx.model.ruleset import load_ruleset
from chosho_xlsx.pipeline import check_file

from support import big, hostile
from support.commands import cli

pytestmark = pytest.mark.slow


def findings(proc: subprocess.CompletedProcess) -> list[dict]:
    (f,) = json.loads(proc.stdout)["files"]
    return f["findings"]


@pytest.fixture
def no_calamine(monkeypatch):
    """Fails the test if calamine builds a sheet's values (opening the workbook, which
    reads its sheet names, is allowed)."""
    import python_calamine

    real = python_calamine.CalamineWorkbook.from_path

    class Opened:
        def __init__(self, path):
            self._wb = real(path)
            self.sheet_names = self._wb.sheet_names

        def get_sheet_by_name(self, name):
            raise AssertionError("calamine read a sheet past the limits")

        def close(self):
            self._wb.close()

    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_path", Opened)


def test_rows_past_the_limit_are_one_finding_before_reading(tmp_path, no_calamine):
    path = big.many_indicators(tmp_path, 2000)  # the header and 2,000 rows: row 2,001 is one too many
    checked = check_file(path, load_ruleset())
    assert checked.unreadable
    (finding,) = checked.findings
    assert finding.code == "E-FILE-TOO-MANY-ROWS" and finding.place == str(path)
    assert finding.message() == (
        f"シート「指標」のセル A2001 にデータがあり、1シートの上限 2,000 行を超えるため読み込みません: {path}")
    assert finding.message("en") == (
        f"Sheet 「指標」 has data in cell A2001, past the limit of 2,000 rows per sheet, so it is not read: {path}")


def test_rows_up_to_the_limit_are_read(tmp_path):
    path = big.many_indicators(tmp_path, 1999)
    checked = check_file(path, load_ruleset())
    assert not checked.unreadable
    assert checked.report is not None and len(checked.report.chosho.indicators) == 1999


def test_the_limit_is_a_setting(tmp_path):
    path = big.many_indicators(tmp_path, 40)
    rules = tmp_path / "rules.yaml"
    rules.write_text(Path(load_ruleset().source).read_text(encoding="utf-8").replace(
        "rows_per_sheet: 2000", "rows_per_sheet: 30"), encoding="utf-8")
    proc = cli("validate", str(path), "--format", "json", "--rules", str(rules))
    assert proc.returncode == 2
    assert [(f["code"], f["place"]) for f in findings(proc)] == [("E-FILE-TOO-MANY-ROWS", str(path))]
    assert "上限 30 行" in findings(proc)[0]["message"]
    assert cli("validate", str(path), "--format", "json").returncode != 2


def test_a_value_in_the_last_cell_is_refused_not_a_crash(tmp_path):
    """calamine builds a dense grid up to the last cell: at XFD1048576 it aborts the
    whole process (a Rust panic, exit 134) before validate can say anything."""
    cells = ('<row r="1"><c r="A1"><v>1</v></c></row>'
             '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>')
    path = hostile.sheet_with_cells(tmp_path, cells, "corner.xlsx")
    proc = cli("validate", str(path), "--format", "json")
    assert proc.returncode == 2, proc.stderr
    assert [f["code"] for f in findings(proc)] == ["E-FILE-TOO-MANY-ROWS"]
    assert "XFD1048576" in findings(proc)[0]["message"]


def test_a_wide_used_area_is_refused(tmp_path, no_calamine):
    cells = '<row r="1"><c r="A1"><v>1</v></c></row><row r="1000"><c r="ZZ1000"><v>2</v></c></row>'
    path = hostile.sheet_with_cells(tmp_path, cells, "wide.xlsx")
    checked = check_file(path, load_ruleset())
    (finding,) = checked.findings
    assert finding.code == "E-FILE-TOO-MANY-CELLS"
    assert finding.message("en") == (
        "The used area A1:ZZ1000 of sheet 「指標」 (702,000 cells) is past the limit of 200,000 cells "
        f"per sheet, so it is not read: {path}")


def test_styled_empty_cells_do_not_count(tmp_path):
    """Formatting a cell far away gives an empty <c s="1"/>, which no reader keeps."""
    cells = ('<row r="1"><c r="A1"><v>1</v></c></row>'
             '<row r="1048576"><c r="XFD1048576" s="1"/><c r="A1048575"><f>1+1</f></c></row>')
    path = hostile.sheet_with_cells(tmp_path, cells, "styled.xlsx")
    checked = check_file(path, load_ruleset())
    assert not any(f.code.startswith("E-FILE-TOO-MANY") for f in checked.findings)


def test_build_reports_a_workbook_past_the_limits_in_its_row(tmp_path):
    path = big.many_indicators(tmp_path / "in", 2000)
    proc = cli("build", str(path), "-o", str(tmp_path / "out"), "--lang", "en")
    assert proc.returncode == 2
    assert "unreadable" in proc.stdout and "past the limit of 2,000 rows" in proc.stdout
    assert not (tmp_path / "out" / "R6_ICTを活用した地域活性化と行政運営の効率化.xlsx").exists()
