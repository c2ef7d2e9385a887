"""What changed between two input workbooks of one 施策: `chosho-xlsx diff`.

By meaning, not by cell: records are matched by their numbers (事業群, 取組項目, 指標,
事業), 事業指標 by (事業番号, 区分, 指標名), and each year's value is compared with the
same year's in the other workbook. Across a rollover (NEW's 実施年度 = OLD's + 1) a
year's role may change: OLD's 計画 事業費 for its 実施年度 is NEW's 実績 for the same year
("planned vs actual", not a change), an 実績 only NEW has is new, and NEW's 見直し内容 is
compared with OLD's 次年度の方向性 (what was promised). Every change names its cell in
NEW and in OLD.

A value as typed is never lost: where a cell broke the contract in either version (an
error finding at the cell), the change shows that side as typed, marked unreadable
(`old_readable`/`new_readable` false, with the finding's code) and never compared (no
percentage); a unit that differs is its own kind (unit-changed); and such a cell that
differs as typed is listed even when the model read both sides alike.

`diff_reports(old, new)` is pure (two computed models, the cells of their 調書 sheet and,
optionally, each version as typed); `open_version` reads one input workbook or a built
調書 (its stored input) from a path or bytes; `diff_files` both; `write_changes_xlsx`
writes the reviewer's list."""

from __future__ import annotations

import datetime as dt
import difflib
import io
import os
from dataclasses import asdict, dataclass, field, replace
from dataclasses import fields as dataclass_fields
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from chosho_xlsx.common.atomic import atomic_path
from chosho_xlsx.common.errors import EXIT_CONTENT, CycleError
from chosho_xlsx.common.findings import ERROR, Finding
from chosho_xlsx.common.text import is_blank
from chosho_xlsx.contract.spec import header as _h
from chosho_xlsx.contract.spec import keyvalue_keys, keyvalue_sheet
from chosho_xlsx.cycle.sentences import text
from chosho_xlsx.cycle.sources import (
    KV_ITEM,
    KV_SHEET,
    KV_VALUE,
    InputRefused,
    keyvalue_cells,
    keyvalue_rows,
    open_checked,
    stamp,
    typed_text,
)
from chosho_xlsx.model import fiscal
from chosho_xlsx.model.chosho import Budget, Chosho, Origin, Project, Report
from chosho_xlsx.model.quantity import Quantity
from chosho_xlsx.writers.outputs import CHOSHO, WORKBOOK_OPTIONS

if TYPE_CHECKING:
    from chosho_xlsx.common.findings import Checked
    from chosho_xlsx.intake.reader import RawBook

WARNING, INFO = "warning", "info"

# kind → severity. Targets changed and past actuals revised are what a reviewer asks
# about first; the rest is information.
KINDS = {
    "target-changed": WARNING,
    "actual-revised": WARNING,
    "actual-new": INFO,
    "actual-removed": WARNING,
    "target-new": INFO,
    "target-removed": WARNING,
    "indicator-added": INFO,
    "indicator-removed": WARNING,
    "project-added": INFO,
    "project-removed": INFO,
    "project-ended": INFO,
    "budget-changed": INFO,
    "budget-planned-vs-actual": INFO,
    "budget-new": INFO,
    "review-changed": INFO,
    "text-changed": INFO,
    "value-changed": INFO,
    "unit-changed": WARNING,
}

# the findings whose value is a number in the wrong unit: such a change is unit-changed
UNIT_CODES = frozenset({"E-UNIT"})

# a kind that says a side was absent, when that side was there but unreadable
_PRESENT = {"actual-new": "actual-revised", "actual-removed": "actual-revised", "target-new": "target-changed",
            "target-removed": "target-changed", "budget-new": "budget-changed"}


