"""The department input workbook, blank (what `chosho-xlsx template` writes: the user's word)
or filled with given rows (example, rollover, the portal's per-施策 workbook).

Sheets and headers come from the contract (schemas/input.yaml via contract.sheets); the
「説明」 sheet's text comes from form/input-guide.yaml. The output is deterministic
(fixed timestamps in the package and in the zip entries) and written atomically."""

from __future__ import annotations

import dataclasses
import math
import os
import re
import zipfile
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from chosho_xlsx.common.atomic import atomic_path
from chosho_xlsx.common.errors import WriterError
from chosho_xlsx.common.resources import form_file, read_yaml_mapping
from chosho_xlsx.common.sentences import both
from chosho_xlsx.common.text import excel_length
from chosho_xlsx.contract import spec as contract
from chosho_xlsx.model import fiscal
from chosho_xlsx.model.ruleset import Ruleset, load_ruleset
from chosho_xlsx.writers.layout import measure
from chosho_xlsx.writers.quoting import needs_quote

GUIDE_SHEET = "説明"
GUIDE_FILE = "input-guide.yaml"

# Validations and input messages cover data rows 2..MAX_ROWS (more if more rows are given).
MAX_ROWS = 500

# Column types whose cells are text-formatted ("@") so Excel keeps 「65.6%」, 「5-1」,
# 「1,2,3」, 「R元」 as typed. int and money stay General (numbers).
NUMERIC_TYPES = frozenset({"int", "money"})

# Excel's limits for data-validation texts (in UTF-16 code units).
PROMPT_MAX = 255
TITLE_MAX = 32
ERROR_MAX = 225

# One constant time for the package properties and every zip entry, so the same call
# gives byte-identical files. 1980-01-01 is the earliest time a zip entry can hold.
FIXED_TIME = datetime(1980, 1, 1, 0, 0, 0)
_ZIP_TIME = FIXED_TIME.timetuple()[:6]

GUIDE_WIDTH = 80  # the 説明 sheet's one column
LINE_HEIGHT = 16  # points per wrapped line
FONT_SIZE = 11  # openpyxl's default font, used by every cell but the 説明 titles
A4_HEIGHT = 720  # printable points of an A4 portrait page, roughly
A4_LANDSCAPE_WIDTH = 734  # printable points across an A4 landscape page (0.75" margins)

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill(fill_type="solid", fgColor="DDEBF7")
HEADER_ALIGN = Alignment(horizontal="center", vertical="center", wrap_text=True)
# Required columns (and 調書 items): an orange header and 【必須】 before the input
# message; the 説明 sheet says what the colour means.
REQUIRED_FILL = PatternFill(fill_type="solid", fgColor="F8CBAD")
REQUIRED_PROMPT = "【必須】"
BOLD_WIDTH = 1.1  # a bold header is about this much wider than the measure's regular text
TITLE_FONT = Font(bold=True, size=14)
HEADING_FONT = Font(bold=True, size=12)

LIST_ERROR_TITLE = "一覧にない値"
LIST_ERROR = "一覧にない値です。このまま入力する場合は「はい」を選んでください（提出前に chosho-xlsx validate で確認されます）。"
NUMBER_ERROR_TITLE = "数値の確認"
NUMBER_ERROR = "範囲外の値か、整数ではありません。このまま入力する場合は「はい」を選んでください（提出前に chosho-xlsx validate で確認されます）。"


class InputWorkbookError(WriterError, ValueError):
    """The rows or the guide file cannot be written into the workbook."""


# --------------------------------------------------------------------------- helpers


def clip(text: str, limit: int) -> str:
    """`text` cut to at most `limit` UTF-16 code units (Excel's unit), ending in 「…」
    when cut; never splits a character."""
    if excel_length(text) <= limit:
        return text
    out, used = [], 0
    for ch in text:
        n = excel_length(ch)
        if used + n > limit - 1:
            break
        out.append(ch)
        used += n
    return "".join(out) + "…"


def _list_literal(values: list[str] | tuple[str, ...]) -> str:
    """A data-validation list of fixed values: 「"増加,減少"」."""
    for v in values:
        if "," in v or '"' in v:
            raise InputWorkbookError(f"list value {v!r} cannot contain ',' or '\"'")
    literal = '"' + ",".join(values) + '"'
    if excel_length(literal) > PROMPT_MAX:
        raise InputWorkbookError(f"list {literal} is longer than Excel allows (255)")
    return literal


