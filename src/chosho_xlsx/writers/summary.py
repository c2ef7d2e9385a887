"""The 一覧 workbook of a batch: one row per 調書 and 事業群, with the figures the
planning division compares across 施策, totals, an autofilter, frozen headers and a
chart of the indicators' 進捗状況.

`figures(report, settings)` takes the numbers out of one computed 調書 (cheap, run in
the batch's workers); `write_summary` writes them (XlsxWriter). Every figure is the
engine's, the same the 調書 prints: 進捗状況 per indicator, 事業費 of Y-1 (実績, as
the 調書's header sums it) and Y (計画) per 事業群, 見直し区分 of the projects the 調書
lists in section 4. An input that was not built is listed with what could be read of it
(施策, 事業群, 主管課) and no figures. Totals are formulas (SUBTOTAL, so a filter narrows them) with their
values cached, so a reader that does not recalculate still sees them. SUBTOTAL(9, …), not
109: both leave out rows a filter hides, and Gnumeric computes 109 as #NUM!. Same rows,
same bytes."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from chosho_xlsx.common.atomic import atomic_path
from chosho_xlsx.common.text import cell_text
from chosho_xlsx.model import fiscal
from chosho_xlsx.model.chosho import Report, group_mark
from chosho_xlsx.model.ruleset import Ruleset
from chosho_xlsx.model.vocabulary import Status
from chosho_xlsx.rules.engine import group_project_counts, group_totals
from chosho_xlsx.writers import outputs
from chosho_xlsx.writers.layout import measure
from chosho_xlsx.writers.quoting import needs_quote

STATUSES = tuple(Status)
# as column headers: 「―」 is also a 見直し区分, so the status one says what it means
STATUS_HEADS = tuple(f"{s}（判定なし）" if s is Status.NONE else s for s in STATUSES)
STATUS_COLORS = ("#2E7D32", "#1565C0", "#F9A825", "#C62828", "#9E9E9E")
NEW = "新規"
OTHER = "その他"
SHEET = "一覧"
LINK_HEAD, LINK_TEXT = "リンク", "開く"  # the column of links to the 調書
CHART_SHEET = "グラフ"
FILE_NAME = "一覧.xlsx"

# Outcome of one input, as the 検証 column prints it.
PASSED, FAILED, UNREADABLE, DUPLICATE, NOT_WRITTEN = "合格", "不合格", "読めない", "重複", "書き出し失敗"


def review_columns(ruleset: Ruleset) -> tuple[str, ...]:
    """The 見直し区分 counted: the allowed ones in the settings' order, 新規 (the
    engine's 「R6新規」), and anything else."""
    return (*ruleset.allowed_reviews, NEW, OTHER)


@dataclass(frozen=True)
class GroupFigures:
    """One 事業群's figures in one 調書."""

    number: int
    name: str  # with its mark: 「①…」
    section: str  # 主管課
    statuses: tuple[int, ...]  # indicators per STATUSES
    budget_prev: int  # 事業費 Y-1 実績 (千円)
    budget_cur: int  # 事業費 Y 計画 (千円)
    reviews: tuple[int, ...]  # section-4 projects per review_columns()
    proposed: int  # of those, 見直し区分 proposed by the engine (to confirm)
    projects: int  # 事務事業 of the group, a parent with its sub-projects (5, 5-1 …) once


@dataclass(frozen=True)
class ChoshoFigures:
    fiscal_year: int
    strategy: str
    policy: str
    groups: tuple[GroupFigures, ...]


