"""The validation test corpus, built by code (no binary workbooks in the repository).

Every case starts from the bundled example (chosho_xlsx.writers.example.load_example_rows(),
the seed 調書 transcribed), changes one thing, and writes a real workbook the way a
department gets it: chosho_xlsx.writers.input_workbook.write_input_workbook. Cases that the template cannot
produce (an extra or missing column, a deleted sheet, a formula with or without its
cached value) edit the written workbook with openpyxl or write it with XlsxWriter.

Cell addresses are computed from the contract's headers, so a case names the cell the
validator must report: cell("事業", "事業群番号", 3) == "事業!B5" (the 4th project)."""

from __future__ import annotations

import copy
import re
import zipfile
from pathlib import Path

from chosho_xlsx.common.addresses import col_letter
from chosho_xlsx.contract import spec as contract
from chosho_xlsx.model import fiscal
from chosho_xlsx.writers.example import keyvalue, load_example_rows
from chosho_xlsx.writers.input_workbook import write_input_workbook

KEYVALUE_SHEET = "調書"


def example_rows() -> dict[str, list[dict]]:
    """A fresh, mutable copy of the bundled example's rows."""
    return copy.deepcopy(load_example_rows())


def years(rows: dict | None = None) -> tuple[int, int, int]:
    """実施年度, plan start, plan end of the example (R6, R3, R7)."""
    rows = rows or load_example_rows()
    period = fiscal.parse_period(keyvalue(rows, "計画期間"))
    return fiscal.parse_year(keyvalue(rows, "実施年度")), period.start, period.end


def headers(sheet: str) -> list[str]:
    """The sheet's headers as the template writes them for the example's years."""
    fy, start, end = years()
    for s in contract.sheets(fy, start, end):
        if s.name == sheet:
            return s.headers
    raise KeyError(sheet)


def letter(sheet: str, header: str) -> str:
    return col_letter(headers(sheet).index(header))


def cell(sheet: str, header: str, index: int) -> str:
    """「事業!B5」: where record `index` (0-based) of `sheet` sits, column `header`."""
    return f"{sheet}!{letter(sheet, header)}{index + 2}"


def key_cell(key: str) -> str:
    """The 値 cell of a 調書 item: the template writes the items in the contract's order."""
    keys = [k["key"] for k in contract.keyvalue_keys()]
    return f"{KEYVALUE_SHEET}!B{keys.index(key) + 2}"


def index_of(rows: dict, sheet: str, **match: object) -> int:
    """The index of the first record of `sheet` whose values match."""
    for i, rec in enumerate(rows[sheet]):
        if all(rec.get(k) == v for k, v in match.items()):
            return i
    raise LookupError(f"{sheet}: no record with {match}")


def set_key(rows: dict, key: str, value: object) -> dict:
    for rec in rows[KEYVALUE_SHEET]:
        if rec["項目"] == key:
            rec["値"] = value
            return rows
    rows[KEYVALUE_SHEET].append({"項目": key, "値": value})
    return rows


def write(folder: Path, rows: dict, name: str = "input.xlsx") -> Path:
    """The workbook a department would send, with the example's headers (R6, R3-R7)
    whatever the rows' 調書 says (so a changed 実施年度 meets the wrong year columns)."""
    path = Path(folder) / name
    write_input_workbook(path, *years(), rows)
    return path


def mutated(folder: Path, sheet: str, index: int, header: str, value: object,
            name: str = "input.xlsx") -> Path:
    """The example with one value changed."""
    rows = example_rows()
    rows[sheet][index][header] = value
    return write(folder, rows, name)


def rows_with(policy: str, year: str = "R6") -> dict:
    """The example under another 施策 name; for R7 its project years move on by one."""
    rows = load_example_rows()
    for r in rows["調書"]:
        if r["項目"] == "施策名":
            r["値"] = policy
        if r["項目"] == "実施年度":
            r["値"] = year
    if year == "R7":
        shift = {"R6": "R7", "R5": "R6", "R4": "R5"}
        for sheet in ("事業", "事業指標"):
            rows[sheet] = [{(shift[k[:2]] + k[2:] if k[:2] in shift else k): v for k, v in r.items()}
                           for r in rows[sheet]]
    return rows


def example_workbook(folder: Path, name: str = "example.xlsx") -> Path:
    return write(folder, example_rows(), name)


# ---- edits the template cannot make ----------------------------------------------------


def edit(path: Path, change) -> Path:
    """Open with openpyxl, let `change(wb)` edit, save in place (a test's own file)."""
    from openpyxl import load_workbook

    wb = load_workbook(path)
    change(wb)
    wb.save(path)
    return path


