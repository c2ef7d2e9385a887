"""Page 1: the title, the header (基本戦略名, 施策名, 事業群名, 主管所属・課長名, 関係課,
事業費 per 事業群 as live sums of section 2) and section 1 (計画等概要)."""

from __future__ import annotations

from decimal import Decimal

from chosho_xlsx.model.chosho import group_mark
from chosho_xlsx.model.form_texts import item_lines, plan_texts
from chosho_xlsx.rules.engine import counted_projects
from chosho_xlsx.writers.layout import derived
from chosho_xlsx.writers.layout.context import Context, ref
from chosho_xlsx.writers.layout.grid import SheetPlan
from chosho_xlsx.writers.layout.indicators import OverviewColumns


def owner_lines(ctx: Context) -> tuple[str, str]:
    """「事業群①②:企画部　デジタル戦略課」 and 「①②:髙橋　圭」: 事業群 that share 主管所属
    and 課長 print as one line, in the order they first appear."""
    L = ctx.labels
    order: list[tuple[str, str, str]] = []
    marks: dict[tuple[str, str, str], str] = {}
    for g in ctx.chosho.groups:
        key = (g.department, g.section, g.manager)
        if key not in marks:
            order.append(key)
            marks[key] = ""
        marks[key] += group_mark(g.number)
    owners = [L.text("header.owner_line", marks=marks[k], department=k[0], section=k[1]) for k in order]
    managers = [L.text("header.manager_line", marks=marks[k], manager=k[2]) for k in order if k[2]]
    return "\n".join(owners), "\n".join(managers)


def budget_total(ctx: Context, group: int) -> tuple[str, int]:
    """=SUM of the Y-1実績 事業費 cells of the group's projects in section 2, parents
    once (rules.group_totals)."""
    refs = [
        ref(row, col, sheet)
        for p in counted_projects(ctx.chosho.projects)
        if p.group == group and p.number in ctx.budget_cells
        for sheet, row, col in [ctx.budget_cells[p.number]]
    ]
    return derived.sum_formula(refs), ctx.report.group_budgets.get(group, 0)


def build_header(plan: SheetPlan, ctx: Context, cols: OverviewColumns, title_size: float) -> None:
    L, c = ctx.labels, ctx.chosho
    last = plan.last_col
    r = plan.row
    plan.text(r, 0, L.text("title"), "title", c2=last, size=title_size, wrap=False)
    plan.min_height[r] = title_size * 2.2
    r += 1
    plan.min_height[r] = 6
    r += 1
    first = r
    left_value = (1, cols.final - 2)
    right_label = (cols.final - 1, cols.final)
    owners, managers = owner_lines(ctx)
    plan.text(r, 0, L.text("header.strategy"), "head")
    plan.text(r, left_value[0], c.strategy, "text_mid", c2=left_value[1])
    plan.text(r, right_label[0], L.text("header.owner"), "head", c2=right_label[1])
    plan.text(r, cols.an_a, owners, "text_mid")
    plan.text(r, cols.an_b, managers, "text_mid")
    r += 1
    plan.text(r, 0, L.text("header.policy"), "head")
    plan.text(r, left_value[0], c.policy, "text_mid", c2=left_value[1])
    plan.text(r, right_label[0], L.text("header.related"), "head", c2=right_label[1])
    plan.text(r, cols.an_a, c.related_sections, "text_mid", c2=cols.an_b)
    r += 1
    groups = c.groups or []
    g_last = r + max(len(groups), 1) - 1
    plan.text(r, 0, L.text("header.groups"), "head", r2=g_last)
    plan.text(r, right_label[0], L.text("header.budget"), "head", r2=g_last, c2=right_label[1])
    for i, g in enumerate(groups):
        mark = group_mark(g.number)
        plan.text(r + i, left_value[0], L.text("header.group_name", mark=mark, name=g.name),
                  "text_mid", c2=left_value[1])
        formula, total = budget_total(ctx, g.number)
        fmt = derived.number_format(Decimal(total), prefix=f"{mark}　")
        plan.formula(r + i, cols.an_a, formula, total, fmt, f"{mark}　{total:,}", "num_left",
                     c2=cols.an_b)
    if not groups:
        plan.blank(r, left_value[0], c2=left_value[1])
        plan.blank(r, cols.an_a, c2=cols.an_b)
    r = g_last + 1
    plan.min_height[r] = 10
    r += 1
    # 1. 計画等概要
    plan.text(r, 0, L.text("overview.title"), "section", c2=last, wrap=False,
              size=plan.size + 2)
    r += 1
    plan_cols = (0, cols.final - 1)
    item_cols = (cols.final, last)
    plan.text(r, plan_cols[0], L.text("overview.plan_text"), "head_left", c2=plan_cols[1])
    plan.text(r, item_cols[0], L.text("overview.items"), "head_left", c2=item_cols[1])
    r += 1
    plan_text, items = plan_texts(groups), item_lines(L, c.items)
    n = plan.rows_for([(plan_text, *plan_cols), (items, *item_cols)])
    plan.text(r, plan_cols[0], plan_text, "text", r2=r + n - 1, c2=plan_cols[1])
    plan.text(r, item_cols[0], items, "text", r2=r + n - 1, c2=item_cols[1])
    r += n
    plan.block(first - 2, r - 1)
    plan.row = r
