"""Workbooks forged as an attacker would (issue 21): an input workbook carrying the
custom properties of a 調書's stored input, a 調書 whose stored input was replaced."""

from __future__ import annotations

import re
import zipfile
from xml.sax.saxutils import escape


def custom_xml(props: list[tuple[str, str]]) -> bytes:
    items = "".join(
        f'<property fmtid="{{D5CDD505-2E9C-101B-9397-08002B2CF9AE}}" pid="{i}" name="{escape(n)}">'
        f"<vt:lpwstr>{escape(v)}</vt:lpwstr></property>" for i, (n, v) in enumerate(props, start=2))
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Properties xmlns="http://schemas.'
            'openxmlformats.org/officeDocument/2006/custom-properties" xmlns:vt="http://schemas.openxmlformats'
            f'.org/officeDocument/2006/docPropsVTypes">{items}</Properties>').encode()


def with_properties(source, target, props):
    """`source` (a workbook that has a custom-properties part) with those properties only."""
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "docProps/custom.xml":
                data = custom_xml(props)
            zout.writestr(item, data)
    return target


def input_carrying(src, chosho, props, target):
    """The input workbook `src` with the custom properties `props`, wired into its
    package as the 調書 `chosho` wires its own (no chosho-xlsx mark unless in props)."""
    with zipfile.ZipFile(chosho) as z:
        wiring = {n: z.read(n) for n in ("[Content_Types].xml", "_rels/.rels")}
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            if item.filename in wiring:
                continue
            zout.writestr(item, zin.read(item.filename))
        zout.writestr("docProps/custom.xml", custom_xml(props))
        for name, data in wiring.items():
            zout.writestr(name, data)
    return target


MACRO_TYPE = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
VBA = b"\xd0\xcf\x11\xe0 Attribute VB_Name = \"Module1\"\r\nSub AutoOpen(): Shell \"calc\": End Sub"


def xlsm(tmp_path, name="予算.xlsm"):
    """The example saved as Excel saves a macro-enabled workbook: a VBA project part and
    the macro-enabled content type."""
    from chosho_xlsx.writers.example import write_example

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