@dataclass(frozen=True)
class Change:
    kind: str
    subject: str  # 「指標 1 ながさきSociety5.0…」, 「事業 5-1 …」, 「調書」
    field: str  # the header: 「R7目標」, 「事業内容」
    old: str = ""  # as shown (「45件」), '' when absent
    new: str = ""
    detail: str = ""  # 「+12.5%」, or the changed lines of a text
    old_cell: str = ""  # 「指標!L2」
    new_cell: str = ""
    lines: tuple[str, ...] = ()  # 「- old line」, 「+ new line」
    old_readable: bool = True  # False: OLD's cell broke the contract; `old` is its text as typed
    new_readable: bool = True
    old_code: str = ""  # the finding at OLD's cell when it is unreadable: 「E-MONEY」
    new_code: str = ""

    @property
    def severity(self) -> str:
        """The kind's; a change with an unreadable side always asks to be confirmed."""
        return WARNING if not (self.old_readable and self.new_readable) else KINDS[self.kind]

    @property
    def codes(self) -> str:
        """The findings' codes of its unreadable sides: 「E-MONEY」, 「E-UNIT / E-UNIT」."""
        return " / ".join(dict.fromkeys(c for c in (self.old_code, self.new_code) if c))

    def as_dict(self) -> dict:
        return {**asdict(self), "lines": list(self.lines), "severity": self.severity}


@dataclass
class Diff:
    old_source: str
    new_source: str
    old_year: int
    new_year: int
    changes: list[Change] = field(default_factory=list)
    old_errors: int = 0  # validation errors of each version (compared as far as it could be read)
    new_errors: int = 0
    old_from_chosho: bool = False  # read from a built 調書's stored input
    new_from_chosho: bool = False

    @property
    def relation(self) -> str:
        """same-year, rollover (NEW is the next year) or other."""
        if self.new_year == self.old_year:
            return "same-year"
        return "rollover" if self.new_year == self.old_year + 1 else "other"

    def as_dict(self) -> dict:
        return {
            "version": 1,
            "old": self.old_source,
            "new": self.new_source,
            "old_year": fiscal.label(self.old_year),
            "new_year": fiscal.label(self.new_year),
            "relation": self.relation,
            "old_from_chosho": self.old_from_chosho,
            "new_from_chosho": self.new_from_chosho,
            "old_errors": self.old_errors,
            "new_errors": self.new_errors,
            "warnings": sum(c.severity == WARNING for c in self.changes),
            "changes": [c.as_dict() for c in self.changes],
        }


def _shown(q: Quantity | None) -> str:
    return "" if q is None or q.value is None else q.text()


def _same(a: Quantity | None, b: Quantity | None) -> bool:
    """Equal as a clerk reads them: 「3845」 and 「3,845件」 in a 件 indicator agree."""
    if a is None or a.value is None or b is None or b.value is None:
        return _shown(a) == _shown(b)
    return a.value == b.value and a.bound == b.bound


def _cell(origin: Origin | None, header: str) -> str:
    return origin.cell(header) if origin is not None and header in origin.columns else ""


def _percent(old: int | Decimal, new: int | Decimal) -> str:
    if not old:
        return ""
    return f"{(Decimal(new) / Decimal(old) - 1) * 100:+.1f}%"


def text_lines(old: str, new: str) -> tuple[str, ...]:
    """The changed lines, 「- 」 removed and 「+ 」 added (difflib, no context)."""
    out = []
    for line in difflib.ndiff(old.splitlines(), new.splitlines()):
        if line[:2] in ("- ", "+ "):
            out.append(line)
    return tuple(out)


def _excerpt(a: str, b: str, context: int = 12) -> str:
    """Where two versions of a line differ, with a little context:
    「…ついても検証・実証等を[図る→進める]。」."""
    i = 0
    while i < min(len(a), len(b)) and a[i] == b[i]:
        i += 1
    j = 0
    while j < min(len(a), len(b)) - i and a[len(a) - 1 - j] == b[len(b) - 1 - j]:
        j += 1
    head = ("…" if i > context else "") + a[max(0, i - context):i]
    tail = a[len(a) - j:len(a) - j + context] + ("…" if j > context else "")
    return f"{head}[{a[i:len(a) - j]}→{b[i:len(b) - j]}]{tail}"


def text_summary(lines: tuple[str, ...], limit: int = 40) -> str:
    """The changed lines in short: a removed line followed by an added one as the
    change inside the line, other lines cut to `limit` characters."""
    out: list[str] = []
    k = 0
    while k < len(lines):
        line = lines[k]
        if line.startswith("- ") and k + 1 < len(lines) and lines[k + 1].startswith("+ "):
            out.append(_excerpt(line[2:], lines[k + 1][2:]))
            k += 2
            continue
        body = line[2:] if len(line) <= limit + 2 else line[2:limit + 1] + "…"
        out.append(f"{line[:2]}{body}")
        k += 1
    return "\n".join(out)


