"""The bundled example: the input workbook of Nagasaki's 令和６年度 調書 (the seed).

The rows live in data/example_r6.yaml: a mapping of sheet name → list of rows, each a
mapping of header → value, as in the contract (schemas/input.yaml). The 調書 sheet may be
given as rows of {項目, 値} or as one mapping {実施年度: R6, 計画期間: R3-R7, …}."""

from __future__ import annotations

import os
from pathlib import Path

from chosho_xlsx.common.resources import example_file, read_yaml_mapping
from chosho_xlsx.contract import spec as contract
from chosho_xlsx.model import fiscal
from chosho_xlsx.writers.input_workbook import InputWorkbookError, write_input_workbook


def rows_from_yaml(raw: object, source: str = "example") -> dict[str, list[dict]]:
    """Sheet rows from the example's YAML document (see the module doc)."""
    if not isinstance(raw, dict):
        raise InputWorkbookError(f"{source}: expected a mapping of sheet name → rows")
    if isinstance(raw.get("sheets"), dict):
        raw = raw["sheets"]
    kv_name, item, val = contract.keyvalue_sheet()
    rows: dict[str, list[dict]] = {}
    for name, value in raw.items():
        if name not in contract.SHEET_NAMES:
            if isinstance(value, list):  # a sheet under a wrong name: do not drop it
                raise InputWorkbookError(f"{source}: unknown sheet {name!r}")
            continue  # metadata such as version: or source:
        if name == kv_name and isinstance(value, dict):
            value = [{item: k, val: v} for k, v in value.items()]
        if not isinstance(value, list) or not all(isinstance(r, dict) for r in value):
            raise InputWorkbookError(f"{source}: {name}: expected a list of rows (header: value)")
        rows[name] = value
    return rows


def load_example_rows() -> dict[str, list[dict]]:
    """The example's rows: sheet name → list of {header: value}."""
    path = example_file()
    if not path.is_file():
        raise FileNotFoundError(f"the bundled example is missing: {path}")
    return rows_from_yaml(read_yaml_mapping(path, InputWorkbookError), str(path))


def keyvalue(rows: dict[str, list[dict]], key: str) -> object:
    """A value of the 調書 sheet (実施年度, 計画期間 …), or None."""
    kv_name, item, val = contract.keyvalue_sheet()
    for row in rows.get(kv_name, []):
        if isinstance(row, dict) and row.get(item) == key:
            return row.get(val)
    return None


def plan_of(rows: dict[str, list[dict]]) -> tuple[object, object]:
    """The 実施年度 and 計画期間 of rows' 調書 sheet, as given (None when absent)."""
    kv_name = contract.keyvalue_sheet()[0]
    year, period = (keyvalue(rows, contract.header(kv_name, f)) for f in ("fiscal_year", "plan_period"))
    return year, period


def write_rows(path: str | os.PathLike, rows: dict[str, list[dict]]) -> None:
    """Write an input workbook for rows whose 調書 gives 実施年度 and 計画期間."""
    year, plan = plan_of(rows)
    try:
        fy = fiscal.parse_year(year)
        period = fiscal.parse_period(plan)
    except fiscal.YearError as exc:
        raise InputWorkbookError(f"調書: 実施年度/計画期間 cannot be read: {exc}") from None
    if fy is None:
        raise InputWorkbookError("調書: 実施年度 is missing")
    if period.end is None:
        raise InputWorkbookError("調書: 計画期間 needs an end year")
    write_input_workbook(Path(path), fy, period.start, period.end, rows)


def write_example(path: str | os.PathLike) -> None:
    """Write the bundled example as a filled input workbook."""
    write_rows(path, load_example_rows())
