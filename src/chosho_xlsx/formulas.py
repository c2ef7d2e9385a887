"""Which cells of a workbook hold formulas, and whether each has a cached value.

calamine gives a formula cell's cached value (or nothing) but does not say it was a
formula; departments must not send formulas, so we look at the sheet XML ourselves."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

_CELL_RE = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)
_REF_RE = re.compile(rb'\br="([A-Z]+)(\d+)"')
_SHEET_RE = re.compile(rb'<(?:\w+:)?sheet\b[^>]*?name="([^"]*)"[^>]*?r:id="([^"]*)"', re.S)
_REL_RE = re.compile(rb'<Relationship\b[^>]*?Id="([^"]*)"[^>]*?Target="([^"]*)"', re.S)


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
        wb = zf.read("xl/workbook.xml")
        rels = zf.read("xl/_rels/workbook.xml.rels") if "xl/_rels/workbook.xml.rels" in names else b""
        targets = {rid: tgt for rid, tgt in _REL_RE.findall(rels)}
        for raw_name, rid in _SHEET_RE.findall(wb):
            name = _unescape(raw_name)
            if name not in sheet_names or rid not in targets:
                continue
            target = _unescape(targets[rid]).lstrip("/")
            member = target if target.startswith("xl/") else f"xl/{target}"
            if member not in names:
                continue
            data = zf.read(member)
            if b"<f" not in data and b":f" not in data:
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
