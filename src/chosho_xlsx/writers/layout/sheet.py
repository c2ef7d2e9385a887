"""XlsxWriter's Worksheet, faster where a 調書 spends its time, writing the same bytes.

Enters: the calls layout.workbook makes (merge_range, write_string, write_number,
write_blank, write_formula) and XlsxWriter's own calls while it saves the file. Leaves:
the worksheet's state and XML exactly as the stock Worksheet makes them for the same
calls. A 調書 is ~1,100 cell calls and ~2,800 cells (most of them formatted blanks that
pad merged ranges); the stock methods go through an argument converter, a type dispatch,
a dimension check and an attribute list per cell, which was half of writing a 調書.

Each override handles the arguments a 調書 passes (integer row and column, a Format, a
plain str/int/float) and hands anything else to the stock method, so the result never
depends on which path ran. tests/test_bench.py (the floor: a stock Workbook replaying the
calls gives the same bytes) and tests/test_writers_sheet.py pin it; an XlsxWriter upgrade
that changes its internals fails those tests rather than writing different files."""

from __future__ import annotations

import io
import re
from itertools import product
from math import isfinite

from xlsxwriter.format import Format
from xlsxwriter.utility import xl_col_to_name, xl_range, xl_rowcol_to_cell_fast
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import (
    CellBlankTuple,
    CellFormulaTuple,
    CellNumberTuple,
    CellStringTuple,
    Worksheet,
)

from chosho_xlsx.writers.layout.package import ChoshoPackager

try:  # XlsxWriter up to 3.3.3: 29 substitutions a formula, which one search stands for
    from xlsxwriter.worksheet import re_dynamic_function

    _is_dynamic = re_dynamic_function.search
    _ONE_SEARCH = True
except ImportError:  # 3.3.4 on: one pass of its own (FUTURE_FUNCTIONS), string literals skipped
    from xlsxwriter.worksheet import _has_dynamic_function as _is_dynamic

    _ONE_SEARCH = False

_PREPARED: dict[tuple[str, bool, bool], str] = {}
# The names the stock _prepare_formula prefixes with 「_xlfn.」 when future functions are
# off (XlsxWriter 3.3.0–3.3.3's first block of substitutions, in its spelling: 「\\SINGLE」 is its
# own pattern, any non-space character before INGLE). A formula none of them matches
# comes out of those substitutions unchanged, so one search stands for 29;
# tests/test_writers_sheet.py checks this list against the stock method's source.
_DYNAMIC_NAMES = (
    r"\bANCHORARRAY\(", r"\bBYCOL\(", r"\bBYROW\(", r"\bCHOOSECOLS\(", r"\bCHOOSEROWS\(",
    r"\bDROP\(", r"\bEXPAND\(", r"\bFILTER\(", r"\bHSTACK\(", r"\bLAMBDA\(", r"\bMAKEARRAY\(",
    r"\bMAP\(", r"\bRANDARRAY\(", r"\bREDUCE\(", r"\bSCAN\(", r"\SINGLE\(", r"\bSEQUENCE\(",
    r"\bSORT\(", r"\bSORTBY\(", r"\bSWITCH\(", r"\bTAKE\(", r"\bTEXTSPLIT\(", r"\bTOCOL\(",
    r"\bTOROW\(", r"\bUNIQUE\(", r"\bVSTACK\(", r"\bWRAPCOLS\(", r"\bWRAPROWS\(", r"\bXLOOKUP\(",
)
_ANY_DYNAMIC = re.compile("|".join(_DYNAMIC_NAMES))
# The text each of those patterns needs (「ANCHORARRAY(」; 「INGLE(」 for 「\\SINGLE\\(」): a
# formula that holds none of them cannot match, which 29 substring tests tell ~15× faster
# than the one search (its alternatives tried at every character of a formula's Japanese
# text were ~7 % of writing a 調書, the formulas being new to each 調書).
_DYNAMIC_TEXTS = tuple(p[2:].replace(r"\(", "(") for p in _DYNAMIC_NAMES)
_PLAIN_NUMBERS = (int, float)
# an int past a float's exact range goes to the stock method: one too large for a float
# raises OverflowError there at the call, and would have raised only at save here
_EXACT = 2**53
_FAST_KINDS = frozenset(("Blank", "String", "Number", "Formula"))
_INLINE = frozenset((CellBlankTuple, CellStringTuple, CellNumberTuple))  # _write_rows's own
# The cells' named tuples made as their __new__ makes them (tuple.__new__ of the class and
# the fields), without the Python frame of namedtuple's generated __new__: ~3,000 a 調書.
_new = tuple.__new__
# a formula's cached value the stock writer marks t="e"
_ERROR_CODES = frozenset(("#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!"))


