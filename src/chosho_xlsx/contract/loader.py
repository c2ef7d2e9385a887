"""From a RawBook (cell values at their positions) to the input model, with a finding at
every cell that breaks the contract. Column-local checks run through pandera (columns.py);
checks across sheets are in crosschecks.py. Records are bound to the model by the
contract's field names (_fields), so no header is written here."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from itertools import repeat

from chosho_xlsx.common.findings import Finding, Findings, Location
from chosho_xlsx.common.limits import Limits
from chosho_xlsx.common.text import is_blank
from chosho_xlsx.contract import parsers
from chosho_xlsx.contract import spec as contract
from chosho_xlsx.contract.columns import can_fail_columns, constrained, run_schema
from chosho_xlsx.contract.parsers import CellError
from chosho_xlsx.contract.spec import KEYVALUE, Column, Sheet
from chosho_xlsx.intake import numformat
from chosho_xlsx.intake.reader import RawBook, RawSheet
from chosho_xlsx.model import fiscal
from chosho_xlsx.model.chosho import (
    Budget,
    Chosho,
    Group,
    Indicator,
    Issue,
    Item,
    Origin,
    Project,
    ProjectIndicator,
)
from chosho_xlsx.model.quantity import EMPTY, QuantityError
from chosho_xlsx.model.ruleset import Ruleset

_norm_header = parsers.name_key


@dataclass
class Record:
    """One data row: typed values by header, and where it was read."""

    values: dict[str, object]
    origin: Origin


@dataclass
class Loaded:
    chosho: Chosho | None
    findings: list[Finding] = field(default_factory=list)
    # sheet → records, for crosschecks.py
    records: dict[str, list[Record]] = field(default_factory=dict)


class _Collector(Findings):
    """The loader's findings show a value as the clerk typed it, cut to a preview."""

    def found(self, code: str, at: Location, value: object = "", **params: object) -> None:
        self.add(Finding(code, at, parsers.preview(parsers.shown(value)), params))


# Column type (schemas/input.yaml) → converter of a raw value alone. The types that need
# the column or the settings (allowed values, the text limit) are bound in _converter.
_SIMPLE = {
    "int": parsers.to_int,
    "year": parsers.to_year,
    "period": parsers.to_period,
    "quantity": parsers.to_quantity,
    "money": parsers.to_money,
    "items": parsers.to_items,
    "viewpoints": parsers.to_viewpoints,
    "project": parsers.to_project,
}


def _converter(col: Column, ruleset: Ruleset):
    """The function that converts one raw value of the column (raises CellError), with
    what it needs from the column and the settings bound once, not looked up per cell.
    Of the settings it reads only limits.text_length and allowed_reviews: the key under
    which _readings_of keeps it."""
    kind = col.type
    if kind in _SIMPLE:
        return _SIMPLE[kind]
    if kind == "text":
        limit = ruleset.limits.text_length
        return lambda raw: parsers.to_text(raw, limit)
    if kind == "mark":
        marks = contract.marks()
        return lambda raw: parsers.to_mark(raw, marks)
    if kind == "enum":
        values = col.values
        return lambda raw: parsers.to_enum(raw, values)
    if kind == "review":
        allowed = ruleset.allowed_reviews
        return lambda raw: parsers.to_review(raw, allowed)
    raise ValueError(f"unknown column type {kind!r}")  # a contract error, not a user's


# A date or time in a cell is never a value of the contract: the finding for the column
# types whose own code says what is expected, E-TEXT-DATE for every other (identifiers,
# codes, marks, choices and text alike: 事業番号 「3-1」 that Excel made 2024-03-01).
_DATE_CODES = {"year": "E-NOT-YEAR", "period": "E-NOT-PERIOD", "quantity": "E-NOT-NUMBER", "money": "E-MONEY"}

# What calamine gives for anything that is not a date or time: checked by type first,
# so that the date check costs one set lookup for almost every cell.
_PLAIN = frozenset({str, int, float, bool})


def _convert(col: Column, raw: object, ruleset: Ruleset) -> object:
    convert = _converter(col, ruleset)
    if type(raw) not in _PLAIN and isinstance(raw, parsers.DATE_TYPES):
        raise CellError(_DATE_CODES.get(col.type, "E-TEXT-DATE"))
    return convert(raw)