def _labels(fiscal_year: int, plan_start: int, plan_end: int, ruleset: Ruleset) -> dict[str, str]:
    return {
        **fiscal.year_placeholders(fiscal_year),
        "plan": f"{fiscal.label(plan_start)}-{fiscal.label(plan_end)}",
        "plan_start": fiscal.label(plan_start),
        "plan_end": fiscal.label(plan_end),
        "new_label": ruleset.new_review(fiscal_year),
        "reviews": "・".join(ruleset.allowed_reviews),
    }


def load_guide(fiscal_year: int, plan_start: int, plan_end: int,
               ruleset: Ruleset | None = None) -> list[tuple[str, str]]:
    """The 説明 sheet as (kind, text) lines, kind one of title/heading/text/blank, with
    the placeholders filled for this year and the rules settings (the default file when
    None: its 見直し区分 are the ones the guide lists)."""
    path = form_file(GUIDE_FILE)
    raw = read_yaml_mapping(path, InputWorkbookError)
    labels = _labels(fiscal_year, plan_start, plan_end, ruleset or load_ruleset())

    def fill(text: object) -> str:
        try:
            return str(text).format_map(labels)
        except (KeyError, IndexError, ValueError) as exc:
            raise InputWorkbookError(f"{path}: bad placeholder in {text!r}: {exc}") from None

    if not isinstance(raw, dict) or not isinstance(raw.get("sections"), list):
        raise InputWorkbookError(f"{path}: expected 'title' and a list of 'sections'")
    lines: list[tuple[str, str]] = [("title", fill(raw.get("title", ""))), ("blank", "")]
    for section in raw["sections"]:
        if not isinstance(section, dict):
            raise InputWorkbookError(f"{path}: each section needs 'heading' and 'paragraphs'")
        lines.append(("heading", fill(section.get("heading", ""))))
        lines.extend(("text", fill(p)) for p in section.get("paragraphs") or [])
        lines.append(("blank", ""))
    return lines


def _line_count(text: str, width: float) -> int:
    """How many lines `text` wraps to in a column `width` wide, measured as the 調書
    writer measures (layout.measure: 全角 wide, Latin narrow). Excel and LibreOffice do
    not always grow rows of generated files to fit wrapped text, so we set heights."""
    avail = measure.column_px(width) - measure.CELL_PAD_PX
    return measure.line_count(text, avail, FONT_SIZE) if text else 1


def _write_guide(ws: Worksheet, lines: list[tuple[str, str]]) -> None:
    ws.column_dimensions["A"].width = GUIDE_WIDTH
    fonts = {"title": TITLE_FONT, "heading": HEADING_FONT}
    for row, (kind, text) in enumerate(lines, start=1):
        if kind == "blank":
            continue
        cell = ws.cell(row=row, column=1)
        put_value(cell, text)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if kind in fonts:
            cell.font = fonts[kind]
        per_line = {"title": 24, "heading": 20}.get(kind, LINE_HEIGHT)
        ws.row_dimensions[row].height = per_line * _line_count(text, GUIDE_WIDTH)
    ws.page_setup.orientation = "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    # One page wide. fitToHeight 0 (「as many as needed」) is what Excel reads, but
    # LibreOffice then ignores the width: give it the estimated number of A4 pages.
    total = sum(ws.row_dimensions[r].height or LINE_HEIGHT for r in range(1, len(lines) + 1))
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = max(1, math.ceil(total / A4_HEIGHT))
    ws.sheet_properties.pageSetUpPr.fitToPage = True


# OOXML keeps characters XML cannot hold as 「_xHHHH_」, and a literal 「_xHHHH_」 as
# 「_x005F_xHHHH_」 (what Excel writes and Excel and calamine read back). 「\r」 is escaped
# too: XML parsers would turn it into 「\n」.
_LITERAL_ESCAPE = re.compile(r"_(?=x[0-9A-Fa-f]{4}_)")
_NOT_XML = re.compile(r"[\x00-\x08\x0b-\x1f]")
_UNSTORABLE = re.compile(r"[\ud800-\udfff\ufffe\uffff]")


