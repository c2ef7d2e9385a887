"""The input behind a 調書, kept inside the 調書, so that `rollover` can start from last
year's 調書 when only that survives.

The printed 調書 does not hold everything the input does (事業群番号 and 取組項目 of a
project, a project's 事業期間 as numbers, 見直し区分 as typed rather than proposed, the
three budget rows of each project …), and reading the printed layout back would be a
guess. So the writer stores the input rows (rows_from_model: the model written back in
the input contract's terms) as custom document properties — invisible on every sheet
and on paper, shown in Excel under ファイル › 情報 › プロパティ — compressed (zlib,
fixed level) and cut into pieces of 255 characters (what Excel's property dialog holds),
with a SHA-256 over the whole so that a piece lost or edited is refused, not guessed.
Same model, same properties, same bytes.

The properties are input like any cell: anyone can write them (and their SHA-256) into
any workbook. So they are read only from a workbook marked as our 調書 (outputs.py),
shaped as rows of plain values, within the limits a workbook's sheets are read with
(rows per sheet, cells, text length: common.limits); and cycle.sources then checks them
against the contract and against the 調書's visible cells."""

from __future__ import annotations

import base64
import hashlib
import json
import zipfile
import zlib
from functools import cache
from operator import attrgetter
from pathlib import Path

from chosho_xlsx.common.errors import WriterError
from chosho_xlsx.common.limits import Limits
from chosho_xlsx.common.text import excel_length
from chosho_xlsx.contract import spec as contract
from chosho_xlsx.contract.spec import Column, Sheet
from chosho_xlsx.model import fiscal
from chosho_xlsx.model.chosho import GROUP_MARKS, Chosho
from chosho_xlsx.model.quantity import Quantity
from chosho_xlsx.model.vocabulary import DASH

PREFIX = "chosho-xlsx input"
PIECE = 255
LIMIT = 20 * 1024 * 1024  # inflated bytes: far above any real 調書's input, far below harm
VERSION = "1"
_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/custom-properties}"


class EmbeddedError(WriterError, ValueError):
    """The properties are there but damaged (a piece missing or altered)."""


def _q(q: Quantity) -> str | None:
    return None if q.value is None else q.text()


def _actual(q: Quantity | None) -> str:
    """An 実績 of a year that has ended: the 調書 prints 「―」 for none, whether the cell
    was blank or 「―」; written as 「―」 it reads back as typed, not as not yet filled."""
    return DASH if q is None or q.value is None else q.text()


def _t(text: str) -> str | None:
    return text or None


def _year(y: int | None) -> str | None:
    return None if y is None else fiscal.label(y)


# Column type → the input cell that reads back as the model's value (int, project and
# enum as they are).
_CELL = {
    "year": _year,
    "mark": lambda v: "○" if v else None,
    "items": lambda v: ",".join(map(str, v)) or None,
    "viewpoints": lambda v: "".join(GROUP_MARKS[n - 1] for n in v) or None,
    "quantity": _q,
    "text": _t,
    "review": _t,
}
_NO_QUANTITY = Quantity(None)


def _column(col: Column, past: frozenset[str]):
    """The input cell of one column for a record of the model: the attribute the
    contract's field names (loader._fields does the reverse); a year family's value of
    the column's year, 「budgets.total」 the part of that year's Budget."""
    name, _, part = col.field.partition(".")
    get, year = attrgetter(name), col.year
    if year is None:
        cell = _CELL.get(col.type)
        return (lambda r: cell(get(r))) if cell else get
    if part:
        return lambda r: getattr(get(r).get(year), part, None)
    if col.family in past:
        return lambda r: _actual(get(r).get(year))
    return lambda r: _q(get(r).get(year, _NO_QUANTITY))


@cache
def _plan(sheet: Sheet) -> tuple[tuple[str, object], ...]:
    """(header, the record's cell) of each column of the sheet, worked out once."""
    past = contract.past_families()
    return tuple((col.header, _column(col, past)) for col in sheet.columns)


def _keyvalue(c: Chosho, spec: dict) -> str | None:
    if spec["type"] == "year":
        return fiscal.label(c.fiscal_year)
    if spec["type"] == "period":
        return f"{fiscal.label(c.plan_start)}-{fiscal.label(c.plan_end)}"
    return _t(getattr(c, spec["field"]))


def rows_from_model(c: Chosho) -> dict[str, list[dict]]:
    """The input rows (sheet → [{header: value}]) that read back as this model: numbers
    and quantities as the 調書 prints them, marks 「○」, lists 「1,2,3」, years 「R2」."""
    kv_name, item, val = contract.keyvalue_sheet()
    rows: dict[str, list[dict]] = {kv_name: [{item: k["key"], val: _keyvalue(c, k)} for k in contract.keyvalue_keys()]}
    records = {"事業群": c.groups, "取組項目": c.items, "指標": c.indicators, "事業": c.projects,
               "事業指標": [pi for p in c.projects for pi in p.indicators], "課題": c.issues}
    for sheet in contract.sheets(c.fiscal_year, c.plan_start, c.plan_end):
        if sheet.kind != contract.KEYVALUE:
            plan = _plan(sheet)
            rows[sheet.name] = [{header: cell(r) for header, cell in plan} for r in records[sheet.name]]
    return rows


