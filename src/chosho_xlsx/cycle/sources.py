"""A department workbook as the yearly-cycle commands need it: read from a path or from
bytes (the portal's upload), and its records' cell values as read, by header, with the
cell each came from."""

from __future__ import annotations

import math
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from chosho_xlsx.common.addresses import cell_ref
from chosho_xlsx.common.errors import EXIT_CONTENT, EXIT_UNREADABLE, CycleError
from chosho_xlsx.common.findings import Checked, UnreadableFile
from chosho_xlsx.common.limits import Limits
from chosho_xlsx.common.text import is_blank
from chosho_xlsx.contract import spec as contract
from chosho_xlsx.contract.loader import as_seen, headers_for
from chosho_xlsx.contract.spec import Column, keyvalue_sheet
from chosho_xlsx.cycle.sentences import text
from chosho_xlsx.intake.reader import RawBook, book_from_rows, read_book
from chosho_xlsx.intake.safety import check_workbook
from chosho_xlsx.model import fiscal
from chosho_xlsx.model.chosho import Chosho
from chosho_xlsx.model.quantity import Quantity
from chosho_xlsx.pipeline import check_book, read_input
from chosho_xlsx.writers.embed import EmbeddedError, read_embedded
from chosho_xlsx.writers.outputs import CHOSHO, written_by_us

# the 調書 sheet and its two columns (項目, 値), as the contract names them
KV_SHEET, KV_ITEM, KV_VALUE = keyvalue_sheet()


class InputRefused(CycleError):
    """An input rollover or diff cannot work from: unreadable (exit 2) or breaking the
    contract (exit 1). `checked` says where (its findings are shown first); the sentence
    after them, `sentence` in data/cycle.yaml, only when the file itself could be read."""

    sentence = ""

    def __init__(self, checked: Checked):
        super().__init__(checked.source)
        self.checked = checked
        self.exit_code = EXIT_UNREADABLE if checked.unreadable else EXIT_CONTENT

    @property
    def source(self) -> str:
        """The input as the user knows it."""
        return self.checked.source

    def message(self, lang: str = "ja") -> str:
        return "" if self.checked.unreadable else text(self.sentence, lang, path=self.checked.source)


def read_source(source: str | os.PathLike | bytes, name: str | None = None,
                chosho: bool = False) -> tuple[RawBook, RawBook | None]:
    """A workbook given as a path or as its bytes (the portal's upload), read after the
    safety check; with `chosho`, a 調書 this tool built is read as the input workbook
    stored inside it (embed.py). Returns the book and, for a 調書, its visible sheets as
    read (open_checked holds the stored input up to them). Raises UnreadableFile."""
    if isinstance(source, bytes | bytearray):
        with tempfile.TemporaryDirectory(prefix="chosho-") as tmp:
            path = Path(tmp) / "input.xlsx"
            path.write_bytes(source)
            return read_source(path, name or "input.xlsx", chosho)
    label = name or str(source)
    if chosho:
        check_workbook(source)
        embedded = _embedded_book(source, label)
        if embedded is not None:
            return embedded
    # a 調書 without its input (chosho) has been through the safety check above already;
    # the check reads every zip member, so it is not made twice
    book = read_input(source, safe=chosho)
    book.source = label
    return book, None


def _damaged(label: str, reason: str):
    return UnreadableFile("E-FILE-CHOSHO-DAMAGED", label, reason=reason)


def _embedded_book(source: str | os.PathLike, label: str) -> tuple[RawBook, RawBook] | None:
    """(the stored input as a book, the visible sheets) of a 調書 of ours; None for a
    workbook without stored input. Stored input in a workbook without our mark is
    refused (anyone can write the properties into any workbook), as is input past the
    limits an input workbook is read with."""
    limits = Limits()
    try:
        rows = read_embedded(source, limits)
    except EmbeddedError as exc:
        raise _damaged(label, str(exc)) from None
    except Exception as exc:  # a custom.xml a parser chokes on
        raise UnreadableFile("E-FILE-CORRUPT", label, reason=type(exc).__name__) from None
    if rows is None:
        return None
    if written_by_us(source) != CHOSHO:
        raise _damaged(label, "no chosho-xlsx mark")
    shown = _visible_sheets(source, limits)
    shown.source = label
    return _book_from_embedded(rows, label), shown


