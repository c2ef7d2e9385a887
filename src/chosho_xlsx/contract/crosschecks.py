"""Checks that look across rows and sheets: references, consistency of money and units,
and the warnings a careful reviewer would raise. Column-local checks are in schema.py."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from chosho_xlsx.common.text import folded
from chosho_xlsx.contract.findings import Finding
from chosho_xlsx.contract.loader import Loaded, col_letter
from chosho_xlsx.contract.parsers import is_blank, shown
from chosho_xlsx.domain import fiscal
from chosho_xlsx.domain.model import Origin, Rate, Report, item_mark
from chosho_xlsx.domain.quantity import Quantity, units_agree
from chosho_xlsx.domain.rules import parent_number, review_conflicts, typed_units
from chosho_xlsx.domain.settings import Settings
from chosho_xlsx.domain.vocabulary import DASH, NO_VALUE, Direction
from chosho_xlsx.intake.reader import RawBook
from chosho_xlsx.intake.scan import col_index

# 実績 this many times the target (or more), or below this fraction of it, looks like a
# unit slip (千円/円, %/割合, a percent-formatted cell read as a fraction).
FAR_ABOVE = 10
FAR_BELOW = 10


def _f(code: str, place: str, value: object = "", **params: object) -> Finding:
    return Finding(code, place, "" if value is None else str(value), params)


def _at(origin: Origin, header: str) -> str:
    """The cell of `header` in the record's row; the row's first column when the sheet
    lacks that (optional) column, so every finding names a real cell."""
    if header in origin.columns:
        return origin.cell(header)
    first = min(origin.columns.values(), key=lambda c: (len(c), c), default="A")
    return f"{origin.sheet}!{first}{origin.row}"


def _unit_findings(values: dict[int, Quantity], unit: str, origin, family: str) -> Iterator[Finding]:
    for year, q in values.items():
        if q.value is not None and not units_agree(q.unit, unit):
            header = f"{fiscal.label(year)}{family}"
            yield _f("E-UNIT", _at(origin, header), q.text(), unit=unit, found=q.unit)


def cross_checks(loaded: Loaded, report: Report, settings: Settings) -> list[Finding]:
    c = loaded.chosho
    assert c is not None
    out: list[Finding] = []
    groups = {g.number for g in c.groups}
    item_groups = {i.number: i.group for i in c.items}
    projects = {p.number for p in c.projects}
    y = c.fiscal_year

    for rec in [*c.items, *c.indicators, *c.projects]:
        if rec.group is not None and rec.group not in groups:
            out.append(_f("E-REF-GROUP", rec.origin.cell("事業群番号"), rec.group))

    for p in c.projects:
        bad = [n for n in p.items if n not in item_groups]
        if bad:
            out.append(_f("E-REF-ITEM", p.origin.cell("取組項目"), ",".join(map(str, p.items)),
                          missing="、".join(item_mark(n) for n in bad)))
        elif p.items and p.group in groups and p.group not in {item_groups[n] for n in p.items}:
            out.append(_f("E-ITEM-GROUP", p.origin.cell("事業群番号"), p.group,
                          items="、".join(item_mark(n) for n in p.items)))
        if p.start is not None and p.end is not None and p.end < p.start:
            out.append(_f("E-PERIOD-ORDER", p.origin.cell("終了年度"), fiscal.label(p.end),
                          start=fiscal.label(p.start)))
        for year, b in p.budgets.items():
            if b.total is not None and b.general is not None and b.general > b.total:
                out.append(_f("E-GENERAL-OVER-TOTAL", p.origin.cell(f"{fiscal.label(year)}一般財源"),
                              b.general, total=b.total))
        if p.start == y:
            for year in (y - 2, y - 1):
                b = p.budgets.get(year)
                if b and b.total:
                    out.append(_f("W-NEW-HAS-HISTORY", p.origin.cell(f"{fiscal.label(year)}事業費"), b.total))

    for i in c.issues:
        bad = [n for n in i.items if n not in item_groups]
        if bad:
            out.append(_f("E-REF-ITEM", i.origin.cell("取組項目"), ",".join(map(str, i.items)),
                          missing="、".join(item_mark(n) for n in bad)))

    for ind in c.indicators:
        out.extend(_unit_findings(ind.targets, ind.unit, ind.origin, "目標"))
        out.extend(_unit_findings(ind.actuals, ind.unit, ind.origin, "実績"))
        if ind.base_value.value is not None and not units_agree(ind.base_value.unit, ind.unit):
            out.append(_f("E-UNIT", ind.origin.cell("基準値"), ind.base_value.text(),
                          unit=ind.unit, found=ind.base_value.unit))
        if ind.direction == Direction.DOWN:
            out.append(_f("W-DECREASING", ind.origin.cell("目標の向き"), ind.direction))

    for p in c.projects:
        for pi in p.indicators:
            if pi.project not in projects:
                continue
            # 単位 may be blank: then the first unit typed is the one the others must have
            unit = pi.unit or next(iter(typed_units(pi)), "")
            if unit:
                out.extend(_unit_findings(pi.targets, unit, pi.origin, "目標"))
                out.extend(_unit_findings(pi.actuals, unit, pi.origin, "実績"))
    for rec in loaded.records.get("事業指標", []):
        number = rec.values.get("事業番号")
        if number is not None and number not in projects:
            out.append(_f("E-REF-PROJECT", rec.origin.cell("事業番号"), number))

    for cp in report.projects:
        p = cp.project
        if cp.review_proposed:
            out.append(_f("W-REVIEW-PROPOSED", _at(p.origin, "見直し区分"), "", proposed=cp.review))
        elif p.review and review_conflicts(p.review, cp.budget_change, settings):
            change = f"{cp.budget_change * 100:+.0f}%" if cp.budget_change is not None else ""
            out.append(_f("W-REVIEW-CONFLICT", _at(p.origin, "見直し区分"), p.review, change=change))

    out.extend(reviewer_warnings(loaded, report))
    out.extend(joined_text_findings(c))
    return out


def joined_text_findings(c) -> Iterator[Finding]:
    """Texts the 調書 prints together in one cell (layout's own joining, with its
    headings) may each fit a cell and together not: an error at the first of them,
    since XlsxWriter would cut the joined text short in the official report."""
    from chosho_xlsx.contract.parsers import EXCEL_TEXT_MAX, excel_length
    from chosho_xlsx.writers.layout.header import item_lines, plan_texts
    from chosho_xlsx.writers.layout.labels import load_labels
    from chosho_xlsx.writers.layout.projects import outcome_text, overview_text

    labels = load_labels(c.fiscal_year, c.plan_name)
    # numbers that could not be read are findings already; their marks cannot be printed
    groups = [g for g in c.groups if g.number is not None]
    items = [i for i in c.items if i.number is not None and i.group is not None]
    joined = [(plan_texts(groups), [(g.origin, "総合計画本文") for g in groups]),
              (item_lines(labels, items), [(i.origin, "取組項目名") for i in items])]
    for p in c.projects:
        joined.append((overview_text(labels, p), [(p.origin, "事業内容"), (p.origin, "実施状況")]))
        joined.append((outcome_text(labels, p), [(p.origin, "事業の成果"), (p.origin, "目標達成への寄与")]))
    for text, parts in joined:
        length = excel_length(text)
        if length > EXCEL_TEXT_MAX and parts:
            origin, header = parts[0]
            yield _f("E-TEXT-JOINED-TOO-LONG", _at(origin, header), "", length=f"{length:,}",
                     limit=f"{EXCEL_TEXT_MAX:,}", parts="・".join(dict.fromkeys(h for _, h in parts)))


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
        header = f"{fiscal.label(row.year)}達成率"
        given = values.get(header)
        if not isinstance(given, Quantity) or given.value is None or header not in origin.columns:
            continue
        if not _rate_agrees(given, row.rate):
            yield _f("W-RATE-MISMATCH", origin.cell(header), given.text(), computed=row.rate.text)


def _magnitude(rows: list, origin: Origin) -> Iterator[Finding]:
    """An actual with no target, or far above or below it (a unit slip?)."""
    for row in rows:
        if row.actual is None or row.actual.value is None:
            continue
        year = fiscal.label(row.year)
        if row.target.value is None:
            yield _f("W-ACTUAL-NO-TARGET", _at(origin, f"{year}目標"), "",
                     year=year, actual=row.actual.text())
        elif row.target.value > 0 and row.actual.value >= FAR_ABOVE * row.target.value:
            yield _f("W-ACTUAL-FAR-ABOVE", _at(origin, f"{year}実績"), row.actual.text(),
                     target=row.target.text(), factor=FAR_ABOVE)
        elif row.target.value > 0 and row.actual.value * FAR_BELOW < row.target.value:
            yield _f("W-ACTUAL-FAR-BELOW", _at(origin, f"{year}実績"), row.actual.text(),
                     target=row.target.text(), factor=FAR_BELOW)


_BUDGET_FAMILIES = (("事業費", "total"), ("一般財源", "general"), ("人件費", "personnel"))


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
            for family, attr in _BUDGET_FAMILIES:
                figures = [getattr(s.budgets[year], attr) for s in subs if year in s.budgets]
                if all(v is None for v in figures):
                    continue
                total = sum(v for v in figures if v is not None)
                own = getattr(p.budgets[year], attr) if year in p.budgets else None
                if own != total:
                    column = f"{fiscal.label(year)}{family}"
                    yield _f("W-SUBPROJECT-SUM", _at(p.origin, column), own, number=p.number,
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
    final = fiscal.label(c.plan_end)

    for ci in report.indicators:
        ind = ci.indicator
        values = records.get((ind.origin.sheet, ind.origin.row), {})
        if f"{final}目標" in ind.origin.columns and ci.final_target.value is None:
            out.append(_f("W-NO-FINAL-TARGET", ind.origin.cell(f"{final}目標"), "", year=final))
        out.extend(_magnitude(ci.years, ind.origin))
        out.extend(_supplied(ci.years, values, ind.origin))
        given = values.get("進捗状況")
        if given is not None and "進捗状況" in ind.origin.columns and _status_text(given) != ci.status:
            out.append(_f("W-STATUS-MISMATCH", ind.origin.cell("進捗状況"), given, computed=ci.status))

    numbers = {p.number for p in c.projects}
    for cp in report.projects:
        p = cp.project
        if not p.indicators:
            out.append(_f("W-PROJECT-NO-INDICATOR", _at(p.origin, "事業番号"), p.number))
        parent = parent_number(p.number)
        if parent is not None and parent not in numbers:
            out.append(_f("W-SUBPROJECT-NO-PARENT", _at(p.origin, "事業番号"), p.number, parent=parent))
        for cpi in cp.indicators:
            pi = cpi.indicator
            out.extend(_magnitude(cpi.years, pi.origin))
            out.extend(_supplied(cpi.years, records.get((pi.origin.sheet, pi.origin.row), {}), pi.origin))

    out.extend(_subproject_sums(c.projects, c.project_years))

    with_indicator = {i.group for i in c.indicators}
    for g in c.groups:
        if g.number is not None and g.number not in with_indicator:
            out.append(_f("W-GROUP-NO-INDICATOR", _at(g.origin, "事業群番号"), g.number))
    return out


def left_to_fill(book: RawBook, report: Report) -> list[Finding]:
    """What a person still has to fill or confirm, each at its cell: a 実績 left blank for
    the year that has just ended although that year has a target (a rolled-over workbook
    starts so; 「―」 typed means "no value" and is not blank), and cells a tool pre-filled
    and marked with a comment (marks.py), as long as the comment is there."""
    c = report.chosho
    header = f"{fiscal.label(c.fiscal_year - 1)}実績"
    rows = [(i.origin, i.targets) for i in c.indicators]
    rows += [(pi.origin, pi.targets) for p in c.projects for pi in p.indicators]
    out: list[Finding] = []
    for origin, targets in rows:
        target = targets.get(c.fiscal_year - 1)
        sheet = book.sheets.get(origin.sheet)
        if header not in origin.columns or sheet is None or target is None or target.value is None:
            continue
        key = (origin.sheet, origin.row, col_index(origin.columns[header]))
        if is_blank(sheet.value(key[1], key[2])) and key not in book.formulas and key not in book.errors:
            out.append(_f("W-ACTUAL-MISSING", origin.cell(header), "", year=header[:-2], target=target.text()))
    for (name, row, col), _text in sorted(book.marked.items()):
        if name in book.sheets:
            out.append(_f("W-PREFILLED", f"{name}!{col_letter(col)}{row}", shown(book.sheets[name].value(row, col))))
    return out
