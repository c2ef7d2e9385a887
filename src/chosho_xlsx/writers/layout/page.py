"""Print setup: paper, orientation, one page wide, margins, footer, print area, the
header rows repeated on every page, and page breaks between blocks.

With 「1 page wide, automatic tall」 (fit_to_pages(1, 0)) Excel and LibreOffice scale the
sheet to the paper's width and still honour manual row breaks, so the writer predicts
the scale, fills pages block by block and breaks before a block that would not fit."""

from __future__ import annotations

from dataclasses import dataclass

from chosho_xlsx.writers.layout import measure
from chosho_xlsx.writers.layout.grid import SheetPlan

# Paper sizes in points (portrait width, height) by Excel's paper code.
PAPERS = {8: (841.9, 1190.6), 9: (595.3, 841.9), 12: (728.5, 1031.8)}
FILL = 0.93  # share of the predicted page height we fill (scales and fonts differ)


@dataclass(frozen=True)
class PageSetup:
    paper: int
    left: float
    right: float
    top: float
    bottom: float
    footer_margin: float
    footer: str

    @property
    def printable(self) -> tuple[float, float]:
        """Printable width and height in points, landscape."""
        short, long = PAPERS.get(self.paper, PAPERS[8])
        return long - (self.left + self.right) * 72, short - (self.top + self.bottom) * 72


def scale(plan: SheetPlan, setup: PageSetup) -> float:
    """The scale 「fit to 1 page wide」 prints at (a whole percent, as Excel picks)."""
    width_pt = sum(measure.column_px(w) for w in plan.widths) * 0.75
    pct = min(100, int(setup.printable[0] / width_pt * 100)) if width_pt else 100
    return max(pct, 10) / 100


def page_breaks(plan: SheetPlan, heights: list[float], setup: PageSetup) -> list[int]:
    """Rows before which a new page starts: a block moves to the next page whole when
    it does not fit on this one and fits on an empty page."""
    page = setup.printable[1] / scale(plan, setup) * FILL
    repeat = sum(heights[plan.repeat[0] : plan.repeat[1] + 1]) if plan.repeat else 0.0
    starts = {first: last for first, last in plan.blocks}
    breaks: list[int] = []
    used = 0.0
    first_content = plan.repeat[1] + 1 if plan.repeat else 0
    r, n = 0, len(heights)
    while r < n:
        last = starts.get(r, r)
        h = sum(heights[r : last + 1])
        room = page - used
        if h > room and r > first_content and used > repeat + 0.5:
            if h <= page - repeat:  # fits on a fresh page: move it whole
                breaks.append(r)
                used = repeat
            else:  # taller than a page: let it run on row by row
                last = r
                h = heights[r]
                if h > room:
                    breaks.append(r)
                    used = repeat
        used += h
        r = last + 1
    return breaks


def apply(ws, plan: SheetPlan, heights: list[float], setup: PageSetup) -> None:
    ws.set_landscape()
    ws.set_paper(setup.paper)
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=setup.left, right=setup.right, top=setup.top, bottom=setup.bottom)
    ws.set_footer(setup.footer, {"margin": setup.footer_margin})
    ws.center_horizontally()
    ws.print_area(0, 0, plan.last_row, plan.last_col)
    if plan.repeat:
        ws.repeat_rows(*plan.repeat)
    breaks = page_breaks(plan, heights, setup)
    if breaks:
        ws.set_h_pagebreaks(breaks)