def _visible_sheets(source: str | os.PathLike, limits: Limits) -> RawBook:
    """Every sheet of a checked workbook, within `limits`."""
    try:
        return read_book(source, None, limits)
    except UnreadableFile:
        raise
    except Exception as exc:  # a parser choking on a file the safety check let through
        raise UnreadableFile("E-FILE-CORRUPT", str(source), reason=type(exc).__name__) from None


def stamp(source: str | os.PathLike | bytes) -> str | None:
    """What this tool wrote the file as (outputs.written_by_us: 調書 or 一覧), else None;
    for a file that turned out to hold none of the input's sheets, to say what it is."""
    if isinstance(source, bytes | bytearray):
        with tempfile.TemporaryDirectory(prefix="chosho-") as tmp:
            path = Path(tmp) / "input.xlsx"
            path.write_bytes(source)
            return written_by_us(path)
    return written_by_us(source)


def _book_from_embedded(rows: dict, label: str) -> RawBook:
    # lazy: the input workbook's writer (openpyxl, ~0.4 s) only when one is written
    from chosho_xlsx.writers.example import plan_of

    year, plan = plan_of(rows)
    try:
        fy = fiscal.parse_year(year)
        period = fiscal.parse_period(plan)
        if fy is None or period.end is None:
            raise fiscal.YearError(str(year))
    except fiscal.YearError as exc:
        raise _damaged(label, str(exc)) from None
    return book_from_rows(rows, headers_for(fy, period.start, period.end), label)


def disagreement(report, ruleset, shown: RawBook) -> str | None:
    """The first visible cell of a 調書 that differs from what its stored input prints
    (「施策一覧!C5」), None when every printed text and number is there as written."""
    # lazy: the 調書 writer (XlsxWriter, ~0.25 s with its layout) only when a 調書 is written
    from chosho_xlsx.writers.layout.workbook import printed

    for sheet, cells in printed(report, ruleset).items():
        found = shown.sheets.get(sheet)
        if found is None:
            return f"no sheet {sheet}"
        for (row, col), value in cells.items():
            if not _same(value, found.value(row, col)):
                return f"not as shown: {sheet}!{cell_ref(row, col)}"
    return None


def _same(printed: object, read: object) -> bool:
    if isinstance(printed, str):
        return isinstance(read, str) and read == printed
    return isinstance(read, int | float) and not isinstance(read, bool) and math.isclose(
        float(read), float(printed), rel_tol=1e-12, abs_tol=1e-9)


def open_checked(source: str | os.PathLike | bytes, ruleset, name: str | None = None,
                 chosho: bool = False) -> tuple[Checked, RawBook | None, bool]:
    """Read and validate a workbook (path or bytes); never raises for a bad file: an
    unreadable one is a Checked with its one finding, named as the caller knows it (not
    by the temporary file bytes are read from). Returns the validation, the book and
    whether it was a 調書 (see read_source): the input stored in a 調書 is validated as
    any input workbook, and a 調書 whose visible cells are not what it prints is
    E-FILE-CHOSHO-DAMAGED."""
    label = name or ("input.xlsx" if isinstance(source, bytes | bytearray) else str(source))
    try:
        book, shown = read_source(source, label, chosho)
        checked = check_book(book, ruleset)
        if shown is not None and checked.report is not None and not checked.errors:
            wrong = disagreement(checked.report, ruleset, shown)
            if wrong:
                raise _damaged(label, wrong)
    except UnreadableFile as exc:
        return Checked(label, [exc.finding.named(label)], None, unreadable=True), None, False
    return checked, book, shown is not None


def keyvalue_cells(book: RawBook) -> dict[str, str]:
    """The 調書 sheet's items → the cell of their value: 「施策名」 → 「調書!B4」."""
    return {row.values[KV_ITEM]: f"{KV_SHEET}!{row.cells[KV_VALUE]}" for row in keyvalue_rows(book)}


