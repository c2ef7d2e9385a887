"""Writing one value into a planned cell: quantities as numbers with their unit in the
number format, money as #,##0, 達成率 as live formulas, 「―」 as text."""

from __future__ import annotations

from chosho_xlsx.model.chosho import Rate
from chosho_xlsx.model.quantity import Quantity
from chosho_xlsx.model.ruleset import Ruleset
from chosho_xlsx.model.vocabulary import DASH, Direction
from chosho_xlsx.writers.layout import derived
from chosho_xlsx.writers.layout.context import ref
from chosho_xlsx.writers.layout.grid import SheetPlan


def quantity(plan: SheetPlan, r: int, c: int, q: Quantity | None, unit: str | None = None,
             style: str = "num", suffix: str = "", **kw) -> None:
    """A value with its unit: 24 shown 「24件」; none shown 「―」. `unit` None: the unit
    the value was typed with (as export prints it)."""
    if q is None or q.value is None:
        plan.text(r, c, DASH, "center", **kw)
        return
    u = q.unit if unit is None else unit
    fmt = derived.number_format(q.value, u, q.bound, suffix)
    plan.number(r, c, derived.quantity_number(q), fmt, q.text(unit) + suffix, style, **kw)


def money(plan: SheetPlan, r: int, c: int, amount: int | None, **kw) -> None:
    if amount is None:
        plan.text(r, c, DASH, "center", **kw)
    else:
        plan.number(r, c, amount, derived.MONEY_FORMAT, f"{amount:,}", **kw)


def rate(plan: SheetPlan, r: int, c: int, target: tuple[int, int], actual: tuple[int, int],
         value: Rate, target_q: Quantity, ruleset: Ruleset, direction: str = Direction.UP, **kw) -> None:
    formula = derived.rate_formula(ref(*target), ref(*actual), ruleset, bool(target_q.bound),
                                   direction)
    plan.formula(r, c, formula, derived.rate_value(value), derived.RATE_FORMAT, value.text,
                 "rate", **kw)