def matched(old: list, new: list, key) -> tuple[list[tuple], list]:
    """Records paired by `key`: (OLD's or None, NEW's) in NEW's order, and OLD's records
    NEW no longer has, in OLD's order."""
    by_key = {key(r): r for r in old}
    pairs = [(by_key.pop(key(r), None), r) for r in new]
    return pairs, list(by_key.values())


class Typed:
    """One version as the clerk typed it: the cells that broke the contract (place → the
    error finding there, whose value is the cell as typed) and, for any other cell, its
    text as read. Without a book (a pure diff of two models) nothing is broken."""

    def __init__(self, findings: list[Finding] = (), book: RawBook | None = None, chosho: Chosho | None = None):
        self.broken = {f.place: f for f in findings
                       if f.severity == ERROR and f.at.is_cell and not is_blank(f.value)}
        self.book, self.chosho = book, chosho

    def text(self, origin: Origin, header: str) -> str:
        f = self.broken.get(origin.cell(header))
        if f is not None:
            return f.value
        if self.book is None or self.chosho is None:
            return ""
        return typed_text(self.book, self.chosho, origin.sheet, origin.row, origin.columns[header], header)

    def keyvalues(self) -> dict[str, tuple[str, str]]:
        """The 調書 sheet's items → (value as typed, its cell)."""
        if self.book is None:
            return {}
        return {str(r.values[KV_ITEM]): ("" if r.values[KV_VALUE] is None else str(r.values[KV_VALUE]),
                                         f"{KV_SHEET}!{r.cells[KV_VALUE]}") for r in keyvalue_rows(self.book)}