def figures(report: Report, ruleset: Ruleset) -> ChoshoFigures:
    c = report.chosho
    y = c.fiscal_year
    columns = review_columns(ruleset)
    new_label = ruleset.new_review(y)
    plan = group_totals(c, y)
    counts = group_project_counts(c)
    groups = []
    for g in c.groups:
        statuses = [0] * len(STATUSES)
        for ci in report.indicators:
            if ci.indicator.group == g.number:
                statuses[STATUSES.index(ci.status) if ci.status in STATUSES else -1] += 1
        reviews = [0] * len(columns)
        proposed = 0
        for cp in report.projects:
            p = cp.project
            if p.group != g.number:
                continue
            if not cp.in_section4:
                continue
            review = NEW if cp.review == new_label else cp.review
            reviews[columns.index(review) if review in columns[:-1] else -1] += 1
            proposed += cp.review_proposed
        groups.append(GroupFigures(
            number=g.number,
            name=f"{group_mark(g.number)}{g.name}",
            section=g.section,
            statuses=tuple(statuses),
            budget_prev=report.group_budgets.get(g.number, 0),
            budget_cur=plan.get(g.number, 0),
            reviews=tuple(reviews),
            proposed=proposed,
            projects=counts.get(g.number, 0),
        ))
    return ChoshoFigures(y, c.strategy, c.policy, tuple(groups))


@dataclass(frozen=True)
class Line:
    """One input of the batch, as the 一覧 lists it: its figures when it was built."""

    source: str
    outcome: str  # PASSED, FAILED, …
    figures: ChoshoFigures | None = None  # when readable; counted only when PASSED
    output: str = ""  # the 調書's file name
    errors: int = 0
    warnings: int = 0
    reason: str = ""


# ---- the workbook ---------------------------------------------------------------------

_FONT = {"font_name": "游ゴシック", "font_size": 10, "font_charset": 128}
_GRID = {"border": 1, "border_color": "#808080"}


_STYLES: dict[str, dict] = {
    "group": {**_FONT, **_GRID, "bold": True, "align": "center", "valign": "vcenter",
              "bg_color": "#D9E1F2"},
    "head": {**_FONT, **_GRID, "bold": True, "align": "center", "valign": "vcenter",
             "text_wrap": True, "bg_color": "#D9E1F2"},
    "text": {**_FONT, **_GRID, "valign": "top", "text_wrap": True},
    "num": {**_FONT, **_GRID, "valign": "top", "num_format": "#,##0"},
    "bad": {**_FONT, **_GRID, "valign": "top", "text_wrap": True, "bold": True, "font_color": "#C62828"},
    "link": {**_FONT, **_GRID, "valign": "top", "align": "center", "font_color": "#0563C1",
             "underline": 1},
    "total_label": {**_FONT, **_GRID, "bold": True, "top": 2, "bg_color": "#F2F2F2"},
    "total": {**_FONT, **_GRID, "bold": True, "top": 2, "bg_color": "#F2F2F2", "num_format": "#,##0"},
}


def _columns(ruleset: Ruleset) -> list[tuple[str, str, float]]:
    """(group header, column header, width) of every column, in order. Text columns wrap
    (rows grow to fit), so they can be narrow enough for the A3 page to stay legible."""
    cols = [
        ("", "実施年度", 6), ("", "基本戦略", 20), ("", "施策", 22), ("", "事業群", 22),
        ("", "主管課", 12),
    ]
    cols += [("指標の進捗状況（指標数）", s, 6) for s in STATUS_HEADS]
    cols += [("事業費（千円）", "前年度実績", 12), ("事業費（千円）", "当年度計画", 12)]
    cols += [("見直し区分（事業数）", r, 5) for r in review_columns(ruleset)]
    cols += [("見直し区分（事業数）", "うち提案", 6), ("", "事業数", 6)]
    # the link has a column of its own: LibreOffice never wraps a cell holding a link, so a
    # file name there would be cut at the column's edge
    cols += [("", "検証", 8), ("", "エラー", 6), ("", "警告", 6), ("", "調書ファイル", 24),
             ("", LINK_HEAD, 6), ("", "入力ファイル", 24), ("", "理由", 40)]
    size = _FONT["font_size"]  # and every header on one line, none broken mid-word
    return [(group, head, max(width, measure.one_line_width(head, size))) for group, head, width in cols]


