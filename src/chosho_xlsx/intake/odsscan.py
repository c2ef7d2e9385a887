"""The cell scan of an OpenDocument spreadsheet (.ods, LibreOffice Calc's own format): what
python-calamine does not say, from content.xml, as scan.py finds it in an .xlsx's sheets.

- formulas (「table:formula」, with or without a cached value) and error values
  (LibreOffice's 「calcext:value-type="error"」, text 「#DIV/0!」, 「Err:502」);
- numbers whose number format changes what they mean to the clerk: a percentage
  (office:value-type="percentage", stored as 0.485), a currency, a display factor
  (「#,##0,」 is number:display-factor="1000") or a unit text (「件」). The format is found
  as Calc finds it: the cell's style, else its column's default cell style, and the style's
  data style (number:*-style), through parent styles, in content.xml or styles.xml. A
  format that cannot be followed or read is recorded as such (`unread`), never guessed;
- cells a tool marked for a person (office:annotation by marks.ROLLOVER_AUTHOR);
- the used area, with LibreOffice's repeats (number-rows-repeated, number-columns-repeated:
  a sheet ends with a row repeated a million times): refused past the limits before
  calamine, which reads an .ods whole when it opens it, sees the file.

One streamed expat pass with namespaces resolved (prefixes are the writer's choice), DTDs
refused as in scan.py (the safety check has refused them already)."""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.parsers import expat

from chosho_xlsx.common.addresses import cell_ref
from chosho_xlsx.common.findings import UnreadableFile
from chosho_xlsx.common.limits import Limits
from chosho_xlsx.intake.numformat import CURRENCY_UNITS, NumberFormat
from chosho_xlsx.intake.package import Package
from chosho_xlsx.intake.scan import CHUNK, CellScan, Key, safe_parser

_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_STYLE = "urn:oasis:names:tc:opendocument:xmlns:style:1.0"
_NUMBER = "urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0"
_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_CALCEXT = "urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0"
_DC = "http://purl.org/dc/elements/1.1/"


def _n(ns: str, name: str) -> str:
    return f"{ns} {name}"


T_TABLE, T_ROW, T_COLUMN = _n(_TABLE, "table"), _n(_TABLE, "table-row"), _n(_TABLE, "table-column")
T_CELL, T_COVERED = _n(_TABLE, "table-cell"), _n(_TABLE, "covered-table-cell")
A_NAME, A_ROWS, A_COLS = _n(_TABLE, "name"), _n(_TABLE, "number-rows-repeated"), _n(_TABLE, "number-columns-repeated")
A_FORMULA, A_STYLE, A_DEFAULT = _n(_TABLE, "formula"), _n(_TABLE, "style-name"), _n(_TABLE, "default-cell-style-name")
A_TYPE, A_CALC_TYPE = _n(_OFFICE, "value-type"), _n(_CALCEXT, "value-type")
E_ANNOTATION, E_CREATOR, E_P = _n(_OFFICE, "annotation"), _n(_DC, "creator"), _n(_TEXT, "p")
S_STYLE, S_NAME, S_FAMILY = _n(_STYLE, "style"), _n(_STYLE, "name"), _n(_STYLE, "family")
S_PARENT, S_DATA, S_MAP = _n(_STYLE, "parent-style-name"), _n(_STYLE, "data-style-name"), _n(_STYLE, "map")
S_CONDITION, S_APPLY = _n(_STYLE, "condition"), _n(_STYLE, "apply-style-name")

# Data styles: those of numbers, and those a number shown in them keeps its meaning in.
_NUMBER_STYLES = {_n(_NUMBER, k) for k in ("number-style", "percentage-style", "currency-style")}
_OTHER_STYLES = {_n(_NUMBER, k) for k in ("text-style", "date-style", "time-style", "boolean-style")}
_NUMBER_TYPES = ("float", "percentage", "currency")
N_NUMBER, N_TEXT, N_CURRENCY = _n(_NUMBER, "number"), _n(_NUMBER, "text"), _n(_NUMBER, "currency-symbol")
# Parts of a data style that show the value without changing what a number means (the
# parts of date, time, boolean and text styles among them: those styles mean no number).
_PLAIN_PARTS = {_n(_NUMBER, k) for k in (
    "scientific-number", "fraction", "fill-character", "text-content", "embedded-text", "boolean",
    "day", "month", "year", "era", "day-of-week", "week-of-year", "quarter", "hours", "minutes",
    "seconds", "am-pm")}
