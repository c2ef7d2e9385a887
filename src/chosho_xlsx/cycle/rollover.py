"""Next year's input workbook from this year's: `chosho-xlsx rollover`.

Pure: `roll` takes the source's rows (header → the cell's value, as read) and its model
and returns the new rows with a record of what was carried, what is left to fill and
which projects were left out. `rollover_file` reads and validates a workbook (path or
bytes); `write_rollover` writes the result with the input template writer, adding the
comments that mark pre-filled figures (intake/marks.py) and a note sheet.

Year Y → N = Y+1, same 計画期間:
- 指標: targets and every 実績 carried; the 実績 of Y (the year just ended) left blank.
- 事業指標 (Y-2 … Y → Y-1 … N): Y-1 and Y carried, Y's 実績 and N's 目標 left blank.
- 事業費 (Y-2, Y-1 実績, Y 計画 → Y-1, Y 実績, N 計画): Y-1 carried; Y's planned
  figures pre-filled as Y's 実績 and marked; N blank.
- Projects whose 事業期間 ended before Y are left out; one that ends in Y stays (the
  next 調書 reports its last year as 「（Y終了）」).
- 見直し区分 and 事業構築の視点 (that year's review) start blank, 見直し内容 starts from
  last year's 次年度の方向性 (what was promised), 次年度の方向性 blank; 課題 starts empty.
- Optional columns the department added (達成率, 進捗状況) are derived values and are
  not carried: the engine computes them."""

from __future__ import annotations

import dataclasses
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from chosho_xlsx.common.addresses import cell_ref
from chosho_xlsx.common.errors import EXIT_CONTENT, EXIT_MISUSE, CycleError
from chosho_xlsx.common.findings import Checked
from chosho_xlsx.common.text import is_blank
from chosho_xlsx.contract import spec as contract
from chosho_xlsx.cycle.sentences import text
from chosho_xlsx.cycle.sources import (
    KV_ITEM,
    KV_SHEET,
    KV_VALUE,
    InputRefused,
    SourceRow,
    open_checked,
    source_rows,
)
from chosho_xlsx.intake.marks import ROLLOVER_AUTHOR
from chosho_xlsx.intake.reader import RawBook
from chosho_xlsx.model import fiscal
from chosho_xlsx.model.chosho import Chosho
from chosho_xlsx.model.ruleset import Ruleset
from chosho_xlsx.model.vocabulary import DASH
from chosho_xlsx.pipeline import check_book
from chosho_xlsx.rules.engine import in_section4

NOTE_SHEET = "繰越メモ"

# 事業 columns that hold one year's review (見直し区分, 事業構築の視点, 次年度の方向性):
# blank in the new workbook.
REVIEW_COLUMNS = tuple(contract.header("事業", f) for f in ("review", "viewpoints", "next_direction"))
# The new 見直し内容 starts from last year's 次年度の方向性.
FROM_COLUMN = {contract.header("事業", "review_text"): contract.header("事業", "next_direction")}
EMPTY_SHEETS = ("課題",)


class RolloverError(CycleError):
    """The rollover cannot be made. `code` names the text in data/cycle.yaml; `exit_code`
    is the CLI's (1: the content does not allow it, 2: the command is misused)."""

    def __init__(self, code: str, exit_code: int, **params: object):
        super().__init__(code)
        self.code = code
        self.exit_code = exit_code
        self.params = params

    def message(self, lang: str = "ja") -> str:
        return text(self.code, lang, **self.params)


class RolloverRefused(InputRefused):
    """The source workbook is unreadable (exit 2) or breaks the contract (exit 1): its
    validation result says where."""

    sentence = "rollover.refused"


@dataclass(frozen=True)
class Carried:
    """One value copied into the new workbook: where it went, where it came from."""

    sheet: str
    cell: str  # in the new workbook
    source_cell: str  # in the source workbook, same sheet
    header: str
    value: object


