"""Checks that look across rows and sheets: references, consistency of money and units,
and the warnings a careful reviewer would raise. Column-local checks are in columns.py."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import fields as dataclass_fields
from decimal import Decimal

from chosho_xlsx.common.findings import Finding, Location
from chosho_xlsx.common.text import EXCEL_TEXT_MAX, excel_length, folded, is_blank
from chosho_xlsx.contract import spec as contract
from chosho_xlsx.contract.loader import Loaded
from chosho_xlsx.contract.parsers import shown
from chosho_xlsx.intake.reader import RawBook
from chosho_xlsx.model import fiscal
from chosho_xlsx.model.chosho import Budget, Chosho, Issue, Origin, Project, Rate, Report, item_mark
from chosho_xlsx.model.form_texts import (
    item_lines,
    load_labels,
    outcome_text,
    overview_text,
    plan_texts,
)
from chosho_xlsx.model.quantity import Quantity, units_agree
from chosho_xlsx.model.ruleset import Ruleset
from chosho_xlsx.model.vocabulary import DASH, NO_VALUE, Direction
from chosho_xlsx.rules.engine import parent_number, review_conflicts, typed_units

# 実績 this many times the target (or more), or below this fraction of it, looks like a
# unit slip (千円/円, %/割合, a percent-formatted cell read as a fraction).
FAR_ABOVE = 10
FAR_BELOW = 10


def _f(code: str, at: Location, value: object = "", **params: object) -> Finding:
    return Finding(code, at, "" if value is None else str(value), params)


def _header(origin: Origin, field: str, year: int | None = None) -> str:
    """The header of a field (schemas/input.yaml) in the record's sheet."""
    return contract.header(origin.sheet, field, year)


def _in_row(origin: Origin, header: str) -> Location:
    """The cell of `header` in the record's row; the row's first column when the sheet
    lacks that (optional) column, so every finding names a real cell."""
    col = origin.columns.get(header)
    if col is None:
        col = min(origin.columns.values(), default=0)
    return Location(origin.sheet, origin.row, col)


def _at(origin: Origin, field: str, year: int | None = None) -> Location:
    """The cell of a field (schemas/input.yaml) in the record's row, as _in_row."""
    return _in_row(origin, _header(origin, field, year))


def _unit_findings(values: dict[int, Quantity], unit: str, origin, field: str) -> Iterator[Finding]:
    """E-UNIT for each value of a year family (targets, actuals) in a unit other than `unit`."""
    for year, q in values.items():
        if q.value is not None and not units_agree(q.unit, unit):
            yield _f("E-UNIT", _at(origin, field, year), q.text(), unit=unit, found=q.unit)


def cross_checks(loaded: Loaded, report: Report, ruleset: Ruleset) -> list[Finding]:
    """Every check across rows and sheets, in the order the report lists them."""
    c = loaded.chosho
    if c is None:  # a report is only computed from a loaded 調書
        raise ValueError("cross_checks needs a loaded 調書")
    return [
        *_group_refs(c),
        *_project_checks(c),
        *_issue_refs(c),
        *_indicator_checks(c),
        *_project_indicator_units(c),
        *_project_refs(loaded, c),
        *_review_checks(report, ruleset),
        *reviewer_warnings(loaded, report),
        *joined_text_findings(c),
    ]


def _group_refs(c: Chosho) -> Iterator[Finding]:
    """E-REF-GROUP: a 取組項目, 指標 or 事業 of a group the 事業群 sheet does not have."""
    groups = {g.number for g in c.groups}
    for rec in [*c.items, *c.indicators, *c.projects]:
        if rec.group is not None and rec.group not in groups:
            yield _f("E-REF-GROUP", _at(rec.origin, "group"), rec.group)


def _item_refs(rec: Project | Issue, item_groups: dict) -> Iterator[Finding]:
    """E-REF-ITEM: 取組項目 numbers the 取組項目 sheet does not have."""
    bad = [n for n in rec.items if n not in item_groups]
    if bad:
        yield _f("E-REF-ITEM", _at(rec.origin, "items"), ",".join(map(str, rec.items)),
                 missing="、".join(item_mark(n) for n in bad))