_POSITIVE = ("value()>=0", "value()>0")


@dataclass
class _DataStyle:
    kind: str  # the element: number-style, percentage-style …
    parts: list[tuple[str, str]] = field(default_factory=list)  # (element, text or display factor)
    positive: str | None = None  # the style applied to positive numbers (style:map)
    unreadable: bool = False


@dataclass
class _Styles:
    cell: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)  # name → (parent, data)
    data: dict[str, _DataStyle] = field(default_factory=dict)


class _Unreadable(Exception):
    """A number format that cannot be followed or read (its name, for the finding)."""


def ods_parser(start, end, text=None) -> expat.XMLParserType:
    """scan.safe_parser with namespaces resolved (「urn:… name」): ODS names its parts'
    elements by namespace, whatever prefix a program chose."""
    return safe_parser(start, end, text, namespace_separator=" ")


def _feed(parser: expat.XMLParserType, pkg: Package, member: str) -> None:
    kept = pkg.parts.get(member)
    if kept is not None:
        parser.Parse(kept, True)
        return
    with pkg.stream(member) as stream:
        while chunk := stream.read(CHUNK):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)


class _StyleReader:
    """Cell styles and data styles of one part (styles.xml, or content.xml's automatic
    styles, read in the same pass as its tables)."""

    def __init__(self, styles: _Styles) -> None:
        self.styles = styles
        self.data: _DataStyle | None = None
        self.depth = 0  # inside a data style: its elements' nesting
        self.text: list[str] | None = None

    def start(self, tag: str, attrs: dict[str, str]) -> bool:
        """True when the element was a style's (so the table reader may skip it)."""
        data = self.data
        if data is not None:
            self.depth += 1
            if tag == S_MAP:
                if attrs.get(S_CONDITION, "").replace(" ", "") in _POSITIVE:
                    data.positive = attrs.get(S_APPLY)
            elif tag == N_NUMBER:
                data.parts.append((tag, attrs.get(_n(_NUMBER, "display-factor"), "1")))
            elif tag in (N_TEXT, N_CURRENCY):
                self.text = []
            elif tag.startswith(_NUMBER) and tag not in _PLAIN_PARTS:
                data.unreadable = True  # a part of a number format we do not know the meaning of
            return True
        if tag == S_STYLE and attrs.get(S_FAMILY) == "table-cell":
            self.styles.cell[attrs.get(S_NAME, "")] = (attrs.get(S_PARENT), attrs.get(S_DATA))
            return True
        if tag in _NUMBER_STYLES or tag in _OTHER_STYLES:
            self.data = _DataStyle(tag)
            self.styles.data[attrs.get(S_NAME, "")] = self.data
            self.depth = 0
            return True
        return False

    def chars(self, text: str) -> None:
        if self.text is not None:
            self.text.append(text)

    def end(self, tag: str) -> None:
        if self.data is None:
            return
        if self.text is not None and tag in (N_TEXT, N_CURRENCY):
            self.data.parts.append((tag, "".join(self.text)))
            self.text = None
        if self.depth == 0:
            self.data = None
        else:
            self.depth -= 1


def _meaning(styles: _Styles, name: str) -> NumberFormat | None:
    """What the data style of cell style `name` does to a number (None: nothing); raises
    _Unreadable when the style cannot be followed or read."""
    data_name, seen = None, set()
    current: str | None = name
    while current is not None and data_name is None:
        if current in seen or current not in styles.cell:
            if current == "Default" and current not in styles.cell:
                return None  # Calc's built-in default cell style: General
            raise _Unreadable(name)
        seen.add(current)
        parent, data_name = styles.cell[current]
        current = parent
    if data_name is None:
        return None
    data = styles.data.get(data_name)
    if data is not None and data.positive is not None:
        data = styles.data.get(data.positive)
    if data is None:
        raise _Unreadable(data_name)
    if data.kind in _OTHER_STYLES:
        return None
    if data.unreadable:
        raise _Unreadable(data_name)
    return _classify(data)