def _height(texts: list[tuple[str, float]], size: float = _FONT["font_size"]) -> float:
    """Points a row needs to show each (text, column width) wrapped, as the 調書's rows are
    measured (layout.measure): Excel and LibreOffice do not grow the rows of a written file."""
    need = max((measure.text_height(t, w, size) for t, w in texts if t), default=0.0)
    return min(max(need, measure.line_pt(size) + measure.ROW_PAD_PT), measure.MAX_ROW_PT)


# What a relative link's URI cannot hold as it is: 「%」 (an escape), 「#」 (the fragment:
# XlsxWriter would cut the name there and take the rest for a cell), 「?」 (a query),
# spaces and what XlsxWriter itself escapes. Non-ASCII stays as it is, as Excel writes it.
_URI_ESCAPES = {ch: f"%{ord(ch):02X}" for ch in '%#? "<>[]^`{}|\\'}


def file_link(name: str) -> str:
    """XlsxWriter's link to the file `name` beside the 一覧, whatever characters the name
    has. XlsxWriter escapes a link only when it finds no 「%XX」 in it, so the name is
    escaped here, completely, and passed through unchanged."""
    return "external:" + "".join(_URI_ESCAPES.get(ch, ch) for ch in name)


def _sort_key(line: Line) -> tuple:
    f = line.figures
    if f is None:  # nothing could be read: at the end
        return (1, 0, "", "", line.source)
    return (0, f.fiscal_year, f.strategy, f.policy, line.source)


def _rows(lines: list[Line]) -> list[tuple[Line, GroupFigures | None]]:
    out: list[tuple[Line, GroupFigures | None]] = []
    for line in sorted(lines, key=_sort_key):
        groups = line.figures.groups if line.figures else ()
        out.extend((line, g) for g in groups) if groups else out.append((line, None))
    return out


def created(lines: list[Line]) -> dt.datetime:
    """Fixed, from the content (1 April of the latest 実施年度), so that the same
    batch gives the same bytes."""
    years = [ln.figures.fiscal_year for ln in lines if ln.figures]
    return dt.datetime(max(years) if years else 2000, 4, 1)


@dataclass(frozen=True)
class _Grid:
    """Where everything of the 一覧 sheet goes: its columns and the rows of `rows`."""

    cols: list[tuple[str, str, float]]  # (group header, column header, width)
    rows: list[tuple[Line, GroupFigures | None]]
    top: int = 0  # group header row
    head: int = 1  # column header row

    @cached_property
    def heads(self) -> list[str]:
        return [c[1] for c in self.cols]

    @cached_property
    def widths(self) -> list[float]:
        return [c[2] for c in self.cols]

    @cached_property
    def first_num(self) -> int:  # the first counted column (the first status)
        return self.heads.index(STATUS_HEADS[0])

    @cached_property
    def last_num(self) -> int:  # the last counted column
        return self.heads.index("事業数")

    @cached_property
    def first(self) -> int:
        return self.head + 1

    @cached_property
    def last(self) -> int:
        return self.head + len(self.rows)

    @cached_property
    def total_row(self) -> int:
        return self.last + 1


class _Book:
    """The workbook being written with its formats; department text written as text."""

    def __init__(self, wb):
        # lazy: XlsxWriter (~0.1 s) only when this workbook is written; here, once per workbook
        from xlsxwriter.utility import xl_rowcol_to_cell  # imported here, once per workbook

        self.wb = wb
        self.F = {name: wb.add_format(props) for name, props in _STYLES.items()}
        self._quoted: dict[str, object] = {}
        self._cell = xl_rowcol_to_cell

    def text(self, ws, r: int, c: int, value: str, style: str = "text") -> None:
        """Department text as text; with the quote prefix where it needs one."""
        fmt = self.F[style]
        if needs_quote(value):
            if style not in self._quoted:
                self._quoted[style] = self.wb.add_format({**_STYLES[style], "quote_prefix": True})
            fmt = self._quoted[style]
        ws.write_string(r, c, cell_text(value, lambda: f"{SHEET}!{self._cell(r, c)}"), fmt)