class _Collect:
    def __init__(self, old: Chosho, new: Chosho, old_typed: Typed | None = None, new_typed: Typed | None = None):
        self.old, self.new = old, new
        self.old_typed, self.new_typed = old_typed or Typed(), new_typed or Typed()
        self.changes: list[Change] = []
        self.named: set[str] = set()  # the cells a change names, in either version

    def add(self, kind: str, subject: str, header: str, old: str = "", new: str = "", detail: str = "",
            old_origin: Origin | None = None, new_origin: Origin | None = None,
            old_header: str | None = None, lines: tuple[str, ...] = ()) -> None:
        self.put(kind, subject, header, old, new, detail, _cell(old_origin, old_header or header),
                 _cell(new_origin, header), lines)

    def put(self, kind: str, subject: str, header: str, old: str, new: str, detail: str, old_cell: str,
            new_cell: str, lines: tuple[str, ...] = ()) -> None:
        """One change; a side whose cell broke the contract shown as typed, never compared."""
        a = self.old_typed.broken.get(old_cell) if old_cell else None
        b = self.new_typed.broken.get(new_cell) if new_cell else None
        if a is not None or b is not None:
            if {f.code for f in (a, b) if f is not None} & UNIT_CODES:
                kind = "unit-changed"
            kind = _PRESENT.get(kind, kind)
            if kind != "text-changed":  # a text is its text as typed already, lines and all
                old, new, detail, lines = a.value if a else old, b.value if b else new, "", ()
        self.named.update(c for c in (old_cell, new_cell) if c)
        self.changes.append(Change(kind, subject, header, old, new, detail, old_cell, new_cell, lines,
                                   a is None, b is None, a.code if a else "", b.code if b else ""))

    def typed(self, subject: str, oo: Origin | None, no: Origin | None) -> None:
        """Every cell of a record that broke the contract in either version and differs as
        typed, when no change above names it (the model may have read both sides alike:
        an unreadable 目標の向き as the default, 「48.5%」 and 「48.5所属」 as 48.5)."""
        if oo is None or no is None:
            return
        for header in no.columns:
            if header not in oo.columns:
                continue
            old_cell, new_cell = oo.cell(header), no.cell(header)
            if old_cell in self.named or new_cell in self.named:
                continue
            if old_cell not in self.old_typed.broken and new_cell not in self.new_typed.broken:
                continue
            old, new = self.old_typed.text(oo, header), self.new_typed.text(no, header)
            if old != new:
                self.put("value-changed", subject, header, old, new, "", old_cell, new_cell)

    def text(self, subject: str, header: str, old: str, new: str, oo: Origin | None, no: Origin | None,
             old_header: str | None = None) -> None:
        if old.strip() == new.strip():
            return
        lines = text_lines(old, new)
        self.add("text-changed", subject, header, old, new, text_summary(lines), oo, no, old_header, lines)

    # -- year series -------------------------------------------------------------------

    def series(self, subject: str, sheet: str, name: str, old: dict[int, Quantity], new: dict[int, Quantity],
               oo: Origin, no: Origin, new_actual_years: set[int], units: tuple[str, str] = ("", "")) -> None:
        """Targets or actuals (field `name` of `sheet`: "targets" or "actuals") year by
        year. A value only NEW has is new; only OLD has, removed (when NEW has the
        column); both, compared, unless their units differ (a value without one has its
        record's, `units`): then unit-changed, without a percentage."""
        old_unit, new_unit = units
        actual = name == "actuals"
        for year in sorted(set(old) | set(new)):
            header = _h(sheet, name, year)
            a, b = old.get(year), new.get(year)
            in_old = header in oo.columns
            in_new = header in no.columns
            if not (in_old and in_new):
                if in_new and b is not None and b.value is not None and actual and year in new_actual_years:
                    self.add("actual-new", subject, header, "", _shown(b), "", None, no)
                elif in_new and b is not None and b.value is not None and not actual:
                    self.add("target-new", subject, header, "", _shown(b), "", None, no)
                continue
            units = (a.unit or old_unit, b.unit or new_unit) if a is not None and b is not None else ("", "")
            if _same(a, b) and units[0] == units[1]:
                continue
            if _shown(a) == "":
                kind = "actual-new" if actual else "target-new"
            elif _shown(b) == "":
                kind = "actual-removed" if actual else "target-removed"
            elif units[0] != units[1]:  # 48.5% and 60所属 are not comparable
                kind = "unit-changed"
            else:
                kind = "actual-revised" if actual else "target-changed"
            detail = ""
            if kind != "unit-changed" and _shown(a) and _shown(b):
                detail = _percent(a.value, b.value)
            self.add(kind, subject, header, _shown(a), _shown(b), detail, oo, no)

    # -- records -------------------------------------------------------------------------

    def keyvalue(self, old_cells: dict[str, str], new_cells: dict[str, str]) -> None:
        sheet = keyvalue_sheet()[0]
        for key in keyvalue_keys():
            if key["type"] != "text":
                continue
            header = key["key"]
            a, b = getattr(self.old, key["field"]), getattr(self.new, key["field"])
            if a.strip() != b.strip():
                self.put("text-changed", sheet, header, a, b, "", old_cells.get(header, ""),
                         new_cells.get(header, ""), text_lines(a, b))
        a = fiscal.period_label(self.old.plan_start, self.old.plan_end)
        b = fiscal.period_label(self.new.plan_start, self.new.plan_end)
        header = _h(sheet, "plan_period")
        if a != b:
            self.put("value-changed", sheet, header, a, b, "", old_cells.get(header, ""), new_cells.get(header, ""))
        old_items, new_items = self.old_typed.keyvalues(), self.new_typed.keyvalues()
        for item, (b, new_cell) in new_items.items():  # an item that broke the contract, as typed
            a, old_cell = old_items.get(item, ("", ""))
            broken = old_cell in self.old_typed.broken or new_cell in self.new_typed.broken
            if old_cell and broken and a != b and not {old_cell, new_cell} & self.named:
                self.put("value-changed", sheet, item, a, b, "", old_cell, new_cell)

    def groups_and_items(self) -> None:
        name = _h("事業群", "name")
        pairs, removed = matched(self.old.groups, self.new.groups, lambda g: g.number)
        for o, g in pairs:
            if o is None:
                self.add("value-changed", f"事業群 {g.number}", name, "", g.name, "", None, g.origin)
                continue
            for attr in ("name", "department", "section", "manager", "plan_text"):
                self.text(f"事業群 {g.number}", _h("事業群", attr), getattr(o, attr), getattr(g, attr),
                          o.origin, g.origin)
            self.typed(f"事業群 {g.number}", o.origin, g.origin)
        for o in removed:
            self.add("value-changed", f"事業群 {o.number}", name, o.name, "", "", o.origin, None)
        name = _h("取組項目", "name")
        pairs, removed = matched(self.old.items, self.new.items, lambda i: i.number)
        for o, i in pairs:
            self.text(f"取組項目 {i.number}", name, o.name if o else "", i.name, o.origin if o else None, i.origin)
            self.typed(f"取組項目 {i.number}", o.origin if o else None, i.origin)
        for o in removed:
            self.text(f"取組項目 {o.number}", name, o.name, "", o.origin, None)

    def indicators(self) -> None:
        actual_years = set(self.new.actual_years)
        pairs, removed = matched(self.old.indicators, self.new.indicators, lambda i: i.number)
        s = "指標"
        for o, ind in pairs:
            subject = f"指標 {ind.number} {ind.name}"
            if o is None:
                self.add("indicator-added", subject, _h(s, "name"), "", ind.name, "", None, ind.origin)
                continue
            self.text(subject, _h(s, "name"), o.name, ind.name, o.origin, ind.origin)
            if o.unit != ind.unit:
                self.add("value-changed", subject, _h(s, "unit"), o.unit, ind.unit, "", o.origin, ind.origin)
            if o.direction != ind.direction:
                self.add("value-changed", subject, _h(s, "direction"), o.direction, ind.direction, "",
                         o.origin, ind.origin)
            if not _same(o.base_value, ind.base_value) or o.base_year != ind.base_year:
                self.add("value-changed", subject, _h(s, "base_value"), _shown(o.base_value),
                         _shown(ind.base_value), "", o.origin, ind.origin)
            units = (o.unit, ind.unit)
            self.series(subject, s, "targets", o.targets, ind.targets, o.origin, ind.origin, actual_years, units)
            self.series(subject, s, "actuals", o.actuals, ind.actuals, o.origin, ind.origin, actual_years, units)
            self.text(subject, _h(s, "analysis"), o.analysis, ind.analysis, o.origin, ind.origin)
            self.typed(subject, o.origin, ind.origin)
        for o in removed:
            self.add("indicator-removed", f"指標 {o.number} {o.name}", _h(s, "name"), o.name, "", "", o.origin, None)

    def budgets(self, subject: str, o: Project, p: Project) -> None:
        """事業費, 一般財源, 人件費 of every year both show: like for like a change with its
        %; OLD's 計画 becoming NEW's 実績 (across a rollover) planned vs actual."""
        for year in sorted(set(o.budgets) | set(p.budgets)):
            for attr in _BUDGET_PARTS:
                header = _h("事業", f"budgets.{attr}", year)
                a = getattr(o.budgets[year], attr) if year in o.budgets else None
                b = getattr(p.budgets[year], attr) if year in p.budgets else None
                if year not in o.budgets:
                    if b is not None:
                        self.add("budget-new", subject, header, "", f"{b:,}", "", None, p.origin)
                    continue
                if year not in p.budgets:
                    continue  # out of NEW's three years: not a change
                was_plan = year >= self.old.fiscal_year
                now_actual = year < self.new.fiscal_year
                if was_plan and now_actual:
                    if a is not None or b is not None:
                        self.add("budget-planned-vs-actual", subject, header, _money(a), _money(b),
                                 _percent(a, b) if a and b is not None else "", o.origin, p.origin)
                    continue
                if a != b:
                    self.add("budget-changed", subject, header, _money(a), _money(b),
                             _percent(a, b) if a and b is not None else "", o.origin, p.origin)

    def projects(self) -> None:
        rollover = self.new.fiscal_year == self.old.fiscal_year + 1
        pairs, removed = matched(self.old.projects, self.new.projects, lambda p: p.number)
        for o, p in pairs:
            subject = f"事業 {p.number} {p.name}"
            if o is None:
                self.add("project-added", subject, _h("事業", "number"), "", p.number, "", None, p.origin)
                continue
            for attr in ("name", "content", "progress", "results", "contribution"):
                self.text(subject, _h("事業", attr), getattr(o, attr), getattr(p, attr), o.origin, p.origin)
            if (o.start, o.end) != (p.start, p.end):
                a = fiscal.period_label(o.start, o.end) if o.start else ""
                b = fiscal.period_label(p.start, p.end) if p.start else ""
                self.add("value-changed", subject, _h("事業", "end"), a, b, "", o.origin, p.origin)
            self.budgets(subject, o, p)
            self.reviews(subject, o, p, rollover)
            self.typed(subject, o.origin, p.origin)
            self.project_indicators(subject, o, p)
        for o in removed:
            # across a rollover a project whose period ended is left out: say so
            ended = o.end is not None and o.end < self.new.fiscal_year - 1
            self.add("project-ended" if ended else "project-removed", f"事業 {o.number} {o.name}",
                     _h("事業", "number"), o.number, "",
                     fiscal.period_label(o.start, o.end) if ended and o.start else "", o.origin, None)

    def reviews(self, subject: str, o: Project, p: Project, rollover: bool) -> None:
        """見直し区分 and its texts; across a rollover NEW's 見直し内容 against what OLD
        promised for its year (次年度の方向性), and a blank review (next year's, not yet
        written) is no change."""
        review, text, promised = (_h("事業", f) for f in ("review", "review_text", "next_direction"))
        if o.review.strip() != p.review.strip() and (p.review.strip() or not rollover):
            self.add("review-changed", subject, review, o.review, p.review, "", o.origin, p.origin)
        if rollover:
            self.text(subject, text, o.next_direction, p.review_text, o.origin, p.origin, promised)
        else:
            self.text(subject, text, o.review_text, p.review_text, o.origin, p.origin)
            self.text(subject, promised, o.next_direction, p.next_direction, o.origin, p.origin)

    def project_indicators(self, subject: str, o: Project, p: Project) -> None:
        actual_years = {self.new.fiscal_year - 2, self.new.fiscal_year - 1}
        pairs, removed = matched(o.indicators, p.indicators, lambda pi: (pi.kind, pi.name.strip()))
        for opi, pi in pairs:
            sub = f"{subject} / {pi.kind}: {pi.name}"
            if opi is None:
                self.add("indicator-added", sub, _h("事業指標", "name"), "", pi.name, "", None, pi.origin)
                continue
            units = (opi.unit, pi.unit)
            self.series(sub, "事業指標", "targets", opi.targets, pi.targets, opi.origin, pi.origin, actual_years, units)
            self.series(sub, "事業指標", "actuals", opi.actuals, pi.actuals, opi.origin, pi.origin, actual_years, units)
            self.typed(sub, opi.origin, pi.origin)
        for opi in removed:
            self.add("indicator-removed", f"{subject} / {opi.kind}: {opi.name}", _h("事業指標", "name"), opi.name,
                     "", "", opi.origin, None)

    def issues(self) -> None:
        texts = [(_h("課題", attr), attr) for attr in ("verification", "direction")]
        pairs, removed = matched(self.old.issues, self.new.issues, lambda i: ",".join(map(str, i.items)))
        for o, i in pairs:
            for header, attr in texts:
                self.text(f"課題 {','.join(map(str, i.items))}", header, getattr(o, attr) if o else "",
                          getattr(i, attr), o.origin if o else None, i.origin)
            self.typed(f"課題 {','.join(map(str, i.items))}", o.origin if o else None, i.origin)
        for o in removed:
            for header, attr in texts:
                self.text(f"課題 {','.join(map(str, o.items))}", header, getattr(o, attr), "", o.origin, None)


