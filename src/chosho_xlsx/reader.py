"""Reading a department workbook's cell values, fast (python-calamine), into a RawBook
that keeps every value at its Excel position. The bundled example (YAML rows) becomes a
RawBook too, so both go through one parser."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class RawSheet:
    name: str
    rows: list[list[object]]  # rows[0] is Excel row 1, rows[r][0] is column A

    def value(self, row: int, col: int) -> object:
        """The value at 1-based Excel row and 0-based column; '' outside the data."""
        if 1 <= row <= len(self.rows):
            cells = self.rows[row - 1]
            if 0 <= col < len(cells):
                return cells[col]
        return ""


@dataclass
class RawBook:
    source: str
    sheets: dict[str, RawSheet]
    # (sheet, 1-based row, 0-based column) of formula cells → True if a cached value exists
    formulas: dict[tuple[str, int, int], bool] = field(default_factory=dict)
    # (sheet, 1-based row, 0-based column) of cells holding an error value → 「#N/A」 …
    errors: dict[tuple[str, int, int], str] = field(default_factory=dict)


def read_book(path: str | Path, sheet_names: tuple[str, ...] | None = None) -> RawBook:
    """Read the values of the named sheets (all sheets when None).

    Call safety.check_workbook first: this trusts the file to be a sane xlsx."""
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(path))
    try:
        sheets = {}
        for name in wb.sheet_names:
            if sheet_names is not None and name not in sheet_names:
                continue
            sheets[name] = RawSheet(name, wb.get_sheet_by_name(name).to_python(skip_empty_area=False))
    finally:
        wb.close()
    from .formulas import scan_cells

    scan = scan_cells(path, tuple(sheets))
    return RawBook(str(path), sheets, scan.formulas, scan.errors)


def book_from_rows(rows: dict[str, list[dict]], headers: dict[str, list[str]], source: str) -> RawBook:
    """A RawBook from records keyed by header (the bundled example), laid out as the
    template lays them out: headers in row 1, one record per row."""
    sheets = {}
    for name, hdrs in headers.items():
        grid: list[list[object]] = [list(hdrs)]
        for rec in rows.get(name, []):
            grid.append(["" if rec.get(h) is None else rec.get(h) for h in hdrs])
        sheets[name] = RawSheet(name, grid)
    return RawBook(source, sheets)
