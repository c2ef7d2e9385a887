"""Issue 21 item 3 (macros): a workbook with a VBA project is checked like any other but
warned about (W-MACROS, 「マクロは使われません」), and no copy we write keeps the macros."""

from __future__ import annotations

import re
import zipfile

import pytest

from chosho_xlsx.batch.pipeline import check_file
from chosho_xlsx.domain.settings import load_settings
from chosho_xlsx.writers.example import write_example

from support.commands import cli as run

MACRO_TYPE = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
VBA = b"\xd0\xcf\x11\xe0 Attribute VB_Name = \"Module1\"\r\nSub AutoOpen(): Shell \"calc\": End Sub"


def xlsm(tmp_path, name="予算.xlsm"):
    """The example saved as Excel saves a macro-enabled workbook: a VBA project part and
    the macro-enabled content type."""
    src = tmp_path / "plain.xlsx"
    write_example(src)
    target = tmp_path / name
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "[Content_Types].xml":
                text = data.decode()
                text = re.sub(r'(PartName="/xl/workbook.xml" ContentType=")[^"]+"', rf'\g<1>{MACRO_TYPE}"', text)
                text = text.replace("</Types>", '<Default Extension="bin" ContentType='
                                    '"application/vnd.ms-office.vbaProject"/></Types>')
                data = text.encode()
            if item.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"</Relationships>", b'<Relationship Id="rIdVba" Type="http://schemas.'
                                    b'microsoft.com/office/2006/relationships/vbaProject" Target="vbaProject.bin"/>'
                                    b"</Relationships>")
            zout.writestr(item, data)
        zout.writestr("xl/vbaProject.bin", VBA)
    return target


def test_a_workbook_with_macros_is_warned_about(tmp_path):
    path = xlsm(tmp_path)
    checked = check_file(path, load_settings())
    macros = [f for f in checked.findings if f.code == "W-MACROS"]
    assert len(macros) == 1 and checked.errors == []
    assert macros[0].message("ja").startswith("マクロは使われません")
    plain = tmp_path / "p.xlsx"
    write_example(plain)
    assert "W-MACROS" not in {f.code for f in check_file(plain, load_settings()).findings}


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