def properties(c: Chosho) -> list[tuple[str, str]]:
    """The custom properties (name, value) that carry the model's input rows."""
    return packed_properties(rows_from_model(c))


def packed_properties(rows: object) -> list[tuple[str, str]]:
    """The custom properties (name, value) that carry `rows`, checksummed."""
    data = json.dumps(rows, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    packed = base64.b64encode(zlib.compress(data, 6)).decode("ascii")
    pieces = [packed[i:i + PIECE] for i in range(0, len(packed), PIECE)]
    head = f"{VERSION};{len(pieces)};{hashlib.sha256(data).hexdigest()}"
    return [(PREFIX, head)] + [(f"{PREFIX} {n:03d}", piece) for n, piece in enumerate(pieces, start=1)]


def read_embedded(path: str | Path, limits: Limits | None = None) -> dict[str, list[dict]] | None:
    """The input rows stored in a 調書 this tool built; None when the file has none (an
    input workbook, or a 調書 from elsewhere). Raises EmbeddedError when they are damaged,
    not shaped as rows or past `limits` (the defaults when None). Call after
    safety.check_workbook."""
    # lazy: only for reading a 調書 back (rollover, diff): the build's workers, which
    # import this module to write, never parse XML with it (~2 ms of their keeper's start)
    from defusedxml import ElementTree  # no DTD, no entity: the part comes from the file

    with zipfile.ZipFile(path) as zf:
        if "docProps/custom.xml" not in zf.namelist():
            return None
        if zf.getinfo("docProps/custom.xml").file_size > 2 * LIMIT:  # base64 of at most LIMIT
            raise EmbeddedError("too large")
        root = ElementTree.fromstring(zf.read("docProps/custom.xml"))
    props = {p.get("name", ""): "".join(p.itertext()) for p in root.iter(f"{_NS}property")}
    head = props.get(PREFIX)
    if head is None:
        return None
    try:
        version, count, digest = head.split(";")
        if version != VERSION:
            raise EmbeddedError(f"version {version}")
        packed = "".join(props[f"{PREFIX} {n:03d}"] for n in range(1, int(count) + 1))
        inflate = zlib.decompressobj()
        data = inflate.decompress(base64.b64decode(packed, validate=True), LIMIT)
        if inflate.unconsumed_tail:
            raise EmbeddedError("too large")
    except (KeyError, ValueError, zlib.error) as exc:
        raise EmbeddedError(str(exc)) from None
    if hashlib.sha256(data).hexdigest() != digest:
        raise EmbeddedError("checksum")
    try:
        rows = json.loads(data)
    except ValueError as exc:
        raise EmbeddedError(f"JSON: {exc}") from None
    return plain_rows(rows, limits or Limits())


_SCALARS = (str, int, float, bool, type(None))


def plain_rows(rows: object, limits: Limits) -> dict[str, list[dict]]:
    """`rows` when they are what rows_from_model writes: the contract's sheets, each a
    list of {header: plain value}, within the limits an input workbook is read with
    (rows per sheet, cells per sheet, text length); else EmbeddedError naming the first
    thing wrong. Checked before anything is built from them: 60,000 rows are refused
    here, in the time it takes to count them."""
    if not isinstance(rows, dict):
        raise EmbeddedError("not a mapping of sheets")
    for sheet, records in rows.items():
        if sheet not in contract.SHEET_NAMES:
            raise EmbeddedError(f"unknown sheet {str(sheet)[:40]!r}")
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            raise EmbeddedError(f"{sheet}: not a list of rows")
        if len(records) > limits.rows_per_sheet:
            raise EmbeddedError(f"{sheet}: {len(records):,} rows, limit {limits.rows_per_sheet:,}")
        cells = sum(len(r) for r in records)
        if cells > limits.cells_per_sheet:
            raise EmbeddedError(f"{sheet}: {cells:,} cells, limit {limits.cells_per_sheet:,}")
        for n, record in enumerate(records, start=1):
            for header, value in record.items():
                if not isinstance(header, str) or not isinstance(value, _SCALARS):
                    raise EmbeddedError(f"{sheet}: row {n}: not a plain value")
                if isinstance(value, str) and excel_length(value) > limits.text_length:
                    raise EmbeddedError(f"{sheet}: row {n}: {header[:40]}: text longer than {limits.text_length:,}")
    return rows
