"""The computed model as JSON: English keys, values as printed on the form."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from chosho_xlsx.common.atomic import write_text_atomic
from chosho_xlsx.model import fiscal
from chosho_xlsx.model.chosho import ComputedIndicator, ComputedProject, Report, YearRow, group_mark
from chosho_xlsx.rules.engine import group_project_counts, group_totals, printed_unit


def _year(row: YearRow, unit: str) -> dict:
    return {
        "year": fiscal.label(row.year),
        "target": row.target.text(unit),
        "actual": None if row.actual is None else row.actual.text(unit),
        "rate": None if row.actual is None else row.rate.text,
    }


def _indicator(ci: ComputedIndicator) -> dict:
    ind = ci.indicator
    return {
        "number": ind.number,
        "group": ind.group,
        "name": f"{group_mark(ind.group)}{ind.name}",
        "unit": ind.unit,
        "direction": ind.direction,
        "base": {
            "year": fiscal.label(ind.base_year) if ind.base_year else None,
            "value": ind.base_value.text(ind.unit),
        },
        "years": [_year(r, ind.unit) for r in ci.years],
        "final_target": ci.final_target_text,
        "status": ci.status,
        "status_year": fiscal.label(ci.status_year) if ci.status_year else None,
    }


def _project(cp: ComputedProject, y: int) -> dict:
    p = cp.project
    return {
        "number": p.number,
        "group": p.group,
        "name": p.name,
        "items": p.items,
        "core": p.core,
        "reference": p.reference,
        "period": cp.period_label,
        "new": cp.is_new,
        "ended": cp.ended,
        "section": p.section,
        "budgets": [
            {
                "year": fiscal.label(year),
                "kind": "計画" if year == y else "実績",
                "total": b.total,
                "general": b.general,
                "personnel": b.personnel,
            }
            for year, b in sorted(p.budgets.items())
        ],
        "review": cp.review,
        "review_proposed": cp.review_proposed,
        "viewpoints": p.viewpoints,
        "in_section4": cp.in_section4,
        "budget_change": None if cp.budget_change is None else str(cp.budget_change.quantize(cp.budget_change.__class__("0.0001"))),
        "indicators": [
            {
                "kind": ci.indicator.kind,
                "name": ci.indicator.name,
                "unit": ci.indicator.unit,
                "years": [_year(r, printed_unit(ci.indicator)) for r in ci.years],
            }
            for ci in cp.indicators
        ],
    }


def report_dict(report: Report) -> dict:
    c = report.chosho
    # totals count a parent once: its sub-projects (5-1 …) are inside its figures
    plan = group_totals(c, c.fiscal_year)
    projects = group_project_counts(c)
    return {
        "fiscal_year": fiscal.label(c.fiscal_year),
        "fiscal_year_label": fiscal.full_label(c.fiscal_year),
        "strategy": c.strategy,
        "policy": c.policy,
        "plan": {"name": c.plan_name, "period": fiscal.period_label(c.plan_start, c.plan_end)},
        "groups": [
            {
                "number": g.number,
                "mark": group_mark(g.number),
                "name": g.name,
                "department": g.department,
                "section": g.section,
                "manager": g.manager,
                "budget": report.group_budgets.get(g.number, 0),
                "budget_plan": plan.get(g.number, 0),
                "projects": projects.get(g.number, 0),
            }
            for g in c.groups
        ],
        "indicators": [_indicator(ci) for ci in report.indicators],
        "projects": [_project(cp, c.fiscal_year) for cp in report.projects],
    }


VERSION = 1


def dumps(data: list[dict]) -> str:
    """Report dicts as JSON text, always one shape: {"version": 1, "reports": [...]},
    however many inputs were built (none included). Stable: same input, same bytes."""
    return json.dumps({"version": VERSION, "reports": data}, ensure_ascii=False, indent=2) + "\n"


def to_json(reports: list[Report]) -> str:
    return dumps([report_dict(r) for r in reports])


def emit(data: list[dict], json_path: str) -> None:
    """`--json PATH`: to standard output for 「-」, else written atomically (OSError when
    the file cannot be written)."""
    text = dumps(data)
    if json_path == "-":
        sys.stdout.write(text)
    else:
        write_text_atomic(Path(json_path), text)