@dataclass(frozen=True)
class _Reading:
    """How one column of a table is read, worked out once per process (not per cell)."""

    header: str
    index: int  # its position in the row
    column: Column
    convert: object  # _converter
    number: bool  # a type whose numbers mean what their number format shows
    date_code: str
    text_limit: int  # a text column's limit (parsers.to_text), else 0
    memo: dict = field(compare=False, hash=False)  # _memo_for: value → what convert made of it


def _readings(read: list[Column], positions: dict[str, int], ruleset: Ruleset) -> tuple[_Reading, ...]:
    """How each column of `read` is read, built once per process for each layout of a
    sheet (the inputs of a batch share the template's) and settings. Found by the
    columns' identity (contract.sheets makes them once per process; hashing a Column
    hashes all its fields), kept with the columns so that their ids stay theirs."""
    at = tuple(positions[c.header] for c in read)
    key = (tuple(map(id, read)), at, ruleset.limits.text_length, ruleset.allowed_reviews)
    found = _READINGS.get(key)
    if found is None:
        if len(_READINGS) >= 256:
            _READINGS.clear()
        found = _READINGS[key] = (tuple(read), _readings_of(tuple(zip(read, at, strict=True)), *key[2:]))
    return found[1]


_READINGS: dict[tuple, tuple[tuple[Column, ...], tuple]] = {}


@lru_cache(maxsize=256)
def _readings_of(columns: tuple[tuple[Column, int], ...], text_length: int,
                 reviews: tuple[str, ...]) -> tuple[_Reading, ...]:
    ruleset = Ruleset(allowed_reviews=reviews, limits=Limits(text_length=text_length))
    return tuple(
        _Reading(c.header, index, c, _converter(c, ruleset), c.type in _NUMBER_TYPES,
                 _DATE_CODES.get(c.type, "E-TEXT-DATE"), text_length if c.type == "text" else 0,
                 _memo_for(c, text_length, reviews))
        for c, index in columns
    )


# Column types whose numbers mean what their number format shows: 「48.5%」 is 0.485 in a
# percent-formatted cell, and is read as 48.5 with the unit %, like the typed text 「48.5%」.
_NUMBER_TYPES = ("quantity", "money")


def as_seen(book: RawBook, sheet: str, row: int, col: int, column: Column, value: object) -> object:
    """A number as the clerk sees it (value and number format together, numformat.seen);
    anything else as it is."""
    fmt = book.formats.get((sheet, row, col))
    if fmt is None or column.type not in _NUMBER_TYPES or isinstance(value, bool):
        return value
    if not isinstance(value, (int, float)):
        return value
    try:
        return numformat.seen(value, fmt)
    except QuantityError:  # NaN, infinity: the converter refuses the bare value
        return value


def _check_formula(book: RawBook, sheet: str, row: int, col: int, out: _Collector,
                   cached_value: object, **params: object) -> bool:
    """A formula cell: its cached value is used (warning, showing that value); without
    one, an error. Returns False when the cell has no usable value."""
    error = book.errors.get((sheet, row, col))
    if error is not None:  # 「#N/A」 typed, pasted or computed: not a blank cell
        out.found("E-CELL-ERROR", Location(sheet, row, col), error, **params)
        return False
    cached = book.formulas.get((sheet, row, col))
    if cached is None:
        return True
    if cached:
        out.found("W-FORMULA", Location(sheet, row, col), cached_value, **params)
    else:
        out.found("E-FORMULA", Location(sheet, row, col), **params)
    return cached


# How alike a sheet's name must be to a missing sheet's to be named as what was meant
# (difflib's ratio: 「指標一覧」 for 「指標」 is 0.67, 「Sheet1」 0).
NEAR_NAME = 0.5


