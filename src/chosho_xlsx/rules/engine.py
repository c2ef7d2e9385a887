"""The rules engine: every derived value of the 調書, as pure functions over the model.

Sources: docs/rules.md. Arithmetic is Decimal throughout; the settings that the
planning division may change come in as a Ruleset object, never as constants here."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from chosho_xlsx.model import fiscal
from chosho_xlsx.model.chosho import (
    NO_RATE,
    Chosho,
    ComputedIndicator,
    ComputedProject,
    ComputedProjectIndicator,
    Indicator,
    Project,
    ProjectIndicator,
    Rate,
    Report,
    YearRow,
)
from chosho_xlsx.model.quantity import EMPTY, Quantity
from chosho_xlsx.model.ruleset import Ruleset
from chosho_xlsx.model.vocabulary import DASH, Direction, Review, Status

HUNDRED = Decimal(100)
ONE = Decimal(1)


def achievement_rate(
    target: Quantity, actual: Quantity | None, ruleset: Ruleset, direction: str = Direction.UP
) -> Rate:
    """達成率 = 実績 ÷ 目標 (減少: 目標 ÷ 実績), a whole percent rounded as set.

    「―」 when either value is missing or the divisor is 0 (the seed prints both ― and
    0% for 0/0; the spec takes ―)."""
    if actual is None or target.value is None or actual.value is None:
        return NO_RATE
    decreasing = direction == Direction.DOWN and ruleset.decreasing == "target_over_actual"
    num, den = (target.value, actual.value) if decreasing else (actual.value, target.value)
    if den == 0:
        return NO_RATE
    percent = int((num * HUNDRED / den).quantize(ONE, rounding=ruleset.rounding))
    if target.bound:
        percent = min(percent, ruleset.bound_cap)
    return _rate(percent)


@lru_cache(maxsize=1024, typed=True)
def _rate(percent: int) -> Rate:
    """The Rate of a whole percent: immutable, so one per percent serves every indicator."""
    return Rate(percent)


def reached(actual: Quantity, final: Quantity, direction: str) -> bool:
    if actual.value is None or final.value is None:
        return False
    return actual.value <= final.value if direction == Direction.DOWN else actual.value >= final.value


def progress_status(
    indicator: Indicator, rows: list[YearRow], final: Quantity, ruleset: Ruleset
) -> tuple[str, int | None]:
    """進捗状況, judged on the latest year that has an actual; and that year."""
    latest = next((r for r in reversed(rows) if r.actual is not None and not r.actual.empty), None)
    if latest is None:
        return Status.NONE, None
    if reached(latest.actual, final, indicator.direction):
        return Status.ACHIEVED, latest.year
    rate = latest.rate.percent
    if rate is None:
        return Status.NONE, latest.year
    if rate >= ruleset.on_track_from:
        return Status.ON_TRACK, latest.year
    if rate >= ruleset.slightly_behind_from:
        return Status.SLIGHTLY_BEHIND, latest.year
    return Status.BEHIND, latest.year


def compute_indicator(ind: Indicator, chosho: Chosho, ruleset: Ruleset) -> ComputedIndicator:
    rows = []
    for year in chosho.plan_years:
        target = ind.targets.get(year, EMPTY)
        actual = ind.actuals.get(year, EMPTY) if year < chosho.fiscal_year else None
        rows.append(YearRow(year, target, actual, achievement_rate(target, actual, ruleset, ind.direction)))
    final_year = chosho.plan_end
    final = ind.targets.get(final_year, EMPTY)
    status, status_year = progress_status(ind, rows, final, ruleset)
    return ComputedIndicator(ind, rows, final_year, final, status, status_year)


def is_new(project: Project, fiscal_year: int) -> bool:
    return project.start == fiscal_year


def ended_before(project: Project, fiscal_year: int) -> bool:
    """The project's period ended in Y-1 (「（R5終了）」)."""
    return project.end is not None and project.end == fiscal_year - 1


def period_label(project: Project, fiscal_year: int) -> str:
    """事業期間 as the seed prints it: 「R2-7」, 「(R6新規)R6-8」, 「（R5終了）R3-5」."""
    if project.start is None:
        return DASH
    base = fiscal.period_label(project.start, project.end)
    if is_new(project, fiscal_year):
        return f"({fiscal.label(fiscal_year)}新規){base}"
    if ended_before(project, fiscal_year):
        return f"（{fiscal.label(fiscal_year - 1)}終了）{base}"
    return base


def in_section4(project: Project, fiscal_year: int) -> bool:
    """Section 4 leaves out projects that ended in Y-1, those the prefecture has no
    discretion over, and those evaluated elsewhere (the form's own note), and projects
    listed only for reference (（参考）: the seed's 5-3 … 5-5 have no section 4 row)."""
    return not (
        project.reference
        or ended_before(project, fiscal_year)
        or project.no_discretion
        or bool(project.other_evaluation.strip())
    )


def budget_change(project: Project, fiscal_year: int) -> Decimal | None:
    """Y計画 事業費 ÷ Y-1実績 事業費 − 1; None when either is missing or Y-1 is 0."""
    prev = project.budgets.get(fiscal_year - 1)
    cur = project.budgets.get(fiscal_year)
    if not prev or not cur or prev.total in (None, 0) or cur.total is None:
        return None
    return Decimal(cur.total) / Decimal(prev.total) - 1


