"""Section 2 (Y-1 取組実績): one row block per 事務事業, in the official columns.

A block has three rows per indicator (at least three): the 事業費 rows Y-2実績 /
Y-1実績 / Y計画 and, per indicator, Y-2目標 Y-2実績 達成率 / Y-1目標 Y-1実績 達成率 / Y目標.
The texts merge over the whole block."""

from __future__ import annotations

from dataclasses import dataclass

from chosho_xlsx.model.chosho import ComputedProject, item_mark
from chosho_xlsx.model.form_texts import outcome_text, overview_text
from chosho_xlsx.rules.engine import printed_unit
from chosho_xlsx.writers.layout import values
from chosho_xlsx.writers.layout.context import Context
from chosho_xlsx.writers.layout.grid import SheetPlan


@dataclass(frozen=True)
class ResultColumns:
    number: int = 0
    items: int = 1
    core: int = 2
    name_a: int = 3
    name_b: int = 4
    overview: int = 5
    year: int = 6
    total: int = 7
    general: int = 8
    personnel: int = 9
    ind_name: int = 10
    ind_target: int = 11
    ind_actual: int = 12
    ind_rate: int = 13
    outcome: int = 14
    law: int = 15
    obligatory: int = 16
    no_discretion: int = 17
    other: int = 18

    @staticmethod
    def widths() -> list[float]:
        return [4.5, 5.5, 4, 14, 13, 40, 7, 9, 9, 8, 19, 10, 10, 7, 40, 13, 9.5, 9.5, 11]


COLS = ResultColumns()


def item_cell(ctx: Context, items: list[int]) -> str:
    """「取組\n項目\nⅰ\nⅱ…」 as the seed prints it."""
    return "\n".join([ctx.labels.text("results.item_cell"), *(item_mark(i) for i in items)])


def display_name(ctx: Context, cp: ComputedProject) -> str:
    p = cp.project
    suffix = ctx.labels.text("results.reference")
    return p.name + suffix if p.reference and not p.name.endswith(suffix) else p.name


def build_header(plan: SheetPlan, ctx: Context) -> None:
    L, C = ctx.labels, COLS
    r = plan.row
    plan.text(r, 0, L.text("results.title"), "section", c2=plan.last_col, wrap=False,
              size=plan.size + 2)
    title = r
    h1, h2, h3, h4 = r + 1, r + 2, r + 3, r + 4
    plan.text(h1, C.number, L.text("results.number"), "head", r2=h4)
    plan.text(h1, C.items, L.text("results.items"), "head", r2=h4)
    plan.text(h1, C.core, L.text("results.core"), "head", r2=h4)
    plan.text(h1, C.name_a, L.text("results.name"), "head", c2=C.name_b)
    plan.text(h2, C.name_a, L.text("results.period"), "head", c2=C.name_b)
    plan.text(h3, C.name_a, L.text("results.section"), "head", r2=h4)
    plan.text(h3, C.name_b, L.text("results.target"), "head", r2=h4)
    plan.text(h1, C.overview, L.text("results.overview"), "head")
    plan.text(h2, C.overview, L.text("results.overview_sub"), "head", r2=h4)
    plan.text(h1, C.year, L.text("results.budget"), "head", c2=C.personnel)
    for i, label in enumerate(L.texts("results.budget_years")):
        plan.text(h2 + i, C.year, label, "head")
    plan.text(h2, C.total, L.text("results.budget_total"), "head", r2=h4)
    plan.text(h2, C.general, L.text("results.budget_general"), "head", r2=h4)
    plan.text(h2, C.personnel, L.text("results.budget_personnel"), "head", r2=h4)
    plan.text(h1, C.ind_name, L.text("results.indicators"), "head", c2=C.ind_rate)
    plan.text(h2, C.ind_name, L.text("results.indicator_name"), "head", r2=h4)
    for i, labels in enumerate(L.texts("results.indicator_rows")):
        for j, label in enumerate(labels):
            col = C.ind_target + j
            if label:
                plan.text(h2 + i, col, label, "head")
            else:
                plan.blank(h2 + i, col, "head")
    plan.text(h1, C.outcome, L.text("results.outcome"), "head", r2=h4)
    plan.text(h1, C.law, L.text("results.law"), "head", r2=h4)
    plan.text(h1, C.obligatory, L.text("results.obligatory"), "head", r2=h4)
    plan.text(h1, C.no_discretion, L.text("results.no_discretion"), "head", r2=h4)
    plan.text(h1, C.other, L.text("results.other"), "head", r2=h4)
    plan.repeat = (title, h4)
    plan.row = h4 + 1


