"""columns.can_fail lets a clean sheet skip pandas and pandera. It must never say
"clean" where pandera would report a cell: checked against pandera itself."""

from __future__ import annotations

import math
import subprocess
import sys
from decimal import Decimal

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chosho_xlsx.contract import spec as contract
from chosho_xlsx.contract.columns import can_fail, checked_headers, run_schema

SHEETS = [s for s in contract.sheets(2024, 2021, 2025) if s.kind != contract.KEYVALUE]

values = st.one_of(
    st.none(),
    st.just(math.nan),
    st.integers(-3, 25),
    st.booleans(),
    st.sampled_from(["1", "5-1", "a", ""]),
    st.floats(-2, 30, allow_nan=False),
    st.just(Decimal("NaN")),
    st.just(Decimal(3)),
    st.just([1, 2]),
)


@st.composite
def sheet_rows(draw):
    sheet = draw(st.sampled_from(SHEETS))
    headers = list(checked_headers(sheet))
    n = draw(st.integers(1, 5))
    rows = [{h: draw(values) for h in headers} for _ in range(n)]
    return sheet, headers, rows


@st.composite
def near_clean(draw):
    """Valid rows with a cell or two changed: the cases close to the boundary."""
    sheet = draw(st.sampled_from(SHEETS))
    headers = list(checked_headers(sheet))
    n = draw(st.integers(1, 5))
    cols = {c.header: c for c in sheet.columns}
    rows = []
    for i in range(n):
        row = {}
        for h in headers:
            c = cols[h]
            if c.min is not None or c.max is not None or c.type == "int":
                row[h] = min(max(i + 1, c.min or 1), c.max or 99)
            else:
                row[h] = f"{h}{i}" if c.unique else draw(st.sampled_from(["x", [1], 1]))
        rows.append(row)
    for _ in range(draw(st.integers(0, 2))):
        rows[draw(st.integers(0, n - 1))][draw(st.sampled_from(headers))] = draw(values)
    return sheet, headers, rows


def pandera_findings(sheet, headers, rows):
    frame = pd.DataFrame(rows, index=list(range(2, 2 + len(rows))), columns=headers)
    return run_schema(sheet, frame)


@pytest.mark.slow
@settings(max_examples=400, deadline=None)
@given(st.one_of(sheet_rows(), near_clean()))
def test_clean_means_pandera_finds_nothing(case):
    sheet, headers, rows = case
    if not can_fail(sheet, headers, rows):
        assert pandera_findings(sheet, headers, rows) == []


def test_a_clean_workbook_never_imports_pandas(tmp_path):
    from chosho_xlsx.writers.example import write_example

    path = tmp_path / "example.xlsx"
    write_example(path)
    code = (
        "import sys\n"
        "from chosho_xlsx.pipeline import check_file\n"
        "from chosho_xlsx.model.ruleset import load_ruleset\n"
        f"c = check_file({str(path)!r}, load_ruleset())\n"
        "assert c.report is not None\n"
        "print('pandas' in sys.modules, 'pandera' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
