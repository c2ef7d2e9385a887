"""Which cells of a workbook hold formulas, and whether each has a cached value.

calamine gives a formula cell's cached value (or nothing) but does not say it was a
formula; departments must not send formulas, so we look at the sheet XML ourselves."""

from __future__ import annotations

import re
import zipfile
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


def formula_cells(path: str | Path, sheet_names: tuple[str, ...]) -> dict[tuple[str, int, int], bool]:
    """(sheet, row, col) → has a cached value, for every formula cell of the named sheets."""
    out: dict[tuple[str, int, int], bool] = {}
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
        if "xl/workbook.xml" not in names:
            return out
        for name, member in _sheet_members(zf, names, sheet_names):
            data = zf.read(member)
            if not _F_TAG_RE.search(data):
                continue  # the usual case: no formula at all, skip the cell scan
            for attrs, body in _CELL_RE.findall(data):
                if not body or not re.search(rb"<(?:\w+:)?f\b", body):
                    continue
                m = _REF_RE.search(attrs)
                if not m:
                    continue
                has_value = re.search(rb"<(?:\w+:)?v>[^<]+</(?:\w+:)?v>", body) is not None
                out[(name, int(m[2]), col_index(m[1].decode()))] = has_value
    return out


_ERROR_TYPE_RE = re.compile(rb'\bt="e"')
_VALUE_RE = re.compile(rb"<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>")


def error_cells(path: str | Path, sheet_names: tuple[str, ...]) -> dict[tuple[str, int, int], str]:
    """(sheet, row, col) → the error value (「#DIV/0!」, 「#N/A」) of every cell that holds
    one, typed, pasted or the cached result of a formula. calamine reads them as empty;
    a department's 「#N/A」 must not pass for a blank cell."""
    out: dict[tuple[str, int, int], str] = {}
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
        if "xl/workbook.xml" not in names:
            return out
        for name, member in _sheet_members(zf, names, sheet_names):
            data = zf.read(member)
            if b't="e"' not in data:
                continue  # the usual case: no error value at all
            for attrs, body in _CELL_RE.findall(data):
                if not _ERROR_TYPE_RE.search(attrs):
                    continue
                m = _REF_RE.search(attrs)
                v = _VALUE_RE.search(body or b"")
                if m:
                    out[(name, int(m[2]), col_index(m[1].decode()))] = _unescape(v[1]) if v else "#VALUE!"
    return out