def write_summary(lines: list[Line], path: str | Path, ruleset: Ruleset) -> None:
    """Write the 一覧 workbook to `path`, atomically."""
    # lazy: XlsxWriter (~0.1 s) only when this workbook is written
    from xlsxwriter import Workbook

    # lazy: XlsxWriter (~0.1 s) only when this workbook is written
    from chosho_xlsx.writers.layout.sheet import ChoshoSheet  # the stock sheet, faster: same bytes

    grid = _Grid(_columns(ruleset), _rows(lines))
    with atomic_path(Path(path)) as tmp:
        buffer = io.BytesIO()  # see layout.workbook.write_chosho: a full disk is an OSError
        wb = Workbook(buffer, outputs.WORKBOOK_OPTIONS)
        try:
            wb.set_properties({"title": "事業群評価調書 一覧", "created": created(lines)})
            outputs.mark(wb, outputs.SUMMARY)
            book = _Book(wb)
            ws = wb.add_worksheet(SHEET, ChoshoSheet)
            _write_heads(ws, book.F, grid)
            sums = [0] * (grid.last_num - grid.first_num + 1)
            for i, (line, g) in enumerate(grid.rows):
                _write_line(book, ws, grid, grid.first + i, line, g, sums)
            _write_totals(ws, book.F, grid, sums)
            _write_chart(wb, book.F, grid, sums)
            wb.close()
            tmp.write_bytes(buffer.getvalue())
        except BaseException:
            wb.fileclosed = True
            raise


def _write_heads(ws, F: dict, grid: _Grid) -> None:
    """Column widths, the group headers (merged over the columns that share one) and
    every column's name in one row, for filters and readers."""
    cols, heads, widths = grid.cols, grid.heads, grid.widths
    for c, width in enumerate(widths):
        ws.set_column(c, c, width)
    ws.set_row(grid.head, _height(list(zip(heads, widths, strict=True))))
    c = 0
    while c < len(cols):
        end = c
        while end + 1 < len(cols) and cols[end + 1][0] == cols[c][0]:
            end += 1
        label = cols[c][0]
        if label and end > c:
            ws.merge_range(grid.top, c, grid.top, end, label, F["group"])
        else:
            for k in range(c, end + 1):
                ws.write_blank(grid.top, k, None, F["group"])
        c = end + 1
    for c, h in enumerate(heads):
        ws.write_string(grid.head, c, h, F["head"])


def _write_line(book: _Book, ws, grid: _Grid, r: int, line: Line, g: GroupFigures | None,
                sums: list[int]) -> None:
    """Row `r`: one 事業群 of one input (or the input alone); its figures added to `sums`."""
    F, widths, first_num = book.F, grid.widths, grid.first_num
    f = line.figures
    values: list[object] = [
        fiscal.label(f.fiscal_year) if f else "", f.strategy if f else "",
        f.policy if f else "", g.name if g else "", g.section if g else "",
    ]
    # what was not built is listed with what could be read of it, never counted
    numbers: list[int | None] = (
        [*g.statuses, g.budget_prev, g.budget_cur, *g.reviews, g.proposed, g.projects]
        if g and line.outcome == PASSED else [None] * len(sums)
    )
    t = grid.last_num + 1  # 検証, エラー, 警告, 調書ファイル, リンク, 入力ファイル, 理由
    ws.set_row(r, _height([*((str(v), widths[k]) for k, v in enumerate(values)),
                           (line.outcome, widths[t]), (line.output, widths[t + 3]),
                           (line.source, widths[t + 5]), (line.reason, widths[t + 6])]))
    for c, v in enumerate(values):
        book.text(ws, r, c, str(v))
    for k, v in enumerate(numbers):
        if v is None:
            ws.write_blank(r, first_num + k, None, F["num"])
        else:
            ws.write_number(r, first_num + k, v, F["num"])
            sums[k] += v
    book.text(ws, r, t, line.outcome, "text" if line.outcome == PASSED else "bad")
    ws.write_number(r, t + 1, line.errors, F["num"])
    ws.write_number(r, t + 2, line.warnings, F["num"])
    if line.output:
        book.text(ws, r, t + 3, line.output)
        ws.write_url(r, t + 4, file_link(line.output), F["link"], LINK_TEXT, line.output)
    else:
        ws.write_blank(r, t + 3, None, F["text"])
        ws.write_blank(r, t + 4, None, F["text"])
    book.text(ws, r, t + 5, line.source)
    book.text(ws, r, t + 6, line.reason)


