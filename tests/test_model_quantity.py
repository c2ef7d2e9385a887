"""Number parsers (model/quantity): what clerks type, and that nothing crashes them."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chosho_xlsx.model.quantity import EMPTY, QuantityError, parse_money, parse_quantity


@pytest.mark.parametrize(
    ("text", "value", "unit", "bound", "printed"),
    [("24件", "24", "件", "", "24件"), ("65.6％", "65.6", "%", "", "65.6%"),
     ("３，８４５件", "3845", "件", "", "3,845件"), ("90%以上", "90", "%", "以上", "90%以上"),
     ("360以上", "360", "", "以上", "360以上"), ("1,370,919", "1370919", "", "", "1,370,919"),
     ("87 所属", "87", "所属", "", "87所属"), (65.6, "65.6", "", "", "65.6"), (3.0, "3", "", "", "3")],
)
def test_quantities(text, value, unit, bound, printed):
    got = parse_quantity(text)
    assert (got.value, got.unit, got.bound, got.text()) == (Decimal(value), unit, bound, printed)


@pytest.mark.parametrize("text", ["―", "-", "－", "", None, "  "])
def test_no_value(text):
    assert parse_quantity(text) is EMPTY


@pytest.mark.parametrize("text", ["ー", "abc", "1,23", "1..2", "件5"])
def test_not_numbers(text):
    with pytest.raises(QuantityError):
        parse_quantity(text)


def test_money():
    assert parse_money("43,948") == 43948
    assert parse_money(43948.0) == 43948
    assert parse_money("―") is None
    for bad in ("-5", "1.5", "3件"):
        with pytest.raises(QuantityError):
            parse_money(bad)


@given(st.text(max_size=30))
def test_quantity_parser_never_crashes(text):
    try:
        q = parse_quantity(text)
    except QuantityError:
        return
    assert q.value is None or q.value.is_finite()
