"""Cell formats, made once per distinct look and reused (XlsxWriter wants few formats).

A style is a name (below) plus a font size, a number format and whether the text needs a
quote prefix (quoting.needs_quote: department text that looks like a formula is shown as
typed, never taken for one when someone edits the cell)."""

from __future__ import annotations

from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook

GRID = {"border": 1, "border_color": "#000000"}
HEAD_FILL = "#F2F2F2"

STYLES: dict[str, dict] = {
    "title": {"bold": True, "align": "center", "valign": "vcenter"},
    "section": {"bold": True, "align": "left", "valign": "vcenter"},
    "note": {"align": "left", "valign": "top", "text_wrap": True},
    "head": {**GRID, "align": "center", "valign": "vcenter", "text_wrap": True, "bg_color": HEAD_FILL},
    "head_left": {**GRID, "align": "left", "valign": "vcenter", "text_wrap": True, "bg_color": HEAD_FILL},
    "text": {**GRID, "align": "left", "valign": "top", "text_wrap": True},
    "text_mid": {**GRID, "align": "left", "valign": "vcenter", "text_wrap": True},
    "center": {**GRID, "align": "center", "valign": "vcenter", "text_wrap": True},
    "center_top": {**GRID, "align": "center", "valign": "top", "text_wrap": True},
    "num": {**GRID, "align": "right", "valign": "vcenter"},
    "num_left": {**GRID, "align": "left", "valign": "vcenter", "indent": 1},
    "rate": {**GRID, "align": "center", "valign": "vcenter"},
    "status": {**GRID, "align": "center", "valign": "vcenter", "bold": True},
    "blank": {**GRID},
    "plain": {},
}

class Styles:
    def __init__(self, workbook: Workbook, font: str):
        self.workbook = workbook
        self.font = font
        self._cache: dict[tuple, Format] = {}

    def get(self, style: str, size: float, numfmt: str | None = None, quote: bool = False) -> Format:
        key = (style, size, numfmt, quote)
        fmt = self._cache.get(key)
        if fmt is None:
            props = {"font_name": self.font, "font_size": size, "font_charset": 128}
            props.update(STYLES[style])
            if numfmt:
                props["num_format"] = numfmt
            if quote:
                props["quote_prefix"] = True
            fmt = self._cache[key] = self.workbook.add_format(props)
        return fmt
