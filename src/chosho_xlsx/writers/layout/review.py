"""Section 4: the projects that are reviewed (ComputedProject.in_section4), with the
見直し区分 the engine settled (typed, 「R6新規」, or proposed — a proposal prints as
「縮小（案）」 with a comment asking for confirmation and a note under the table), 事業構築の視点 as ②④⑧, and the form's legend and
notes under the table."""

from __future__ import annotations

from chosho_xlsx.model.chosho import ComputedProject, group_mark
from chosho_xlsx.writers.layout.context import Context
from chosho_xlsx.writers.layout.grid import SheetPlan
from chosho_xlsx.writers.layout.projects import display_name, item_cell

NUMBER, CORE, NAME, PERIOD, ITEMS, SECTION, REVIEW, VIEWPOINTS, TEXT, NEXT = range(10)
WIDTHS = [4.5, 4, 22, 12, 5.5, 14, 9, 9, 64, 64]


def viewpoints(cp: ComputedProject) -> str:
    return "".join(group_mark(v) for v in cp.project.viewpoints)


def review_text(ctx: Context, cp: ComputedProject) -> str:
    """見直し区分 as printed: a proposal of the engine never looks like a department's
    decision (「縮小（案）」, explained by a note under the table)."""
    if cp.review_proposed:
        return ctx.labels.text("review.proposed_mark", review=cp.review)
    return cp.review


def build_header(plan: SheetPlan, ctx: Context) -> None:
    L = ctx.labels
    r = plan.row
    last_col = plan.last_col
    plan.text(r, 0, L.text("review.title"), "section", c2=last_col, wrap=False,
              size=plan.size + 2)
    plan.text(r + 1, 0, L.text("review.note_new"), "note", c2=last_col)
    h1, h2 = r + 2, r + 3
    for col, key in ((NUMBER, "number"), (CORE, "core"), (NAME, "name"), (PERIOD, "period"),
                     (ITEMS, "items"), (SECTION, "section"), (TEXT, "review_text"),
                     (NEXT, "next")):
        plan.text(h1, col, L.text(f"review.{key}"), "head", r2=h2)
    plan.text(h1, REVIEW, L.text("review.direction_head"), "head", c2=VIEWPOINTS)
    plan.text(h2, REVIEW, L.text("review.review"), "head")
    plan.text(h2, VIEWPOINTS, L.text("review.viewpoints"), "head")
    plan.repeat = (r, h2)
    plan.row = h2 + 1


def build_row(plan: SheetPlan, ctx: Context, cp: ComputedProject) -> None:
    L, p = ctx.labels, cp.project
    n = plan.rows_for([(p.review_text, TEXT, TEXT), (p.next_direction, NEXT, NEXT)])
    r = plan.row
    last = r + n - 1
    plan.text(r, NUMBER, p.number, "center", r2=last)
    plan.text(r, CORE, L.text("results.circle") if p.core else "", "center", r2=last)
    plan.text(r, NAME, display_name(ctx, cp), "text_mid", r2=last)
    plan.text(r, PERIOD, cp.period_label, "center", r2=last)
    plan.text(r, ITEMS, item_cell(ctx, p.items), "center_top", r2=last)
    plan.text(r, SECTION, p.section, "center", r2=last)
    plan.text(r, REVIEW, review_text(ctx, cp), "center", r2=last,
              comment=L.text("review.proposed") if cp.review_proposed else None)
    plan.text(r, VIEWPOINTS, viewpoints(cp), "center", r2=last)
    plan.text(r, TEXT, p.review_text, "text", r2=last)
    plan.text(r, NEXT, p.next_direction, "text", r2=last)
    plan.block(r, last)
    plan.row = last + 1


def build_notes(plan: SheetPlan, ctx: Context, note_size: float) -> None:
    L = ctx.labels
    r = plan.row
    plan.min_height[r] = 6
    first = r + 1
    notes = [L.text("review.note_excluded")]
    if any(cp.in_section4 and cp.review_proposed for cp in ctx.report.projects):
        notes.append(L.text("review.note_proposed"))
    for i, note in enumerate(notes):
        plan.text(first + i, 0, note, "note", c2=plan.last_col, size=note_size)
    legend = "\n".join([L.text("review.legend_title"), *L.texts("review.legend")])
    last = first + len(notes)
    plan.text(last, 0, legend, "note", c2=plan.last_col, size=note_size)
    plan.block(r, last)
    plan.row = last + 1


def build_review(plan: SheetPlan, ctx: Context, note_size: float) -> None:
    build_header(plan, ctx)
    for cp in ctx.report.projects:
        if cp.in_section4:
            build_row(plan, ctx, cp)
    build_notes(plan, ctx, note_size)
