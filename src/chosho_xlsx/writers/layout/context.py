"""What every part of the form is built from: the computed report, the settings, the
labels, and the cells one part exposes to another (section 2's 事業費 cells, which the
page-1 totals sum)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from chosho_xlsx.model.chosho import Report
from chosho_xlsx.model.form_texts import Labels
from chosho_xlsx.model.ruleset import Ruleset


@lru_cache(maxsize=65_536)  # ~270 a 調書, at the places every 調書 uses: a bound, not a batch's size
def ref(row: int, col: int, sheet: str | None = None) -> str:
    """A1 reference, with the sheet when it is on another sheet. Cached: the import
    below runs importlib's from-list handling at each call (~1 µs)."""
    # Imported here: validate reaches this module (checks joins texts as layout does) and
    # importing xlsxwriter.utility loads all of xlsxwriter, which only build needs.
    # lazy: XlsxWriter (~0.1 s) only when this workbook is written
    from xlsxwriter.utility import quote_sheetname, xl_rowcol_to_cell

    cell = xl_rowcol_to_cell(row, col)
    return f"{quote_sheetname(sheet)}!{cell}" if sheet else cell


@dataclass
class Context:
    report: Report
    ruleset: Ruleset
    labels: Labels
    # 事業番号 → the cell of its Y-1実績 事業費 (sheet, row, col)
    budget_cells: dict[str, tuple[str, int, int]] = field(default_factory=dict)

    @property
    def chosho(self):
        return self.report.chosho

    @property
    def year(self) -> int:
        return self.report.chosho.fiscal_year