def ooxml_text(text: str) -> str:
    """`text` as stored in a cell so that Excel shows it exactly as given."""
    if _UNSTORABLE.search(text):
        raise InputWorkbookError(f"text with a surrogate or non-character cannot be stored: {text!r}")
    text = _LITERAL_ESCAPE.sub("_x005F_", text)
    return _NOT_XML.sub(lambda m: f"_x{ord(m[0]):04X}_", text)


def put_value(cell, value: object) -> None:
    """Write one value: strings as TEXT cells (never a formula or an error value, even
    when they begin with 「=」 or read 「#N/A」), numbers as numbers."""
    if value is None:
        return
    if isinstance(value, str):
        cell.value = ooxml_text(value)
        cell.data_type = "s"  # openpyxl would take 「=…」 for a formula, 「#N/A」 for an error
        if needs_quote(value):
            cell.quotePrefix = True  # Excel keeps it text when the cell is edited
        return
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise InputWorkbookError(f"cannot write {type(value).__name__} {value!r} (text or number)")
    if isinstance(value, float) and not math.isfinite(value):
        raise InputWorkbookError(f"cannot write {value!r}")
    cell.value = value


# --------------------------------------------------------------------------- sheets


def _required(col: contract.Column) -> bool:
    return col.required or col.required_unless is not None


def _column_width(col: contract.Column) -> float:
    """The contract's width, widened so that the bold header fits on one line (no
    「事業群番/号」), measured as the 調書 writer measures."""
    return max(col.width, measure.one_line_width(col.header, FONT_SIZE * BOLD_WIDTH))


def _print_setup(ws: Worksheet, widths: list[float]) -> None:
    """Landscape, one page wide, as many pages down as the rows need, the header row on
    every page (the blank template printed on 23 portrait pages). A4, or A3 (the paper of
    the 調書) when A4 would shrink the sheet below half size (the 事業 sheet)."""
    width_pt = sum(measure.column_px(w) for w in widths) * 72 / 96
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A3 if width_pt > 2 * A4_LANDSCAPE_WIDTH else ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"


def _style_columns(ws: Worksheet, sheet: contract.Sheet) -> None:
    """Header row bold with a fill (orange when required) and frozen; column widths,
    text format and wrapping as column styles, so cells typed later get them too."""
    for i, col in enumerate(sheet.columns, start=1):
        letter = get_column_letter(i)
        dim = ws.column_dimensions[letter]
        dim.width = _column_width(col)
        if col.type not in NUMERIC_TYPES:
            dim.number_format = "@"
        dim.alignment = Alignment(vertical="top", wrap_text=col.wrap or None)
        head = ws.cell(row=1, column=i)
        put_value(head, col.header)
        head.font = HEADER_FONT
        head.fill = REQUIRED_FILL if _required(col) else HEADER_FILL
        head.alignment = HEADER_ALIGN
        head.number_format = "@"
    ws.row_dimensions[1].height = LINE_HEIGHT * max(
        _line_count(c.header, _column_width(c)) for c in sheet.columns
    )
    ws.freeze_panes = "A2"
    _print_setup(ws, [_column_width(c) for c in sheet.columns])


def _data_style(cell, col: contract.Column) -> None:
    if col.type not in NUMERIC_TYPES:
        cell.number_format = "@"
    cell.alignment = Alignment(vertical="top", wrap_text=col.wrap or None)


def _prompt(col: contract.Column, text: str | None = None) -> dict:
    if text is None:
        text = (REQUIRED_PROMPT if _required(col) else "") + col.help.get("ja", "")
    return {
        "showInputMessage": True,
        "promptTitle": clip(col.header, TITLE_MAX),
        "prompt": clip(text, PROMPT_MAX),
    }


def _warning(title: str, text: str) -> dict:
    return {
        "showErrorMessage": True,
        "errorStyle": "warning",
        "errorTitle": clip(title, TITLE_MAX),
        "error": clip(text, ERROR_MAX),
    }


