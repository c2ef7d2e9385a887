"""layout.sheet.ChoshoSheet: the same calls give the same bytes as XlsxWriter's stock
Worksheet, whatever the calls (the 調書's own, pinned in test_bench and
test_batch_build_bytes, and any others, here), errors included."""

from __future__ import annotations

import datetime as dt
import io
import math
import warnings

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from xlsxwriter import Workbook
from xlsxwriter.exceptions import OverlappingRange
from xlsxwriter.worksheet import Worksheet

from chosho_xlsx.writers.layout.sheet import ChoshoSheet
from chosho_xlsx.writers.outputs import WORKBOOK_OPTIONS

FORMATS = ({"bold": True}, {"border": 1, "text_wrap": True}, {"num_format": "#,##0", "border": 1},
           {"italic": True, "quote_prefix": True})


def _book(calls: list[tuple], sheet_class) -> tuple[bytes, list[object]]:
    """The workbook the calls write (formats by number; None for none; "omit": no format
    argument, or one inside the arguments) and each call's result (or the exception it
    raised)."""
    buffer = io.BytesIO()
    wb = Workbook(buffer, WORKBOOK_OPTIONS)
    wb.set_properties({"created": dt.datetime(2026, 4, 1)})  # not the clock: the two books compared
    formats = [wb.add_format(p) for p in FORMATS]
    ws = wb.add_worksheet("s", sheet_class)
    results: list[object] = []
    for name, args, fmt in calls:
        if name == "write_formula" and len(args) == 5 and args[3] is not None:
            args = (*args[:3], formats[args[3]], args[4])
        extra = () if fmt == "omit" else (None if fmt is None else formats[fmt],)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # the stock "Can't merge single cell"
                results.append(getattr(ws, name)(*args, *extra))
        except (OverlappingRange, TypeError, OverflowError) as exc:
            results.append(f"{type(exc).__name__}: {exc}")
    wb.close()
    return buffer.getvalue(), results


def _same(calls: list[tuple]) -> None:
    ours, ours_results = _book(calls, ChoshoSheet)
    stock, stock_results = _book(calls, Worksheet)
    assert ours_results == stock_results
    assert ours == stock


def test_the_calls_a_chosho_makes():
    _same([
        ("merge_range", (0, 0, 1, 3, ""), 1),
        ("write_string", (0, 0, "事業群の名前"), 1),
        ("merge_range", (2, 0, 2, 2, ""), 0),
        ("write_number", (2, 3, 12345), 2),
        ("write_number", (3, 3, 0.1 + 0.2), 2),
        ("write_blank", (3, 0, None), 1),
        ("write_blank", (3, 1, None), None),  # no format: nothing written
        ("write_formula", (4, 3, "=D3+D4"), 2),
        ("write_formula", (4, 4, '=IF(D3=0,"―",D4/D3)', None, "―"), "omit"),
        ("write_comment", (4, 4, "前年度の実績から"), "omit"),
        ("write_comment", (30, 8, "a comment alone in its row"), "omit"),
        ("write_string", (5, 0, "=1+1"), 3),
        ("write_string", (40, 5, "after a gap of rows"), 0),
    ])


def test_what_the_fast_path_leaves_to_the_stock_methods():
    _same([
        ("write_string", ("B2", "A1 notation"), 1),
        ("write_number", ("C3", 7), "omit"),
        ("write_number", (1, 1, math.nan), 2),  # an error without nan_inf_to_errors
        ("write_number", (1, 2, True), 2),
        ("write_number", (1, 3, 10**400), 2),  # no float holds it: the stock raises at the call
        ("write_number", (1, 4, -(2**53) - 1), 2),
        ("write_string", (2, 2, "あ" * 20_000), 1),  # long: the stock limit check
        ("write_string", (-1, 0, "out of the sheet"), 1),
        ("write_number", (0, 20_000, 1), 1),
        ("merge_range", (5, 5, 5, 5, ""), 1),  # a single cell: refused with a warning
        ("merge_range", (6, 3, 4, 1, ""), 1),  # corners swapped
        ("merge_range", (8, 0, 9, 1, "text in the merge"), 1),
        ("merge_range", (10, 0, 11, 1, ""), None),
        ("merge_range", ("A14:C15", ""), 0),
        ("merge_range", (1, 1, 2, 2, ""), 0),  # overlaps B2/C3 written above: fine
        ("merge_range", (2, 2, 3, 3, ""), 0),  # overlaps the merge before: refused
    ])


