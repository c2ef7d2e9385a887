"""The findings as a list a clerk works through in Excel: `validate --format xlsx -o FILE`
and the portal's 「問題の一覧をダウンロード（.xlsx）」.

In: each file's findings as `validate --format json` gives them (dicts: sheet, cell,
column, value, message, hint, code, severity). Out: one workbook, one row per finding —
sheet, cell, column, the value as typed, message, hint, code — as an Excel table (a
filter on every column, the header frozen) with an empty column for the clerk's notes;
a file column first when there are several files. Built in memory; same findings, same
bytes."""

from __future__ import annotations

import datetime as dt
import io
import os
from pathlib import Path

from chosho_xlsx.common.atomic import atomic_path
from chosho_xlsx.writers.outputs import WORKBOOK_OPTIONS

HEADS = {
    "ja": ("ファイル", "シート", "セル", "列", "種別", "入っている値", "内容", "直し方", "コード", "対応"),
    "en": ("File", "Sheet", "Cell", "Column", "Kind", "Value as typed", "Message", "How to fix", "Code", "Done"),
}
WIDTHS = (24, 10, 7, 16, 7, 24, 48, 48, 18, 16)
KIND = {"ja": {"error": "エラー", "warning": "警告"}, "en": {"error": "error", "warning": "warning"}}
TITLE = {"ja": "問題の一覧", "en": "Findings"}


def findings_rows(files: list[tuple[str, list[dict]]], lang: str = "ja") -> list[tuple[str, ...]]:
    """One row per finding, in the files' order and each file's reading order."""
    kinds = KIND.get(lang, KIND["ja"])
    return [(name, f.get("sheet", ""), f.get("cell", ""), f.get("column", ""), kinds.get(f["severity"], ""),
             f.get("value", ""), f.get("message", ""), f.get("hint", ""), f["code"], "")
            for name, findings in files for f in findings]


def findings_xlsx_bytes(files: list[tuple[str, list[dict]]], lang: str = "ja") -> bytes:
    """The list as .xlsx bytes (files: (name, findings) in order)."""
    # lazy: XlsxWriter (~0.1 s) only when this workbook is written
    from xlsxwriter import Workbook

    several = len(files) > 1
    skip = 0 if several else 1  # the file column only when there are several files
    heads = HEADS.get(lang, HEADS["ja"])[skip:]
    rows = [row[skip:] for row in findings_rows(files, lang)]
    buffer = io.BytesIO()
    wb = Workbook(buffer, WORKBOOK_OPTIONS)
    try:
        wb.set_properties({"title": TITLE.get(lang, TITLE["ja"]), "created": dt.datetime(2000, 1, 1)})
        ws = wb.add_worksheet(TITLE.get(lang, TITLE["ja"]))
        wrap = wb.add_format({"text_wrap": True, "valign": "top", "num_format": "@"})
        for col, width in enumerate(WIDTHS[skip:]):
            ws.set_column(col, col, width, wrap)
        # an Excel table needs a data row: an empty one when there is nothing to list
        data = [list(r) for r in rows] or [[""] * len(heads)]
        ws.add_table(0, 0, len(data), len(heads) - 1, {
            "name": "findings", "style": "Table Style Light 9",
            "columns": [{"header": h, "format": wrap} for h in heads],
        })
        for r, row in enumerate(data, start=1):
            for c, value in enumerate(row):
                if value:  # an empty cell stays empty (the column's format is the table's)
                    ws.write_string(r, c, str(value), wrap)
        ws.freeze_panes(1, 0)
    finally:
        wb.close()
    return buffer.getvalue()


def write_findings_xlsx(files: list[tuple[str, list[dict]]], path: str | os.PathLike, lang: str = "ja") -> None:
    """findings_xlsx_bytes written atomically: OUT is complete or not there."""
    data = findings_xlsx_bytes(files, lang)
    with atomic_path(Path(path)) as tmp:
        tmp.write_bytes(data)
