"""The limits of what we read (rows, cells, text length, seconds per input): settings the
planning division may change (schemas/rules.yaml `limits`, read by model.ruleset), used
from intake on, so they live below every layer."""

from __future__ import annotations

from dataclasses import dataclass

from chosho_xlsx.common.text import EXCEL_TEXT_MAX


@dataclass(frozen=True)
class Limits:
    """How much of a workbook we read, and how long one input may take in a batch: far
    above any real 調書 (under a hundred rows per sheet), far below what exhausts a
    machine. Past them: one finding, nothing read further (README「Limits」)."""

    rows_per_sheet: int = 2_000
    cells_per_sheet: int = 200_000  # rows × columns of the sheet's used area
    text_length: int = EXCEL_TEXT_MAX  # per cell, UTF-16 code units, at most Excel's
    seconds_per_file: float = 120.0  # per input of a batch build
