"""Cell addresses, in one place: column letters and indexes, A1 references, and places
(「指標!H7」) as the clerk reads them in Excel.

Rows are 1-based (「H7」 is row 7, as Excel shows it and as the reader keys its cells);
columns are 0-based (「A」 is 0), the index of a value in a row the reader returns — the
same convention as XlsxWriter's utility (xl_col_to_name), which the validate path does not
import: loading XlsxWriter costs start-up time a check of one workbook should not pay."""

from __future__ import annotations

import re

# Excel's largest sheet: XFD1048576.
MAX_COLS = 16_384
MAX_ROWS = 1_048_576

# 「A1」 … 「XFD1048576」: letters, then a row with no leading zero and at most the 7
# digits of MAX_ROWS. Anything else is not a cell (a header such as 「R7目標」, a row
# number alone) and is never read as one.
CELL_RE = re.compile(r"^([A-Z]{1,3})([1-9][0-9]{0,6})$")


def col_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA, 16383 → XFD."""
    s = ""
    index += 1
    while index:
        index, r = divmod(index - 1, 26)
        s = chr(65 + r) + s
    return s


def col_index(letters: str) -> int:
    """A → 0, AA → 26, XFD → 16383 (the inverse of col_letter)."""
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def cell_ref(row: int, col: int) -> str:
    """(7, 7) → 「H7」: a 1-based row and a 0-based column as Excel names the cell."""
    return f"{col_letter(col)}{row}"


def parse_ref(ref: str) -> tuple[int, int] | None:
    """「H7」 → (7, 7), the inverse of cell_ref; None for anything that is not a cell
    reference (「R7目標」, 「7」, 「A0」)."""
    m = CELL_RE.match(ref)
    return (int(m[2]), col_index(m[1])) if m else None


def place(sheet: str, row: int, col: int) -> str:
    """「指標!H7」: a cell as messages name it."""
    return f"{sheet}!{col_letter(col)}{row}"