_row, _col = st.integers(0, 40), st.integers(0, 12)
_number = st.one_of(st.integers(-10**12, 10**12), st.floats(allow_nan=False, allow_infinity=False),
                    st.sampled_from([2**53, -(2**63), 10**17 + 1]))
_call = st.one_of(
    st.tuples(st.just("write_string"), st.tuples(_row, _col, st.text(max_size=12)),
              st.sampled_from([0, 1, 3, None])),
    st.tuples(st.just("write_number"), st.tuples(_row, _col, _number), st.sampled_from([0, 2, None, "omit"])),
    st.tuples(st.just("write_blank"), st.tuples(_row, _col, st.none()), st.sampled_from([0, 1, None])),
    st.builds(lambda r, c, h, w, f: ("merge_range", (r, c, r + h, c + w, ""), f),
              _row, _col, st.integers(0, 3), st.integers(0, 3), st.sampled_from([0, 1, 2])),
    # a formula's cached value decides its type: number, bool, error, text, none
    st.builds(lambda r, c, v, f: ("write_formula", (r, c, "=A1&\"<&>\"", f, v), "omit"),
              _row, _col, st.one_of(_number, st.booleans(), st.sampled_from(["#N/A", "#DIV/0!", "", "a<b"])),
              st.sampled_from([None, 2])),
    st.tuples(st.just("write_comment"), st.tuples(_row, _col, st.text(min_size=1, max_size=5)), st.just("omit")),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_call, max_size=40))
def test_any_calls_give_the_stock_bytes(calls):
    _same(calls)


@pytest.mark.parametrize("sheet_class", [ChoshoSheet, Worksheet])
def test_overlapping_merges_are_refused_alike(sheet_class):
    wb = Workbook(io.BytesIO(), WORKBOOK_OPTIONS)
    ws = wb.add_worksheet("s", sheet_class)
    fmt = wb.add_format({"border": 1})
    ws.merge_range(0, 0, 1, 1, "", fmt)
    with pytest.raises(OverlappingRange, match="A1:B2"):
        ws.merge_range(1, 1, 2, 2, "", fmt)
    wb.close()


def test_the_one_search_stands_for_the_stock_substitutions():
    """sheet._DYNAMIC_NAMES are the patterns of the stock _prepare_formula's first block
    (those applied with future functions off): an XlsxWriter that adds one fails here.
    From 3.3.4 XlsxWriter prepares a formula in one pass of its own, which is used as
    it is (the formulas' bytes are checked against the stock method below, either way)."""
    import inspect
    import re

    from chosho_xlsx.writers.layout import sheet

    if not sheet._ONE_SEARCH:
        pytest.skip("XlsxWriter 3.3.4 on prepares a formula in one pass: used as it is")

    source = inspect.getsource(Worksheet._prepare_formula)
    first_block = source.split("if not self.use_future_functions")[0]
    assert tuple(re.findall(r're\.sub\(r"([^"]+)"', first_block)) == sheet._DYNAMIC_NAMES


_FORMULA_PARTS = ["SUM(", "FILTER(", "XFILTER(", "_FILTER(", "SINGLE(", "XSINGLE(", " SINGLE(",
                  "INGLE(", "MAP(", "SORTBY(", "A1", "―", "達成", "(", ")", ",", '"', " ", "\n", "x"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_FORMULA_PARTS) | st.text(max_size=3), max_size=12).map("".join))
def test_the_substring_tests_answer_as_the_one_search(plain):
    """sheet._names_dynamic (substring tests first) gives what the one search gives."""
    from chosho_xlsx.writers.layout import sheet

    assert sheet._names_dynamic(plain) == (sheet._ANY_DYNAMIC.search(plain) is not None)


@pytest.mark.parametrize("formula", [
    "=SUM(A1:A3)", '=IF(D3=0,"―",D4/D3)', "=FILTER(A1:A3,B1:B3)", "=_xlfn.SORT(A1:A3)",
    "={1,2}", "{=SUM(A1:A2*B1:B2)}", "=XSINGLE(A1)", "=LEN(A1)", "=ANCHORARRAY(A1)", "=A1",
])
def test_formulas_of_every_kind_give_the_stock_bytes(formula):
    _same([("write_formula", (1, 1, formula, 2, 0), "omit"),
           ("write_formula", (2, 1, formula), 2)])