def _classify(data: _DataStyle) -> NumberFormat | None:
    percent = 1 if data.kind == _n(_NUMBER, "percentage-style") else 0
    scale, prefix, suffix, seen_number = 0, [], [], False
    for tag, value in data.parts:
        if tag == _n(_NUMBER, "number"):
            seen_number = True
            factor = value.strip()
            if factor not in ("1", "1000", "1000000", "1000000000"):
                raise _Unreadable(factor)
            scale += (len(factor) - 1) // 3
            continue
        text = value
        if percent and text.strip() == "%":
            text = "%"
        text = CURRENCY_UNITS.get(text.strip(), text)
        (suffix if seen_number else prefix).append(text)
    fmt = NumberFormat(percent, scale, "".join(prefix).strip(), "".join(suffix).strip())
    return fmt if (fmt.percent or fmt.scale or fmt.unit) else None


@dataclass
class OdsScan:
    scan: CellScan = field(default_factory=CellScan)
    marked: dict[Key, str] = field(default_factory=dict)
    unread: dict[Key, str] = field(default_factory=dict)  # → the format that cannot be read
    sheets: list[str] = field(default_factory=list)  # every table, in order


def scan_ods(pkg: Package, sheet_names: tuple[str, ...] | None, limits: Limits | None,
             author: str) -> OdsScan:
    """The scan of the named tables (all when None) of an .ods Package; UnreadableFile at
    the first cell with a value past `limits`."""
    styles = _Styles()
    if "styles.xml" in pkg.names:
        reader = _StyleReader(styles)
        _feed(ods_parser(lambda t, a: reader.start(t, a), reader.end, reader.chars), pkg, "styles.xml")
    tables = _TableReader(styles, sheet_names, limits, pkg.where, author)
    _feed(tables.parser, pkg, "content.xml")
    tables.result.unread.update(tables.pending_unread())
    return tables.result