def _names_dynamic(plain: str) -> bool:
    """_ANY_DYNAMIC.search(plain), its answer for the formulas without the texts it needs
    found by the substring tests alone."""
    return any(text in plain for text in _DYNAMIC_TEXTS) and _ANY_DYNAMIC.search(plain) is not None


# A Format made once per process for each set of properties (with the workbook's
# defaults), copied into each workbook that asks for the same (ChoshoBook.add_format).
_FORMATS: dict[tuple, Format] = {}
# What a Format's properties may be set to without changing its font, border, fill or
# alignment key: the indices and flags the workbook gives it while saving. Any other
# attribute set on a copy drops the keys it was given (an XlsxWriter that sets a new
# attribute only makes the copy work them out again).
_NOT_IN_KEYS = frozenset((
    "xf_index", "dxf_index", "font_index", "has_font", "has_dxf_font", "border_index",
    "has_border", "has_dxf_border", "fill_index", "has_fill", "has_dxf_fill", "num_format_index",
    "xf_format_indices", "dxf_format_indices", "_format_key", "color_indexed",
))


_UNSET = object()


class _CopiedFormat(Format):
    """A copy of a Format made once per process, with the prototype's font, border, fill
    and alignment keys: the stock methods build each from ~10 properties (colours by
    their repr) every time the workbook asks, ~70 times a 調書 while saving (~3 % of
    writing one). The copy's properties are the prototype's until one is set; then its
    keys are worked out by the stock methods, as for any Format (saving changes a few:
    a solid fill's colours are swapped)."""

    _keys: tuple[str, str, str, str] | None = None

    def __setattr__(self, name, value) -> None:
        if name not in _NOT_IN_KEYS and self._keys is not None:
            old = self.__dict__.get(name, _UNSET)
            # the same value again (saving sets alignment flags to what they are) keeps them
            if old is not value and (old.__class__ is not value.__class__ or old != value):
                object.__setattr__(self, "_keys", None)
        object.__setattr__(self, name, value)

    def _get_font_key(self):
        return super()._get_font_key() if self._keys is None else self._keys[0]

    def _get_border_key(self):
        return super()._get_border_key() if self._keys is None else self._keys[1]

    def _get_fill_key(self):
        return super()._get_fill_key() if self._keys is None else self._keys[2]

    def _get_alignment_key(self):
        return super()._get_alignment_key() if self._keys is None else self._keys[3]


class ChoshoBook(Workbook):
    """XlsxWriter's Workbook whose add_format copies a Format made once per process for
    the same properties, instead of building it again (~17 µs each, ~30 a 調書). A new
    Format's state is its properties' alone until the workbook is saved (its XF index,
    its fonts' and borders' indices are given then, to the copy), and its only shared
    parts are the workbook's index tables, which the copy gets from this workbook, as
    the stock method gives them. Properties that are not hashable (none of a 調書's):
    the stock method. The same properties means the same values of the same types (a
    font size of 11 and of 11.0, bold True and 1, are written differently)."""

    def _get_packager(self):
        # XlsxWriter's hook for another Packager: shared strings and custom properties
        # written faster, the same bytes (layout.package).
        return ChoshoPackager()

    def add_format(self, properties=None):
        if not properties:
            return super().add_format(properties)
        defaults = self.default_format_properties
        try:
            key = (tuple(defaults.items()), tuple(map(type, defaults.values())),
                   tuple(properties.items()), tuple(map(type, properties.values())))
            made = _FORMATS.get(key)
        except TypeError:  # a list or a dict among the values
            return super().add_format(properties)
        if made is None:
            if len(_FORMATS) > 10_000:  # a bound far above the formats of any batch
                _FORMATS.clear()
            made = Format({**defaults, **properties})
            made._keys = (made._get_font_key(), made._get_border_key(), made._get_fill_key(),
                          made._get_alignment_key())
            _FORMATS[key] = made
        fmt = _CopiedFormat.__new__(_CopiedFormat)
        fmt.__dict__.update(made.__dict__)
        fmt.xf_format_indices = self.xf_format_indices
        fmt.dxf_format_indices = self.dxf_format_indices
        self.formats.append(fmt)
        return fmt


