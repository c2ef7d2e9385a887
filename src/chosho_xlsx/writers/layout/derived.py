"""The derived cells as live formulas over the cells they come from, and the number
formats that keep values numeric with their unit.

Every formula here mirrors one rule of rules/engine.py (the single source of the values): the
writer stores the engine's result as each formula's cached value, and a spreadsheet that
recalculates must arrive at the same value. Rates are whole percents: the formula
computes the percent, rounds it as settings.rounding says, caps it for bound targets
(「90%以上」), and divides by 100 last, so the cell holds exactly percent/100."""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_HALF_UP, Decimal
from functools import lru_cache

from chosho_xlsx.model.chosho import Rate
from chosho_xlsx.model.quantity import Quantity
from chosho_xlsx.model.ruleset import Ruleset
from chosho_xlsx.model.vocabulary import DASH, Direction, Status

RATE_FORMAT = "0%"
MONEY_FORMAT = "#,##0"

# Decimal rounding of the engine → the spreadsheet function that rounds the same way
# (for the positive ratios a 達成率 is).
ROUND_FUNCTIONS = {ROUND_DOWN: "ROUNDDOWN", ROUND_HALF_UP: "ROUND", ROUND_CEILING: "ROUNDUP"}


def literal(text: str) -> str:
    """Text as a literal inside a number format: 件 → "件"."""
    if not text:
        return ""
    return '\\"'.join(f'"{part}"' if part else "" for part in text.split('"'))


def decimals(value: Decimal) -> int:
    """Decimal places as typed (65.6 → 1); whole numbers print none (Quantity.text)."""
    if value == value.to_integral_value():
        return 0
    return max(0, -int(value.as_tuple().exponent))


def number_format(value: Decimal, unit: str = "", bound: str = "", suffix: str = "",
                  prefix: str = "") -> str:
    return _number_format(decimals(value), unit + bound + suffix, prefix)


@lru_cache(maxsize=4096)  # ~500 a 調書, a few dozen distinct (units, places): bounded
def _number_format(places: int, after: str, prefix: str) -> str:
    core = "#,##0" + ("." + "0" * places if places else "")
    return f"{literal(prefix)}{core}{literal(after)}"


def quantity_number(q: Quantity) -> float | int:
    if q.value is None:  # callers write a number only for a quantity that has one
        raise ValueError("a quantity without a value has no number")
    v = q.value
    return int(v) if v == v.to_integral_value() and abs(v) < 2**53 else float(v)


def rate_value(rate: Rate) -> float | str:
    """A 達成率 as the cell holds it: 1.2 for 120%, 「―」 for none."""
    return DASH if rate.percent is None else rate.percent / 100


def _num(d: Decimal | int | float) -> str:
    """A constant in a formula: 100 → 100, 0.8 → 0.8."""
    text = format(Decimal(str(d)).normalize(), "f")
    return text


def rate_formula(target: str, actual: str, ruleset: Ruleset, bound: bool = False,
                 direction: str = Direction.UP) -> str:
    """達成率 of one year: 実績 ÷ 目標 (減少: 目標 ÷ 実績), a whole percent, 「―」 when a
    value is missing or the divisor is 0 (rules.achievement_rate)."""
    decreasing = direction == Direction.DOWN and ruleset.decreasing == "target_over_actual"
    num, den = (target, actual) if decreasing else (actual, target)
    fn = ROUND_FUNCTIONS[ruleset.rounding]
    # ROUND(…, 6) first: binary floating point gives 28.999999999999996 for 0.29×100.
    percent = f"{fn}(ROUND({num}/{den}*100,6),0)"
    if bound:
        percent = f"MIN({percent},{ruleset.bound_cap})"
    return (
        f'=IF(AND(ISNUMBER({target}),ISNUMBER({actual}),{den}<>0),'
        f'{percent}/100,"{DASH}")'
    )


def status_formula(years: list[tuple[str, str]], final: str, ruleset: Ruleset,
                   direction: str = Direction.UP) -> str:
    """進捗状況 (rules.progress_status): judged on the latest year whose 実績 is a
    number; 達成 when it reaches the final target, else by that year's 達成率.
    `years` are (実績 cell, 達成率 cell) in year order."""
    cmp = "<=" if direction == Direction.DOWN else ">="
    on_track = _num(Decimal(ruleset.on_track_from) / 100)
    behind = _num(Decimal(ruleset.slightly_behind_from) / 100)
    result = f'"{Status.NONE}"'
    for actual, rate in years:
        judge = (
            f'IF(AND(ISNUMBER({final}),ISNUMBER({actual}),{actual}{cmp}{final}),"{Status.ACHIEVED}",'
            f'IF(ISNUMBER({rate}),IF({rate}>={on_track},"{Status.ON_TRACK}",'
            f'IF({rate}>={behind},"{Status.SLIGHTLY_BEHIND}","{Status.BEHIND}")),"{Status.NONE}"))'
        )
        result = f"IF(ISNUMBER({actual}),{judge},{result})"
    return "=" + result


def final_formula(target: str, year_label: str) -> str:
    """最終目標（年度）: the last plan year's target; its unit and year are in the
    number format, so the cell stays a number."""
    return f'=IF(ISNUMBER({target}),{target},"{DASH} ({year_label})")'


def sum_formula(refs: list[str]) -> str:
    """=SUM of cells; SUM takes at most 255 arguments, so long lists nest."""
    if not refs:
        return "=0"
    chunks = [refs[i : i + 200] for i in range(0, len(refs), 200)]
    parts = ["SUM(" + ",".join(chunk) + ")" for chunk in chunks]
    return "=" + (parts[0] if len(parts) == 1 else "SUM(" + ",".join(parts) + ")")