def _project_checks(c: Chosho) -> Iterator[Finding]:
    """Each project's references, period and budgets, project by project."""
    groups = {g.number for g in c.groups}
    item_groups = {i.number: i.group for i in c.items}
    for p in c.projects:
        refs = list(_item_refs(p, item_groups))
        yield from refs
        if not refs and p.items and p.group in groups and p.group not in {item_groups[n] for n in p.items}:
            yield _f("E-ITEM-GROUP", _at(p.origin, "group"), p.group,
                     items="、".join(item_mark(n) for n in p.items))
        if p.start is not None and p.end is not None and p.end < p.start:
            yield _f("E-PERIOD-ORDER", _at(p.origin, "end"), fiscal.label(p.end), start=fiscal.label(p.start))
        yield from _budget_checks(p, c.fiscal_year)


def _budget_checks(p: Project, y: int) -> Iterator[Finding]:
    """一般財源 above 事業費; a project new in `y` with 事業費 in the years before."""
    for year, b in p.budgets.items():
        if b.total is not None and b.general is not None and b.general > b.total:
            yield _f("E-GENERAL-OVER-TOTAL", _at(p.origin, "budgets.general", year), b.general, total=b.total)
    if p.start == y:
        for year in (y - 2, y - 1):
            b = p.budgets.get(year)
            if b and b.total:
                yield _f("W-NEW-HAS-HISTORY", _at(p.origin, "budgets.total", year), b.total)


def _issue_refs(c: Chosho) -> Iterator[Finding]:
    item_groups = {i.number: i.group for i in c.items}
    for i in c.issues:
        yield from _item_refs(i, item_groups)


def _indicator_checks(c: Chosho) -> Iterator[Finding]:
    """Units of the 指標 sheet's values, and W-DECREASING for an indicator that should fall."""
    for ind in c.indicators:
        yield from _unit_findings(ind.targets, ind.unit, ind.origin, "targets")
        yield from _unit_findings(ind.actuals, ind.unit, ind.origin, "actuals")
        if ind.base_value.value is not None and not units_agree(ind.base_value.unit, ind.unit):
            yield _f("E-UNIT", _at(ind.origin, "base_value"), ind.base_value.text(),
                     unit=ind.unit, found=ind.base_value.unit)
        if ind.direction == Direction.DOWN:
            yield _f("W-DECREASING", _at(ind.origin, "direction"), ind.direction)


def _project_indicator_units(c: Chosho) -> Iterator[Finding]:
    projects = {p.number for p in c.projects}
    for p in c.projects:
        for pi in p.indicators:
            if pi.project not in projects:
                continue
            # 単位 may be blank: then the first unit typed is the one the others must have
            unit = pi.unit or next(iter(typed_units(pi)), "")
            if unit:
                yield from _unit_findings(pi.targets, unit, pi.origin, "targets")
                yield from _unit_findings(pi.actuals, unit, pi.origin, "actuals")


def _project_refs(loaded: Loaded, c: Chosho) -> Iterator[Finding]:
    """E-REF-PROJECT: a 事業指標 row of a project the 事業 sheet does not have."""
    projects = {p.number for p in c.projects}
    for rec in loaded.records.get("事業指標", []):
        header = _header(rec.origin, "project")
        number = rec.values.get(header)
        if number is not None and number not in projects:
            yield _f("E-REF-PROJECT", _in_row(rec.origin, header), number)


def _review_checks(report: Report, ruleset: Ruleset) -> Iterator[Finding]:
    """見直し区分 proposed by the engine, or typed against the change of 事業費."""
    for cp in report.projects:
        p = cp.project
        if cp.review_proposed:
            yield _f("W-REVIEW-PROPOSED", _at(p.origin, "review"), "", proposed=cp.review)
        elif p.review and review_conflicts(p.review, cp.budget_change, ruleset):
            change = f"{cp.budget_change * 100:+.0f}%" if cp.budget_change is not None else ""
            yield _f("W-REVIEW-CONFLICT", _at(p.origin, "review"), p.review, change=change)


