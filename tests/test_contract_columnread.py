"""The loader reads a table a column at a time, converting each distinct value once per
process (loader._read_column and its memo). Whatever the values, and however often they
recur, each cell must come out exactly as the column's converter makes it of that cell
alone: the same typed value (never one shared list), or the same finding at the cell."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from chosho_xlsx.common.findings import Location
from chosho_xlsx.common.limits import Limits
from chosho_xlsx.contract import loader
from chosho_xlsx.contract import spec as contract
from chosho_xlsx.contract.parsers import CellError, preview, shown
from chosho_xlsx.intake.reader import RawBook, RawSheet
from chosho_xlsx.model.ruleset import Ruleset, load_ruleset

SETTINGS = load_ruleset()
# a text limit a few typed characters reach, so that texts are refused (E-TEXT-TOO-LONG)
SHORT = Ruleset(allowed_reviews=SETTINGS.allowed_reviews, limits=Limits(text_length=9))
SHEETS = [s for s in contract.sheets(2024, 2021, 2025) if s.kind != contract.KEYVALUE]
# one column of each type (and each set of choices) the contract has
COLUMNS = list({(c.type, c.values): c for s in SHEETS for c in s.columns}.values())

# What clerks type and what calamine gives: numbers with units, marks, choices, numbered
# lists, years, dashes, full-width forms, blanks; and any text, number or date.
TYPED = ["3,845件", "３，８４５件", "90%以上", "―", "-", "－", "○", "〇", "増加", "減少", "1,2,3", "②④⑧",
         "ⅰⅱ", "R6", "令和６年度", "R2-R7", "5-1", "５－１", "", " ", "\u3000", "0", "-0", "1e3", "12千円",
         "48.5%", "改善", "拡充", "×", "A" * 70]
values = st.one_of(
    st.sampled_from(TYPED),
    st.text(max_size=12),
    st.text(alphabet="0123456789,.-%件千円以上下―○ⅰⅱ①②、 R", max_size=10),
    st.integers(-10**16, 10**16),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 1.0, 2.5, True, False, 1, 0]),
    st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2100, 1, 1)),
    st.none(),
)


def _alone(column, value, ruleset=SETTINGS):
    """(typed value, None) or (None, (code, params)): the converter on this cell alone."""
    try:
        return loader._convert(column, value, ruleset), None
    except CellError as exc:
        return None, (exc.code, exc.params)


def _read(column, cells: list, ruleset=SETTINGS) -> tuple[list, list]:
    """_read_column over one column whose rows hold `cells` (rows 2…)."""
    sheet = contract.Sheet("表", "table", (column,))
    raw = RawSheet("表", [[column.header], *([v] for v in cells)])
    table = loader._Table(RawBook("x.xlsx", {"表": raw}), sheet, raw, loader._Collector())
    (reading,) = loader._readings([column], {column.header: 0}, ruleset)
    rows = [(r, row) for r, row in enumerate(raw.rows[1:], start=2)]
    return loader._read_column(table, reading, rows, tuple(cells), set(), set()), table.out.items


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(COLUMNS), st.lists(values, min_size=1, max_size=12), st.integers(1, 3),
       st.sampled_from([SETTINGS, SHORT]))
def test_a_column_read_at_once_is_each_cell_read_alone(column, cells, repeat, ruleset):
    cells = cells * repeat  # values recur within the column, and across calls (the memo)
    for _ in range(2):
        got, findings = _read(column, cells, ruleset)
        expected_findings = []
        for r, (value, typed) in enumerate(zip(cells, got, strict=True), start=2):
            want, error = _alone(column, value, ruleset)
            if error is None:
                assert repr(typed) == repr(want) and type(typed) is type(want), (column.type, value)
            else:
                assert typed is None
                code, params = error
                expected_findings.append((code, Location("表", r, 0), preview(shown(value)), params))
        assert [(f.code, f.at, f.value, f.params) for f in findings] == expected_findings
        lists = [id(v) for v in got if isinstance(v, list)]
        assert len(lists) == len(set(lists)), "each cell has its own list"


def test_the_memo_is_bounded(monkeypatch):
    monkeypatch.setattr(loader, "_MEMO_SIZE", 5)
    column = next(c for c in COLUMNS if c.type == "quantity")
    got, _ = _read(column, [f"{n}件" for n in range(23)])
    assert [q.text() for q in got] == [f"{n}件" for n in range(23)]
    (reading,) = loader._readings([column], {column.header: 0}, SETTINGS)
    assert len(reading.memo) <= 5