def _written(book_class, fill) -> bytes:
    """The bytes of a workbook of `book_class` with one ChoshoSheet, filled by
    fill(workbook, sheet); made at a fixed time, since two books are compared."""
    buffer = io.BytesIO()
    wb = book_class(buffer, WORKBOOK_OPTIONS)
    wb.set_properties({"created": dt.datetime(2026, 4, 1)})
    fill(wb, wb.add_worksheet("s", ChoshoSheet))
    wb.close()
    return buffer.getvalue()


def _formats_book(book_class) -> bytes:
    """A workbook whose formats are the 調書's kinds, each used by a cell (and asked for
    twice: the same XF), and with its properties in another order."""
    from chosho_xlsx.writers.layout.styles import STYLES

    props = [{"font_name": "IPAexゴシック", "font_size": size, "font_charset": 128, **style,
              **({"num_format": "#,##0"} if size == 9 else {}), **({"quote_prefix": True} if quote else {})}
             for style in STYLES.values() for size in (9, 10.5) for quote in (False, True)]
    props += [dict(reversed(p.items())) for p in props[:6]]

    def fill(wb, ws):
        for r, p in enumerate(props):
            ws.write_string(r, 0, f"行{r}", wb.add_format(p))
            ws.write_number(r, 1, r, wb.add_format(p))  # the same properties again: the same XF

    return _written(book_class, fill)


def test_formats_copied_give_the_stock_bytes():
    from chosho_xlsx.writers.layout.sheet import ChoshoBook

    stock = _formats_book(Workbook)
    assert _formats_book(ChoshoBook) == stock
    assert _formats_book(ChoshoBook) == stock  # every Format a copy this time


_TEXT = st.lists(st.sampled_from([" ", "\t", "\n", "\r", "\x00", "\x1f", "_", "x", "0", "A", "&", "<", ">", '"',
                                   "\ufffe", "\uffff", "\u3000", "あ", "―", "_x0041_", "<r>", "</r>"]),
                 max_size=8).map("".join)


def _texts_book(book_class, texts: list[str], names: list[str]) -> bytes:
    def fill(wb, ws):
        for r, text in enumerate(texts):
            ws.write_string(r, 0, text)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the stock warning for a property it refuses
            for n, (name, text) in enumerate(zip(names, texts, strict=False)):  # as many as the shorter
                wb.set_custom_property(f"{name}{n}", text)
            wb.set_custom_property("a number", 3)

    return _written(book_class, fill)


@settings(max_examples=150, deadline=None)
@given(st.lists(_TEXT, min_size=1, max_size=12), st.lists(_TEXT, max_size=12))
def test_shared_strings_and_custom_properties_give_the_stock_bytes(texts, names):
    """layout.package writes the texts the stock escapes leave alone as they are: the same
    sharedStrings.xml and custom.xml as the stock Packager, escapes and xml:space included."""
    from chosho_xlsx.writers.layout.sheet import ChoshoBook

    assert _texts_book(ChoshoBook, texts, names) == _texts_book(Workbook, texts, names)


def _changed_formats_book(book_class) -> bytes:
    """Formats equal in value but not in type (written differently), and formats whose
    properties are set after add_format (a copy's keys are then worked out again)."""
    def fill(wb, ws):
        formats = [wb.add_format(p) for p in ({"font_size": 11}, {"font_size": 11.0}, {"bold": True},
                                              {"bold": 1}, {"border": 1}, {"border": 1}, {"bg_color": "#F2F2F2"})]
        formats[4].set_bold()
        formats[5].set_bg_color("#FF0000")
        formats[5].set_pattern(1)
        formats[6].set_font_size(11.0)
        for r, fmt in enumerate(formats):
            ws.write_string(r, 0, f"行{r}", fmt)

    return _written(book_class, fill)


def test_formats_changed_after_they_are_made_give_the_stock_bytes():
    from chosho_xlsx.writers.layout.sheet import ChoshoBook

    stock = _changed_formats_book(Workbook)
    assert _changed_formats_book(ChoshoBook) == stock
    assert _changed_formats_book(ChoshoBook) == stock  # the prototypes made by the first