@dataclass(frozen=True)
class ToFill:
    """A cell the department has to fill (or confirm) in the new workbook."""

    sheet: str
    cell: str
    header: str
    kind: str  # actual | target | budget_actual | budget_plan | review (see _fill_kind) | unconfirmed
    row: str  # what the row is: 「指標 1」, 「事業 5-1」
    prefilled: object = None  # last year's planned figure, pre-filled and marked (budget_actual)


@dataclass(frozen=True)
class LeftOut:
    number: str
    name: str
    period: str
    source_cell: str


@dataclass
class Rollover:
    source: str
    from_year: int
    to_year: int
    plan_start: int
    plan_end: int
    rows: dict[str, list[dict]]
    carried: list[Carried] = field(default_factory=list)
    to_fill: list[ToFill] = field(default_factory=list)
    left_out: list[LeftOut] = field(default_factory=list)
    dropped_columns: list[str] = field(default_factory=list)  # 「指標!R3達成率」
    from_chosho: bool = False  # read from a 調書's embedded input (embed.py)

    def as_dict(self) -> dict:
        return {
            "version": 1,
            "source": self.source,
            "from": fiscal.label(self.from_year),
            "to": fiscal.label(self.to_year),
            "plan": fiscal.period_label(self.plan_start, self.plan_end),
            "from_chosho": self.from_chosho,
            "carried": [asdict(c) for c in self.carried],
            "to_fill": [asdict(t) for t in self.to_fill],
            "left_out": [asdict(p) for p in self.left_out],
            "dropped_columns": self.dropped_columns,
        }


# ---------------------------------------------------------------------------- rolling


def target_year(chosho: Chosho, to: int | None) -> int:
    """The year to roll to: Y+1, refused past the plan's last year or when `to` is not Y+1."""
    nxt = chosho.fiscal_year + 1
    if to is not None and to != nxt:
        raise RolloverError("rollover.to-not-next", EXIT_MISUSE, to=fiscal.label(to),
                            year=fiscal.label(chosho.fiscal_year), next=fiscal.label(nxt))
    if nxt > chosho.plan_end:
        raise RolloverError("rollover.plan-ended", EXIT_CONTENT, year=fiscal.label(chosho.fiscal_year),
                            plan=fiscal.period_label(chosho.plan_start, chosho.plan_end), next=fiscal.label(nxt))
    return nxt


def _row_label(sheet: str, values: dict) -> str:
    """A row as the note names it: the sheet and its key column (「指標 3」); a 事業指標
    row, which has no key of its own, by its project and name."""
    if sheet == "事業指標":
        project, name = (values.get(contract.header(sheet, f), "") for f in ("project", "name"))
        return f"{sheet} {project} {name}".strip()
    key = contract.sheet_key(sheet)
    return f"{sheet} {values.get(key, '')}".strip() if key else sheet


def _fill_kind(sheet: str, header: str, year: int, existed: bool, in_section4: bool) -> str:
    """Why a blank cell of the new workbook is the department's to fill: actual, target
    (new year columns of 指標 and 事業指標), budget_actual (事業費 of the year just ended),
    budget_plan (the new year's), review (section 4's columns); '' when it is not (a value
    the source left blank stays the department's choice)."""
    if sheet == "事業" and header in REVIEW_COLUMNS:
        return "review" if in_section4 else ""
    found = fiscal.header_year(header)
    if not found:
        return ""
    y, family = found
    if sheet == "事業":
        return "budget_actual" if y == year else "budget_plan" if y > year else ""
    if existed:
        return ""
    return {"実績": "actual", "目標": "target"}.get(family, "")


