"""Listings of a written workbook's cells for the tests (the loader reads the same scan
through intake.reader)."""

from __future__ import annotations

from pathlib import Path

from chosho_xlsx.intake.scan import Key, scan_cells


def formula_cells(path: str | Path, sheet_names: tuple[str, ...]) -> dict[Key, bool]:
    """(sheet, row, col) → has a cached value, for every formula cell of the named sheets."""
    return scan_cells(path, sheet_names).formulas
