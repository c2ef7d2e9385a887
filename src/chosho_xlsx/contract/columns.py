"""The column-local checks of the input sheets, as pandera schemas built from the contract
(schemas/input.yaml).

The contract is the data; this module only says how each of its column properties maps
onto a pandera check, and how pandera's failure cases map back onto findings at cells.
Checks that look across rows of other sheets live in crosschecks.py."""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING

from chosho_xlsx.contract.spec import Sheet

if TYPE_CHECKING:  # imported where used: a clean sheet needs neither (see can_fail)
    import pandas as pd
    import pandera.pandas as pa

# pandera's check names → our finding codes
_CODES = {
    "not_nullable": "E-REQUIRED",
    "field_uniqueness": "E-DUPLICATE",
    "greater_than_or_equal_to": "E-RANGE",
    "less_than_or_equal_to": "E-RANGE",
}


@cache
def build_schema(sheet: Sheet) -> pa.DataFrameSchema:
    """One schema per sheet (and year set), built once: building costs more than
    validating the example (Sheet is frozen, so it is its own cache key)."""
    return _build_schema(sheet)


def constrained(col) -> bool:
    """Whether pandera has something to check in the column."""
    return (col.required and col.required_unless is None) or col.unique or col.min is not None or col.max is not None


@cache
def checked_headers(sheet: Sheet) -> tuple[str, ...]:
    """The headers pandera has something to check in; the frame needs no others (a
    column with no constraint costs pandera as much as one with)."""
    return tuple(c.header for c in sheet.columns if constrained(c))


def _null(value: object) -> bool:
    return value is None or (isinstance(value, float | Decimal) and value != value)


def can_fail(sheet: Sheet, headers: list[str], rows: list[dict]) -> bool:
    """False only when no check of the schema can fail on these rows: no required value
    missing, no unique value repeated, nothing outside min/max. Anything unusual answers
    True, so pandera still decides every case it is given; a clean sheet (the common
    case) skips pandas and pandera, whose import and run are most of the cost of
    validating one workbook from a cold start."""
    return can_fail_columns(sheet, {h: [row.get(h) for row in rows] for h in headers})


def can_fail_columns(sheet: Sheet, columns: dict[str, list]) -> bool:
    """can_fail of the values by column (header → the rows' values, in row order); a
    column of ints and texts alone (the key columns) is decided by C loops."""
    for col in sheet.columns:
        if col.header not in columns or not constrained(col):
            continue
        values = columns[col.header]
        if set(map(type, values)) <= _PLAIN:  # nothing null; unique by set; a range by min/max
            if _plain_can_fail(col, values):
                return True
            continue
        if col.required and col.required_unless is None and any(_null(v) for v in values):
            return True
        given = [v for v in values if not _null(v)]
        if col.unique and (any(type(v) not in (int, str) for v in given) or len(set(given)) != len(given)):
            return True
        for v in given if col.min is not None or col.max is not None else ():
            if type(v) not in (int, float):
                return True
            if (col.min is not None and v < col.min) or (col.max is not None and v > col.max):
                return True
    return False


_PLAIN = frozenset({int, str})


def _plain_can_fail(col, values: list) -> bool:
    """can_fail_columns of one column whose values are ints and texts only: none is null,
    so only a repeat or a value out of range can fail (a text in a ranged column: True)."""
    if col.unique and len(set(values)) != len(values):
        return True
    if (col.min is not None or col.max is not None) and values:
        if str in set(map(type, values)):
            return True
        if (col.min is not None and min(values) < col.min) or (col.max is not None and max(values) > col.max):
            return True
    return False


def _build_schema(sheet: Sheet) -> pa.DataFrameSchema:
    # lazy: pandas and pandera (~0.5 s), only for a table the schema must check
    import pandera.pandas as pa

    columns = {}
    for col in sheet.columns:
        if not constrained(col):
            continue
        checks = []
        if col.min is not None:
            checks.append(pa.Check.ge(col.min, ignore_na=True))
        if col.max is not None:
            checks.append(pa.Check.le(col.max, ignore_na=True))
        columns[col.header] = pa.Column(
            None,
            # row-dependent requirements (required_unless) are checked by the loader
            nullable=not col.required or col.required_unless is not None,
            unique=col.unique,
            checks=checks,
            required=False,  # a missing column is reported by the reader, once
            report_duplicates="exclude_first",
        )
    return pa.DataFrameSchema(columns, name=sheet.name, strict=False, coerce=False)


def run_schema(sheet: Sheet, frame: pd.DataFrame) -> list[tuple[int, str, str]]:
    """(Excel row, header, code) for every failure pandera reports, in its order; a cell
    may fail more than one check (the loader's Findings keep the first)."""
    # lazy: pandas and pandera (~0.5 s), only for a table the schema must check
    import pandas as pd
    import pandera.pandas as pa

    if frame.empty:
        return []
    try:
        build_schema(sheet).validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        out: list[tuple[int, str, str]] = []
        for rec in exc.failure_cases.itertuples(index=False):
            code = next((c for k, c in _CODES.items() if str(rec.check).startswith(k)), None)
            if code is None or rec.index is None or pd.isna(rec.index):
                continue
            out.append((int(rec.index), str(rec.column), code))
        return out
    return []
