"""Checks that look across rows and sheets: references, consistency of money and units,
and the warnings a careful reviewer would raise. Column-local checks are in schema.py."""

from __future__ import annotations

from collections.abc import Iterator

from . import fiscal
from .findings import Finding
from .loader import Loaded
from .model import Report, item_mark
from .quantity import Quantity, units_agree
from .rules import review_conflicts
from .settings import Settings


def _f(code: str, place: str, value: object = "", **params: object) -> Finding:
    return Finding(code, place, "" if value is None else str(value), params)


def _unit_findings(values: dict[int, Quantity], unit: str, origin, family: str) -> Iterator[Finding]:
    for year, q in values.items():
        if q.value is not None and not units_agree(q.unit, unit):
            header = f"{fiscal.label(year)}{family}"
            yield _f("E-UNIT", origin.cell(header), q.text(), unit=unit, found=q.unit)


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
        if ind.direction == "減少":
            out.append(_f("W-DECREASING", ind.origin.cell("目標の向き"), ind.direction))

    for p in c.projects:
        for pi in p.indicators:
            if pi.project not in projects:
                continue
            if pi.unit:
                out.extend(_unit_findings(pi.targets, pi.unit, pi.origin, "目標"))
                out.extend(_unit_findings(pi.actuals, pi.unit, pi.origin, "実績"))
    for rec in loaded.records.get("事業指標", []):
        number = rec.values.get("事業番号")
        if number is not None and number not in projects:
            out.append(_f("E-REF-PROJECT", rec.origin.cell("事業番号"), number))

    for cp in report.projects:
        p = cp.project
        if cp.review_proposed:
            out.append(_f("W-REVIEW-PROPOSED", p.origin.cell("見直し区分"), "", proposed=cp.review))
        elif p.review and review_conflicts(p.review, cp.budget_change, settings):
            change = f"{cp.budget_change * 100:+.0f}%" if cp.budget_change is not None else ""
            out.append(_f("W-REVIEW-CONFLICT", p.origin.cell("見直し区分"), p.review, change=change))
    return out
