"""Which cells of a workbook hold formulas, and whether each has a cached value.

calamine gives a formula cell's cached value (or nothing) but does not say it was a
formula; departments must not send formulas, so we look at the sheet XML ourselves."""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

_CELL_RE = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)
_REF_RE = re.compile(rb'\br="([A-Z]+)(\d+)"')
_F_TAG_RE = re.compile(rb"<(?:\w+:)?f[\s>/]")  # a formula element (not <formula1> of a validation)
# Attributes come in any order (Excel writes Id before Target, openpyxl Target before Id).
_SHEET_EL_RE = re.compile(rb"<(?:\w+:)?sheet\b([^>]*)>", re.S)
_REL_EL_RE = re.compile(rb"<(?:\w+:)?Relationship\b([^>]*)>", re.S)


def _attr(attrs: bytes, name: bytes) -> bytes | None:
    m = re.search(rb'(?:^|\s)' + re.escape(name) + rb'\s*=\s*"([^"]*)"', attrs)
    return m[1] if m else None


def _sheet_members(zf: zipfile.ZipFile, names: set[str], sheet_names: tuple[str, ...]) -> list[tuple[str, str]]:
    """(sheet name, zip member of its XML) for the named sheets."""
    wb = zf.read("xl/workbook.xml")
    rels = zf.read("xl/_rels/workbook.xml.rels") if "xl/_rels/workbook.xml.rels" in names else b""
    targets = {}
    for attrs in _REL_EL_RE.findall(rels):
        rid, tgt = _attr(attrs, b"Id"), _attr(attrs, b"Target")
        if rid is not None and tgt is not None:
            targets[rid] = tgt
    out = []
    for attrs in _SHEET_EL_RE.findall(wb):
        raw_name, rid = _attr(attrs, b"name"), _attr(attrs, b"r:id")
        if raw_name is None or rid is None:
            continue
        name = _unescape(raw_name)
        if name not in sheet_names or rid not in targets:
            continue
        target = _unescape(targets[rid])
        # absolute (「/xl/worksheets/sheet1.xml」, openpyxl) or relative to xl/ (Excel)
        member = target.lstrip("/")
        if not target.startswith("/") and not member.startswith("xl/"):
            member = f"xl/{member}"
        if member in names:
            out.append((name, member))
    return out


def col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def _unescape(b: bytes) -> str:
    return (
        b.decode("utf-8")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", '"')
        .replace("&apos;", "'")
        .replace("&amp;", "&")
    )


_ERROR_TYPE_RE = re.compile(rb'\bt="e"')
_VALUE_RE = re.compile(rb"<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>")
_F_IN_CELL_RE = re.compile(rb"<(?:\w+:)?f\b")
_CACHED_RE = re.compile(rb"<(?:\w+:)?v>[^<]+</(?:\w+:)?v>")

Key = tuple[str, int, int]  # (sheet, 1-based row, 0-based column)


@dataclass
class CellScan:
    formulas: dict[Key, bool] = field(default_factory=dict)  # → has a cached value
    errors: dict[Key, str] = field(default_factory=dict)  # → the error value


def scan_cells(path: str | Path, sheet_names: tuple[str, ...]) -> CellScan:
    """Formula cells and error-value cells of the named sheets, in one pass over each
    sheet's XML. Error values (「#DIV/0!」, 「#N/A」), typed, pasted or a formula's cached
    result, read as empty in calamine; a department's 「#N/A」 must not pass for a blank."""
    scan = CellScan()
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
        if "xl/workbook.xml" not in names:
            return scan
        for name, member in _sheet_members(zf, names, sheet_names):
            data = zf.read(member)
            has_f = _F_TAG_RE.search(data) is not None
            has_e = b't="e"' in data
            if not (has_f or has_e):
                continue  # the usual case: neither, skip the cell scan
            for attrs, body in _CELL_RE.findall(data):
                m = _REF_RE.search(attrs)
                if not m:
                    continue
                key = (name, int(m[2]), col_index(m[1].decode()))
                if has_f and body and _F_IN_CELL_RE.search(body):
                    scan.formulas[key] = _CACHED_RE.search(body) is not None
                if has_e and _ERROR_TYPE_RE.search(attrs):
                    v = _VALUE_RE.search(body or b"")
                    scan.errors[key] = _unescape(v[1]) if v else "#VALUE!"
    return scan


def formula_cells(path: str | Path, sheet_names: tuple[str, ...]) -> dict[Key, bool]:
    """(sheet, row, col) → has a cached value, for every formula cell of the named sheets."""
    return scan_cells(path, sheet_names).formulas


def error_cells(path: str | Path, sheet_names: tuple[str, ...]) -> dict[Key, str]:
    """(sheet, row, col) → the error value of every cell that holds one."""
    return scan_cells(path, sheet_names).errors