def roll(rows: dict[str, list[SourceRow]], chosho: Chosho, source: str = "", to: int | None = None) -> Rollover:
    """Next year's rows from this year's (see the module doc). Raises RolloverError."""
    y = chosho.fiscal_year
    n = target_year(chosho, to)
    result = Rollover(source, y, n, chosho.plan_start, chosho.plan_end, {})
    ended = {p.number for p in chosho.projects if p.end is not None and p.end < y}
    section4 = {p.number for p in chosho.projects if in_section4(p, n) and p.number not in ended}
    number = contract.header("事業", "number")
    result.left_out = [LeftOut(p.number, p.name, fiscal.period_label(p.start, p.end), p.origin.cell(number))
                       for p in chosho.projects if p.number in ended]
    result.rows[KV_SHEET] = _roll_keyvalues(rows.get(KV_SHEET, []), n, result)
    old_sheets = {s.name: s for s in contract.sheets(y, chosho.plan_start, chosho.plan_end)}
    for sheet in contract.sheets(n, chosho.plan_start, chosho.plan_end):
        if sheet.kind == contract.KEYVALUE:
            continue
        sources, headers = rows.get(sheet.name, []), sheet.headers
        seen = dict.fromkeys(h for src in sources for h in src.values)
        result.dropped_columns.extend(f"{sheet.name}!{h}" for h in seen if h not in headers)
        if sheet.name in EMPTY_SHEETS:
            result.rows[sheet.name] = []
            continue
        old_headers = set(old_sheets[sheet.name].headers)
        kept = [src for src in sources if src.project not in ended]
        result.rows[sheet.name] = [_roll_row(sheet, old_headers, src, 2 + i, src.project in section4, result)
                                   for i, src in enumerate(kept)]
    return result


def _roll_keyvalues(sources: list[SourceRow], n: int, result: Rollover) -> list[dict]:
    """The 調書 sheet's items for year `n`: 実施年度 moves on, the others are carried."""
    kv_keys = [k["key"] for k in contract.keyvalue_keys()]
    year = contract.header(KV_SHEET, "fiscal_year")
    out = []
    for src in sources:
        key = src.values[KV_ITEM]
        if key not in kv_keys:
            continue
        value = fiscal.label(n) if key == year else src.values[KV_VALUE]
        out.append({KV_ITEM: key, KV_VALUE: value})
        if key != year and not is_blank(value):
            result.carried.append(Carried(KV_SHEET, cell_ref(2 + kv_keys.index(key), 1), src.cells[KV_VALUE], key, value))
    return out


def _roll_row(sheet: contract.Sheet, old_headers: set[str], src: SourceRow, r: int, in_section4: bool,
              result: Rollover) -> dict[str, object]:
    """Row `r` of `sheet` in the new workbook from its source row; what was carried and
    what the department has to fill go into `result`."""
    name, y = sheet.name, result.from_year
    label = _row_label(name, src.values)
    new: dict[str, object] = {}
    for i, h in enumerate(sheet.headers):
        cell = cell_ref(r, i)
        origin = FROM_COLUMN.get(h, h) if name == "事業" else h
        blank_here = name == "事業" and h in REVIEW_COLUMNS
        # a header new this year (R6実績, R7事業費 …) has no value to carry
        carry = origin in src.values and not blank_here and (origin in old_headers)
        value = src.values.get(origin) if carry else None
        if carry and not is_blank(value):
            new[h] = value
            result.carried.append(Carried(name, cell, src.cells[origin], h, value))
            if name == "事業" and _fill_kind(name, h, y, True, False) == "budget_actual":
                result.to_fill.append(ToFill(name, cell, h, "budget_actual", label, value))
            elif h in src.marked:  # pre-filled in an earlier rollover and never confirmed
                result.to_fill.append(ToFill(name, cell, h, "unconfirmed", label, value))
            continue
        kind = _fill_kind(name, h, y, h in old_headers, in_section4)
        if kind:
            result.to_fill.append(ToFill(name, cell, h, kind, label))
    return new


# ---------------------------------------------------------------------------- files


def rollover_book(book: RawBook, ruleset: Ruleset, to: int | None = None) -> Rollover:
    """Validate the source and roll it; RolloverRefused when it breaks the contract."""
    return _roll_checked(check_book(book, ruleset), book, to)


def _roll_checked(checked: Checked, book: RawBook | None, to: int | None) -> Rollover:
    if checked.unreadable or checked.errors or checked.report is None or book is None:
        raise RolloverRefused(checked)
    chosho = checked.report.chosho
    return roll(source_rows(book, chosho), chosho, book.source, to)