class _TableReader:
    def __init__(self, styles: _Styles, wanted: tuple[str, ...] | None, limits: Limits | None,
                 where: str, author: str) -> None:
        self.styles, self.wanted, self.limits, self.where, self.author = styles, wanted, limits, where, author
        self.style_reader = _StyleReader(styles)
        self.result = OdsScan()
        self.sheet: str | None = None  # the table being read, when wanted
        self.columns: list[tuple[int, str | None, int]] = []  # (first column, default cell style, count)
        self.row = 0  # 1-based row of the current row's first repeat
        self.rows_repeated = 1
        self.col = 0  # 0-based column of the next cell
        self.cell: dict | None = None  # the current cell's state
        self.rows = self.cols = 0  # the used area
        self.text: list[str] | None = None
        self.numbers: list[tuple[Key, str]] = []  # number cells with a style to resolve at the end
        self.parser = ods_parser(self.start, self.end, self.chars)

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        if self.style_reader.start(tag, attrs):
            return
        if tag == T_TABLE:
            name = attrs.get(A_NAME, "")
            self.result.sheets.append(name)
            self.sheet = name if self.wanted is None or name in self.wanted else None
            self.columns, self.row, self.rows_repeated, self.rows, self.cols = [], 0, 1, 0, 0
        elif self.sheet is None:
            return
        elif tag == T_COLUMN:
            first = self.columns[-1][0] + self.columns[-1][2] if self.columns else 0
            self.columns.append((first, attrs.get(A_DEFAULT), _count(attrs.get(A_COLS))))
        elif tag == T_ROW:
            self.row += self.rows_repeated
            self.rows_repeated = _count(attrs.get(A_ROWS))
            self.col = 0
        elif tag in (T_CELL, T_COVERED) and self.cell is None:
            self._start_cell(attrs)
        elif self.cell is not None:
            self._inside_cell(tag)

    def _start_cell(self, attrs: dict[str, str]) -> None:
        row = max(self.row, 1)
        self.cell = {"key": (self.sheet, row, self.col), "attrs": attrs, "text": [], "note": None,
                     "creator": None, "in_note": False, "repeat": _count(attrs.get(A_COLS))}
        self.col += self.cell["repeat"]

    def _inside_cell(self, tag: str) -> None:
        cell = self.cell
        if tag == E_ANNOTATION:
            cell["note"], cell["in_note"] = [], True
        elif tag == E_CREATOR and cell["in_note"]:
            self.text = cell["creator"] = []
        elif tag == E_P:
            self.text = cell["note"] if cell["in_note"] else cell["text"]
            if self.text:
                self.text.append("\n")

    def chars(self, text: str) -> None:
        self.style_reader.chars(text)
        if self.text is not None:
            self.text.append(text)

    def end(self, tag: str) -> None:
        self.style_reader.end(tag)
        if tag in (E_P, E_CREATOR):
            self.text = None
        elif tag == E_ANNOTATION and self.cell is not None:
            self.text, self.cell["in_note"] = None, False
        elif tag in (T_CELL, T_COVERED) and self.cell is not None:
            self._end_cell()
            self.cell = None

    def _end_cell(self) -> None:
        cell, attrs = self.cell, self.cell["attrs"]
        kind = attrs.get(A_TYPE)
        text = "".join(cell["text"])
        filled = kind is not None or text != ""
        error = attrs.get(A_CALC_TYPE) == "error"
        formula = A_FORMULA in attrs
        note, creator = cell["note"], cell["creator"]
        marked = note is not None and creator is not None and "".join(creator).strip() == self.author
        if not (filled or formula or error or marked):
            return
        sheet, row, col = cell["key"]
        if filled:
            self._fill(cell["key"], cell["repeat"])  # refused here before a repeat is walked
        style = None
        if filled and kind in _NUMBER_TYPES:
            style = attrs.get(A_STYLE) or self._column_style(col)
        # A repeated cell is that cell at each place it repeats to (rows and columns), as
        # far as the limits let a filled one go; an empty one counts at its first place.
        rows, cols = (self.rows_repeated, cell["repeat"]) if filled else (1, 1)
        for r in range(row, row + rows):
            for c in range(col, col + cols):
                key = (sheet, r, c)
                if error:
                    self.result.scan.errors[key] = text or "#VALUE!"
                if formula:
                    self.result.scan.formulas[key] = filled
                if style:
                    self.numbers.append((key, style))
                if marked:
                    self.result.marked[key] = "".join(note)

    def _column_style(self, col: int) -> str | None:
        for first, default, count in self.columns:
            if first <= col < first + count:
                return default
        return None

    def _fill(self, key: Key, repeat: int) -> None:
        sheet, row, col = key
        last_row, last_col = row + self.rows_repeated - 1, col + repeat - 1
        self.rows, self.cols = max(self.rows, last_row), max(self.cols, last_col + 1)
        limits = self.limits
        if limits is None:
            return
        if last_row > limits.rows_per_sheet:
            at = max(row, limits.rows_per_sheet + 1)
            raise UnreadableFile("E-FILE-TOO-MANY-ROWS", self.where, sheet=sheet,
                                 cell=cell_ref(at, col), limit=f"{limits.rows_per_sheet:,}")
        if self.rows * self.cols > limits.cells_per_sheet:
            raise UnreadableFile("E-FILE-TOO-MANY-CELLS", self.where, sheet=sheet,
                                 area=f"A1:{cell_ref(self.rows, self.cols - 1)}",
                                 cells=f"{self.rows * self.cols:,}", limit=f"{limits.cells_per_sheet:,}")

    def pending_unread(self) -> dict[Key, str]:
        """The number cells' formats, resolved once all styles are known: meaningful ones
        into the scan's formats, unreadable ones returned."""
        unread: dict[Key, str] = {}
        for key, style in self.numbers:
            try:
                fmt = _meaning(self.styles, style)
            except _Unreadable as exc:
                unread[key] = str(exc)
                continue
            if fmt is not None:
                self.result.scan.formats[key] = fmt
        return unread


def _count(value: str | None) -> int:
    """A repeat count: 1 when absent; a count that is not a positive number is 1 (as Calc
    reads it), so a crafted one cannot make the area negative."""
    return int(value) if value and value.isdigit() and int(value) > 0 else 1
