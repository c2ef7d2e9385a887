"""Which cells of a workbook hold formulas (and whether each has a cached value), error
values, and numbers whose number format changes what they mean.

calamine gives a formula cell's cached value (or nothing) but does not say it was a
formula, and gives numbers without their number format; departments must not send
formulas, and 「48.5%」 typed into a cell is 0.485 formatted as percent, so we look at the
sheet XML (and the styles part) ourselves. calamine also builds each sheet as a dense
grid up to its last cell: one value at XFD1048576 makes it abort the process, 200,000
rows take gigabytes; the same pass stops at the first cell past the size limits
(settings.Limits) and refuses the workbook.

The parts are read by expat, streamed: one pass, linear in the part's size whatever it
holds. Regular expressions over the raw XML were not: a run of unclosed 「<c>」 in a
comment made each one search to the end of the part (quadratic: 35 KB zipped stalled
validation for half an hour), and they saw markup inside comments that no parser sees."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from xml.parsers import expat

from chosho_xlsx.common.addresses import cell_ref, col_index, col_letter, parse_ref
from chosho_xlsx.common.findings import UnreadableFile
from chosho_xlsx.common.limits import Limits
from chosho_xlsx.intake.numformat import BUILTIN, NumberFormat, classify
from chosho_xlsx.intake.package import Package, unchecked

# Streamed in pieces this big, so memory stays flat however large the part is.
CHUNK = 64 * 1024

Key = tuple[str, int, int]  # (sheet, 1-based row, 0-based column)


class DtdRefused(Exception):
    """A DTD in a part: the safety check refuses these first; never expand one here."""


def safe_parser(start, end, text=None, namespace_separator: str | None = None) -> expat.XMLParserType:
    """An expat parser that refuses any DTD (entity expansion, external entities), as
    defusedxml does; elements are reported with their prefix (「x:c」), or as
    「namespace name」 with a `namespace_separator` (the .ods scan); `text` gets the
    character data when given."""
    parser = expat.ParserCreate(namespace_separator=namespace_separator)
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def refuse(*_args) -> None:
        raise DtdRefused("DTD")

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    parser.buffer_text = True
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    if text is not None:
        parser.CharacterDataHandler = text
    return parser


def _feed(parser: expat.XMLParserType, stream) -> None:
    while chunk := stream.read(CHUNK):
        parser.Parse(chunk, False)
    parser.Parse(b"", True)


def _parse(parser: expat.XMLParserType, pkg: Package, member: str) -> None:
    """One part through `parser`: in one call when the safety check kept its bytes,
    else streamed from the zip."""
    kept = pkg.parts.get(member)
    if kept is not None:
        parser.Parse(kept, True)
        return
    with pkg.stream(member) as stream:
        _feed(parser, stream)


def _local(tag: str) -> str:
    return tag.rpartition(":")[2]


def elements(pkg: Package, member: str, local_name: str) -> list[dict[str, str]]:
    """The attributes of every element called `local_name` (any prefix) in one part (to
    read, not change: a part the safety check kept is parsed once per process for the
    same bytes, as the workbook and its relationships arrive with every input of a batch)."""
    kept = pkg.parts.get(member)
    if kept is not None:
        return list(_elements_of(kept, local_name))
    return _elements(pkg, member, local_name)


@lru_cache(maxsize=64)
def _elements_of(data: bytes, local_name: str) -> tuple[dict[str, str], ...]:
    found, start = _collecting(local_name)
    safe_parser(start, None).Parse(data, True)
    return tuple(found)


def _elements(pkg: Package, member: str, local_name: str) -> list[dict[str, str]]:
    found, start = _collecting(local_name)
    _parse(safe_parser(start, None), pkg, member)
    return found


def _collecting(local_name: str):
    """A list, and the expat start handler that adds to it the attributes of each element
    called `local_name`."""
    found: list[dict[str, str]] = []

    def start(tag: str, attrs: dict[str, str]) -> None:
        if _local(tag) == local_name:
            found.append(attrs)

    return found, start


def _workbook_rels(pkg: Package) -> list[dict[str, str]]:
    rels = "xl/_rels/workbook.xml.rels"
    return elements(pkg, rels, "Relationship") if rels in pkg.names else []


def _sheet_members(pkg: Package, sheet_names: tuple[str, ...],
                   rels: list[dict[str, str]] | None = None) -> list[tuple[str, str]]:
    """(sheet name, zip member of its XML) for the named sheets."""
    names = pkg.names
    targets = {}
    # Attributes come in any order (Excel writes Id before Target, openpyxl Target before Id).
    for attrs in _workbook_rels(pkg) if rels is None else rels:
        if "Id" in attrs and "Target" in attrs:
            targets[attrs["Id"]] = attrs["Target"]
    out = []
    for attrs in elements(pkg, "xl/workbook.xml", "sheet"):
        name = attrs.get("name")
        rid = next((v for k, v in attrs.items() if k.endswith(":id")), None)
        if name not in sheet_names or rid not in targets:
            continue
        target = targets[rid]
        # absolute (「/xl/worksheets/sheet1.xml」, openpyxl) or relative to xl/ (Excel)
        member = target.lstrip("/")
        if not target.startswith("/") and not member.startswith("xl/"):
            member = f"xl/{member}"
        if member in names:
            out.append((name, member))
    return out


@dataclass
class CellScan:
    formulas: dict[Key, bool] = field(default_factory=dict)  # → has a cached value
    errors: dict[Key, str] = field(default_factory=dict)  # → the error value
    # → the number format of a number whose format changes what it means (numformat)
    formats: dict[Key, NumberFormat] = field(default_factory=dict)


def _styles_member(names: set[str], rels: list[dict[str, str]]) -> str | None:
    for attrs in rels:
        target = attrs.get("Target", "")
        if attrs.get("Type", "").endswith("/styles") and target:
            member = target.lstrip("/")
            if not target.startswith("/") and not member.startswith("xl/"):
                member = f"xl/{member}"
            return member if member in names else None
    return "xl/styles.xml" if "xl/styles.xml" in names else None


def meaningful_styles(pkg: Package, member: str) -> dict[int, NumberFormat]:
    """Cell style index (the `s` of a cell) → what its number format does to a number,
    for the styles whose format changes the meaning (percent, scaling, a unit)."""
    kept = pkg.parts.get(member)
    if kept is not None:  # the same template's styles arrive with every input of a batch
        return _styles_of(kept)
    with pkg.stream(member) as stream:
        return _styles_from(stream)


@lru_cache(maxsize=16)
def _styles_of(data: bytes) -> dict[int, NumberFormat]:
    return _styles_from(io.BytesIO(data))


def _styles_from(stream) -> dict[int, NumberFormat]:
    codes: dict[int, str] = {}
    xfs: list[str] = []  # numFmtId of each cell style, in order
    inside = [False]

    def start(tag: str, attrs: dict[str, str]) -> None:
        name = _local(tag)
        if name == "numFmt" and attrs.get("numFmtId", "").isdigit():
            codes[int(attrs["numFmtId"])] = attrs.get("formatCode", "")
        elif name == "cellXfs":
            inside[0] = True
        elif name == "xf" and inside[0]:
            xfs.append(attrs.get("numFmtId", "0"))

    def end(tag: str) -> None:
        if _local(tag) == "cellXfs":
            inside[0] = False

    _feed(safe_parser(start, end), stream)
    out: dict[int, NumberFormat] = {}
    for index, fid in enumerate(xfs):
        code = codes.get(int(fid), BUILTIN.get(int(fid))) if fid.isdigit() else None
        fmt = classify(code) if code else None
        if fmt is not None:
            out[index] = fmt
    return out


class _SheetReader:
    """The formula and error-value cells of one sheet, from expat's events, and its
    used area. A cell without a reference (allowed, rarely written) takes the place
    after the previous one, as in every spreadsheet reader. The area counts the cells
    that hold a value (<v>, or an inline string <is>), as calamine does: a styled empty
    cell or a formula without a value does not extend it."""

    def __init__(self, sheet: str, scan: CellScan, styles: dict[int, NumberFormat],
                 limits: Limits | None = None, where: str = "") -> None:
        self.sheet, self.scan, self.styles = sheet, scan, styles
        self.limits, self.where = limits, where
        self.row, self.col = 0, -1
        self.rows = self.cols = 0  # the used area: A1 to (cols, rows)
        self.key: Key | None = None
        self.error = self.formula = self.filled = False
        self.format: NumberFormat | None = None
        self.value: list[str] | None = None
        self.parser = safe_parser(self.start, self.end)

    def _fill(self) -> None:
        """The current cell holds a value: grow the used area, refuse it past a limit."""
        self.filled = True
        row, col = self.row, self.col
        if row <= self.rows and col < self.cols:
            return
        self.rows, self.cols = max(self.rows, row), max(self.cols, col + 1)
        limits = self.limits
        if limits is None:
            return
        if row > limits.rows_per_sheet:
            raise UnreadableFile("E-FILE-TOO-MANY-ROWS", self.where, sheet=self.sheet,
                                 cell=cell_ref(row, col), limit=f"{limits.rows_per_sheet:,}")
        if self.rows * self.cols > limits.cells_per_sheet:
            raise UnreadableFile("E-FILE-TOO-MANY-CELLS", self.where, sheet=self.sheet,
                                 area=f"A1:{cell_ref(self.rows, self.cols - 1)}",
                                 cells=f"{self.rows * self.cols:,}", limit=f"{limits.cells_per_sheet:,}")

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        name = _local(tag)
        if name == "c":
            at = parse_ref(attrs.get("r", ""))
            if at:
                self.row, self.col = at
            else:
                self.col += 1
            self.key = (self.sheet, self.row, self.col)
            self.error, self.formula, self.filled, self.value = attrs.get("t") == "e", False, False, None
            self.format = None
            if self.styles:  # a number (no type, or 「n」) in a style whose format changes its meaning
                style = attrs.get("s", "")
                if style.isdigit() and attrs.get("t", "n") == "n":
                    self.format = self.styles.get(int(style))
        elif name == "row":
            r = attrs.get("r", "")
            self.row = int(r) if r.isdigit() else self.row + 1
            self.col = -1
        elif self.key is None:
            return
        elif name == "f":
            self.formula = True
        elif name == "v":
            self.value = []
            self.parser.CharacterDataHandler = self.value.append
            if not self.filled:
                self._fill()
        elif name == "is" and not self.filled:
            self._fill()

    def end(self, tag: str) -> None:
        name = _local(tag)
        if name == "v":
            self.parser.CharacterDataHandler = None
        elif name == "c" and self.key is not None:
            text = "".join(self.value) if self.value is not None else ""
            if self.formula:
                self.scan.formulas[self.key] = text != ""
            if self.error:
                self.scan.errors[self.key] = text or "#VALUE!"
            if self.format is not None and text:
                self.scan.formats[self.key] = self.format
            self.key = None


def scan_cells(path: str | Path, sheet_names: tuple[str, ...], limits: Limits | None = None) -> CellScan:
    """Formula cells, error-value cells and numbers with a meaningful number format of
    the named sheets, in one pass over each sheet's XML. Error values
    (「#DIV/0!」, 「#N/A」), typed, pasted or a formula's cached result, read as empty in
    calamine; a department's 「#N/A」 must not pass for a blank, nor 「48.5%」 for 0.485.
    With `limits`, raises findings.UnreadableFile at the first cell of a sheet past them
    (E-FILE-TOO-MANY-ROWS, E-FILE-TOO-MANY-CELLS)."""
    with unchecked(path) as pkg:
        return scan_open(pkg, sheet_names, limits)[0]


def scan_open(pkg: Package, sheet_names: tuple[str, ...],
              limits: Limits | None) -> tuple[CellScan, list[tuple[str, str]]]:
    """scan_cells on an opened Package; also gives (sheet name, member) of the sheets
    scanned, so that marks.py reads their comments without parsing the workbook's parts
    again. A sheet whose kept bytes show that the pass could find nothing (nothing_to_find)
    is not parsed."""
    scan = CellScan()
    if "xl/workbook.xml" not in pkg.names:
        return scan, []
    rels = _workbook_rels(pkg)
    styles_member = _styles_member(pkg.names, rels)
    styles = meaningful_styles(pkg, styles_member) if styles_member else {}
    members = _sheet_members(pkg, sheet_names, rels)
    for name, member in members:
        kept = pkg.parts.get(member)
        if kept is not None and nothing_to_find(kept, styles, limits):
            continue
        reader = _SheetReader(name, scan, styles, limits, pkg.where)
        _parse(reader.parser, pkg, member)
    return scan, members


# ---- the sheets the pass cannot find anything in, told from their bytes ----------------
#
# Most sheets hold no formula, no error value and no number in a meaningful format, and
# fit the limits many times over; parsing them (expat calling back into Python for every
# element) cost more than the rest of validating the workbook. These byte searches run at
# C speed and are conservative: each looks for anything that *might* be what the pass
# finds (markup in a comment, text that looks like an attribute), and any doubt, or any
# way of writing the XML they do not cover (prefixed elements, a cell without its
# reference first, single quotes, UTF-16), sends the sheet to the full pass. They are
# linear: no pattern can search past the next 「<」 or quote.

# Each cell's start, with its reference when it is the first attribute as every writer
# puts it (the row as parse_ref reads it: no leading zero, at most 7 digits).
_CELL_START = re.compile(rb'<c(?:\sr="([A-Z]{1,3})([1-9][0-9]{0,6})"|[\s/>])')
# An element the pass looks at, written with a namespace prefix.
_PREFIXED = re.compile(rb":(?:c|f|v|is|row)[\s/>]")
# A formula element.
_FORMULA = re.compile(rb"<f[\s/>]")
# An attribute t that is, or may be once a character reference is read, 「e」 (an error
# value). The other searches also count a value that begins with 「&」 as a possible hit.
_ERROR_TYPE = re.compile(rb"t\s*=\s*[\"'](?:e[\"']|&)")
# A UTF-8 (or ASCII) part: what the searches read markup in.
_UTF8_START = (b"<", b"\xef\xbb\xbf<")


def nothing_to_find(data: bytes, styles: dict[int, NumberFormat], limits: Limits | None) -> bool:
    """True only when the full pass over this sheet's XML would find no formula, no error
    value and no number in a meaningful style (`styles`), and refuse nothing under
    `limits`: every cell has its reference, and the area they span is within the limits
    (the pass counts only cells with a value, which can only be fewer)."""
    if not data.startswith(_UTF8_START):
        return False
    if _led_search(data, _PREFIXED, b":") or _FORMULA.search(data) or (_may_have_error_type(data) and _ERROR_TYPE.search(data)):
        return False
    if styles and _styled(data, tuple(sorted(styles))):
        return False
    if _unusual_cell(limits).search(data) is None:
        return True  # every cell's reference first, none past the limits (_unusual_cell)
    refs = _CELL_START.findall(data)
    if not refs:
        return True
    letters, rows = zip(*refs, strict=True)  # (C loops: a sheet has thousands of cells)
    if b"" in letters:
        return False  # a cell without its reference first: only the pass knows where it is
    if limits is None:
        return True
    last_row = max(map(int, set(rows)))  # (each row's number once: a row has many cells)
    # the last column: a longer reference is further right, and A…Z sort as they count
    cols = col_index(max(set(letters), key=_column_order).decode()) + 1
    return last_row <= limits.rows_per_sheet and last_row * cols <= limits.cells_per_sheet


@lru_cache(maxsize=16)
def _unusual_cell(limits: Limits | None) -> re.Pattern:
    """A cell without its reference first (as _CELL_START reads one, after one space),
    or, under `limits`, one whose row is past the rows allowed or whose column is past
    K = cells ÷ rows. Where it finds none, every reference is first and last row ×
    columns ≤ rows × K ≤ cells: nothing_to_find's answer without listing the references
    (one search instead of a findall of every cell); where it finds one, the references
    are listed and counted as before.

    Written as 「a cell start not followed by a reference within the limits」: at each of
    the thousands of cells the search tries one short lookahead, where saying what is
    past the limits tried three (~1,500 instructions a cell less)."""
    if limits is None:
        near = rb"[A-Z]{1,3}[1-9][0-9]{0,6}"
    else:
        rows = max(limits.rows_per_sheet, 0)
        widest = limits.cells_per_sheet // rows - 1 if rows else -1  # the last column index allowed
        near = _letters_upto(widest) + _number_upto(rows)
    return re.compile(rb'<c(?! r="' + near + rb'")[\s/>]')


_NEVER = rb"(?!)"


def _number_upto(n: int, digits: int = 7) -> bytes:
    """A pattern of the numbers 1 to n of 1 to `digits` digits, no leading zero."""
    if n < 1:
        return _NEVER
    text = str(n)
    if len(text) > digits:
        return b"[1-9][0-9]{0,%d}" % (digits - 1)
    alts = [b"[1-9][0-9]{0,%d}" % (len(text) - 2)] if len(text) > 1 else []
    for i, ch in enumerate(text):  # as long as n: a smaller digit here, any after it
        low = "1" if i == 0 else "0"
        if ch > low:
            alts.append(f"{text[:i]}[{low}-{int(ch) - 1}][0-9]{{{len(text) - i - 1}}}".encode())
    alts.append(text.encode())
    return b"(?:" + b"|".join(alts) + b")"


def _letters_upto(index: int, letters: int = 3) -> bytes:
    """A pattern of the column letters (1 to `letters` of A–Z) of the columns up to
    `index` (0 = A; -1: none): shorter is further left, and letters of one length sort
    as they count."""
    if index < 0:
        return _NEVER
    last = col_letter(index)
    if len(last) > letters:
        return b"[A-Z]{1,%d}" % letters
    alts = [b"[A-Z]{1,%d}" % (len(last) - 1)] if len(last) > 1 else []
    for i, ch in enumerate(last):  # as long as the last: an earlier letter here, any after it
        if ch > "A":
            alts.append(f"{last[:i]}[A-{chr(ord(ch) - 1)}][A-Z]{{{len(last) - i - 1}}}".encode())
    alts.append(last.encode())
    return b"(?:" + b"|".join(alts) + b")"


def _led_search(data: bytes, pattern: re.Pattern, lead: bytes, tries: int = 32) -> bool:
    """Whether `pattern`, which can only match at a byte `lead`, matches in `data`, sooner
    than its search: memchr finds each `lead` (a colon is rare in sheet XML: a few
    namespace declarations) and the pattern is tried there alone, where sre's search
    steps through every byte; past `tries` of them, that search decides."""
    at = data.find(lead)
    for _ in range(tries):
        if at < 0:
            return False
        if pattern.match(data, at):
            return True
        at = data.find(lead, at + 1)
    return at >= 0 and pattern.search(data, at) is not None


def _column_order(letters: bytes) -> tuple[int, bytes]:
    return len(letters), letters


def _may_have_error_type(data: bytes) -> bool:
    """False only where _ERROR_TYPE cannot match: no 「&」, and no 「e」 between two quotes:
    the search for 「t」 it saves tries a match at every 「t」 of the part. Without a
    single quote (memchr, as for 「&」), that is one search for 「"e"」, which skips along
    the part; with one, each 「e」 before a quote is looked at (a search that stops at
    every 「e」, of which XML has thousands)."""
    if b"&" in data:
        return True
    if b"'" not in data:
        return b'"e"' in data
    return any(data[m.start() - 1:m.start()] in _QUOTES for m in _E_QUOTE.finditer(data))


_E_QUOTE = re.compile(rb"e[\"']")
_QUOTES = (b'"', b"'")


def _styled(data: bytes, indexes: tuple[int, ...]) -> bool:
    """Whether any attribute `s` of the part might be one of `indexes`."""
    return _style_pattern(indexes).search(data) is not None


@lru_cache(maxsize=16)
def _style_pattern(indexes: tuple[int, ...]) -> re.Pattern:
    wanted = b"|".join(str(i).encode() for i in indexes)
    return re.compile(rb"s\s*=\s*[\"'](?:0*(?:" + wanted + rb")[\"']|[0-9]*&)")
