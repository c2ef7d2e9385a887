"""The indicator blocks of page 1, one per 事業群 indicator: 基準年 | plan years |
最終目標（年度）; rows 目標値① / 実績値② / 達成率 ②／①; 進捗状況 beside; the analysis
text to the right. 達成率, 最終目標 and 進捗状況 are live formulas."""

from __future__ import annotations

from dataclasses import dataclass

from chosho_xlsx.model import fiscal
from chosho_xlsx.model.chosho import ComputedIndicator, group_mark
from chosho_xlsx.model.vocabulary import DASH
from chosho_xlsx.writers.layout import derived, values
from chosho_xlsx.writers.layout.context import Context, ref
from chosho_xlsx.writers.layout.grid import SheetPlan


@dataclass(frozen=True)
class OverviewColumns:
    """The grid of sheet 1: indicator name, row label, 基準年, one column per plan year,
    最終目標, and two columns for the analysis (the header splits them in two)."""

    n_years: int

    name: int = 0
    label: int = 1
    base: int = 2
    first_year: int = 3

    @property
    def final(self) -> int:
        return self.first_year + self.n_years

    @property
    def an_a(self) -> int:
        return self.final + 1

    @property
    def an_b(self) -> int:
        return self.final + 2

    def widths(self) -> list[float]:
        return [28, 9, 11] + [10] * self.n_years + [13, 42, 36]


def build_indicator(plan: SheetPlan, ctx: Context, cols: OverviewColumns,
                    ci: ComputedIndicator) -> None:
    L, ind = ctx.labels, ci.indicator
    r = plan.row
    plan.min_height[r] = 8  # a gap between blocks
    r += 1
    head = r
    plan.text(r, cols.name, L.text("indicator.name"), "head")
    plan.blank(r, cols.label, "head")
    plan.text(r, cols.base, L.text("indicator.base"), "head")
    for i, row in enumerate(ci.years):
        plan.text(r, cols.first_year + i, fiscal.label(row.year), "head")
    plan.text(r, cols.final, L.text("indicator.final"), "head")
    plan.text(r, cols.an_a, L.text("indicator.analysis"), "head_left", c2=cols.an_b)
    t, a, rt = r + 1, r + 2, r + 3
    plan.text(t, cols.name, f"{group_mark(ind.group)}{ind.name}", "text_mid", r2=rt)
    plan.text(t, cols.label, L.text("indicator.target"), "head")
    plan.text(a, cols.label, L.text("indicator.actual"), "head")
    plan.text(rt, cols.label, L.text("indicator.rate"), "head")
    plan.blank(t, cols.base)
    base_suffix = f" ({fiscal.label(ind.base_year)})" if ind.base_year else ""
    values.quantity(plan, a, cols.base, ind.base_value, ind.unit, suffix=base_suffix)
    plan.blank(rt, cols.base)
    status_years: list[tuple[str, str]] = []
    final_ref = None
    for i, row in enumerate(ci.years):
        col = cols.first_year + i
        values.quantity(plan, t, col, row.target, ind.unit)
        if row.year == ci.final_year:
            final_ref = ref(t, col)
        if row.actual is None:  # 実施年度 and later: no 実績 yet
            plan.blank(a, col)
            plan.blank(rt, col)
            continue
        values.quantity(plan, a, col, row.actual, ind.unit)
        values.rate(plan, rt, col, (t, col), (a, col), row.rate, row.target, ctx.ruleset,
                    ind.direction)
        status_years.append((ref(a, col), ref(rt, col)))
    final_label = fiscal.label(ci.final_year)
    final = ci.final_target
    if final_ref is None or final.value is None:
        cached = f"{DASH} ({final_label})"
        plan.formula(t, cols.final, derived.final_formula(final_ref or '""', final_label),
                     cached, None, cached, "center")
    else:
        fmt = derived.number_format(final.value, ind.unit, final.bound, f" ({final_label})")
        plan.formula(t, cols.final, derived.final_formula(final_ref, final_label),
                     derived.quantity_number(final), fmt, ci.final_target_text, "num")
    plan.text(a, cols.final, L.text("indicator.status"), "head")
    status = derived.status_formula(status_years, final_ref or '""', ctx.ruleset, ind.direction)
    plan.formula(rt, cols.final, status, ci.status, None, ci.status, "status")
    plan.text(t, cols.an_a, ind.analysis, "text", r2=rt, c2=cols.an_b)
    plan.block(head - 1, rt)
    plan.row = rt + 1


def build_indicators(plan: SheetPlan, ctx: Context, cols: OverviewColumns) -> None:
    for ci in ctx.report.indicators:
        build_indicator(plan, ctx, cols, ci)