# the parts of a year's Budget, each the field 「budgets.<part>」 of the 事業 sheet
_BUDGET_PARTS = tuple(f.name for f in dataclass_fields(Budget))


def _money(v: int | None) -> str:
    return "" if v is None else f"{v:,}"


def diff_reports(old: Report, new: Report, old_cells: dict[str, str] | None = None,
                 new_cells: dict[str, str] | None = None, old_typed: Typed | None = None,
                 new_typed: Typed | None = None) -> Diff:
    """The changes from OLD to NEW. `*_cells` place the 調書 sheet's items (項目 → 「調書!B4」);
    `*_typed` are the versions as typed (without them, no cell is taken as broken)."""
    c = _Collect(old.chosho, new.chosho, old_typed, new_typed)
    c.keyvalue(old_cells or {}, new_cells or {})
    c.groups_and_items()
    c.indicators()
    c.projects()
    c.issues()
    return Diff(old.chosho.source, new.chosho.source, old.chosho.fiscal_year, new.chosho.fiscal_year, c.changes)


# ---------------------------------------------------------------------------- files


class DiffRefused(InputRefused):
    """An input cannot be compared: unreadable (exit 2) or too broken to read its
    content (exit 1). `checked` says where."""

    sentence = "diff.refused"


class NotInput(CycleError):
    """A workbook with none of the input's sheets: a 調書 built without its input
    stored (or by another tool), a 一覧, anything else. One sentence, exit 1."""

    exit_code = EXIT_CONTENT

    def __init__(self, path: str, what: str | None):
        super().__init__(path)
        self.source, self.what = path, what

    def message(self, lang: str = "ja") -> str:
        key = "diff.chosho-without-input" if self.what == CHOSHO else "diff.not-input"
        return text(key, lang, path=self.source)