def _missing_sheet(book: RawBook, name: str, out: _Collector) -> None:
    """A contract sheet that is not in the file: E-SHEET-NAME naming a sheet whose name
    is near it (and is no other contract sheet's), else E-SHEET-MISSING."""
    # lazy: difflib only for a file that lacks a sheet (~3 M instructions of every start)
    from difflib import SequenceMatcher

    key = parsers.name_key(name)
    others = {parsers.name_key(n) for n in contract.SHEET_NAMES}
    scored = [
        (SequenceMatcher(None, key, parsers.name_key(n)).ratio(), n)
        for n in book.names
        if parsers.name_key(n) not in others
    ]
    ratio, near = max(scored, default=(0.0, ""), key=lambda x: x[0])
    if ratio >= NEAR_NAME:
        out.found("E-SHEET-NAME", Location(name), near, sheet=name, found=near)
    else:
        out.found("E-SHEET-MISSING", Location(name), sheet=name)


def _read_keyvalue(book: RawBook, out: _Collector, ruleset: Ruleset) -> dict[str, object] | None:
    sheet = book.sheets.get("調書")
    if sheet is None:
        _missing_sheet(book, "調書", out)
        return None
    found: dict[str, tuple[int, object]] = {}
    known = {spec["key"] for spec in contract.keyvalue_keys()}
    for r, row in enumerate(sheet.rows[1:], start=2):
        filled = [i for i, v in enumerate(row) if not is_blank(v)]
        if not filled:
            continue
        key = _norm_header(row[0])
        if key not in known:
            # a note, or an item whose name was changed: said, never silently dropped
            i = filled[0]
            out.found("W-KEY-UNKNOWN", Location("調書", r, i), row[i])
            continue
        if key in found:
            out.found("E-DUPLICATE", Location("調書", r, 0), row[0])
            continue
        found[key] = (r, row[1] if len(row) > 1 else "")
    values: dict[str, object] = {}
    for spec in contract.keyvalue_keys():
        key = spec["key"]
        if key not in found:
            if spec.get("required"):
                out.found("E-KEY-MISSING", Location("調書", header=key), "", key=key)
            continue
        r, raw = found[key]
        at = Location("調書", r, 1)
        if not _check_formula(book, "調書", r, 1, out, raw, item=key):
            continue
        col = _keyvalue_column(key, spec["field"], spec["type"], spec.get("required", False))
        try:
            v = _convert(col, raw, ruleset)
        except CellError as exc:
            out.found(exc.code, at, raw, item=key, **exc.params)
            continue
        if v is None and col.required:
            out.found("E-REQUIRED", at, raw, item=key)
            continue
        values[spec["field"]] = v
        values[f"@{spec['field']}"] = at
        values[f"#{spec['field']}"] = raw
    return values


@lru_cache(maxsize=64)
def _keyvalue_column(key: str, name: str, kind: str, required: bool) -> Column:
    """An item of the 調書 sheet as a Column (made once per process: a Column has many fields)."""
    return Column(header=key, field=name, type=kind, required=required)


@dataclass
class _Table:
    """One table sheet being read: what each step of _read_table needs."""

    book: RawBook
    sheet: Sheet
    raw: RawSheet
    out: _Collector
    positions: dict[str, int] = field(default_factory=dict)  # header → column index
    by_column: dict[str, list] = field(default_factory=dict)  # header → its records' values


def _read_table(
    book: RawBook,
    sheet: Sheet,
    out: _Collector,
    ruleset: Ruleset,
    fiscal_year: int,
    optional: tuple[Column, ...] = (),
) -> list[Record] | None:
    """The records of one table sheet, or None when they cannot be read (sheet or key
    column missing). `optional` are columns the department may add (contract.optional_columns):
    read when present, never required."""
    raw: RawSheet | None = book.sheets.get(sheet.name)
    if raw is None:
        _missing_sheet(book, sheet.name, out)
        return None
    t = _Table(book, sheet, raw, out)
    _find_headers(t)
    missing = [c for c in sheet.columns if c.header not in t.positions]
    for c in missing:
        # The place names the sheet and the column: 「指標!R7目標」.
        out.found("E-COLUMN-MISSING", Location(sheet.name, header=c.header), "", column=c.header, sheet=sheet.name)
    _unknown_year_columns(t, {c.header for c in (*sheet.columns, *optional)}, fiscal_year)
    if missing and any(c.required for c in missing):
        return None  # the rows cannot be read without their key columns
    read = [c for c in (*sheet.columns, *optional) if c.header in t.positions]
    records = _read_rows(t, read, ruleset)
    _schema_findings(t, records)
    return records


