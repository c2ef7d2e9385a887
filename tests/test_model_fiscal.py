"""Year and period parsers (model/fiscal): what clerks type, and that nothing crashes them."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chosho_xlsx.model import fiscal


@pytest.mark.parametrize(
    ("text", "year"),
    [("R6", 2024), ("R６", 2024), ("令和6年度", 2024), ("令和６年度", 2024), ("2024", 2024),
     ("R元", 2019), ("令和元年度", 2019), ("H13", 2001), ("平成30年度", 2018), ("Ｒ６", 2024), (2024, 2024)],
)
def test_parse_year(text, year):
    assert fiscal.parse_year(text) == year


def test_labels():
    assert fiscal.label(2024) == "R6"
    assert fiscal.label(2019) == "R元"
    assert fiscal.full_label(2024) == "令和６年度"
    assert fiscal.full_label(2023) == "令和５年度"
    assert fiscal.full_label(2019) == "令和元年度"


@pytest.mark.parametrize(
    ("text", "start", "end", "label"),
    [("R2-7", 2020, 2025, "R2-7"), ("H13-", 2001, None, "H13-"), ("R3-5", 2021, 2023, "R3-5"),
     ("R6-8", 2024, 2026, "R6-8"), ("R3-R7", 2021, 2025, "R3-7"), ("R5", 2023, 2023, "R5"),
     ("H30-R4", 2018, 2022, "H30-R4")],
)
def test_periods(text, start, end, label):
    p = fiscal.parse_period(text)
    assert (p.start, p.end) == (start, end)
    assert fiscal.period_label(p.start, p.end) == label



@given(st.one_of(st.text(max_size=20), st.integers(), st.floats(), st.none()))
def test_year_parser_never_crashes(value):
    try:
        y = fiscal.parse_year(value)
    except fiscal.YearError:
        return
    assert y is None or 1926 <= y <= 2200


@given(st.text(max_size=20))
def test_period_parser_never_crashes(text):
    try:
        p = fiscal.parse_period(text)
    except fiscal.YearError:
        return
    assert p.end is None or p.end >= p.start


@given(st.integers(min_value=1926, max_value=2200))
def test_year_labels_round_trip(year):
    assert fiscal.parse_year(fiscal.label(year)) == year
    assert fiscal.parse_year(fiscal.full_label(year)) == year


def test_one_year_placeholder_map():
    assert fiscal.year_placeholders(2024) == {
        "year": "R6", "year_zen": "R６", "year_full": "令和６年度",
        "prev": "R5", "prev_full": "令和５年度", "prev2": "R4",
        "next": "R7", "next_full": "令和７年度",
    }
    assert fiscal.year_placeholders(2020)["prev"] == "R元"