def compute_project_indicator(pi, fiscal_year: int, ruleset: Ruleset) -> ComputedProjectIndicator:
    rows = []
    for year in (fiscal_year - 2, fiscal_year - 1, fiscal_year):
        target = pi.targets.get(year, EMPTY)
        actual = pi.actuals.get(year, EMPTY) if year < fiscal_year else None
        rows.append(YearRow(year, target, actual, achievement_rate(target, actual, ruleset)))
    return ComputedProjectIndicator(pi, rows)


def typed_units(pi: ProjectIndicator) -> list[str]:
    """The units typed with a project indicator's values (「20件」 → 件), in column order."""
    values = [*pi.targets.values(), *pi.actuals.values()]
    return [q.unit for q in values if q.value is not None and q.unit]


def printed_unit(pi: ProjectIndicator) -> str:
    """The unit every value of a project indicator prints with in section 2, one for all
    of them whatever each cell's typing: its 単位 (or the unit typed, when 単位 is blank)
    if any value was typed with a unit, else none (the seed prints 「97%」 「90%以上」 for
    one indicator and 「0」 「80」 for others, never both ways in one)."""
    typed = typed_units(pi)
    return (pi.unit or typed[0]) if typed else ""


def propose_review(metrics: dict[str, Decimal | None], ruleset: Ruleset) -> str:
    """The first rule of the proposal table whose condition holds."""
    for rule in ruleset.proposals:
        if rule.matches(metrics):
            return rule.propose
    return Review.NONE


def review_conflicts(review: str, change: Decimal | None, ruleset: Ruleset) -> bool:
    """A typed 見直し区分 that goes against the budget's direction (拡充 with a falling
    budget, 縮小 with a rising one): worth a person's confirmation."""
    if change is None:
        return False
    return (review in ruleset.expands and change < 0) or (review in ruleset.shrinks and change > 0)


def compute_project(project: Project, fiscal_year: int, ruleset: Ruleset) -> ComputedProject:
    indicators = [compute_project_indicator(pi, fiscal_year, ruleset) for pi in project.indicators]
    rates = [
        row.rate.percent
        for ci in indicators
        for row in ci.years
        if row.year == fiscal_year - 1 and row.rate.percent is not None
    ]
    lowest = min(rates) if rates else None
    change = budget_change(project, fiscal_year)
    new = is_new(project, fiscal_year)
    review, proposed = project.review.strip(), False
    section4 = in_section4(project, fiscal_year)
    if new and not review:
        review = ruleset.new_review(fiscal_year)
    elif not review and section4:
        metrics = {
            "budget_change": change,
            "lowest_rate": Decimal(lowest) if lowest is not None else None,
        }
        review, proposed = propose_review(metrics, ruleset), True
    return ComputedProject(
        project=project,
        period_label=period_label(project, fiscal_year),
        is_new=new,
        ended=ended_before(project, fiscal_year),
        review=review,
        review_proposed=proposed,
        in_section4=section4,
        indicators=indicators,
        budget_change=change,
        lowest_rate=lowest,
    )


def parent_number(number: str) -> str | None:
    """「5-1」 → 「5」, 「5-1-2」 → 「5-1」; None for a project that is no sub-project."""
    return number.rsplit("-", 1)[0] if "-" in number else None


def counted_projects(projects: list[Project]) -> list[Project]:
    """The projects whose money totals count: a sub-project (5-1) is a breakdown of its
    parent's (5) figures, so it counts only when no ancestor of it is on the sheet."""
    numbers = {p.number for p in projects}

    def has_ancestor(number: str) -> bool:
        parent = parent_number(number)
        while parent is not None:
            if parent in numbers:
                return True
            parent = parent_number(parent)
        return False

    return [p for p in projects if not has_ancestor(p.number)]


def group_totals(chosho: Chosho, year: int) -> dict[int, int]:
    """事業費 of `year` per 事業群: the sum over its projects, parents once (sub-projects
    are inside their parent's figure; 人件費 not included); 0 for a 事業群 without any."""
    totals = {g.number: 0 for g in chosho.groups}
    for p in counted_projects(chosho.projects):
        budget = p.budgets.get(year)
        if budget and budget.total:
            totals[p.group] = totals.get(p.group, 0) + budget.total
    return totals


def group_project_counts(chosho: Chosho) -> dict[int, int]:
    """事業数 per 事業群: a parent and its sub-projects (5, 5-1 … 5-5) are one 事業."""
    counts = {g.number: 0 for g in chosho.groups}
    for p in counted_projects(chosho.projects):
        counts[p.group] = counts.get(p.group, 0) + 1
    return counts


def group_budgets(chosho: Chosho) -> dict[int, int]:
    """事業費 per 事業群 as the 調書's header prints it: the Y-1実績 total."""
    return group_totals(chosho, chosho.fiscal_year - 1)


def compute(chosho: Chosho, ruleset: Ruleset) -> Report:
    """The whole computed model of one 調書."""
    y = chosho.fiscal_year
    return Report(
        chosho=chosho,
        indicators=[compute_indicator(i, chosho, ruleset) for i in chosho.indicators],
        projects=[compute_project(p, y, ruleset) for p in chosho.projects],
        group_budgets=group_budgets(chosho),
    )