def _find_headers(t: _Table) -> None:
    """Row 1's headers into t.positions; E-COLUMN-DUPLICATE for a header seen before."""
    for i, h in enumerate(t.raw.rows[0] if t.raw.rows else []):
        name = _norm_header(h)
        if not name:
            continue
        if name in t.positions:
            t.out.found("E-COLUMN-DUPLICATE", Location(t.sheet.name, 1, i), h, column=name)
            continue
        t.positions[name] = i


def _unknown_year_columns(t: _Table, expected: set[str], fiscal_year: int) -> None:
    """A year-labelled header the contract has no column for this 実施年度: an actual of a
    year that has not ended (E-ACTUAL-FUTURE), any other (E-COLUMN-YEAR)."""
    past = contract.past_families()
    for name, i in t.positions.items():
        year = fiscal.header_year(name) if name not in expected else None
        if not year:
            continue
        at = Location(t.sheet.name, 1, i)
        if year[1] in past and year[0] >= fiscal_year:
            t.out.found("E-ACTUAL-FUTURE", at, name, column=name, year=fiscal.label(year[0]), family=year[1])
        else:
            t.out.found("E-COLUMN-YEAR", at, name, column=name)


def _filled(row: list) -> list[int]:
    """The positions of the first two cells of `row` that are not blank
    (common.text.is_blank): all a row's reading needs to know (none, one, or more)."""
    found = []
    for i, v in enumerate(row):
        if _solid(v):
            found.append(i)
            if len(found) == 2:
                break
    return found


def _solid(v: object) -> bool:
    """A cell that is not blank (common.text.is_blank), as _filled tells it."""
    return v != "" and v is not None and not (type(v) is str and v.isspace())


def _data_rows(t: _Table, required: int) -> list[tuple[int, list]]:
    """(Excel row, cells) of every row below the headers that holds a record: blank rows
    are skipped, and a row with one filled cell where the sheet requires more is a note
    (E-NOTE-ROW), not a record."""
    rows = []
    for r, row in enumerate(t.raw.rows[1:], start=2):
        if len(row) >= 2 and _solid(row[0]) and _solid(row[1]):
            rows.append((r, row))  # most records: their first two cells filled
            continue
        if row.count("") == len(row):
            continue
        filled = _filled(row)
        if not filled:
            continue
        if len(filled) == 1 and required > 1:
            # A note typed under the table (「※R5は速報値」) or a row begun and left: one
            # finding at the cell, not one per blank required cell.
            t.out.found("E-NOTE-ROW", Location(t.sheet.name, r, filled[0]), row[filled[0]])
            continue
        rows.append((r, row))
    return rows


def _read_rows(t: _Table, read: list[Column], ruleset: Ruleset) -> list[Record]:
    """Every filled row below the headers as a Record of the `read` columns, read a
    column at a time (_read_column); a cell's findings are the same as if it were read
    alone."""
    columns = {c.header: t.positions[c.header] for c in read}
    readings = _readings(read, t.positions, ruleset)
    sheet = t.sheet.name
    rows = _data_rows(t, sum(1 for c in t.sheet.columns if c.required))
    # The cells the scan found a formula, an error value or a number format in: most
    # sheets have none, and then no cell is looked up.
    special = {(r, c) for (s, r, c) in (*t.book.formulas, *t.book.errors) if s == sheet}
    formatted = {(r, c) for (s, r, c) in (*t.book.formats, *t.book.unread_formats) if s == sheet}
    alone = {c for _r, c in (*special, *formatted)}  # the columns whose cells are read alone
    grid = _transposed([row for _r, row in rows])
    values = [_read_column(t, rd, rows, grid[rd.index] if rd.index < len(grid) else ("",) * len(rows),
                           special, formatted, rd.index in alone) for rd in readings]
    headers = [rd.header for rd in readings]
    t.by_column = dict(zip(headers, values, strict=True))
    by_row = zip(*values, strict=True) if values else (() for _ in rows)
    records = [Record(dict(zip(headers, cells, strict=True)), Origin(sheet, r, columns))
               for (r, _row), cells in zip(rows, by_row, strict=True)]
    unless = [c for c in read if c.required_unless]
    for rec in records if unless else ():
        for c in unless:
            if rec.values.get(c.header) is None and not rec.values.get(c.required_unless):
                t.out.found("E-REQUIRED", Location(sheet, rec.origin.row, columns[c.header]), "", column=c.header)
    return records