@dataclass
class Version:
    """One side of a comparison, as read: its computed report, where its 調書 sheet's
    items are, its validation (findings at their cells), the book, and whether it was
    read from a built 調書 (then its cells are the stored input's, not the file's, and
    are not named)."""

    report: Report
    cells: dict[str, str]
    checked: Checked
    book: RawBook
    from_chosho: bool = False

    @property
    def typed(self) -> Typed:
        return Typed(self.checked.findings, self.book, self.report.chosho)


def open_version(source: str | os.PathLike | bytes, ruleset, name: str | None = None) -> Version:
    """One input workbook, or a 調書 this tool built (its stored input, checked as for
    rollover: the safety check, then the stored input's own checksum), from a path or
    bytes. DiffRefused when it has no content to compare, NotInput when it is neither."""
    checked, book, built = open_checked(source, ruleset, name, chosho=True)
    if book is not None and not book.sheets:  # none of the input's sheets, no stored input
        raise NotInput(checked.source, stamp(source))
    if checked.report is None or book is None:
        raise DiffRefused(checked)
    return Version(checked.report, {} if built else keyvalue_cells(book), checked, book, built)


def diff_versions(old: Version, new: Version) -> Diff:
    """The changes between two versions as read; a side read from a 調書 names no cells."""
    d = diff_reports(old.report, new.report, old.cells, new.cells, old.typed, new.typed)
    if old.from_chosho or new.from_chosho:
        d.changes = [replace(c, old_cell="" if old.from_chosho else c.old_cell,
                             new_cell="" if new.from_chosho else c.new_cell) for c in d.changes]
    d.old_errors, d.new_errors = len(old.checked.errors), len(new.checked.errors)
    d.old_from_chosho, d.new_from_chosho = old.from_chosho, new.from_chosho
    return d


