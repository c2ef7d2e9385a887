"""Fixing flagged cells in the page (issue 24): a department types the corrected value of
a finding's cell and gets a new version, examined again, without going back to Excel.

In: a version and its fixes (「事業!O2」 → the value as typed). Out: a new version whose
workbook differs from the old only in those cells (openpyxl, as the annotated copy is
made: every other cell, format, validation, comment and sheet kept; formulas keep their
saved values), recorded as 「ページで修正（第n版から）」 in the history and the audit log.
A fix is refused (Unprocessable) at a cell without a finding of this version, a formula
cell, a column that is not typed by hand in one line (a derived column such as 達成率, a
multi-line text, the 調書 sheet's items, which name the 施策) or when the value still
breaks the contract there: then with the findings it would make."""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from chosho_xlsx.common import addresses
from chosho_xlsx.contract import spec
from chosho_xlsx.contract.spec import SHEET_NAMES
from chosho_xlsx.intake.reader import match_sheet, read_book
from chosho_xlsx.portal import workflow
from chosho_xlsx.portal.errors import Forbidden, Invalid, Unprocessable
from chosho_xlsx.portal.examine import rules
from chosho_xlsx.portal.models import Upload
from chosho_xlsx.portal.services.builds import blob
from chosho_xlsx.portal.services.files import ANNOTATABLE, record, store_and_examine
from chosho_xlsx.portal.words import say
from chosho_xlsx.writers.annotate import AnnotateError, open_copy, save_copy

# the column types a clerk types in one cell: a number, a year, a choice, a short text
TYPED = frozenset({"int", "year", "quantity", "money", "enum", "mark", "review", "items", "viewpoints", "project",
                   "text"})
_INTEGER = re.compile(r"[+-]?\d+")
_DECIMAL = re.compile(r"[+-]?\d+\.\d+")


@dataclass(frozen=True)
class Fixable:
    """A finding's cell the page offers a field for (a dropdown when `choices`)."""

    place: str  # 「事業!O2」
    sheet: str
    cell: str
    column: str
    type: str
    choices: tuple[str, ...] = ()


def fixable(up: Upload) -> dict[str, Fixable]:
    """The cells of a version's findings that can be fixed in the page, by place (none in
    an .ods: openpyxl writes Office Open XML only)."""
    if not up.readable or up.suffix not in ANNOTATABLE:
        return {}
    formulas = _formula_places(up)
    out = {}
    for f in up.findings:
        target = _target(up, f)
        if target is not None and f["place"] not in formulas:
            out[f["place"]] = target
    return out


def _target(up: Upload, f: dict) -> Fixable | None:
    if not f.get("cell"):
        return None
    column = _columns(up.policy.fiscal_year, up.policy.plan_start, up.policy.plan_end).get(f["sheet"], {}) \
        .get(f.get("column", ""))
    if column is None or column.type not in TYPED or (column.type == "text" and column.wrap):
        return None
    return Fixable(f["place"], f["sheet"], f["cell"], column.header, column.type, _choices(column))


@cache
def _columns(year: int, start: int, end: int) -> dict[str, dict]:
    """Sheet → header → the contract's column: the record sheets' own columns only (not
    the optional derived ones, not the 調書 sheet's items)."""
    return {s.name: {c.header: c for c in s.columns} for s in spec.sheets(year, start, end)
            if s.kind != spec.KEYVALUE}


def _choices(column) -> tuple[str, ...]:
    if column.type == "enum":
        return tuple(column.values)
    if column.type == "review":
        return ("", *rules().allowed_reviews)
    if column.type == "mark":
        return ("", spec.marks()[0])
    return ()


def _formula_places(up: Upload) -> set[str]:
    book = read_book(blob(up), SHEET_NAMES)
    cells = set(book.formulas) | set(book.errors)
    return {addresses.place(sheet, row, col) for sheet, row, col in cells}