def _transposed(rows: list[list]) -> list[tuple]:
    """The columns of `rows` (zip's C loop), a short row's missing cells blank ('')."""
    width = max(map(len, rows), default=0)
    if any(len(row) != width for row in rows):
        rows = [row + [""] * (width - len(row)) for row in rows]
    return list(zip(*rows, strict=True))


class _Refused:
    """What _memo_for keeps of a value its converter refused: the CellError's code and
    parameters, from which the same finding is made at every cell holding the value."""

    __slots__ = ("code", "params")

    def __init__(self, exc: CellError) -> None:
        self.code, self.params = exc.code, exc.params


_MISS = object()


def _read_column(t: _Table, rd: _Reading, rows: list[tuple[int, list]], cells: tuple,
                 special: set, formatted: set, alone: bool = False) -> list[object]:
    """The typed values of one column (`cells`, of `rows`); None with its finding where a
    cell cannot be read. Each distinct value is converted once per process (rd.memo): a
    clerk's 「3,845件」, 「―」, 「○」 recur across rows and across the inputs of a batch,
    and a column whose values are all known is read by C loops (map) alone. `alone`: the
    scan found a formula, an error value or a number format in the column."""
    kinds = set(map(type, cells))
    # a formula, an error value or a number format in the column, a date, a value of the
    # example's YAML: each cell read alone
    if alone or not kinds <= _KEYED:
        return [_read_cell(t, rd, r, value, special, formatted)
                for (r, _row), value in zip(rows, cells, strict=True)]
    if rd.text_limit and kinds == _TEXT and max(map(len, cells), default=0) * 2 <= rd.text_limit:
        # parsers.to_text of texts that fit whatever their characters: blank or the text
        # (without a blank, by C loops alone)
        if "" not in cells and not any(map(str.isspace, cells)):
            return list(cells)
        return [v if v and not v.isspace() else None for v in cells]
    # looked up by the same key as _memo_key's (what it never keeps is never found)
    keys = cells if kinds == _TEXT else [v if type(v) is str else (type(v), v) for v in cells]
    found = list(map(rd.memo.get, keys, repeat(_MISS)))
    if not set(map(type, found)) & _FIX:
        return found
    return _fixed(t, rd, rows, cells, found)


def _fixed(t: _Table, rd: _Reading, rows: list[tuple[int, list]], cells: list, found: list) -> list[object]:
    """_read_column's values where the memo did not have them (converted, and kept),
    refused (None, and the finding at the cell) or a list (each cell its own copy)."""
    memo, sheet, i = rd.memo, t.sheet.name, rd.index
    for j, got in enumerate(found):
        value = cells[j]
        if got is _MISS:
            got = _converted(rd, value)
            if (key := _memo_key(value)) is not None:
                if len(memo) >= _MEMO_SIZE:
                    memo.clear()
                memo[key] = got
        if type(got) is _Refused:
            t.out.found(got.code, Location(sheet, rows[j][0], i), value, **got.params)
            got = None
        found[j] = list(got) if type(got) is list else got
    return found


def _converted(rd: _Reading, value: object) -> object:
    """What rd.convert makes of `value`, or _Refused."""
    try:
        if type(value) not in _PLAIN and isinstance(value, parsers.DATE_TYPES):
            raise CellError(rd.date_code)
        return rd.convert(value)
    except CellError as exc:
        return _Refused(exc)


def _read_cell(t: _Table, rd: _Reading, r: int, value: object, special: set, formatted: set) -> object:
    """A cell the scan found a formula, an error value or a number format in: read alone."""
    sheet, i = t.sheet.name, rd.index
    if rd.number and (r, i) in formatted:
        unread = t.book.unread_formats.get((sheet, r, i))
        if unread is not None and type(value) in (int, float):
            t.out.found("E-NUMBER-FORMAT", Location(sheet, r, i), value, format=unread)
            return None  # never a guess at what the clerk sees
        value = as_seen(t.book, sheet, r, i, rd.column, value)
    if (r, i) in special and not _check_formula(t.book, sheet, r, i, t.out, value):
        return None
    found = _converted(rd, value)
    if type(found) is _Refused:
        t.out.found(found.code, Location(sheet, r, i), value, **found.params)
        return None
    return found