def joined_text_findings(c) -> Iterator[Finding]:
    """Texts the 調書 prints together in one cell (the form's own joining with its
    headings, model.form_texts, as the layout writes it) may each fit a cell and together
    not: an error at the first of them, since XlsxWriter would cut the joined text short
    in the official report."""
    labels = load_labels(c.fiscal_year, c.plan_name)
    # numbers that could not be read are findings already; their marks cannot be printed
    groups = [g for g in c.groups if g.number is not None]
    items = [i for i in c.items if i.number is not None and i.group is not None]
    joined = [(plan_texts(groups), [(g.origin, "plan_text") for g in groups]),
              (item_lines(labels, items), [(i.origin, "name") for i in items])]
    for p in c.projects:
        joined.append((overview_text(labels, p), [(p.origin, "content"), (p.origin, "progress")]))
        joined.append((outcome_text(labels, p), [(p.origin, "results"), (p.origin, "contribution")]))
    for text, parts in joined:
        # at most 2 UTF-16 units a character: most joined texts need no counting at all
        if len(text) * 2 <= EXCEL_TEXT_MAX:
            continue
        length = excel_length(text)
        if length > EXCEL_TEXT_MAX and parts:
            origin, field = parts[0]
            headers = (_header(o, f) for o, f in parts)
            yield _f("E-TEXT-JOINED-TOO-LONG", _at(origin, field), "", length=f"{length:,}",
                     limit=f"{EXCEL_TEXT_MAX:,}", parts="・".join(dict.fromkeys(headers)))


def _rate_agrees(given: Quantity, computed: Rate) -> bool:
    """A rate the department typed against the engine's: 「87%」 and 0.87 in a
    percent-formatted cell (read as 87 %, numformat) agree with 87%, and so do a bare 87
    and a bare 0.87 (a cell without a format says nothing about which was meant)."""
    if computed.percent is None:
        return False
    if given.unit == "%":
        return given.value == computed.percent
    return given.value in (computed.percent, Decimal(computed.percent) / 100)


def _status_text(raw: object) -> str:
    text = folded(str(raw))
    return DASH if text in NO_VALUE else text


def _supplied(rows: list, values: dict, origin: Origin) -> Iterator[Finding]:
    """W-RATE-MISMATCH for each optional 「R5達成率」 cell that disagrees with the engine."""
    for row in rows:
        header = _header(origin, "rates", row.year)
        given = values.get(header)
        if not isinstance(given, Quantity) or given.value is None or header not in origin.columns:
            continue
        if not _rate_agrees(given, row.rate):
            yield _f("W-RATE-MISMATCH", _in_row(origin, header), given.text(), computed=row.rate.text)


def _magnitude(rows: list, origin: Origin) -> Iterator[Finding]:
    """An actual with no target, or far above or below it (a unit slip?)."""
    for row in rows:
        if row.actual is None or row.actual.value is None:
            continue
        if row.target.value is None:
            yield _f("W-ACTUAL-NO-TARGET", _at(origin, "targets", row.year), "",
                     year=fiscal.label(row.year), actual=row.actual.text())
        elif row.target.value > 0 and row.actual.value >= FAR_ABOVE * row.target.value:
            yield _f("W-ACTUAL-FAR-ABOVE", _at(origin, "actuals", row.year), row.actual.text(),
                     target=row.target.text(), factor=FAR_ABOVE)
        elif row.target.value > 0 and row.actual.value * FAR_BELOW < row.target.value:
            yield _f("W-ACTUAL-FAR-BELOW", _at(origin, "actuals", row.year), row.actual.text(),
                     target=row.target.text(), factor=FAR_BELOW)


# the parts of a year's Budget, each the field 「budgets.<part>」 of the 事業 sheet
_BUDGET_PARTS = tuple(f.name for f in dataclass_fields(Budget))


def _subproject_sums(projects: list, years: list[int]) -> Iterator[Finding]:
    """Sub-projects (5-1 …) are the breakdown of their parent (5), whose figure the totals
    count: where their sum differs from the parent's in a year, a warning at the parent's
    cell. Years in which no sub-project has a figure are not compared."""
    children: dict[str, list] = {}
    for p in projects:
        parent = parent_number(p.number)
        if parent is not None:
            children.setdefault(parent, []).append(p)
    for p in projects:
        subs = children.get(p.number)
        if not subs:
            continue
        names = subs[0].number if len(subs) == 1 else f"{subs[0].number}～{subs[-1].number}"
        for year in years:
            for attr in _BUDGET_PARTS:
                figures = [getattr(s.budgets[year], attr) for s in subs if year in s.budgets]
                if all(v is None for v in figures):
                    continue
                total = sum(v for v in figures if v is not None)
                own = getattr(p.budgets[year], attr) if year in p.budgets else None
                if own != total:
                    column = _header(p.origin, f"budgets.{attr}", year)
                    yield _f("W-SUBPROJECT-SUM", _at(p.origin, f"budgets.{attr}", year), own, number=p.number,
                             column=column, own=DASH if own is None else f"{own:,}",
                             children=names, sum=f"{total:,}")


