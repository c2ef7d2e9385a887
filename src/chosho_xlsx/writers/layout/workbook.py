"""write_chosho: the finished 調書 as an .xlsx in the official layout.

One worksheet per section (1 概要・指標, 2 取組実績, 3 課題と方向性, 4 見直し内容): each
section is a table of its own columns, and Excel allows one range of repeated header
rows per sheet, so a sheet per section gives every table its own grid and its own
header on each page it runs onto. Printed in sheet order the four sheets are the form.

The file is written atomically and deterministically: same report, same bytes."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

from xlsxwriter.utility import xl_rowcol_to_cell

from chosho_xlsx.common.atomic import atomic_path
from chosho_xlsx.common.text import cell_text
from chosho_xlsx.model.chosho import Report
from chosho_xlsx.model.form_texts import Labels, load_labels
from chosho_xlsx.model.ruleset import Ruleset
from chosho_xlsx.writers import embed
from chosho_xlsx.writers.layout import issues, page, review
from chosho_xlsx.writers.layout.context import Context
from chosho_xlsx.writers.layout.grid import BLANK, FORMULA, NUMBER, TEXT, Cell, SheetPlan
from chosho_xlsx.writers.layout.header import build_header
from chosho_xlsx.writers.layout.indicators import OverviewColumns, build_indicators
from chosho_xlsx.writers.layout.projects import ResultColumns, build_projects
from chosho_xlsx.writers.layout.sheet import ChoshoBook as Workbook  # floor.py swaps this name
from chosho_xlsx.writers.layout.sheet import ChoshoSheet
from chosho_xlsx.writers.layout.styles import Styles
from chosho_xlsx.writers.outputs import CHOSHO, WORKBOOK_OPTIONS, mark
from chosho_xlsx.writers.quoting import needs_quote


def page_setup(labels: Labels) -> page.PageSetup:
    m = labels.raw("page.margins")
    return page.PageSetup(
        paper=int(labels.number("page.paper")),
        left=float(m["left"]),
        right=float(m["right"]),
        top=float(m["top"]),
        bottom=float(m["bottom"]),
        footer_margin=float(labels.number("page.footer_margin")),
        footer=str(labels.raw("page.footer")),
    )


def plan_sheets(ctx: Context) -> list[SheetPlan]:
    """The four sheets, planned (section 2 first: page 1's totals refer to its cells)."""
    L = ctx.labels
    size = L.number("font.size")
    results = SheetPlan(L.text("sheets.results"), ResultColumns.widths(), size)
    build_projects(results, ctx)
    cols = OverviewColumns(len(ctx.chosho.plan_years))
    overview = SheetPlan(L.text("sheets.overview"), cols.widths(), size)
    build_header(overview, ctx, cols, L.number("font.title_size"))
    build_indicators(overview, ctx, cols)
    issue_plan = SheetPlan(L.text("sheets.issues"), list(issues.WIDTHS), size)
    issues.build_issues(issue_plan, ctx)
    review_plan = SheetPlan(L.text("sheets.review"), list(review.WIDTHS), size)
    review.build_review(review_plan, ctx, L.number("font.note_size"))
    return [overview, results, issue_plan, review_plan]


def _write_cells(ws, cells: list[Cell], styles: Styles, size: float) -> None:
    """Each planned cell as its XlsxWriter calls, in plan order (the order decides the
    formats' numbers, so the bytes). ~1,100 cells a 調書: the methods are looked up once
    for the sheet rather than once a cell (a function call and six attribute lookups per
    cell were ~4 % of writing a 調書)."""
    get = styles.get
    merge, string, number = ws.merge_range, ws.write_string, ws.write_number
    formula, blank, comment = ws.write_formula, ws.write_blank, ws.write_comment
    name = ws.name
    for cell in cells:
        kind, value, r, c = cell.kind, cell.value, cell.r1, cell.c1
        merged = r != cell.r2 or c != cell.c2
        fmt = get(cell.style, cell.size or size, cell.numfmt, kind == TEXT and needs_quote(str(value)))
        if merged:
            merge(r, c, cell.r2, cell.c2, "", fmt)
        if kind == TEXT:
            if value:
                string(r, c, cell_text(value, lambda r=r, c=c: f"{name}!{xl_rowcol_to_cell(r, c)}"), fmt)
            elif not merged:
                blank(r, c, None, fmt)
        elif kind == NUMBER:
            number(r, c, value, fmt)
        elif kind == FORMULA:
            formula(r, c, value, fmt, cell.cached)
        elif kind == BLANK and not merged:
            blank(r, c, None, fmt)
        if cell.comment:
            comment(r, c, cell.comment)


def render(wb: Workbook, plan: SheetPlan, styles: Styles, setup: page.PageSetup) -> None:
    ws = wb.add_worksheet(plan.name, ChoshoSheet)
    ws.hide_gridlines(2)
    plan.fit_columns()
    heights = plan.row_heights()
    for c, w in enumerate(plan.widths):
        ws.set_column(c, c, round(w, 2))
    for r, h in enumerate(heights):
        ws.set_row(r, h)
    _write_cells(ws, plan.cells, styles, plan.size)
    if plan.repeat:
        ws.freeze_panes(plan.repeat[1] + 1, 0)
    page.apply(ws, plan, heights, setup)


def created(report: Report) -> dt.datetime:
    """A fixed 'created' time, so that the same report gives the same bytes: 1 April
    of 実施年度 (the file's content decides it, not the clock)."""
    return dt.datetime(report.chosho.fiscal_year, 4, 1, 0, 0, 0)


def printed(report: Report, ruleset: Ruleset,
            layout: str | Path | None = None) -> dict[str, dict[tuple[int, int], object]]:
    """What the 調書 of `report` shows, as write_chosho would write it: sheet → (1-based
    row, 0-based column) → its text or number. Formula cells are left out (their value
    is whatever the spreadsheet computed last). cycle.sources checks a 調書's embedded
    input against it."""
    c = report.chosho
    ctx = Context(report, ruleset, load_labels(c.fiscal_year, c.plan_name, layout))
    out: dict[str, dict[tuple[int, int], object]] = {}
    for plan in plan_sheets(ctx):
        cells = out.setdefault(plan.name, {})
        for cell in plan.cells:
            if (cell.kind == TEXT and cell.value) or cell.kind == NUMBER:
                cells[(cell.r1 + 1, cell.c1)] = cell.value
    return out


def write_chosho(report: Report, path: str | Path, ruleset: Ruleset,
                 layout: str | Path | None = None) -> None:
    """Write the 調書 of `report` to `path` (.xlsx). Nothing is left at `path` if
    anything fails; an existing file there is replaced only by a complete one."""
    content = chosho_bytes(report, ruleset, layout)
    with atomic_path(Path(path)) as tmp:
        tmp.write_bytes(content)


def chosho_bytes(report: Report, ruleset: Ruleset, layout: str | Path | None = None) -> bytes:
    """The .xlsx of the 調書 of `report`, built in memory. (A batch's worker writes it to
    the batch's hidden folder and the batch makes it durable and puts it in place;
    write_chosho writes it atomically.)"""
    c = report.chosho
    labels = load_labels(c.fiscal_year, c.plan_name, layout)
    ctx = Context(report, ruleset, labels)
    plans = plan_sheets(ctx)
    setup = page_setup(labels)
    # Built in memory, then written with one plain write: XlsxWriter writing the file
    # itself turns a full disk into its FileCreateError (not an OSError) and leaves a
    # ZipFile whose destructor prints a traceback.
    buffer = io.BytesIO()
    wb = Workbook(buffer, WORKBOOK_OPTIONS)
    try:
        wb.set_properties({
            "title": labels.text("title"),
            "subject": c.policy,
            "created": created(report),
        })
        mark(wb, CHOSHO)
        for name, value in embed.properties(c):  # the input, for `rollover` from this 調書
            wb.set_custom_property(name, value)
        styles = Styles(wb, str(labels.raw("font.name")))
        for plan in plans:
            render(wb, plan, styles, setup)
        wb.close()
    except BaseException:
        wb.fileclosed = True  # never write a half-built workbook from the destructor
        raise
    return buffer.getvalue()
