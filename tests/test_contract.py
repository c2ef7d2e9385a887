"""The contract file itself: every column type it uses has a converter."""

from chosho_xlsx.contract import loader
from chosho_xlsx.contract import spec as contract


def test_every_column_type_has_a_converter():
    types = {c.type for s in contract.sheets(2024, 2021, 2025) for c in s.columns}
    types |= {k["type"] for k in contract.keyvalue_keys()}
    assert types <= set(loader._CONVERTERS)


def test_year_columns_follow_the_fiscal_year():
    sheets = {s.name: s for s in contract.sheets(2025, 2021, 2025)}
    assert [c.header for c in sheets["事業"].columns if c.family == "事業費"] == ["R5事業費", "R6事業費", "R7事業費"]
    assert [c.header for c in sheets["指標"].columns if c.family == "実績"] == ["R3実績", "R4実績", "R5実績", "R6実績"]
