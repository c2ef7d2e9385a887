"""Issue 21 item 3 (macros): a workbook with a VBA project is checked like any other but
warned about (W-MACROS, 「マクロは使われません」), and no copy we write keeps the macros."""

from __future__ import annotations

import zipfile

import pytest

from chosho_xlsx.model.ruleset import load_ruleset
from chosho_xlsx.pipeline import check_file
from chosho_xlsx.writers.example import write_example

from support.commands import cli as run
from support.forged import xlsm

pytestmark = pytest.mark.slow


def test_a_workbook_with_macros_is_warned_about(tmp_path):
    path = xlsm(tmp_path)
    checked = check_file(path, load_ruleset())
    macros = [f for f in checked.findings if f.code == "W-MACROS"]
    assert len(macros) == 1 and checked.errors == []
    assert macros[0].message("ja").startswith("マクロは使われません")
    plain = tmp_path / "p.xlsx"
    write_example(plain)
    assert "W-MACROS" not in {f.code for f in check_file(plain, load_ruleset()).findings}


def test_the_annotated_copy_drops_the_macros(tmp_path):
    path = xlsm(tmp_path)
    out = tmp_path / "確認.xlsx"
    proc = run("validate", str(path), "--annotate", str(out))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "W-MACROS" in proc.stdout or "マクロは使われません" in proc.stdout
    with zipfile.ZipFile(out) as z:
        names = z.namelist()
        types = z.read("[Content_Types].xml").decode()
    assert not [n for n in names if n.lower().endswith("vbaproject.bin")]
    assert "macroEnabled" not in types and "vbaProject" not in types


@pytest.mark.parametrize("name", ["予算.xlsm", "予算.xlsx"])
def test_the_rolled_over_workbook_has_no_macros(tmp_path, name):
    path = xlsm(tmp_path, name)
    out = tmp_path / "R7.xlsx"
    proc = run("rollover", str(path), "-o", str(out))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    with zipfile.ZipFile(out) as z:
        assert not [n for n in z.namelist() if "vba" in n.lower()]
        assert "macroEnabled" not in z.read("[Content_Types].xml").decode()