def _ref_range(target: contract.Sheet, given: int, last: int) -> str:
    """The referenced sheet's key column as an absolute range: 「'事業群'!$A$2:$A$21」
    (to the key's maximum when the contract has one, else to `last`; never fewer than
    the `given` rows)."""
    if target.key is None:
        raise InputWorkbookError(f"sheet {target.name} has no key column to list")
    letter = get_column_letter(target.headers.index(target.key) + 1)
    key = target.column(target.key)
    end = max(1 + key.max, 1 + given) if key.max is not None else last
    return f"{quote_sheetname(target.name)}!${letter}$2:${letter}${end}"


def _column_validation(
    col: contract.Column,
    sheets: dict[str, contract.Sheet],
    given: dict[str, list],
    last: int,
    reviews: tuple[str, ...],
) -> dict | None:
    """The data-cell validation of one column (list or whole number), or None."""
    if col.ref and col.type in ("int", "project"):
        target = sheets[col.ref]
        ref = _ref_range(target, len(given.get(target.name) or []), last)
        return {"type": "list", "formula1": ref,
                **_warning(LIST_ERROR_TITLE, LIST_ERROR)}
    values: tuple[str, ...] = ()
    if col.type == "enum":
        values = col.values
    elif col.type == "review":
        values = reviews
    elif col.type == "mark":
        values = contract.marks()[:1]
    if values:
        return {"type": "list", "formula1": _list_literal(values),
                **_warning(LIST_ERROR_TITLE, LIST_ERROR)}
    if col.type == "money" or (col.type == "int" and (col.min is not None or col.max is not None)):
        low = col.min if col.min is not None else 0
        if col.max is not None:
            bounds = {"operator": "between", "formula1": str(low), "formula2": str(col.max)}
        else:
            bounds = {"operator": "greaterThanOrEqual", "formula1": str(low)}
        return {"type": "whole", **bounds, **_warning(NUMBER_ERROR_TITLE, NUMBER_ERROR)}
    return None


def _validate_table(
    ws: Worksheet,
    sheet: contract.Sheet,
    last: int,
    sheets: dict[str, contract.Sheet],
    given: dict[str, list],
    reviews: tuple[str, ...],
) -> None:
    for i, col in enumerate(sheet.columns, start=1):
        letter = get_column_letter(i)
        rule = _column_validation(col, sheets, given, last, reviews)
        if rule is None:  # input message only, on the header and the data cells
            dv = DataValidation(allow_blank=True, **_prompt(col))
            dv.add(f"{letter}1:{letter}{last}")
            ws.add_data_validation(dv)
            continue
        head = DataValidation(allow_blank=True, **_prompt(col))
        head.add(f"{letter}1")
        ws.add_data_validation(head)
        data = DataValidation(allow_blank=True, **rule, **_prompt(col))
        data.add(f"{letter}2:{letter}{last}")
        ws.add_data_validation(data)


def _table_rows(sheet: contract.Sheet, rows: list[dict]) -> list[dict]:
    if not isinstance(rows, list):
        raise InputWorkbookError(f"{sheet.name}: expected a list of rows")
    known = set(sheet.headers)
    for n, row in enumerate(rows, start=2):
        if not isinstance(row, dict):
            raise InputWorkbookError(f"{sheet.name} row {n}: expected a mapping of header → value")
        unknown = [k for k in row if k not in known]
        if unknown:
            raise InputWorkbookError(f"{sheet.name} row {n}: unknown column(s) {', '.join(map(str, unknown))}")
    return rows


def _keyvalue_rows(
    sheet: contract.Sheet, rows: list[dict] | None, fiscal_year: int, plan_start: int, plan_end: int
) -> list[dict]:
    """The 調書 sheet's rows in the contract's key order: given values, else 実施年度 and
    計画期間 from the arguments."""
    keys = [k["key"] for k in contract.keyvalue_keys()]
    item, value = sheet.headers
    if rows is None:
        given = {
            contract.header(sheet.name, "fiscal_year"): fiscal.label(fiscal_year),
            contract.header(sheet.name, "plan_period"): f"{fiscal.label(plan_start)}-{fiscal.label(plan_end)}",
        }
    else:
        given = {}
        for n, row in enumerate(_table_rows(sheet, rows), start=2):
            key = row.get(item)
            if key not in keys:
                raise InputWorkbookError(f"{sheet.name} row {n}: unknown {item} {key!r}")
            if key in given:
                raise InputWorkbookError(f"{sheet.name} row {n}: {item} {key!r} given twice")
            given[key] = row.get(value)
    return [{item: k, value: given.get(k)} for k in keys]


