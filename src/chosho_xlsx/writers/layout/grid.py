"""A sheet planned as cells before anything is written: the column grid, the cells
(with the ranges they merge), the row blocks that should not be split across pages.

Planning first lets the writer size columns to the numbers they must show (a number
never wraps: too narrow a column prints ###) and rows to the text of merged cells."""

from __future__ import annotations

from dataclasses import dataclass, field

from chosho_xlsx.writers.layout import measure

TEXT, NUMBER, FORMULA, BLANK = "text", "number", "formula", "blank"


@dataclass(slots=True)
class Cell:  # slots: ~1,100 of them a 調書, made and read once each
    r1: int
    c1: int
    r2: int
    c2: int
    kind: str
    value: object  # text, number, or the formula (for FORMULA)
    style: str
    numfmt: str | None = None
    shown: str = ""  # the text the cell displays, for sizing
    cached: object = None  # a formula's value as the engine computed it
    size: float | None = None  # font size, when not the sheet's
    wrap: bool = True
    comment: str | None = None

    @property
    def merged(self) -> bool:
        return (self.r1, self.c1) != (self.r2, self.c2)


@dataclass
class SheetPlan:
    name: str
    widths: list[float]  # column widths in characters
    size: float  # the sheet's font size
    cells: list[Cell] = field(default_factory=list)
    row: int = 0  # the next free row
    blocks: list[tuple[int, int]] = field(default_factory=list)  # keep together
    repeat: tuple[int, int] | None = None  # rows printed at the top of every page
    min_height: dict[int, float] = field(default_factory=dict)
    extra_height: dict[int, float] = field(default_factory=dict)  # gaps between blocks

    @property
    def last_col(self) -> int:
        return len(self.widths) - 1

    @property
    def last_row(self) -> int:
        return max((c.r2 for c in self.cells), default=0)

    def span_width(self, c1: int, c2: int) -> float:
        """The width in characters that a range of columns shows as one merged cell."""
        px = sum(measure.column_px(w) for w in self.widths[c1 : c2 + 1])
        return max((px - 5) / measure.DIGIT_PX, 0.0)

    def put(self, cell: Cell) -> Cell:
        if cell.r2 < cell.r1 or cell.c2 < cell.c1 or cell.c2 > self.last_col:
            raise ValueError(f"{self.name}: bad range {cell}")
        self.cells.append(cell)
        return cell

    def text(self, r: int, c: int, text: str, style: str = "text", r2: int | None = None,
             c2: int | None = None, **kw) -> Cell:
        text = "" if text is None else str(text)
        return self.put(Cell(r, c, r if r2 is None else r2, c if c2 is None else c2, TEXT,
                             text, style, shown=text, **kw))

    def blank(self, r: int, c: int, style: str = "text", r2: int | None = None,
              c2: int | None = None) -> Cell:
        return self.put(Cell(r, c, r if r2 is None else r2, c if c2 is None else c2, BLANK,
                             None, style))

    def number(self, r: int, c: int, value: float | int, numfmt: str, shown: str,
               style: str = "num", r2: int | None = None, c2: int | None = None, **kw) -> Cell:
        return self.put(Cell(r, c, r if r2 is None else r2, c if c2 is None else c2, NUMBER,
                             value, style, numfmt=numfmt, shown=shown, wrap=False, **kw))

    def formula(self, r: int, c: int, formula: str, cached: object, numfmt: str | None,
                shown: str, style: str = "num", r2: int | None = None, c2: int | None = None,
                **kw) -> Cell:
        return self.put(Cell(r, c, r if r2 is None else r2, c if c2 is None else c2, FORMULA,
                             formula, style, numfmt=numfmt, shown=shown, cached=cached,
                             wrap=False, **kw))

    def block(self, first: int, last: int) -> None:
        """Rows first..last belong together: a page break goes before them, not inside."""
        self.blocks.append((first, last))

    # ---- sizing ------------------------------------------------------------------

    def fit_columns(self) -> None:
        """Widen columns so that every number shows unwrapped (no ###)."""
        spans: dict[tuple[int, int], float] = {}  # ~500 numbers a 調書, in a few spans
        for cell in self.cells:
            if cell.wrap or cell.kind == BLANK:
                continue
            size = cell.size or self.size
            need = measure.one_line_width(cell.shown, size)
            have = spans.get((cell.c1, cell.c2))
            if have is None:
                have = spans[cell.c1, cell.c2] = self.span_width(cell.c1, cell.c2)
            if need > have:
                self.widths[cell.c2] += need - have
                spans.clear()  # a column widened: every span is measured again

    def row_heights(self) -> list[float]:
        """Every row's height: tall enough for each cell's text, merged cells included
        (what a merged range lacks is spread over its rows, smaller ranges first)."""
        n = self.last_row + 1
        base = measure.line_pt(self.size) + measure.ROW_PAD_PT
        heights = [self.min_height.get(r, base) for r in range(n)]
        needs = []
        spans: dict[tuple[int, int], float] = {}  # the widths are settled by now
        one_line: dict[float, float] = {}  # font size → one line's height
        text_height = measure.text_height
        for cell in self.cells:
            if cell.kind == BLANK:
                continue
            size = cell.size or self.size
            if cell.wrap:
                span = spans.get((cell.c1, cell.c2))
                if span is None:
                    span = spans[cell.c1, cell.c2] = self.span_width(cell.c1, cell.c2)
                need = text_height(cell.shown, span, size)
            else:
                need = one_line.get(size)
                if need is None:
                    need = one_line[size] = measure.line_pt(size) + measure.ROW_PAD_PT
            needs.append((cell.r2 - cell.r1, cell.r1, cell.r2, need))
        for _, r1, r2, need in sorted(needs):
            have = sum(heights[r1 : r2 + 1])
            if need > have:
                add = (need - have) / (r2 - r1 + 1)
                for r in range(r1, r2 + 1):
                    heights[r] += add
        for r, extra in self.extra_height.items():
            if r < n:
                heights[r] += extra
        return [min(measure.MAX_ROW_PT, round(h * 4 + 0.49) / 4) for h in heights]

    def rows_for(self, texts: list[tuple[str, int, int]], minimum: int = 1) -> int:
        """How many rows a block needs so that no row passes Excel's largest height,
        for texts given as (text, first column, last column) merged over the block."""
        need = max(
            (measure.text_height(t, self.span_width(c1, c2), self.size) for t, c1, c2 in texts),
            default=0.0,
        )
        per_row = measure.MAX_ROW_PT * 0.8
        return max(minimum, -(-int(need) // int(per_row)))