def rollover_file(source: str | os.PathLike | bytes, ruleset: Ruleset, to: int | None = None,
                  name: str | None = None) -> Rollover:
    """Read, validate and roll one input workbook, or a 調書 this tool built (its
    embedded input, embed.py); a path or bytes. Raises RolloverRefused (unreadable:
    exit 2; content errors: exit 1) or RolloverError. From a 調書 the carried values have
    no source cell (the 調書's layout is not the input's)."""
    checked, book, built = open_checked(source, ruleset, name, chosho=True)
    if book is not None and not book.sheets:  # none of the input's sheets, no stored input
        raise RolloverError("rollover.not-input", EXIT_CONTENT, path=checked.source)
    result = _roll_checked(checked, book, to)
    if built:
        result.from_chosho = True
        result.carried = [dataclasses.replace(c, source_cell="") for c in result.carried]
        result.left_out = [dataclasses.replace(p, source_cell="") for p in result.left_out]
    return result


def _note_lines(result: Rollover) -> list[tuple[str, ...]]:
    lines: list[tuple[str, ...]] = [
        (text("note.title", "ja", source=Path(result.source).name, year=fiscal.label(result.from_year),
              next=fiscal.label(result.to_year)),),
        (),
        (text("note.left-out", "ja"),),
        (contract.header("事業", "number"), contract.header("事業", "name"), "事業期間", "元のセル"),
    ]
    lines += [(p.number, p.name, p.period, p.source_cell) for p in result.left_out] or [(DASH,)]
    lines += [(), (text("note.to-fill", "ja"),), ("シート", "セル", "列", "行", "内容", "仮の値")]
    for t in result.to_fill:
        prefilled = "" if t.prefilled is None else str(t.prefilled)
        lines.append((t.sheet, t.cell, t.header, t.row, text(f"fill.{t.kind}", "ja"), prefilled))
    return lines


def build_rollover(result: Rollover):
    """The new workbook in memory: the input template with the rows, a comment on each
    pre-filled figure, and the note sheet."""
    # lazy: openpyxl (~0.4 s) only when a workbook is opened or written here
    from openpyxl.comments import Comment

    # lazy: the input workbook's writer (openpyxl, ~0.4 s) only when one is written
    from chosho_xlsx.writers.input_workbook import build_workbook, put_value

    wb = build_workbook(result.to_year, result.plan_start, result.plan_end, result.rows)
    for t in result.to_fill:
        if t.prefilled is not None:
            note = text(f"comment.{t.kind}", "ja", year=fiscal.label(result.from_year), value=t.prefilled)
            comment = Comment(note, ROLLOVER_AUTHOR, width=260, height=110)
            wb[t.sheet][t.cell].comment = comment
    ws = wb.create_sheet(NOTE_SHEET)
    for r, line in enumerate(_note_lines(result), start=1):
        for c, value in enumerate(line, start=1):
            put_value(ws.cell(row=r, column=c), value)
    for letter, width in zip("ABCDEF", (10, 34, 16, 24, 36, 12), strict=True):
        ws.column_dimensions[letter].width = width
    return wb


def write_rollover(result: Rollover, path: str | os.PathLike) -> None:
    """Write the new workbook atomically and deterministically."""
    # lazy: the input workbook's writer (openpyxl, ~0.4 s) only when one is written
    from chosho_xlsx.writers.input_workbook import save_workbook

    save_workbook(build_rollover(result), path)


def rollover_bytes(result: Rollover) -> bytes:
    """The new workbook as bytes (for the portal's download)."""
    with tempfile.TemporaryDirectory(prefix="chosho-") as tmp:
        path = Path(tmp) / "next.xlsx"
        write_rollover(result, path)
        return path.read_bytes()


__all__ = [
    "Carried", "LeftOut", "Rollover", "RolloverError", "RolloverRefused", "ToFill",
    "build_rollover", "roll", "rollover_book", "rollover_bytes", "rollover_file",
    "write_rollover",
]