def _fill(ws: Worksheet, sheet: contract.Sheet, rows: list[dict]) -> None:
    index = {col.header: (i, col) for i, col in enumerate(sheet.columns, start=1)}
    for r, row in enumerate(rows, start=2):
        for header, value in row.items():
            if value is None:
                continue
            c, col = index[header]
            cell = ws.cell(row=r, column=c)
            try:
                put_value(cell, value)
            except (InputWorkbookError, ValueError) as exc:
                raise InputWorkbookError(f"{sheet.name} row {r} {header}: {exc}") from None
            _data_style(cell, col)


def _keyvalue_messages(ws: Worksheet, sheet: contract.Sheet, rows: list[dict]) -> None:
    keys = {k["key"]: k for k in contract.keyvalue_keys()}
    help_by_key = {
        key: (REQUIRED_PROMPT if k.get("required") else "") + (k.get("help") or {}).get("ja", "")
        for key, k in keys.items()
    }
    for i, col in enumerate(sheet.columns, start=1):
        dv = DataValidation(allow_blank=True, **_prompt(col, sheet.help.get("ja", "")))
        dv.add(f"{get_column_letter(i)}1")
        ws.add_data_validation(dv)
    item = sheet.headers[0]
    for r, row in enumerate(rows, start=2):
        key = row[item]
        dv = DataValidation(
            allow_blank=True,
            showInputMessage=True,
            promptTitle=clip(key, TITLE_MAX),
            prompt=clip(help_by_key.get(key, ""), PROMPT_MAX),
        )
        dv.add(f"A{r}:B{r}")
        ws.add_data_validation(dv)
        _data_style(ws.cell(row=r, column=1), sheet.columns[0])
        _data_style(ws.cell(row=r, column=2), sheet.columns[1])
        if keys.get(key, {}).get("required"):
            ws.cell(row=r, column=1).fill = REQUIRED_FILL


def _optional_columns(fiscal_year: int, plan_start: int, plan_end: int) -> dict:
    # contract.optional_columns is newer than this module; without it there are none.
    found = getattr(contract, "optional_columns", None)
    return found(fiscal_year, plan_start, plan_end) if found else {}


def _with_optional(sheet: contract.Sheet, optional, rows: object) -> contract.Sheet:
    """The sheet with those optional columns (「R5達成率」 …) that the given rows fill,
    after the contract's columns. A blank template never has them."""
    if not optional or not isinstance(rows, list):
        return sheet
    used = {h for row in rows if isinstance(row, dict) for h, v in row.items() if v is not None}
    extra = tuple(c for c in optional if c.header in used and c.header not in sheet.headers)
    return dataclasses.replace(sheet, columns=sheet.columns + extra) if extra else sheet


# --------------------------------------------------------------------------- workbook


def build_workbook(
    fiscal_year: int,
    plan_start: int,
    plan_end: int,
    rows: dict[str, list[dict]] | None = None,
    ruleset: Ruleset | None = None,
) -> Workbook:
    """The input workbook in memory (write_input_workbook saves it), its 見直し区分 those of
    `settings` (the default rules file when None)."""
    ruleset = ruleset or load_ruleset()
    if plan_end < plan_start:
        raise InputWorkbookError(both("template.plan-order"))
    sheets = contract.sheets(fiscal_year, plan_start, plan_end)
    by_name = {s.name: s for s in sheets}
    if rows is not None:
        if not isinstance(rows, dict):
            raise InputWorkbookError("rows: expected a mapping of sheet name → list of rows")
        unknown = [name for name in rows if name not in by_name]
        if unknown:
            raise InputWorkbookError(f"unknown sheet(s): {', '.join(map(str, unknown))}")
    given = rows or {}
    reviews = ruleset.allowed_reviews

    last = max([MAX_ROWS] + [1 + len(v) for v in given.values() if isinstance(v, list)])

    wb = Workbook()
    guide = wb.active
    guide.title = GUIDE_SHEET
    _write_guide(guide, load_guide(fiscal_year, plan_start, plan_end, ruleset))

    optional = _optional_columns(fiscal_year, plan_start, plan_end)
    for sheet in sheets:
        ws = wb.create_sheet(sheet.name)
        if sheet.kind != contract.KEYVALUE:
            sheet = _with_optional(sheet, optional.get(sheet.name, ()), given.get(sheet.name))
        _style_columns(ws, sheet)
        if sheet.kind == contract.KEYVALUE:
            kv = _keyvalue_rows(sheet, given.get(sheet.name), fiscal_year, plan_start, plan_end)
            _fill(ws, sheet, kv)
            _keyvalue_messages(ws, sheet, kv)
            continue
        _fill(ws, sheet, _table_rows(sheet, given.get(sheet.name, [])))
        _validate_table(ws, sheet, last, by_name, given, reviews)

    wb.active = 0
    props = wb.properties
    props.creator = "chosho-xlsx"
    props.lastModifiedBy = None
    props.title = f"事業群評価調書 入力ブック（{fiscal.full_label(fiscal_year)}実施）"
    props.created = FIXED_TIME
    props.modified = FIXED_TIME
    return wb


