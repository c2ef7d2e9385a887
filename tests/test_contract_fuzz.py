"""Arbitrary values in any input cell of the bundled example never crash validation, and
every finding names a real place: the sheet exists and a cell finding's cell lies inside
the sheet's data. Works on the RawBook (pipeline.example_book) for speed: the values are
the kinds calamine hands over (text, numbers, dates, times, booleans, empty)."""

from __future__ import annotations

import copy
import datetime as dt
import re

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from chosho_xlsx import pipeline
from chosho_xlsx.common.addresses import CELL_RE, col_index
from chosho_xlsx.common.findings import catalogue
from chosho_xlsx.intake.numformat import classify
from chosho_xlsx.intake.reader import RawBook, RawSheet
from chosho_xlsx.model.ruleset import load_ruleset

pytestmark = pytest.mark.slow

SETTINGS = load_ruleset()
BOOK = pipeline.example_book()

# Every cell a department fills: the 調書 values (column B) and every data cell of the
# table sheets, header row excluded.
CELLS = sorted(
    (name, r, c)
    for name, sheet in BOOK.sheets.items()
    for r in range(2, len(sheet.rows) + 1)
    for c in (range(1, 2) if name == "調書" else range(len(sheet.rows[0])))
)
HEADERS = sorted((name, 1, c) for name, sheet in BOOK.sheets.items() for c in range(len(sheet.rows[0])))

# What clerks type, and near misses of every column type.
TYPED = st.sampled_from([
    "", " ", "―", "-", "－", "ー", "—", "○", "〇", "×", "①", "⑪", "ⅰ", "ⅻ", "ⅰ,ⅱ", "1,2,3", "1,,2",
    "5-1", "5－1", "5-", "-5", "0", "00", "１２", "R6", "R元", "令和6年度", "H13", "2024", "R99", "S1",
    "R3-R7", "R3-", "R7-R3", "90%以上", "360以上", "65.6％", "３，８４５件", "1e9", "NaN", "inf",
    "24件", "24所属", "増加", "減少", "活動", "成果", "拡充", "縮小", "現状維持", "②④⑧", "2,4,8", "11",
    "=SUM(A1)", "+81", "@x", "#N/A", "TRUE", "\n", "\u3000", "a" * 300, "9" * 40, "1.5", "-0",
])
VALUES = st.one_of(
    TYPED,
    st.text(max_size=20),
    st.text(max_size=12).map(lambda t: "=" + t),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
    st.dates(),
    st.datetimes(),
    st.times(),
    st.timedeltas(min_value=dt.timedelta(days=-10**5), max_value=dt.timedelta(days=10**5)),
)


def with_value(book: RawBook, sheet: str, row: int, col: int, value: object, kind: str = "value") -> RawBook:
    """`value` at the cell; `kind` also marks it as a formula (with or without a cached
    value) or an error value (calamine then hands over '')."""
    sheets = dict(book.sheets)
    rows = list(book.sheets[sheet].rows)
    cells = list(rows[row - 1])
    while len(cells) <= col:
        cells.append("")
    cells[col] = "" if kind in ("formula-no-cache", "error") else value
    rows[row - 1] = cells
    sheets[sheet] = RawSheet(sheet, rows)
    formulas, errors = dict(book.formulas), dict(book.errors)
    if kind.startswith("formula"):
        formulas[(sheet, row, col)] = kind == "formula"
    if kind == "error":
        errors[(sheet, row, col)] = "#N/A"
    return RawBook(book.source, sheets, formulas, errors)


def assert_places(book: RawBook) -> None:
    checked = pipeline.check_book(book, SETTINGS)
    seen: set[str] = set()
    for f in checked.findings:
        assert f.code in catalogue()
        assert f.place, f
        assert f.sheet in book.sheets, f
        f.message("ja"), f.hint("ja"), f.message("en"), f.hint("en")  # noqa: B018 - they render
        rest = f.place.split("!", 1)[1] if "!" in f.place else ""
        if rest and CELL_RE.match(rest):
            assert f.cell == rest
            m = re.fullmatch(r"([A-Z]+)(\d+)", f.cell)
            row, col = int(m[2]), col_index(m[1])
            sheet = book.sheets[f.sheet]
            assert 1 <= row <= len(sheet.rows), f
            assert col < max(len(sheet.rows[0]), len(sheet.rows[row - 1])), f
            assert f.place not in seen, f"two findings at {f.place}"
            seen.add(f.place)
        elif rest:
            assert f.column == rest and not f.cell, f


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(where=st.sampled_from(CELLS), value=VALUES)
@example(where=("事業", 2, 1), value=10**30)
@example(where=("指標", 2, 0), value=float("inf"))
@example(where=("調書", 2, 1), value=dt.date(2024, 4, 1))
def test_any_value_in_any_cell(where, value):
    sheet, row, col = where
    assert_places(with_value(BOOK, sheet, row, col, value))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(where=st.sampled_from(HEADERS), value=VALUES)
def test_any_value_in_any_header(where, value):
    sheet, row, col = where
    assert_places(with_value(BOOK, sheet, row, col, value))


# Numbers in cells whose number format changes what they mean (percent, scaling, a unit,
# a currency): read as the clerk sees them, never a crash, every finding at its place.
FORMATS = st.sampled_from(["0%", "0.0%", '#,##0"件"', "#,##0,", '"¥"#,##0', '0.0"%"', '#,##0,,"百万円"',
                           "[$$-409]#,##0.00", "0%%"]).map(classify)
NUMBERS = st.one_of(st.integers(min_value=-(10**30), max_value=10**30),
                    st.floats(allow_nan=True, allow_infinity=True))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(where=st.sampled_from(CELLS), value=NUMBERS, fmt=FORMATS)
@example(where=("指標", 2, 14), value=float("nan"), fmt=classify("0%"))
def test_any_number_with_any_format_in_any_cell(where, value, fmt):
    sheet, row, col = where
    book = with_value(BOOK, sheet, row, col, value)
    book.formats = {where: fmt}
    assert_places(book)


KINDS = st.sampled_from(["value", "value", "formula", "formula-no-cache", "error"])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(changes=st.lists(st.tuples(st.sampled_from(CELLS), VALUES, KINDS), min_size=2, max_size=8))
def test_several_values_at_once(changes):
    """Several cells changed, some as formulas (cached or not) or error values."""
    book = BOOK
    for (sheet, row, col), value, kind in changes:
        book = with_value(book, sheet, row, col, value, kind)
    assert_places(book)


def test_the_example_book_itself():
    assert [f.code for f in pipeline.check_book(copy.deepcopy(BOOK), SETTINGS).findings] == ["W-REVIEW-CONFLICT"]