def build_project(plan: SheetPlan, ctx: Context, cp: ComputedProject) -> None:
    L, C, p = ctx.labels, COLS, cp.project
    y = ctx.year
    none, yes = L.text("results.dash"), L.text("results.circle")
    overview, outcome = overview_text(L, p), outcome_text(L, p)
    k = len(cp.indicators)
    n = max(3, 3 * k)
    r = plan.row
    last = r + n - 1
    plan.text(r, C.number, p.number, "center", r2=last)
    plan.text(r, C.items, item_cell(ctx, p.items), "center_top", r2=last)
    plan.text(r, C.core, yes if p.core else "", "center", r2=last)
    plan.text(r, C.name_a, display_name(ctx, cp), "text_mid", r2=last - 2, c2=C.name_b)
    plan.text(last - 1, C.name_a, cp.period_label, "center", c2=C.name_b)
    plan.text(last, C.name_a, p.section, "center")
    plan.text(last, C.name_b, p.target, "center")
    plan.text(r, C.overview, overview, "text", r2=last)
    budget_years = [y - 2, y - 1, y]
    year_labels = L.texts("results.budget_years")
    for i, year in enumerate(budget_years):
        b = p.budgets.get(year)
        plan.text(r + i, C.year, year_labels[i], "center", size=plan.size - 1)
        values.money(plan, r + i, C.total, b.total if b else None)
        values.money(plan, r + i, C.general, b.general if b else None)
        values.money(plan, r + i, C.personnel, b.personnel if b else None)
        if year == y - 1:
            ctx.budget_cells[p.number] = (plan.name, r + i, C.total)
    if n > 3:
        plan.blank(r + 3, C.year, r2=last, c2=C.personnel)
    kinds = L.raw("results.kinds")
    for i, ci in enumerate(cp.indicators):
        top = r + 3 * i
        ind = ci.indicator
        head = L.fill(kinds.get(ind.kind, "")) if isinstance(kinds, dict) else ""
        plan.text(top, C.ind_name, f"{head}\n{ind.name}" if head else ind.name, "text_mid",
                  r2=top + 2)
        unit = printed_unit(ind)  # one way for all its values, whatever was typed
        for j, row in enumerate(ci.years):
            rr = top + j
            values.quantity(plan, rr, C.ind_target, row.target, unit)
            if row.actual is None:
                plan.blank(rr, C.ind_actual, c2=C.ind_rate)
                continue
            values.quantity(plan, rr, C.ind_actual, row.actual, unit)
            values.rate(plan, rr, C.ind_rate, (rr, C.ind_target), (rr, C.ind_actual), row.rate,
                        row.target, ctx.ruleset)
    if k == 0:
        plan.blank(r, C.ind_name, r2=last, c2=C.ind_rate)
    plan.text(r, C.outcome, outcome, "text", r2=last)
    plan.text(r, C.law, p.law or none, "center", r2=last)
    plan.text(r, C.obligatory, yes if p.obligatory else none, "center", r2=last)
    plan.text(r, C.no_discretion, yes if p.no_discretion else none, "center", r2=last)
    plan.text(r, C.other, p.other_evaluation or none, "center", r2=last)
    plan.block(r, last)
    plan.row = last + 1


def build_projects(plan: SheetPlan, ctx: Context) -> None:
    build_header(plan, ctx)
    for cp in ctx.report.projects:
        build_project(plan, ctx, cp)