def _write_totals(ws, F: dict, grid: _Grid, sums: list[int]) -> None:
    """The 合計 row (SUBTOTAL formulas, their values cached) and the sheet's page setup."""
    # lazy: XlsxWriter (~0.1 s) only when this workbook is written
    from xlsxwriter.utility import xl_col_to_name

    total_row, first_num = grid.total_row, grid.first_num
    ws.write_string(total_row, 0, "合計", F["total_label"])
    for c in range(1, first_num):
        ws.write_blank(total_row, c, None, F["total_label"])
    for k, value in enumerate(sums):
        c = first_num + k
        col = xl_col_to_name(c)
        if grid.rows:
            ws.write_formula(total_row, c, f"=SUBTOTAL(9,{col}{grid.first + 1}:{col}{grid.last + 1})",
                             F["total"], value)
        else:
            ws.write_number(total_row, c, 0, F["total"])
    for c in range(grid.last_num + 1, len(grid.cols)):
        ws.write_blank(total_row, c, None, F["total_label"])

    ws.autofilter(grid.head, 0, max(grid.last, grid.head), len(grid.cols) - 1)
    ws.freeze_panes(grid.first, 4)
    ws.set_landscape()
    ws.set_paper(8)  # A3
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(grid.top, grid.head)


def _write_chart(wb, F: dict, grid: _Grid, sums: list[int]) -> None:
    """The chart sheet: indicators per 進捗状況 over the whole batch, from the totals."""
    # lazy: XlsxWriter (~0.1 s) only when this workbook is written
    from xlsxwriter.utility import xl_rowcol_to_cell

    cs = wb.add_worksheet(CHART_SHEET)
    cs.set_column(0, 0, 12)
    cs.set_column(1, 1, 10)
    cs.write_string(0, 0, "進捗状況", F["head"])
    cs.write_string(0, 1, "指標数", F["head"])
    for k, status in enumerate(STATUS_HEADS):
        cs.write_string(k + 1, 0, status, F["text"])
        src = xl_rowcol_to_cell(grid.total_row, grid.first_num + k, row_abs=True, col_abs=True)
        cs.write_formula(k + 1, 1, f"='{SHEET}'!{src}", F["num"], sums[k])
    chart = wb.add_chart({"type": "column"})
    n = len(STATUSES)
    chart.add_series({
        "name": "指標数",
        "categories": [CHART_SHEET, 1, 0, n, 0],
        "values": [CHART_SHEET, 1, 1, n, 1],
        "points": [{"fill": {"color": color}} for color in STATUS_COLORS],
        "data_labels": {"value": True},
    })
    chart.set_title({"name": "指標の進捗状況（全調書）", "name_font": {"name": _FONT["font_name"], "size": 12}})
    chart.set_legend({"none": True})
    chart.set_x_axis({"num_font": {"name": _FONT["font_name"]}})
    chart.set_y_axis({"name": "指標数", "name_font": {"name": _FONT["font_name"]},
                      "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}})
    chart.set_size({"width": 640, "height": 380})
    cs.insert_chart(0, 3, chart)
    cs.set_landscape()
    cs.set_paper(9)  # A4
    cs.fit_to_pages(1, 1)
