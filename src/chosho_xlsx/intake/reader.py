"""Reading a department workbook's cell values, fast (python-calamine), into a RawBook
that keeps every value at its Excel position. The bundled example (YAML rows) becomes a
RawBook too, so both go through one parser."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chosho_xlsx.intake.numformat import NumberFormat

from chosho_xlsx.common.limits import Limits
from chosho_xlsx.common.text import squeezed
from chosho_xlsx.intake.marks import ROLLOVER_AUTHOR, marked_cells
from chosho_xlsx.intake.package import ODS, Package, unchecked
from chosho_xlsx.intake.scan import scan_open


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
    sheets: dict[str, RawSheet]  # by the contract's name (「指標」 even if saved as 「指標 」)
    # (sheet, 1-based row, 0-based column) of formula cells → True if a cached value exists
    formulas: dict[tuple[str, int, int], bool] = field(default_factory=dict)
    # (sheet, 1-based row, 0-based column) of cells holding an error value → 「#N/A」 …
    errors: dict[tuple[str, int, int], str] = field(default_factory=dict)
    # contract name → the sheet's name in the file, where they differ (「指標」 → 「指標 」)
    renamed: dict[str, str] = field(default_factory=dict)
    names: list[str] = field(default_factory=list)  # every sheet of the file, in its order
    # (sheet, 1-based row, 0-based column) of numbers whose number format changes what
    # they mean to the clerk (percent, scaling, a unit) → that format (numformat)
    formats: dict[tuple[str, int, int], NumberFormat] = field(default_factory=dict)
    # cells a tool marked for a person to confirm (marks.py) → the comment's text
    marked: dict[tuple[str, int, int], str] = field(default_factory=dict)
    macros: bool = False  # the file carries a VBA project (an .xlsm): W-MACROS, never run or copied
    # numbers whose number format could not be read (.ods: a style that cannot be
    # followed) → the format's name: a finding at the cell, never a guess
    unread_formats: dict[tuple[str, int, int], str] = field(default_factory=dict)


def has_macros(pkg: Package) -> bool:
    """Whether a workbook's package carries macros: a VBA project part (Excel keeps it
    at xl/vbaProject.bin), or a macro-enabled workbook part (what makes an .xlsm); in an
    .ods, a Basic library or a script (LibreOffice keeps them under Basic/ and Scripts/)."""
    if pkg.kind == ODS:
        return any(name.startswith(("Basic/", "Scripts/")) and not name.endswith("/") for name in pkg.names)
    if any(name.rsplit("/", 1)[-1].lower() == "vbaproject.bin" for name in pkg.names):
        return True
    if "[Content_Types].xml" not in pkg.names:
        return False
    return b"macroEnabled" in pkg.read("[Content_Types].xml")


def match_sheet(wanted: str, names: list[str]) -> str | None:
    """The sheet of `names` that is `wanted`: the same name, else the first whose name is
    the same once spaces and character width are set aside (text.squeezed, as headers
    are read). None when there is none."""
    if wanted in names:
        return wanted
    key = squeezed(wanted)
    return next((n for n in names if squeezed(n) == key), None)


def read_book(source: str | Path | Package, sheet_names: tuple[str, ...] | None = None,
              limits: Limits | None = None) -> RawBook:
    """Read the values of the named sheets (all sheets when None).

    `source` is a Package the safety check has passed (safety.open_checked), or the path
    of a file it has passed: this trusts the file to be a sane workbook. With `limits`, a
    sheet past them is refused (findings.UnreadableFile) before calamine builds its grid
    of values."""
    if isinstance(source, Package):
        return _read(source, sheet_names, limits)
    with unchecked(source) as pkg:
        return _read(pkg, sheet_names, limits)


def _read(pkg: Package, sheet_names: tuple[str, ...] | None, limits: Limits | None) -> RawBook:
    # lazy: python-calamine only when a sheet's values are read (a clean validate's scan does without)
    from python_calamine import CalamineWorkbook

    # calamine reads an .ods whole when it opens it: its scan (and the limits) come first
    ods = _look_ods(pkg, limits) if pkg.kind == ODS else None
    wb = CalamineWorkbook.from_filelike(pkg.for_calamine())
    try:
        names = list(wb.sheet_names)
        if sheet_names is None:
            actual = {n: n for n in names}
        else:
            actual = {w: found for w in sheet_names if (found := match_sheet(w, names)) is not None}
        scan, marks, macros, unread = ods or _look(pkg, tuple(actual.values()), limits)
        sheets = {
            name: RawSheet(name, wb.get_sheet_by_name(real).to_python(skip_empty_area=False))
            for name, real in actual.items()
        }
    finally:
        wb.close()
    canonical = {real: name for name, real in actual.items()}

    def by_name(cells: dict) -> dict:
        return {(canonical[s], r, c): v for (s, r, c), v in cells.items() if s in canonical}

    renamed = {name: real for name, real in actual.items() if name != real}
    return RawBook(str(pkg.path), sheets, by_name(scan.formulas), by_name(scan.errors), renamed, names,
                   by_name(scan.formats), by_name(marks), macros, by_name(unread))


def _look(pkg: Package, sheets: tuple[str, ...], limits: Limits | None):
    """What calamine does not read, from the sheets' XML: (scan.CellScan, marked cells,
    whether the file carries macros, unreadable formats)."""
    scan, members = scan_open(pkg, sheets, limits)
    return scan, marked_cells(pkg, members), has_macros(pkg), {}


def _look_ods(pkg: Package, limits: Limits | None):
    """_look of an .ods: every table is scanned (calamine reads them all)."""
    # lazy: the .ods scan only for an .ods file
    from chosho_xlsx.intake.odsscan import scan_ods

    found = scan_ods(pkg, None, limits, ROLLOVER_AUTHOR)
    return found.scan, found.marked, has_macros(pkg), found.unread


def book_from_rows(rows: dict[str, list[dict]], headers: dict[str, list[str]], source: str) -> RawBook:
    """A RawBook from records keyed by header (the bundled example), laid out as the
    template lays them out: headers in row 1, one record per row."""
    sheets = {}
    for name, hdrs in headers.items():
        grid: list[list[object]] = [list(hdrs)]
        for rec in rows.get(name, []):
            grid.append(["" if rec.get(h) is None else rec.get(h) for h in hdrs])
        sheets[name] = RawSheet(name, grid)
    return RawBook(source, sheets, names=list(sheets))