class _ReproducibleZip(zipfile.ZipFile):
    """A ZipFile whose entries all carry FIXED_TIME and fixed permissions.

    openpyxl's writer passes names to writestr (stamped with the current time) and
    worksheets as temporary files to write (stamped with the file's mtime); both would
    make two runs differ."""

    def writestr(self, zinfo_or_arcname, data, compress_type=None, compresslevel=None):
        if not isinstance(zinfo_or_arcname, zipfile.ZipInfo):
            zinfo = zipfile.ZipInfo(str(zinfo_or_arcname), date_time=_ZIP_TIME)
            zinfo.compress_type = self.compression
            zinfo.external_attr = 0o600 << 16
            zinfo_or_arcname = zinfo
        super().writestr(zinfo_or_arcname, data, compress_type, compresslevel)

    def write(self, filename, arcname=None, compress_type=None, compresslevel=None):
        data = Path(filename).read_bytes()
        name = arcname if arcname is not None else os.path.basename(filename)
        self.writestr(name, data, compress_type, compresslevel)


def save_workbook(wb: Workbook, path: str | os.PathLike) -> None:
    """Save deterministically and atomically (atomic.atomic_path): on any failure the
    target is untouched and no temp file is left."""
    with atomic_path(Path(path)) as tmp, open(tmp, "wb") as fh:
        save_reproducibly(wb, fh)


def save_reproducibly(wb: Workbook, fh) -> None:
    """`wb` written to the open binary file `fh` with every zip entry at FIXED_TIME and
    the package properties as they are (openpyxl's own save stamps both with the time of
    saving): the same workbook, the same bytes."""
    with _ReproducibleZip(fh, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(wb, archive).save()


def write_input_workbook(
    path: str | os.PathLike,
    fiscal_year: int,
    plan_start: int,
    plan_end: int,
    rows: dict[str, list[dict]] | None = None,
    ruleset: Ruleset | None = None,
) -> None:
    """Write the department input workbook for this 実施年度 and 計画期間: 「説明」 first,
    then every contract sheet; with `rows` (sheet name → list of {header: value}) the
    values are written under the headers; the 見直し区分 offered are those of `settings`
    (`--rules`; the default rules file when None)."""
    save_workbook(build_workbook(fiscal_year, plan_start, plan_end, rows, ruleset), path)


def policy_rows(fiscal_year: int, plan_start: int, plan_end: int, strategy: str, policy: str) -> dict[str, list[dict]]:
    """The rows of one 施策's blank workbook: the 調書 sheet with 実施年度, 計画期間,
    基本戦略名 and 施策名 filled in (what the portal knows of the 施策), the rest empty."""
    sheet = next(s for s in contract.sheets(fiscal_year, plan_start, plan_end) if s.kind == contract.KEYVALUE)
    item, value = sheet.headers
    values = {
        "fiscal_year": fiscal.label(fiscal_year),
        "plan_period": f"{fiscal.label(plan_start)}-{fiscal.label(plan_end)}",
        "strategy": strategy,
        "policy": policy,
    }
    return {sheet.name: [{item: contract.header(sheet.name, f), value: v} for f, v in values.items() if v]}