# What the memo of converted values keeps: values of the types calamine gives, a text only
# when short (an identifier, a number with its unit, a mark, a choice: what recurs; a
# paragraph does not), at most _MEMO_SIZE of them per kind of column (then it starts again).
_MEMO_TEXT = 64
_MEMO_SIZE = 4096
_MEMOS: dict[tuple, dict] = {}
_KEYED = frozenset({str, int, bool, float})
_TEXT = {str}
_FIX = frozenset({object, _Refused, list})  # type(_MISS), a refusal, a list


def _memo_key(value: object) -> object:
    """The key of `value` in a memo, None when it is not kept: the type is part of it
    (1, 1.0 and True are equal in Python, not to the converters); a float 0 or NaN is
    never kept (-0.0 equals 0.0; NaN equals nothing)."""
    kind = type(value)
    if kind is str:
        return value if len(value) <= _MEMO_TEXT else None
    if kind is int or kind is bool or (kind is float and value and value == value):
        return (kind, value)
    return None


def _memo_for(col: Column, text_length: int, reviews: tuple[str, ...]) -> dict:
    """The memo shared by every column that converts alike: the type, and what its
    converter binds (_converter): the text limit, the allowed reviews, the choices."""
    kind = col.type
    key = (kind, text_length if kind == "text" else None, reviews if kind == "review" else None,
           col.values if kind == "enum" else None)
    return _MEMOS.setdefault(key, {})


def _schema_findings(t: _Table, records: list[Record]) -> None:
    """The column-local checks of columns.py (required, unique, range), through pandera
    only when one of them can fail."""
    checked = [c.header for c in t.sheet.columns if c.header in t.positions and constrained(c)]
    if not records or not can_fail_columns(t.sheet, {h: t.by_column.get(h, ()) for h in checked}):
        return
    # lazy: pandas and pandera (~0.5 s), only for a table the schema must check
    import pandas as pd

    frame = pd.DataFrame(
        [rec.values for rec in records],
        index=[rec.origin.row for rec in records],
        columns=checked,
    )
    for row_no, header, code in run_schema(t.sheet, frame):
        value = t.raw.value(row_no, t.positions[header])
        t.out.found(code, Location(t.sheet.name, row_no, t.positions[header]), value, column=header)


def _s(v: object) -> str:
    return "" if v is None else str(v)


def _as_is(v: object) -> object:
    return v


def _quantity(v: object) -> object:
    return EMPTY if v is None else v


# Column type → the value as the model holds it: text never None, a mark a bool, a list
# never None, a quantity EMPTY when blank (a choice: its default, _binder).
_BIND = {
    "text": _s,
    "review": _s,
    "project": _s,
    "mark": bool,
    "items": lambda v: v or [],
    "viewpoints": lambda v: v or [],
    "quantity": _quantity,
}


def _binder(col: Column):
    if col.type == "enum":
        default = col.default or ""
        return lambda v: v or default
    return _BIND.get(col.type, _as_is)


@dataclass(frozen=True)
class _Binding:
    """How _fields binds a row of one sheet, worked out once per process for each sheet:
    the sheet's columns in their order, by kind of field. `as_is` (attribute, header): the
    value as read; `texts` (attribute, header): _s; `plain`: (attribute, header, binder)
    for the other binders; `parts` (「budgets.total」): (attribute, year, ((part, header),
    …)); `years` (a year family): (attribute, ((year, header, binder), …)). A family's
    columns are grouped under it (in their order), so that each dict of a record is made
    once, not looked up for every column."""

    as_is: tuple[tuple[str, str], ...]
    texts: tuple[tuple[str, str], ...]
    plain: tuple[tuple[str, str, object], ...]
    parts: tuple[tuple[str, int, tuple[tuple[str, str], ...]], ...]
    years: tuple[tuple[str, tuple[tuple[int, str, object], ...]], ...]


