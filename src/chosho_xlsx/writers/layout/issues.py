"""Section 3: one row block per 取組項目 or group of them that share one text —
the numerals and names on the left, the two texts merged beside them."""

from __future__ import annotations

from chosho_xlsx.model.chosho import Issue, item_mark
from chosho_xlsx.writers.layout.context import Context
from chosho_xlsx.writers.layout.grid import SheetPlan

NUMERAL, NAME, VERIFICATION, DIRECTION = 0, 1, 2, 3
WIDTHS = [5, 34, 92, 92]


def build_header(plan: SheetPlan, ctx: Context) -> None:
    L = ctx.labels
    r = plan.row
    plan.text(r, 0, L.text("issues.title"), "section", c2=plan.last_col, wrap=False,
              size=plan.size + 2)
    plan.text(r + 1, NUMERAL, L.text("issues.items"), "head", c2=NAME)
    plan.text(r + 1, VERIFICATION, L.text("issues.verification"), "head_left")
    plan.text(r + 1, DIRECTION, L.text("issues.direction"), "head_left")
    plan.repeat = (r, r + 1)
    plan.row = r + 2


def build_issue(plan: SheetPlan, ctx: Context, issue: Issue) -> None:
    names = {it.number: it.name for it in ctx.chosho.items}
    items = issue.items or [0]
    n = plan.rows_for([(issue.verification, VERIFICATION, VERIFICATION),
                       (issue.direction, DIRECTION, DIRECTION)], len(items))
    r = plan.row
    last = r + n - 1
    for i, number in enumerate(items):
        r2 = last if i == len(items) - 1 else r + i
        plan.text(r + i, NUMERAL, item_mark(number) if number else "", "center", r2=r2)
        plan.text(r + i, NAME, names.get(number, ""), "text_mid", r2=r2)
    plan.text(r, VERIFICATION, issue.verification, "text", r2=last)
    plan.text(r, DIRECTION, issue.direction, "text", r2=last)
    plan.block(r, last)
    plan.row = last + 1


def build_issues(plan: SheetPlan, ctx: Context) -> None:
    build_header(plan, ctx)
    for issue in ctx.chosho.issues:
        build_issue(plan, ctx, issue)
