"""The book's own pages, written as two small workbooks that LibreOffice prints in the
same run as nothing else needs (so the fonts are the 調書's own, IPAexゴシック, embedded
and extractable):

- the front matter: a cover and the contents (基本戦略 → 施策, each with its page);
- the footers: for every page of every part, an otherwise empty page whose footer reads
  the part's 施策 and the book's page number. publish lays each of these pages over the
  page it belongs to, so the number printed on a page is its page in the PDF.

The contents breaks its pages itself every ROWS_PER_PAGE rows, so its page count is
known before LibreOffice prints it (the page numbers it lists depend on it)."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path

from xlsxwriter import Workbook

from chosho_xlsx.common.atomic import atomic_path
from chosho_xlsx.writers.layout.page import PAPERS, PageSetup
from chosho_xlsx.writers.outputs import WORKBOOK_OPTIONS

ROWS_PER_PAGE = 24  # contents rows per page; 24 × 24 pt fit A3 landscape with room to spare
ROW_HEIGHT = 24.0
FONT = "IPAexゴシック"
COVER_SHEET = "表紙"
CONTENTS_SHEET = "目次"
CONTENTS_TITLE = "目　次"

@dataclass(frozen=True)
class Entry:
    """One line of the contents: a 基本戦略 heading (page None) or a part and its page."""

    text: str
    page: int | None = None


@dataclass(frozen=True)
class FooterRun:
    """`pages` consecutive pages of one part, all of one size, with one footer text."""

    text: str
    pages: int
    width: float  # points
    height: float


def contents_pages(entries: int) -> int:
    return max(1, math.ceil(entries / ROWS_PER_PAGE))


def front_pages(entries: int) -> int:
    """Cover plus contents."""
    return 1 + contents_pages(entries)


def paper_of(width: float, height: float) -> tuple[int, bool]:
    """Excel's paper code nearest to a page of this size, and whether it is landscape."""
    short, long = sorted((width, height))
    code = min(PAPERS, key=lambda c: abs(PAPERS[c][0] - short) + abs(PAPERS[c][1] - long))
    return code, width > height


def footer_code(text: str, total: int) -> str:
    """An Excel footer: the text on the left, 「page / total」 in the centre. A literal
    「&」 is written 「&&」; the whole stays under Excel's 255 characters."""
    left = text.replace("&", "&&")[:120]
    return f"&L{left}&C&P / {total}"


def _workbook(path: Path, title: str, created: dt.datetime):

    wb = Workbook(str(path), WORKBOOK_OPTIONS)
    wb.set_properties({"title": title, "created": created})
    return wb


def _page(ws, setup: PageSetup, paper: int, landscape: bool) -> None:
    if landscape:
        ws.set_landscape()
    else:
        ws.set_portrait()
    ws.set_paper(paper)
    ws.set_margins(left=setup.left, right=setup.right, top=setup.top, bottom=setup.bottom)
    ws.hide_gridlines(2)


def write_front(path: Path, title: str, subtitle: str, entries: list[Entry], total: int,
                setup: PageSetup, created: dt.datetime) -> None:
    """The cover (page 1, no number) and the contents (pages 2…, numbered of `total`)."""

    with atomic_path(path) as tmp:
        wb = _workbook(tmp, title, created)
        try:
            base = {"font_name": FONT, "valign": "vcenter"}
            big = wb.add_format({**base, "font_size": 28, "bold": True, "align": "center"})
            sub = wb.add_format({**base, "font_size": 16, "align": "center"})
            head = wb.add_format({**base, "font_size": 16, "bold": True, "align": "center"})
            strategy = wb.add_format({**base, "font_size": 12, "bold": True, "bottom": 1})
            name = wb.add_format({**base, "font_size": 12, "indent": 2})
            number = wb.add_format({**base, "font_size": 12, "align": "right"})

            cover = wb.add_worksheet(COVER_SHEET)
            _page(cover, setup, 8, True)
            cover.set_column(0, 0, 150)
            cover.set_row(0, 220)
            cover.set_row(1, 60)
            cover.set_row(2, 40)
            cover.write_string(1, 0, title, big)
            cover.write_string(2, 0, subtitle, sub)
            cover.print_area(0, 0, 2, 0)
            cover.fit_to_pages(1, 1)

            ws = wb.add_worksheet(CONTENTS_SHEET)
            _page(ws, setup, 8, True)
            ws.set_footer(footer_code(CONTENTS_TITLE.replace("　", ""), total),
                          {"margin": setup.footer_margin})
            ws.set_start_page(2)
            ws.set_column(0, 0, 180)  # about 80 全角 at 12 pt; with column B within A3's width
            ws.set_column(1, 1, 12)
            ws.set_row(0, 40)
            ws.write_string(0, 0, CONTENTS_TITLE, head)
            ws.repeat_rows(0)
            breaks = []
            for i, e in enumerate(entries):
                r = 1 + i
                if i and i % ROWS_PER_PAGE == 0:
                    breaks.append(r)
                ws.set_row(r, ROW_HEIGHT)
                if e.page is None:
                    ws.write_string(r, 0, e.text, strategy)
                    ws.write_blank(r, 1, None, strategy)
                else:
                    ws.write_string(r, 0, e.text, name)
                    ws.write_number(r, 1, e.page, number)
            if breaks:
                ws.set_h_pagebreaks(breaks)
            ws.print_area(0, 0, max(len(entries), 1), 1)
            ws.fit_to_pages(1, 0)
            wb.close()
        except BaseException:
            wb.fileclosed = True
            raise


def write_footers(path: Path, runs: list[FooterRun], first_page: int, total: int,
                  setup: PageSetup, created: dt.datetime) -> None:
    """One sheet per run of pages: as many pages as the run has, empty but for the
    footer; numbering starts at `first_page` and runs on across the sheets."""

    with atomic_path(path) as tmp:
        wb = _workbook(tmp, "footers", created)
        try:
            # A page with nothing on it is not printed; a white border is something.
            mark = wb.add_format({"top": 1, "top_color": "#FFFFFF"})
            for k, run in enumerate(runs):
                ws = wb.add_worksheet(f"p{k + 1}")
                paper, landscape = paper_of(run.width, run.height)
                _page(ws, setup, paper, landscape)
                ws.set_footer(footer_code(run.text, total), {"margin": setup.footer_margin})
                if k == 0:
                    ws.set_start_page(first_page)
                for r in range(run.pages):
                    ws.write_blank(r, 0, None, mark)
                if run.pages > 1:
                    ws.set_h_pagebreaks(list(range(1, run.pages)))
                ws.print_area(0, 0, run.pages - 1, 0)
            wb.close()
        except BaseException:
            wb.fileclosed = True
            raise