def reviewer_warnings(loaded: Loaded, report: Report) -> list[Finding]:
    """What a careful reviewer would ask a department to confirm: rates and statuses
    typed that differ from the engine's, missing final targets, actuals without a
    target or far above it, groups and projects without indicators, sub-projects
    without their parent."""
    c = report.chosho
    out: list[Finding] = []
    records = {(r.origin.sheet, r.origin.row): r.values for recs in loaded.records.values() for r in recs}
    rated: dict[tuple, bool] = {}

    def supplied(rows: list, origin: Origin) -> list[Finding]:
        """_supplied, where the record's columns have a 達成率 column of these years: the
        optional column is rare, and the records of a sheet share one dict of columns
        (loader._read_rows) and their years, so that is asked once a sheet."""
        key = (origin.sheet, id(origin.columns), *(r.year for r in rows))
        has = rated.get(key)
        if has is None:
            has = rated[key] = any(_header(origin, "rates", r.year) in origin.columns for r in rows)
        return list(_supplied(rows, records.get((origin.sheet, origin.row), {}), origin)) if has else []

    for ci in report.indicators:
        ind = ci.indicator
        values = records.get((ind.origin.sheet, ind.origin.row), {})
        final = _header(ind.origin, "targets", c.plan_end)
        if final in ind.origin.columns and ci.final_target.value is None:
            out.append(_f("W-NO-FINAL-TARGET", _in_row(ind.origin, final), "", year=fiscal.label(c.plan_end)))
        out.extend(_magnitude(ci.years, ind.origin))
        out.extend(supplied(ci.years, ind.origin))
        status = _header(ind.origin, "status")
        given = values.get(status)
        if given is not None and status in ind.origin.columns and _status_text(given) != ci.status:
            out.append(_f("W-STATUS-MISMATCH", _in_row(ind.origin, status), given, computed=ci.status))

    numbers = {p.number for p in c.projects}
    for cp in report.projects:
        p = cp.project
        if not p.indicators:
            out.append(_f("W-PROJECT-NO-INDICATOR", _at(p.origin, "number"), p.number))
        parent = parent_number(p.number)
        if parent is not None and parent not in numbers:
            out.append(_f("W-SUBPROJECT-NO-PARENT", _at(p.origin, "number"), p.number, parent=parent))
        for cpi in cp.indicators:
            pi = cpi.indicator
            out.extend(_magnitude(cpi.years, pi.origin))
            out.extend(supplied(cpi.years, pi.origin))

    out.extend(_subproject_sums(c.projects, c.project_years))

    with_indicator = {i.group for i in c.indicators}
    for g in c.groups:
        if g.number is not None and g.number not in with_indicator:
            out.append(_f("W-GROUP-NO-INDICATOR", _at(g.origin, "number"), g.number))
    return out


def left_to_fill(book: RawBook, report: Report) -> list[Finding]:
    """What a person still has to fill or confirm, each at its cell: a 実績 left blank for
    the year that has just ended although that year has a target (a rolled-over workbook
    starts so; 「―」 typed means "no value" and is not blank), and cells a tool pre-filled
    and marked with a comment (intake/marks.py), as long as the comment is there."""
    c = report.chosho
    rows = [(i.origin, i.targets) for i in c.indicators]
    rows += [(pi.origin, pi.targets) for p in c.projects for pi in p.indicators]
    out: list[Finding] = []
    for origin, targets in rows:
        header = _header(origin, "actuals", c.fiscal_year - 1)
        target = targets.get(c.fiscal_year - 1)
        sheet = book.sheets.get(origin.sheet)
        if header not in origin.columns or sheet is None or target is None or target.value is None:
            continue
        key = (origin.sheet, origin.row, origin.columns[header])
        if is_blank(sheet.value(key[1], key[2])) and key not in book.formulas and key not in book.errors:
            out.append(_f("W-ACTUAL-MISSING", _in_row(origin, header), "", year=fiscal.label(c.fiscal_year - 1), target=target.text()))
    for (name, row, col), _text in sorted(book.marked.items()):
        if name in book.sheets:
            out.append(_f("W-PREFILLED", Location(name, row, col), shown(book.sheets[name].value(row, col))))
    return out