def apply_fixes(user, up: Upload, fixes: list[tuple[str, str]]) -> tuple[Upload, bool]:
    """A new version of `up` with `fixes` ((place, value as typed)) written in, examined;
    (the upload, True), or (the existing one, False) for a workbook already there."""
    if user.profile.planning:
        raise Forbidden(say("departments-submit"))
    refused = workflow.refusal(workflow.UPLOAD, user.profile.role, up.policy.state)
    if refused is not None:
        raise refused
    if not up.readable or up.suffix not in ANNOTATABLE:
        raise Unprocessable(say("fix-unreadable", version=up.version))
    cells = _checked_fixes(up, fixes)
    content = _fixed_workbook(blob(up), cells)
    name = up.filename if up.suffix == ".xlsx" else up.filename.rsplit(".", 1)[0] + ".xlsx"
    with store_and_examine(content, name) as stored:
        wrong = [f for f in stored.examined.findings if f["severity"] == "error" and f["place"] in cells]
        if wrong or stored.examined.unreadable:  # nothing is kept: only record() keeps the file
            raise Unprocessable(say("fix-still-wrong", places="、".join(dict.fromkeys(f["place"] for f in wrong))),
                                findings=wrong or stored.examined.findings)
        shown = "、".join(f"{p}「{v}」" for p, (_, _, v) in cells.items())
        return record(user, stored, up.policy, fixed_from=up, fixed_cells=shown)


def _checked_fixes(up: Upload, fixes: list[tuple[str, str]]) -> dict[str, tuple[Fixable, object, str]]:
    """place → (its cell, the value to write, the value as typed), every fix checked."""
    if not fixes:
        raise Invalid(say("fix-none"))
    findings = {f["place"]: f for f in up.findings if f.get("cell")}
    targets = fixable(up)
    formulas = None
    out: dict[str, tuple[Fixable, object, str]] = {}
    for place, value in fixes:
        if place in out:
            raise Invalid(say("fix-twice", place=place))
        if place not in findings:
            raise Unprocessable(say("fix-not-a-finding", place=place))
        if place not in targets:
            formulas = _formula_places(up) if formulas is None else formulas
            if place in formulas:
                raise Unprocessable(say("fix-formula", place=place), findings=[findings[place]])
            raise Unprocessable(say("fix-not-typed", place=place, column=findings[place].get("column", "")),
                                findings=[findings[place]])
        if "\n" in value or "\r" in value:
            raise Unprocessable(say("fix-multiline", place=place), findings=[findings[place]])
        out[place] = (targets[place], _cell_value(value.strip(), targets[place].type), value.strip())
    return out


def _cell_value(text: str, kind: str) -> object:
    """The value written: a plain number as a number in a numeric column (as Excel
    would store 「43948」 typed there), a blank as an empty cell, anything else as text."""
    if not text:
        return None
    if kind in ("int", "money", "quantity") and _INTEGER.fullmatch(text):
        return int(text)
    if kind == "quantity" and _DECIMAL.fullmatch(text):
        return float(text)
    return text


def _fixed_workbook(source: Path, cells: dict[str, tuple[Fixable, object, str]]) -> bytes:
    """`source` with the cells set, everything else as it was (writers/annotate's copy)."""
    try:
        wb = open_copy(source)
        for target, value, _ in cells.values():
            ws = wb[match_sheet(target.sheet, wb.sheetnames) or target.sheet]  # 「指標」 saved as 「指標 」
            cell = ws[target.cell]
            cell.value = value
            if cell.data_type == "f":  # a text that begins with 「=」 stays text
                cell.data_type = "s"
                cell.quotePrefix = True
        with tempfile.TemporaryDirectory(prefix="chosho-fix-") as tmp:
            out = Path(tmp) / f"fixed{source.suffix if source.suffix == '.xlsx' else '.xlsx'}"
            save_copy(source, wb, out)
            return out.read_bytes()
    except AnnotateError as exc:
        raise Unprocessable(str(exc)) from None