def keyvalue_rows(book: RawBook) -> list[SourceRow]:
    """The 調書 sheet: one row per item, {項目, 値} as read."""
    kv = book.sheets.get(KV_SHEET)
    items: list[SourceRow] = []
    for r, row in enumerate(kv.rows[1:] if kv else [], start=2):
        if row and not is_blank(row[0]):
            items.append(SourceRow({KV_ITEM: str(row[0]).strip(), KV_VALUE: _plain(row[1] if len(row) > 1 else "")},
                                   {KV_ITEM: cell_ref(r, 0), KV_VALUE: cell_ref(r, 1)}))
    return items


def _columns(chosho: Chosho) -> dict[str, dict[str, Column]]:
    """Sheet → header → the contract's column (the optional ones included)."""
    args = (chosho.fiscal_year, chosho.plan_start, chosho.plan_end)
    optional = contract.optional_columns(*args)
    return {s.name: {c.header: c for c in (*s.columns, *optional.get(s.name, ()))} for s in contract.sheets(*args)}


def _seen(book: RawBook, sheet: str, row: int, col: int, column: Column | None, value: object) -> object:
    """A cell's value to write back so that it reads the same: a number whose number
    format changes what it means (0.656 shown 「65.6%」) as the clerk sees it — 「65.6%」
    as text, an amount as its whole 千円 — anything else as it is."""
    seen = as_seen(book, sheet, row, col, column, value) if column is not None else value
    if not isinstance(seen, Quantity):
        return _plain(seen)
    if column is not None and column.type == "money" and seen.unit in ("", "千円") and seen.value is not None \
            and seen.value == seen.value.to_integral_value():
        return int(seen.value)
    return seen.text()


def typed_text(book: RawBook, chosho: Chosho, sheet: str, row: int, col: int, header: str) -> str:
    """A cell's text as the clerk sees it in Excel (a number through its number format:
    「65.6%」, an amount as its whole 千円): what `diff` shows of a cell it cannot compare."""
    raw = book.sheets[sheet].value(row, col) if sheet in book.sheets else ""
    seen = _seen(book, sheet, row, col, _columns(chosho).get(sheet, {}).get(header), raw)
    return "" if seen is None else str(seen)


def _plain(value: object) -> object:
    """A cell value as it is written back: whole floats (calamine reads 1 as 1.0) as int."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


@dataclass(frozen=True)
class SourceRow:
    """One record of the source: values by header, the cell each came from, and for
    事業 and 事業指標 rows the project's number as the model reads it."""

    values: dict[str, object]
    cells: dict[str, str]
    project: str = ""
    marked: frozenset[str] = frozenset()  # headers whose cell still carries a tool's mark (intake/marks.py)


def source_rows(book: RawBook, chosho: Chosho) -> dict[str, list[SourceRow]]:
    """The source's records with each cell's value as read (text as typed, numbers as
    numbers), by header, in the source's row order; the 調書 sheet as one row per item."""
    out: dict[str, list[SourceRow]] = {KV_SHEET: keyvalue_rows(book)}
    records = [(g.origin, "") for g in chosho.groups] + [(i.origin, "") for i in chosho.items]
    records += [(i.origin, "") for i in chosho.indicators] + [(i.origin, "") for i in chosho.issues]
    for p in chosho.projects:
        records.append((p.origin, p.number))
        records += [(pi.origin, p.number) for pi in p.indicators]
    columns = _columns(chosho)
    for origin, number in sorted(records, key=lambda r: (r[0].sheet, r[0].row)):
        sheet = book.sheets[origin.sheet]
        cols = origin.columns
        out.setdefault(origin.sheet, []).append(SourceRow(
            {h: _seen(book, origin.sheet, origin.row, i, columns[origin.sheet].get(h), sheet.value(origin.row, i))
             for h, i in cols.items()},
            {h: cell_ref(origin.row, i) for h, i in cols.items()},
            number,
            frozenset(h for h, i in cols.items() if (origin.sheet, origin.row, i) in book.marked),
        ))
    return out