def add_column(path: Path, sheet: str, header: str, values: dict[int, object]) -> str:
    """Append a column (header in row 1, values by record index); returns its letter."""
    from openpyxl.utils import get_column_letter

    added: list[str] = []

    def change(wb):
        ws = wb[sheet]
        col = ws.max_column + 1
        ws.cell(row=1, column=col, value=header)
        for index, value in values.items():
            ws.cell(row=index + 2, column=col, value=value)
        added.append(get_column_letter(col))

    edit(path, change)
    return added[0]


def set_cell(path: Path, sheet: str, ref: str, value: object) -> Path:
    def change(wb):
        wb[sheet][ref] = value

    return edit(path, change)


# Cells a clerk typed wrong (issue 26): a 千円 amount with 「円」, a 見直し区分 not in the list,
# a rate in an indicator counted in 所属, a 目標の向き not in the list, the same for a
# 事業指標 (a unit, a number) and a 取組項目 (its 事業群番号). The example has, there:
# 43948, 改善, 60所属, 増加, 4, 3 and 1.
MISTYPED = {("指標", "E2"): "増える", ("指標", "N4"): "48.5%", ("事業", "O2"): "43,948円", ("事業", "AB2"): "廃止?",
            ("事業指標", "E2"): "三つ", ("事業指標", "F2"): "4件", ("取組項目", "C2"): "1群"}


def mistyped(path: Path, cells: dict | None = None) -> Path:
    """`path` (a test's own copy of the example) with MISTYPED's cells typed in."""
    def change(wb):
        for (sheet, ref), value in (MISTYPED if cells is None else cells).items():
            wb[sheet][ref] = value

    return edit(path, change)


def delete_sheet(path: Path, sheet: str) -> Path:
    def change(wb):
        del wb[sheet]

    return edit(path, change)


def rename_header(path: Path, sheet: str, header: str, new: str) -> Path:
    return set_cell(path, sheet, f"{letter(sheet, header)}1", new)


def delete_keyvalue(path: Path, key: str) -> Path:
    def change(wb):
        ws = wb[KEYVALUE_SHEET]
        for row in ws.iter_rows(min_row=2):
            if row[0].value == key:
                ws.delete_rows(row[0].row)
                return

    return edit(path, change)


# ---- formulas --------------------------------------------------------------------------


def xlsxwriter_book(path: Path, rows: dict, formulas: dict[tuple[str, str, int], tuple[str, object]],
                    formats: dict[tuple[str, str, int], str] | None = None) -> Path:
    """The rows written with XlsxWriter (headers in row 1, the template's layout), with
    formula cells: (sheet, header, index) → (formula, cached value), and number formats:
    (sheet, header, index) → format code (「0.0%」), as a clerk's Excel stores them.
    XlsxWriter stores 0 as the cached value when none is given; strip_cached_value
    removes it."""
    import xlsxwriter

    fy, start, end = years()
    keys = [k["key"] for k in contract.keyvalue_keys()]
    wb = xlsxwriter.Workbook(str(path))
    styles = {code: wb.add_format({"num_format": code}) for code in set((formats or {}).values())}
    for s in contract.sheets(fy, start, end):
        ws = wb.add_worksheet(s.name)
        ws.write_row(0, 0, s.headers)
        if s.kind == contract.KEYVALUE:
            given = {r["項目"]: r["値"] for r in rows[s.name]}
            records = [{"項目": k, "値": given.get(k)} for k in keys]
        else:
            records = rows.get(s.name, [])
        for i, rec in enumerate(records):
            for j, h in enumerate(s.headers):
                value = rec.get(h)
                if (s.name, h, i) in formulas:
                    formula, cached = formulas[(s.name, h, i)]
                    if cached is None:  # XlsxWriter's default: 0 as the cached value
                        ws.write_formula(i + 1, j, formula)
                    else:
                        ws.write_formula(i + 1, j, formula, None, cached)
                elif isinstance(value, str):
                    ws.write_string(i + 1, j, value)
                elif value is not None:
                    code = (formats or {}).get((s.name, h, i))
                    ws.write_number(i + 1, j, value, styles[code] if code else None)
    wb.close()
    return path


def strip_cached_value(path: Path, sheet: str, ref: str) -> Path:
    """Remove the cached value (<v>) of the formula cell `ref`: a formula saved by a
    program that never calculated it."""
    with zipfile.ZipFile(path) as zf:
        parts = {info: zf.read(info.filename) for info in zf.infolist()}
        workbook = zf.read("xl/workbook.xml").decode()
    names = re.findall(r'<sheet [^>]*name="([^"]+)"', workbook)
    member = f"xl/worksheets/sheet{names.index(sheet) + 1}.xml"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, data in parts.items():
            if info.filename == member:
                text = data.decode()
                pattern = rf'(<c r="{ref}"[^>]*>\s*<f>[^<]*</f>)\s*<v>[^<]*</v>'
                text, n = re.subn(pattern, r"\1", text)
                assert n == 1, f"no formula with a cached value at {sheet}!{ref}"
                data = text.encode()
            zf.writestr(info, data)
    return path
