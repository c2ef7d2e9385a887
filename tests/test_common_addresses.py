"""common/addresses: the one home of column letters, A1 references and places."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chosho_xlsx.common.addresses import (
    CELL_RE,
    MAX_COLS,
    MAX_ROWS,
    cell_ref,
    col_index,
    col_letter,
    parse_ref,
    place,
)


@pytest.mark.parametrize(("index", "letters"), [
    (0, "A"), (7, "H"), (25, "Z"), (26, "AA"), (51, "AZ"), (52, "BA"), (701, "ZZ"), (702, "AAA"),
    (16383, "XFD"),
])
def test_col_letter_and_index(index, letters):
    assert col_letter(index) == letters
    assert col_index(letters) == index


@given(st.integers(min_value=1, max_value=MAX_COLS))
def test_col_round_trip(n):
    """Every column Excel has (1-based n, index n - 1) survives letters and back."""
    letters = col_letter(n - 1)
    assert col_index(letters) == n - 1
    assert 1 <= len(letters) <= 3 and letters.isascii() and letters.isupper()


@given(st.integers(min_value=1, max_value=MAX_COLS - 1))
def test_col_letters_sort_like_columns(n):
    """Shorter names first, then alphabetical: the order Excel lays columns out in."""
    a, b = col_letter(n - 1), col_letter(n)
    assert (len(a), a) < (len(b), b)


@given(st.integers(min_value=1, max_value=MAX_ROWS), st.integers(min_value=0, max_value=MAX_COLS - 1))
def test_cell_ref_round_trip(row, col):
    ref = cell_ref(row, col)
    assert CELL_RE.match(ref)
    assert parse_ref(ref) == (row, col)


def test_cell_ref_and_place():
    assert cell_ref(7, 7) == "H7"
    assert cell_ref(1, 0) == "A1"
    assert cell_ref(MAX_ROWS, MAX_COLS - 1) == "XFD1048576"
    assert place("指標", 7, 7) == "指標!H7"
    assert place("調書", 2, 1) == "調書!B2"


@pytest.mark.parametrize("ref", ["H7", "A1", "XFD1048576", "AB12"])
def test_parse_ref_cells(ref):
    row, col = parse_ref(ref)
    assert cell_ref(row, col) == ref


def test_parse_ref_values():
    assert parse_ref("H7") == (7, 7)
    assert parse_ref("AA10") == (10, 26)


@pytest.mark.parametrize("text", [
    "", "7", "H", "A0", "A07", "h7", "R7目標", "進捗状況", "ABCD1", "A12345678", "H7 ", "$H$7", "指標!H7",
])
def test_parse_ref_refuses_what_is_not_a_cell(text):
    """A header (「R7目標」), a row number alone, a row 0 or a leading zero: never a cell."""
    assert parse_ref(text) is None
    assert not CELL_RE.match(text)