def diff_files(old: str | os.PathLike | bytes, new: str | os.PathLike | bytes, ruleset,
               old_name: str | None = None, new_name: str | None = None) -> Diff:
    """Read both workbooks (paths or bytes) and diff them. Raises DiffRefused, NotInput."""
    return diff_versions(open_version(old, ruleset, old_name), open_version(new, ruleset, new_name))


# ---------------------------------------------------------------------------- output

HEADS = {
    "ja": ("No", "種別", "区分", "対象", "項目", "旧", "新", "変化", "新のセル", "旧のセル", "確認"),
    "en": ("No", "Severity", "Kind", "Subject", "Field", "Old", "New", "Change", "Cell in NEW", "Cell in OLD",
           "Checked"),
}


def kind_text(kind: str, lang: str) -> str:
    return text(f"diff.{kind}", lang)


def severity_text(severity: str, lang: str) -> str:
    return text(f"diff.severity.{severity}", lang)


def _change_text(c: Change) -> str:
    return "\n".join(c.lines) if c.lines else c.detail or c.codes


def side_text(c: Change, side: str, lang: str = "ja", none: str = "") -> str:
    """OLD's or NEW's value as shown: 「43,948円」（読めない値） for a cell that broke the
    contract (its text as typed), `none` for nothing."""
    value, readable = (c.old, c.old_readable) if side == "old" else (c.new, c.new_readable)
    if readable:
        return value or none
    return f"「{value}」{text('diff.unreadable', lang)}"


def caption(diff: Diff, lang: str = "ja") -> str:
    """「旧: a.xlsx（R5年度） → 新: b.xlsx（R6年度）」, a side read from a 調書 said so."""
    stored = text("diff.from-chosho", lang)
    return text("diff.caption", lang, old=diff.old_source + (stored if diff.old_from_chosho else ""),
                new=diff.new_source + (stored if diff.new_from_chosho else ""),
                old_year=fiscal.label(diff.old_year), new_year=fiscal.label(diff.new_year))


def write_changes_xlsx(diff: Diff, path: str | os.PathLike, lang: str = "ja") -> None:
    """The change list (changes_xlsx_bytes) written atomically; same diff, same bytes."""
    data = changes_xlsx_bytes(diff, lang)
    with atomic_path(Path(path)) as tmp:
        tmp.write_bytes(data)