def _binding(sheet: Sheet) -> _Binding:
    found = _BINDINGS.get(id(sheet))
    if found is not None and found[0] is sheet:
        return found[1]
    as_is, texts, plain = [], [], []
    parts: dict[tuple[str, int], list] = {}
    years: dict[str, list] = {}
    for c in sheet.columns:
        name, _dot, part = c.field.partition(".")
        if c.year is None:
            bind = _binder(c)
            if bind is _as_is:
                as_is.append((name, c.header))
            elif bind is _s:
                texts.append((name, c.header))
            else:
                plain.append((name, c.header, bind))
        elif part:
            parts.setdefault((name, c.year), []).append((part, c.header))
        else:
            years.setdefault(name, []).append((c.year, c.header, _binder(c)))
    binding = _Binding(tuple(as_is), tuple(texts), tuple(plain),
                       tuple((name, year, tuple(cols)) for (name, year), cols in parts.items()),
                       tuple((name, tuple(cols)) for name, cols in years.items()))
    if len(_BINDINGS) >= 256:
        _BINDINGS.clear()
    _BINDINGS[id(sheet)] = (sheet, binding)  # the sheet kept with it: its id stays its own
    return binding


_BINDINGS: dict[int, tuple[Sheet, _Binding]] = {}


def _fields(rec: Record, binding: _Binding) -> dict[str, object]:
    """The record's values by the contract's field names, which are the model's: a year
    family as {year: value} (the years the sheet has), 「budgets.total」 as
    {year: {"total": value}}. Optional columns are not part of the model."""
    values = rec.values
    get = values.get
    out: dict[str, object] = {name: get(header) for name, header in binding.as_is}
    for name, header in binding.texts:  # _s, without a call per field
        v = get(header)
        out[name] = "" if v is None else v if type(v) is str else str(v)
    for name, header, bind in binding.plain:
        out[name] = bind(get(header))
    for name, year, cols in binding.parts:
        out.setdefault(name, {})[year] = {part: get(header) for part, header in cols}
    for name, cols in binding.years:
        years = out[name] = {}
        for year, header, bind in cols:
            v = get(header, _MISS)
            if v is not _MISS:
                # (a quantity, the usual year value, without a call)
                years[year] = (EMPTY if v is None else v) if bind is _quantity else bind(v)
    return out


def _read_tables(book: RawBook, out: _Collector, ruleset: Ruleset, fy: int, period: fiscal.Period
                 ) -> tuple[dict[str, Sheet], dict[str, list[Record]]]:
    """Every table sheet read with the columns of 実施年度 `fy`."""
    sheets = {s.name: s for s in contract.sheets(fy, period.start, period.end) if s.kind != KEYVALUE}
    optional = contract.optional_columns(fy, period.start, period.end)
    records: dict[str, list[Record]] = {}
    for name, sheet in sheets.items():
        recs = _read_table(book, sheet, out, ruleset, fy, optional.get(name, ()))
        if recs is not None:
            records[name] = recs
    return sheets, records


def _headers_in(book: RawBook) -> set[str]:
    """Every row-1 header of the workbook's sheets, normalised as the reader reads them."""
    return {_norm_header(h) for sheet in book.sheets.values() if sheet.rows for h in sheet.rows[0]}


@lru_cache(maxsize=256)
def _year_columns(fy: int, period: fiscal.Period) -> dict[str, Column]:
    """The year-labelled columns (R5実績, R6事業費 …) of the workbook for 実施年度 `fy`, by
    header (once per process for each year and plan: read, never changed, by its callers)."""
    return {c.header: c for s in contract.sheets(fy, period.start, period.end) for c in s.columns if c.year}


# The most telling year columns first: 実績, then 事業費.
_TELLING = ("actuals", "budgets.total")


def _by_field(col: Column) -> tuple:
    """The most telling columns first (_TELLING, then the rest), then by year."""
    return (_TELLING.index(col.field) if col.field in _TELLING else len(_TELLING), col.year, col.header)


def _year_of_columns(book: RawBook, fy: int, period: fiscal.Period) -> int:
    """The 実施年度 the workbook's year columns were made for: `fy` unless another year
    that fits the plan matches strictly more of them (a R6 workbook whose 調書 says R5)."""
    found = _headers_in(book)

    def matched(year: int) -> int:
        return len(contract.year_headers(year, period.start, period.end) & found)

    best = max(range(period.start, period.end + 2), key=lambda y: (matched(y), y == fy))
    return best if matched(best) > matched(fy) else fy