class _Range:
    """A merged range as merged_cells holds it, named (「A1:B2」) only when an overlap
    error prints it: ~300 merges a 調書, none of them ever printed."""

    __slots__ = ("corners",)

    def __init__(self, *corners: int) -> None:
        self.corners = corners

    def __str__(self) -> str:
        return xl_range(*self.corners)


class ChoshoSheet(Worksheet):
    """The stock Worksheet with faster cell calls and a faster <sheetData>."""

    # ---- cells going in ------------------------------------------------------------

    def _fits(self, row, col) -> bool:
        """Whether the fast path takes a cell: integer row and column inside the sheet,
        no constant_memory; if so, the sheet's extent updated (the stock
        _check_dimensions). Anything else is the stock method's, errors included."""
        if (row.__class__ is not int or col.__class__ is not int or self.constant_memory
                or not (0 <= row < self.xls_rowmax and 0 <= col < self.xls_colmax)):
            return False
        if self.dim_rowmin is None or row < self.dim_rowmin:
            self.dim_rowmin = row
        if self.dim_rowmax is None or row > self.dim_rowmax:
            self.dim_rowmax = row
        if self.dim_colmin is None or col < self.dim_colmin:
            self.dim_colmin = col
        if self.dim_colmax is None or col > self.dim_colmax:
            self.dim_colmax = col
        return True

    # Each takes the call a 調書 makes, (row, col, value, format), and leaves any other
    # form (A1 notation, keywords, no format) to the stock method.

    def write_string(self, *args, **kwargs):
        if kwargs or len(args) != 4 or args[2].__class__ is not str \
                or len(args[2]) > self.xls_strmax // 2 or not self._fits(args[0], args[1]):
            return super().write_string(*args, **kwargs)  # long text: the stock UTF-16 check
        row, col, string, fmt = args
        self.table[row][col] = _new(CellStringTuple, (self.str_table._get_shared_string_index(string), fmt))
        return 0

    def write_number(self, *args, **kwargs):
        if kwargs or len(args) != 4 or args[2].__class__ not in _PLAIN_NUMBERS \
                or (args[2].__class__ is float and not isfinite(args[2])) \
                or (args[2].__class__ is int and not -_EXACT < args[2] < _EXACT) \
                or not self._fits(args[0], args[1]):  # NaN, ±inf, 10**400: the stock's errors
            return super().write_number(*args, **kwargs)
        row, col, number, fmt = args
        self.table[row][col] = _new(CellNumberTuple, (number, fmt))
        return 0

    def write_blank(self, *args, **kwargs):
        if kwargs or len(args) != 4 or args[3] is None or not self._fits(args[0], args[1]):
            return super().write_blank(*args, **kwargs)  # the stock writes no unformatted blank
        row, col, _, fmt = args
        self.table[row][col] = _new(CellBlankTuple, (fmt,))
        return 0

    def merge_range(self, *args, **kwargs):
        """A merged range with no value of its own (the 調書 writes its text into the first
        cell afterwards): the merge, and every cell of it a formatted blank. ~380 a 調書:
        the checks are one expression, the cells one dict built in C, checked against the
        earlier merges and stored with one call each."""
        if kwargs or len(args) != 6:
            return super().merge_range(*args, **kwargs)
        first_row, first_col, last_row, last_col, data, fmt = args
        if (data.__class__ is not str or data or fmt is None or first_row.__class__ is not int
                or first_col.__class__ is not int or last_row.__class__ is not int
                or last_col.__class__ is not int or self.constant_memory
                or not 0 <= first_row <= last_row < self.xls_rowmax
                or not 0 <= first_col <= last_col < self.xls_colmax
                or (first_row == last_row and first_col == last_col)):
            return super().merge_range(*args)  # swapped corners, outside the sheet, one cell
        rows, cols = range(first_row, last_row + 1), range(first_col, last_col + 1)
        cells = dict.fromkeys(product(rows, cols), _Range(first_row, first_col, last_row, last_col))
        merged, tables = self.merged_cells, self.table_cells
        if not merged.keys().isdisjoint(cells) or (tables and not tables.keys().isdisjoint(cells)):
            return super().merge_range(*args)  # which names the range overlapped
        # the sheet's extent, as the stock's _check_dimensions of the two corners leaves it
        # (both inside the sheet, checked above: _fits takes them)
        self._fits(first_row, first_col)
        self._fits(last_row, last_col)
        merged.update(cells)
        self.merge.append([first_row, first_col, last_row, last_col])
        blanks = dict.fromkeys(cols, _new(CellBlankTuple, (fmt,)))  # immutable: one for every cell
        table = self.table
        for row in rows:
            table[row].update(blanks)
        return 0

    # ---- formulas ------------------------------------------------------------------

    def write_formula(self, *args, **kwargs):
        """The 調書's call, (row, col, formula, format, cached value), stored as the stock
        _write_formula stores it, without its argument converter and checks per call;
        any other form, an empty formula, an array or a dynamic one: the stock method."""
        if (kwargs or len(args) != 5 or args[2].__class__ is not str or args[3] is None
                or not self._fits(args[0], args[1])):
            return super().write_formula(*args, **kwargs)
        row, col, formula, fmt, value = args
        prepared = self._plain_formula(formula)
        if prepared is None:
            return super().write_formula(*args)
        self.table[row][col] = _new(CellFormulaTuple, (prepared, fmt, value))
        return 0

    def _plain_formula(self, formula: str) -> str | None:
        """The stored form of a formula the stock _write_formula would prepare and store
        as it is (not empty, not an array, no dynamic function); else None."""
        key = (formula, bool(self.use_future_functions), None)
        prepared = _PREPARED.get(key)
        if prepared is None:
            if (not formula or _is_dynamic(formula)
                    or (formula.startswith("{") and formula.endswith("}"))):
                return None
            prepared = self._prepare_formula(formula)
            _PREPARED[key] = prepared
        return prepared

    def _prepare_formula(self, formula, expand_future_functions=False):
        # Each formula is prepared once per process: the stock _prepare_formula runs 29
        # regular-expression substitutions (Excel's newer functions' prefixes) on every
        # formula written, ~10 % of writing a 調書. The result is the stock method's own;
        # it depends on nothing else. Most of a 調書's formulas differ from the last
        # 調書's (their cell references), so the one search for any of the 29 names
        # (_ANY_DYNAMIC) answers most of them without the substitutions.
        key = (formula, bool(self.use_future_functions), bool(expand_future_functions))
        prepared = _PREPARED.get(key)
        if prepared is None:
            if len(_PREPARED) > 100_000:  # a bound, far above any batch's distinct formulas
                _PREPARED.clear()
            plain = formula[1:] if formula.startswith("{") else formula
            plain = plain[1:] if plain.startswith("=") else plain
            plain = plain[:-1] if plain.endswith("}") else plain
            if (not _ONE_SEARCH or self.use_future_functions or expand_future_functions
                    or "_xlfn." in plain or _names_dynamic(plain)):
                plain = super()._prepare_formula(formula, expand_future_functions)
            prepared = _PREPARED[key] = plain
        return prepared

    # ---- <sheetData> going out -----------------------------------------------------

    def _calculate_spans(self) -> None:
        # The stock method visits every column of every row; the same spans from each
        # row's smallest and largest column (cells and comments).
        if self.constant_memory:
            super()._calculate_spans()
            return
        spans = {}
        table, comments = self.table, self.comments
        lo = hi = None
        last = self.dim_rowmax
        for row in range(self.dim_rowmin, last + 1):
            for cols in (table.get(row), comments.get(row)):
                if cols:
                    a, b = min(cols), max(cols)
                    lo, hi = (a, b) if lo is None else (min(lo, a), max(hi, b))
            if ((row + 1) % 16 == 0 or row == last) and lo is not None:
                spans[row // 16] = f"{lo + 1}:{hi + 1}"
                lo = None
        self.row_spans = spans

    def _write_rows(self) -> None:
        # The rows as the stock method writes them, each row's cells as one string. Formats
        # get their XF index in the same order as the stock writer asks for them (the first
        # time each is written), which decides styles.xml.
        if self.constant_memory:
            super()._write_rows()
            return
        self._calculate_spans()
        table, row_info, comments, spans = self.table, self.row_info, self.comments, self.row_spans
        self._names = [xl_col_to_name(c) for c in range(self.dim_colmax + 1)]
        self._xf: dict[int, int] = {}
        write = self.fh.write
        for row in range(self.dim_rowmin, self.dim_rowmax + 1):
            cells = table.get(row)
            info = row_info.get(row)
            if not cells:
                if info is not None or row in comments:
                    self._write_empty_row(row, spans.get(row // 16), info)
                continue
            self._write_row(row, spans.get(row // 16), info)
            r, names, xf, out = row + 1, self._names, self._xf, []
            for col in sorted(cells):
                cell = cells[col]
                fmt, kind = cell.format, cell.__class__
                # a 調書's cells: ~2,000 formatted blanks (merged ranges), ~640 texts and
                # ~410 numbers, written here as _cell_xml writes them; formulas and the rest
                # by _cell_xml
                if fmt is None or kind not in _INLINE:
                    out.append(self._cell_xml(row, col, cell))
                    continue
                s = xf.get(id(fmt))
                if s is None:
                    s = xf[id(fmt)] = fmt._get_xf_index()
                if kind is CellBlankTuple:
                    out.append(f'<c r="{names[col]}{r}" s="{s}"/>')
                elif kind is CellStringTuple:
                    out.append(f'<c r="{names[col]}{r}" s="{s}" t="s"><v>{cell.string}</v></c>')
                else:
                    out.append(f'<c r="{names[col]}{r}" s="{s}"><v>{cell.number:.16G}</v></c>')
            out.append("</row>")
            write("".join(out))

    def _cell_xml(self, row: int, col: int, cell) -> str:
        """One <c> as the stock _write_cell writes it; kinds a 調書 has no use for (and
        cells without a format of their own) by the stock method itself."""
        fmt = cell.format
        kind = cell.__class__.__name__
        if fmt is None or kind not in _FAST_KINDS:
            return self._stock_cell_xml(row, col, cell)
        s = self._xf.get(id(fmt))
        if s is None:
            s = self._xf[id(fmt)] = fmt._get_xf_index()
        ref = f"{self._names[col]}{row + 1}"
        if kind == "Blank":
            return f'<c r="{ref}" s="{s}"/>'
        if kind == "String":
            return f'<c r="{ref}" s="{s}" t="s"><v>{cell.string}</v></c>'
        if kind == "Number":
            return f'<c r="{ref}" s="{s}"><v>{cell.number:.16G}</v></c>'
        value = cell.value  # a formula: its cached value's type, as the stock method
        kind_attr = ""
        if isinstance(value, bool):
            kind_attr, value = ' t="b"', int(value)
        elif isinstance(value, str) and value:
            kind_attr = ' t="e"' if value in _ERROR_CODES else ' t="str"'
        return (f'<c r="{ref}" s="{s}"{kind_attr}><f>{self._escape_data(cell.formula)}</f>'
                f"<v>{self._escape_data(value)}</v></c>")

    def _stock_cell_xml(self, row: int, col: int, cell) -> str:
        write, buffer = self.fh, io.StringIO()
        self.fh = buffer
        try:
            self._write_cell(row, col, cell)
        finally:
            self.fh = write
        return buffer.getvalue()

    def _write_merge_cell(self, merged_range) -> None:
        row_min, col_min, row_max, col_max = merged_range
        self.fh.write(f'<mergeCell ref="{xl_rowcol_to_cell_fast(row_min, col_min)}:'
                      f'{xl_rowcol_to_cell_fast(row_max, col_max)}"/>')
