"""The contract file itself: every column type it uses has a converter, every field binds
an attribute of the model, and a field names its header."""

from hypothesis import given
from hypothesis import strategies as st

from chosho_xlsx.contract import loader
from chosho_xlsx.contract import spec as contract
from chosho_xlsx.contract.spec import Column
from chosho_xlsx.model.ruleset import load_ruleset


def test_every_column_type_has_a_converter():
    """A type the loader cannot convert would be a ValueError on the first file read."""
    settings = load_ruleset()
    columns = [c for s in contract.sheets(2024, 2021, 2025) for c in s.columns]
    columns += [Column(header=k["key"], field=k["field"], type=k["type"]) for k in contract.keyvalue_keys()]
    for column in columns:
        assert callable(loader._converter(column, settings)), column.type


def test_year_columns_follow_the_fiscal_year():
    sheets = {s.name: s for s in contract.sheets(2025, 2021, 2025)}
    assert [c.header for c in sheets["事業"].columns if c.family == "事業費"] == ["R5事業費", "R6事業費", "R7事業費"]
    assert [c.header for c in sheets["指標"].columns if c.family == "実績"] == ["R3実績", "R4実績", "R5実績", "R6実績"]


@given(st.integers(2015, 2035), st.integers(2015, 2035), st.integers(0, 8))
def test_year_headers_are_the_year_columns_headers(fy, start, length):
    """The loader matches a workbook's headers against year_headers to find the year it
    was made for: they are the headers of sheets()' year-labelled columns, no more."""
    columns = {c.header for s in contract.sheets(fy, start, start + length) for c in s.columns if c.year}
    assert contract.year_headers(fy, start, start + length) == columns


def test_every_field_is_an_attribute_of_the_model():
    """The loader binds a column to the model attribute its field names (loader._fields)
    and embed writes it back by the same name: each field must be one."""
    from dataclasses import fields

    from chosho_xlsx.model import chosho as model

    def names(cls) -> set[str]:
        return {f.name for f in fields(cls)}

    models = {"事業群": model.Group, "取組項目": model.Item, "指標": model.Indicator, "事業": model.Project,
              "事業指標": model.ProjectIndicator, "課題": model.Issue}
    bound = 0
    for s in contract.sheets(2024, 2021, 2025):
        if s.kind == contract.KEYVALUE:
            continue
        for c in s.columns:
            name, _, part = c.field.partition(".")
            assert name in names(models[s.name]), (s.name, c.header, c.field)
            assert not part or part in names(model.Budget), (s.name, c.header, c.field)
            bound += 1
    # R6 in R3-R7: 事業群 6, 取組項目 3, 指標 8 + 目標 R3-R7 + 実績 R3-R5, 事業 22 + 3 families × R4-R6,
    # 事業指標 4 + 目標 R4-R6 + 実績 R4-R5, 課題 3
    assert bound == 6 + 3 + (8 + 5 + 3) + (22 + 9) + (4 + 3 + 2) + 3
    for k in contract.keyvalue_keys():
        assert k["field"] in names(model.Chosho) | {"plan_period"}, k["key"]
    optional = contract.optional_columns(2024, 2021, 2025)
    assert {c.field for cols in optional.values() for c in cols} == {"rates", "status"}


def test_a_field_names_its_header():
    assert contract.header("事業", "group") == "事業群番号"
    assert contract.header("取組項目", "name") == "取組項目名"
    assert contract.header("指標", "actuals", 2023) == "R5実績"
    assert contract.header("事業指標", "targets", 2024) == "R6目標"
    assert contract.header("事業", "budgets.general", 2022) == "R4一般財源"
    assert contract.header("指標", "rates", 2023) == "R5達成率"  # an optional column
    assert contract.header("調書", "fiscal_year") == "実施年度"
    assert contract.past_families() == {"実績", "達成率"}


def test_code_that_binds_the_contract_writes_no_header():
    """schemas/input.yaml is the only place a header is written: the loader, the
    cross-checks, the embedded input, the template's 調書 sheet and the yearly cycle name
    columns by field (spec.header). Sheet names are not headers (取組項目 is both)."""
    from pathlib import Path

    raw = contract.raw_contract()
    headers = {k["key"] for s in raw["sheets"] for k in s.get("keys", ())}
    headers |= {c["name"] for s in raw["sheets"] for c in (*(s.get("columns") or ()), *(s.get("optional") or ()))
                if isinstance(c, dict) and "name" in c}
    headers -= set(contract.SHEET_NAMES)
    assert {"事業群番号", "R5実績"} & headers == {"事業群番号"}
    src = Path(contract.__file__).resolve().parent.parent
    # (cycle/diff.py too, but its change list has a heading 「区分」 of its own)
    modules = ["contract/loader.py", "contract/crosschecks.py", "writers/embed.py", "writers/input_workbook.py",
               "cycle/rollover.py", "cycle/sources.py"]
    for module in modules:
        text = (src / module).read_text(encoding="utf-8")
        assert [h for h in sorted(headers) if f'"{h}"' in text or f"'{h}'" in text] == [], module