def _years_fit(book: RawBook, kv: dict[str, object], out: _Collector, ruleset: Ruleset) -> bool:
    """実施年度 inside the plan, and the year columns made for it. When they were made for
    another year: one finding at 実施年度 instead of one per year column (which would tell
    the clerk to remove real 実績); the sheets are still read with the columns they have,
    so that their other findings show in the same run."""
    fy, period = kv["fiscal_year"], kv["plan_period"]
    if not period.evaluable(fy):
        code = "E-PLAN-OPEN" if period.end is None else "E-YEAR-OUTSIDE-PLAN"
        out.found(code, kv["@plan_period"], fiscal.period_label(period.start, period.end))
        return False
    columns_year = _year_of_columns(book, fy, period)
    if columns_year == fy:
        return True
    expected = _year_columns(fy, period)
    wrong = [c for h, c in _year_columns(columns_year, period).items() if h not in expected]
    present = _headers_in(book)
    header = min((c for c in wrong if c.header in present), key=_by_field).header
    out.found("E-YEAR-COLUMNS", kv["@fiscal_year"], kv["#fiscal_year"],
            item=contract.header(contract.keyvalue_sheet()[0], "fiscal_year"),
            found=fiscal.label(columns_year), header=header)
    _read_tables(book, out, ruleset, columns_year, period)
    return False


def load(book: RawBook, ruleset: Ruleset) -> Loaded:
    """Parse a whole department workbook. Returns the model (None when the workbook is
    too broken to build one) and every finding at its place."""
    out = _Collector()
    for name, real in book.renamed.items():
        out.found("W-SHEET-NAME", Location(name), real, sheet=name, found=real)
    kv = _read_keyvalue(book, out, ruleset)
    if not kv or "fiscal_year" not in kv or "plan_period" not in kv:
        return Loaded(None, out.items)
    if not _years_fit(book, kv, out, ruleset):
        return Loaded(None, out.items)
    sheets, records = _read_tables(book, out, ruleset, kv["fiscal_year"], kv["plan_period"])
    if any(name not in records for name in sheets):
        return Loaded(None, out.items, records)
    return Loaded(_chosho(kv, sheets, records, book.source), out.items, records)


def _chosho(kv: dict[str, object], sheets: dict[str, Sheet], records: dict[str, list[Record]],
            source: str) -> Chosho:
    """The model from the records: each field of the contract is the attribute of the
    same name (model.py)."""

    def bound(sheet: str, cls: type) -> list:
        binding = _binding(sheets[sheet])
        return [cls(**_fields(r, binding), origin=r.origin) for r in records[sheet]]

    by_project: dict[str, list[ProjectIndicator]] = {}
    for pi in bound("事業指標", ProjectIndicator):
        by_project.setdefault(pi.project, []).append(pi)
    projects = []
    binding = _binding(sheets["事業"])
    for r in records["事業"]:
        values = _fields(r, binding)
        values["budgets"] = {y: Budget(**parts) for y, parts in values["budgets"].items()}
        pis = sorted(by_project.get(values["number"], []), key=lambda p: 0 if p.kind == "活動" else 1)
        projects.append(Project(**values, indicators=pis, origin=r.origin))
    period = kv["plan_period"]
    texts = {k["field"]: _s(kv.get(k["field"])) for k in contract.keyvalue_keys() if k["type"] == "text"}
    return Chosho(
        fiscal_year=kv["fiscal_year"],
        plan_start=period.start,
        plan_end=period.end,
        **texts,
        groups=bound("事業群", Group),
        items=bound("取組項目", Item),
        indicators=bound("指標", Indicator),
        projects=projects,
        issues=bound("課題", Issue),
        source=source,
    )


def headers_for(fiscal_year: int, plan_start: int, plan_end: int) -> dict[str, list[str]]:
    return {s.name: s.headers for s in contract.sheets(fiscal_year, plan_start, plan_end)}


__all__ = ["Loaded", "Record", "headers_for", "load"]
