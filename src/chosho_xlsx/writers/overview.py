"""The year's 評価結果概要 (evaluation summary) beside the 一覧: how many 事務事業 were
evaluated and how many reviewed, each 見直し区分's count and share, by 基本戦略 and by
主管課, and the indicators by 進捗状況 — what a prefecture publishes besides its 調書
(Nagasaki, 平成29年度: 844 事務事業 evaluated, 286 reviewed = 33.9 %: 拡充 44, 改善 228,
統合 4, 縮小 5, 廃止 5).

In: the batch's `summary.Line`s (their `ChoshoFigures`, counted only for the inputs that
were built, as the 一覧 counts them). Out: `tally()` (plain numbers, also what the portal's
dashboard shows) and `write_overview()` (XlsxWriter, atomically).

Counting (docs/rules.md「評価結果概要」): 評価した事務事業 is the 一覧's 事業数 (a parent
with its sub-projects once); 見直し is any of the allowed 見直し区分 other than 「―」 (no
change), among the projects of section 4; a share is of the 事務事業 evaluated. Every
total and share is a live formula whose value is cached, so a reader that never
recalculates, LibreOffice and Gnumeric all show the same figures. Same lines, same bytes."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from chosho_xlsx.common.atomic import atomic_path
from chosho_xlsx.common.text import cell_text, squeezed
from chosho_xlsx.model import fiscal
from chosho_xlsx.model.ruleset import Ruleset
from chosho_xlsx.model.vocabulary import Review
from chosho_xlsx.writers import outputs
from chosho_xlsx.writers.layout import measure
from chosho_xlsx.writers.quoting import needs_quote
from chosho_xlsx.writers.summary import (
    NEW,
    PASSED,
    STATUS_COLORS,
    STATUS_HEADS,
    Line,
    created,
    review_columns,
)

FILE_NAME = "評価結果概要.xlsx"
SHEET_TOTAL, SHEET_STRATEGY, SHEET_SECTION = "概要", "基本戦略別", "主管課別"
TITLE = "評価結果概要"
UNNAMED = "（記載なし）"  # a 基本戦略 or 主管課 left blank in a 調書


def reviewed_columns(ruleset: Ruleset) -> tuple[str, ...]:
    """The 見直し区分 that count as reviewed: the allowed ones but 「―」."""
    return tuple(r for r in ruleset.allowed_reviews if r != Review.NONE)


@dataclass
class Tally:
    """The counts of one row: 事務事業 evaluated, section-4 projects per 見直し区分 column
    (summary.review_columns), indicators per 進捗状況 (summary.STATUS_HEADS)."""

    evaluated: int = 0
    reviews: list[int] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    proposed: int = 0  # of the reviews, 見直し区分 left blank and proposed by the engine

    def add(self, evaluated: int, reviews, statuses, proposed: int = 0) -> None:
        self.evaluated += evaluated
        self.proposed += proposed
        self.reviews = [a + b for a, b in zip(self.reviews or [0] * len(reviews), reviews, strict=True)]
        self.statuses = [a + b for a, b in zip(self.statuses or [0] * len(statuses), statuses, strict=True)]


@dataclass
class Overview:
    """Everything the workbook prints, as numbers."""

    years: list[int]
    columns: tuple[str, ...]  # the 見直し区分 columns (review_columns)
    reviewed: tuple[str, ...]  # those that count as reviewed
    total: Tally
    by_strategy: list[tuple[str, Tally]]
    by_section: list[tuple[str, Tally]]

    def reviewed_count(self, t: Tally) -> int:
        return sum(n for col, n in zip(self.columns, t.reviews, strict=True) if col in self.reviewed)

    @property
    def year_text(self) -> str:
        return "・".join(fiscal.label(y) for y in self.years)


def tally(lines: list[Line], ruleset: Ruleset) -> Overview:
    columns = review_columns(ruleset)
    # keyed as policy_key compares 施策: 「3-1 …」 and 「3-1　…」 (or 「３－１ …」) from two
    # departments are one 基本戦略, shown as first spelled (input order: same lines, same rows)
    strategies: dict[str, tuple[str, Tally]] = {}
    sections: dict[str, tuple[str, Tally]] = {}
    years: set[int] = set()
    n_rev, n_st = len(columns), len(STATUS_HEADS)
    total = Tally(0, [0] * n_rev, [0] * n_st)

    def bucket(rows: dict[str, tuple[str, Tally]], name: str) -> Tally:
        name = name if name and squeezed(name) else UNNAMED
        return rows.setdefault(squeezed(name), (name, Tally(0, [0] * n_rev, [0] * n_st)))[1]

    for line in lines:
        f = line.figures
        if f is None or line.outcome != PASSED:
            continue
        years.add(f.fiscal_year)
        for g in f.groups:
            for t in (total, bucket(strategies, f.strategy), bucket(sections, g.section)):
                t.add(g.projects, g.reviews, g.statuses, g.proposed)
    return Overview(sorted(years), columns, reviewed_columns(ruleset), total,
                    [strategies[k] for k in sorted(strategies, key=_natural)],
                    [sections[k] for k in sorted(sections, key=_natural)])


def _natural(key: str) -> list:
    """Numbers in a name compared as numbers, so that 基本戦略 come in the book's order
    (「2-1 …」 before 「10-1 …」, 「3-2」 before 「3-10」), numbered names first. Splitting on
    digits alternates text and number, so two keys never compare a str with an int."""
    return [int(part) if k % 2 else part for k, part in enumerate(re.split(r"(\d+)", key))]


# ---- the workbook ---------------------------------------------------------------------

_FONT = {"font_name": "游ゴシック", "font_size": 10, "font_charset": 128}
_GRID = {"border": 1, "border_color": "#808080"}
_STYLES: dict[str, dict] = {
    "title": {**_FONT, "bold": True, "font_size": 14},
    "caption": {**_FONT, "bold": True, "font_size": 11},
    "note": {**_FONT, "font_size": 9, "font_color": "#595959"},
    "head": {**_FONT, **_GRID, "bold": True, "align": "center", "valign": "vcenter",
             "text_wrap": True, "bg_color": "#D9E1F2"},
    "text": {**_FONT, **_GRID, "valign": "top", "text_wrap": True},
    "num": {**_FONT, **_GRID, "valign": "top", "num_format": "#,##0"},
    "pct": {**_FONT, **_GRID, "valign": "top", "num_format": "0.0%"},
    "total_label": {**_FONT, **_GRID, "bold": True, "top": 2, "bg_color": "#F2F2F2"},
    "total": {**_FONT, **_GRID, "bold": True, "top": 2, "bg_color": "#F2F2F2", "num_format": "#,##0"},
    "total_pct": {**_FONT, **_GRID, "bold": True, "top": 2, "bg_color": "#F2F2F2", "num_format": "0.0%"},
}
_NOTE = ("評価した事務事業: 一覧の事業数（親事業と内訳事業は1件）。見直し: 「―」以外の見直し区分"
         "（4.の記載対象の事業）。割合は評価した事務事業に対するもの。")


_PROPOSED = ("見直し区分のうち {n} 件は部局が空欄にし、規則が提案したもの（調書では「（案）」）で、"
             "件数に含みます（一覧の「うち提案」）。")


def share(part: int, whole: int) -> float:
    """A share as the formula IF(whole=0,0,part/whole) computes it."""
    return part / whole if whole else 0


class _Sheet:
    """One worksheet and the formats, with the formula helpers every table uses."""

    def __init__(self, wb, ws, F: dict):
        # lazy: XlsxWriter (~0.1 s) only when this workbook is written
        from xlsxwriter.utility import xl_rowcol_to_cell

        self.wb, self.ws, self.F = wb, ws, F
        self.cell = xl_rowcol_to_cell
        self._quoted: dict[str, object] = {}

    def text(self, r: int, c: int, value: str, style: str = "text") -> None:
        fmt = self.F[style]
        if needs_quote(value):
            if style not in self._quoted:
                self._quoted[style] = self.wb.add_format({**_STYLES[style], "quote_prefix": True})
            fmt = self._quoted[style]
        self.ws.write_string(r, c, cell_text(value, f"{self.ws.name}!{self.cell(r, c)}"), fmt)

    def ratio(self, r: int, c: int, part: tuple[int, int], whole: tuple[int, int], value: float,
              style: str = "pct") -> None:
        p, w = self.cell(*part), self.cell(*whole)
        self.ws.write_formula(r, c, f"=IF({w}=0,0,{p}/{w})", self.F[style], value)

    def sum_of(self, r: int, c: int, cells: list[tuple[int, int]], value: int, style: str = "num") -> None:
        self.ws.write_formula(r, c, "=" + "+".join(self.cell(*rc) for rc in cells), self.F[style], value)

    def page(self, width_cols: list[float]) -> None:
        for c, w in enumerate(width_cols):
            self.ws.set_column(c, c, w)
        self.ws.set_landscape()
        self.ws.set_paper(9)  # A4
        self.ws.fit_to_pages(1, 1)


def write_overview(lines: list[Line], path: str | Path, ruleset: Ruleset) -> Overview:
    """Write the 評価結果概要 workbook to `path`, atomically; the figures it printed."""
    # lazy: XlsxWriter (~0.1 s) only when this workbook is written
    from xlsxwriter import Workbook

    ov = tally(lines, ruleset)
    with atomic_path(Path(path)) as tmp:
        buffer = io.BytesIO()  # see layout.workbook.write_chosho: a full disk is an OSError
        wb = Workbook(buffer, outputs.WORKBOOK_OPTIONS)
        try:
            wb.set_properties({"title": f"事業群評価 {TITLE}", "created": created(lines)})
            outputs.mark(wb, outputs.OVERVIEW)
            F = {name: wb.add_format(props) for name, props in _STYLES.items()}
            _write_total(_Sheet(wb, wb.add_worksheet(SHEET_TOTAL), F), ov)
            _write_breakdown(_Sheet(wb, wb.add_worksheet(SHEET_STRATEGY), F), ov, "基本戦略", ov.by_strategy)
            _write_breakdown(_Sheet(wb, wb.add_worksheet(SHEET_SECTION), F), ov, "主管課", ov.by_section)
            wb.close()
            tmp.write_bytes(buffer.getvalue())
        except BaseException:
            wb.fileclosed = True
            raise
    return ov


def _heading(s: _Sheet, ov: Overview, caption: str) -> None:
    s.text(0, 0, f"{ov.year_text} 事業群評価 {TITLE}（{caption}）" if ov.years else f"{TITLE}（{caption}）",
           "title")
    s.text(1, 0, _NOTE, "note")
    if ov.total.proposed:  # the 調書 print these as 「…（案）」, never as a department's decision
        s.text(2, 0, _PROPOSED.format(n=ov.total.proposed), "note")


def _write_total(s: _Sheet, ov: Overview) -> None:
    """概要: the 事務事業 evaluated and reviewed, each 見直し区分, the indicators per 進捗状況,
    and a chart of the 見直し区分."""
    t = ov.total
    _heading(s, ov, "全体")
    s.text(3, 0, "事務事業の見直し状況", "caption")
    s.text(4, 0, "区分", "head")
    s.text(4, 1, "事業数", "head")
    s.text(4, 2, "割合", "head")
    evaluated = (5, 1)
    s.text(5, 0, "評価した事務事業")
    s.ws.write_number(5, 1, t.evaluated, s.F["num"])
    s.ratio(5, 2, evaluated, evaluated, share(t.evaluated, t.evaluated))
    s.text(6, 0, "見直しを行った事務事業", "total_label")
    first = 7
    reviewed_rows = []
    for k, col in enumerate(ov.columns):
        r = first + k
        label = f"　{col}" if col in ov.reviewed else f"　（{col}）"
        s.text(r, 0, label)
        s.ws.write_number(r, 1, t.reviews[k], s.F["num"])
        s.ratio(r, 2, (r, 1), evaluated, share(t.reviews[k], t.evaluated))
        if col in ov.reviewed:
            reviewed_rows.append((r, 1))
    n_reviewed = ov.reviewed_count(t)
    s.sum_of(6, 1, reviewed_rows, n_reviewed, "total")
    s.ratio(6, 2, (6, 1), evaluated, share(n_reviewed, t.evaluated), "total_pct")
    last = first + len(ov.columns) - 1
    s.text(last + 1, 0, f"（）内は見直しに数えない区分（{Review.NONE}: 見直しなし、{NEW}: 新規事業）。", "note")

    top = last + 3
    s.text(top, 0, "指標の進捗状況", "caption")
    s.text(top + 1, 0, "進捗状況", "head")
    s.text(top + 1, 1, "指標数", "head")
    s.text(top + 1, 2, "割合", "head")
    total_row = top + 2 + len(STATUS_HEADS)
    for k, status in enumerate(STATUS_HEADS):
        r = top + 2 + k
        s.text(r, 0, status)
        s.ws.write_number(r, 1, t.statuses[k], s.F["num"])
        s.ratio(r, 2, (r, 1), (total_row, 1), share(t.statuses[k], sum(t.statuses)))
    s.text(total_row, 0, "合計", "total_label")
    s.sum_of(total_row, 1, [(top + 2 + k, 1) for k in range(len(STATUS_HEADS))], sum(t.statuses), "total")
    s.ratio(total_row, 2, (total_row, 1), (total_row, 1), share(sum(t.statuses), sum(t.statuses)), "total_pct")
    s.page([26, 10, 10])
    _chart(s, ov, first, top)


def _chart(s: _Sheet, ov: Overview, first: int, top: int) -> None:
    chart = s.wb.add_chart({"type": "column"})
    n = len(ov.reviewed)
    chart.add_series({
        "name": "事業数",
        "categories": [s.ws.name, first, 0, first + n - 1, 0],
        "values": [s.ws.name, first, 1, first + n - 1, 1],
        "data_labels": {"value": True},
        "fill": {"color": "#1565C0"},
    })
    chart.set_title({"name": "見直し区分（事業数）", "name_font": {"name": _FONT["font_name"], "size": 11}})
    chart.set_legend({"none": True})
    chart.set_x_axis({"num_font": {"name": _FONT["font_name"]}})
    chart.set_size({"width": 420, "height": 260})
    s.ws.insert_chart(3, 4, chart)
    pie = s.wb.add_chart({"type": "pie"})
    k = len(STATUS_HEADS)
    pie.add_series({
        "name": "指標数",
        "categories": [s.ws.name, top + 2, 0, top + 1 + k, 0],
        "values": [s.ws.name, top + 2, 1, top + 1 + k, 1],
        "points": [{"fill": {"color": c}} for c in STATUS_COLORS],
        "data_labels": {"value": True},
    })
    pie.set_title({"name": "指標の進捗状況", "name_font": {"name": _FONT["font_name"], "size": 11}})
    pie.set_size({"width": 420, "height": 260})
    s.ws.insert_chart(top, 4, pie)


def _row_height(texts: list[tuple[str, float]]) -> float:
    """Points a row needs to show each (text, column width) wrapped (layout.measure):
    Excel and LibreOffice do not grow the rows of a written file."""
    size = _FONT["font_size"]
    need = max((measure.text_height(t, w, size) for t, w in texts if t), default=0.0)
    return min(max(need, measure.line_pt(size) + measure.ROW_PAD_PT), measure.MAX_ROW_PT)


def _write_breakdown(s: _Sheet, ov: Overview, by: str, rows: list[tuple[str, Tally]]) -> None:
    """基本戦略別 / 主管課別: one row each, the 合計 row as SUM formulas."""
    _heading(s, ov, f"{by}別")
    heads = [by, "評価した事務事業", "見直し", "見直し率", *ov.columns, *STATUS_HEADS]
    widths = [30, 9, 7, 8, *([6] * len(ov.columns)), *([7] * len(STATUS_HEADS))]
    group, head = 3, 4
    first_rev = 4
    first_st = first_rev + len(ov.columns)
    for c in range(first_rev):
        s.ws.write_blank(group, c, None, s.F["head"])
    s.ws.merge_range(group, first_rev, group, first_st - 1, "見直し区分（事業数）", s.F["head"])
    s.ws.merge_range(group, first_st, group, first_st + len(STATUS_HEADS) - 1, "指標の進捗状況（指標数）",
                     s.F["head"])
    for c, h in enumerate(heads):
        s.text(head, c, h, "head")
    s.ws.set_row(head, _row_height(list(zip(heads, widths, strict=True))))
    rev_cols = [first_rev + k for k, col in enumerate(ov.columns) if col in ov.reviewed]
    total_row = head + 1 + len(rows)
    for i, (name, t) in enumerate([*rows, ("合計", ov.total)]):
        r = head + 1 + i
        last = r == total_row
        num, pct = ("total", "total_pct") if last else ("num", "pct")
        s.text(r, 0, name, "total_label" if last else "text")
        s.ws.set_row(r, _row_height([(name, widths[0])]))
        numbers = [t.evaluated, None, None, *t.reviews, *t.statuses]
        for c, v in enumerate(numbers, start=1):
            if v is None:
                continue
            if last and rows:
                s.ws.write_formula(r, c, f"=SUM({s.cell(head + 1, c)}:{s.cell(total_row - 1, c)})", s.F[num], v)
            else:
                s.ws.write_number(r, c, v, s.F[num])
        n_reviewed = ov.reviewed_count(t)
        s.sum_of(r, 2, [(r, c) for c in rev_cols], n_reviewed, num)
        s.ratio(r, 3, (r, 2), (r, 1), share(n_reviewed, t.evaluated), pct)
    s.ws.freeze_panes(head + 1, 1)
    s.ws.repeat_rows(group, head)
    s.page(widths)