def changes_xlsx_bytes(diff: Diff, lang: str = "ja") -> bytes:
    """The change list a reviewer filters and annotates: one row per change, an
    autofilter, the header frozen, an empty 確認 column. Built in memory (see
    layout.workbook.write_chosho: a full disk is then an OSError of the plain write)."""
    # lazy: XlsxWriter (~0.1 s) only when this workbook is written
    from xlsxwriter import Workbook

    heads = HEADS.get(lang, HEADS["ja"])
    buffer = io.BytesIO()
    wb = Workbook(buffer, WORKBOOK_OPTIONS)
    try:
        wb.set_properties({"title": text("diff.title", lang), "created": dt.datetime(2000, 1, 1)})
        ws = wb.add_worksheet(text("diff.sheet", lang))
        head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True,
                              "valign": "top"})
        wrap = wb.add_format({"text_wrap": True, "valign": "top", "num_format": "@"})
        warn = wb.add_format({"text_wrap": True, "valign": "top", "bg_color": "#FFEB9C", "num_format": "@"})
        ws.write_string(0, 0, caption(diff, lang))
        for col, (h, width) in enumerate(zip(heads, (5, 8, 16, 36, 18, 24, 24, 40, 12, 12, 20), strict=True)):
            ws.write_string(2, col, h, head)
            ws.set_column(col, col, width)
        for r, c in enumerate(diff.changes, start=3):
            values = (str(r - 2), severity_text(c.severity, lang), kind_text(c.kind, lang), c.subject, c.field,
                      side_text(c, "old", lang), side_text(c, "new", lang), _change_text(c), c.new_cell,
                      c.old_cell, "")
            for col, v in enumerate(values):
                ws.write_string(r, col, v, warn if c.severity == WARNING and col == 1 else wrap)
        last = max(3, 2 + len(diff.changes))
        ws.autofilter(2, 0, last, len(heads) - 1)
        ws.freeze_panes(3, 0)
    finally:
        wb.close()
    return buffer.getvalue()


def _cells(c: Change, lang: str) -> str:
    new, old = ("新", "旧") if lang == "ja" else ("NEW", "OLD")
    return "\n".join(f"{label} {cell}" for label, cell in ((new, c.new_cell), (old, c.old_cell)) if cell)


def values_text(c: Change, lang: str) -> str:
    """Old → new in one line (or a text's changed lines), with the change (「+12.5%」)
    or the codes of what could not be read: the terminal's and the page's column."""
    if c.kind == "text-changed" and c.old_readable and c.new_readable:
        return c.detail or "\n".join(c.lines)
    none = "（なし）" if lang == "ja" else "(none)"
    shown = f"{side_text(c, 'old', lang, none)} → {side_text(c, 'new', lang, none)}"
    extra = c.detail if c.kind != "text-changed" else ""
    extra = extra or c.codes
    return f"{shown} ({extra})" if extra else shown


def _short(subject: str, limit: int = 24) -> str:
    """The subject cut for the terminal (JSON and --xlsx carry it whole)."""
    return subject if len(subject) <= limit else subject[: limit - 1] + "…"


def print_changes(diff: Diff, lang: str = "ja") -> None:
    """The changes as a table on the terminal: severity, kind, subject, field, old →
    new (or the changed lines), and the cells in NEW and OLD."""
    # lazy: rich (~0.1 s) only when a table is drawn on a terminal
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console(highlight=False)
    console.print(Text(caption(diff, lang)))
    if not diff.changes:
        console.print(Text(text("diff.none", lang)))
        return
    table = Table(show_lines=True)
    for i, h in enumerate(text("diff.columns", lang).split("|")):
        table.add_column(h, overflow="fold", no_wrap=i in (0, 5))
    for c in diff.changes:
        style = "yellow" if c.severity == WARNING else ""
        table.add_row(Text(severity_text(c.severity, lang), style), Text(kind_text(c.kind, lang)),
                      Text(_short(c.subject)), Text(c.field), Text(values_text(c, lang)), Text(_cells(c, lang)))
    console.print(table)
    n_warn = sum(c.severity == WARNING for c in diff.changes)
    console.print(Text(text("diff.count", lang, changes=len(diff.changes), warnings=n_warn)))
