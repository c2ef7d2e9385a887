"""The ruleset: what the planning division may change in schemas/rules.yaml (rounding,
thresholds, the allowed 見直し区分, the proposals, the limits), read and checked once at
start-up into a `Ruleset` the rules engine, the contract and the writers are given.
(Django's settings are portal/settings.py, a different thing.)"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_HALF_UP, Decimal
from pathlib import Path

from chosho_xlsx.common.errors import DomainError
from chosho_xlsx.common.limits import Limits
from chosho_xlsx.common.resources import read_yaml_mapping, schema_file
from chosho_xlsx.common.sentences import text
from chosho_xlsx.common.text import EXCEL_TEXT_MAX
from chosho_xlsx.model import fiscal
from chosho_xlsx.model.vocabulary import Review

ROUNDINGS = {"down": ROUND_DOWN, "half_up": ROUND_HALF_UP, "up": ROUND_CEILING}
OPS = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt, "==": operator.eq}
METRICS = ("budget_change", "lowest_rate")


class RulesetError(DomainError, ValueError):
    """The rules file is missing or malformed."""

    def message(self, lang: str = "ja") -> str:
        return text("settings.unreadable", lang, error=self)


@dataclass(frozen=True)
class Proposal:
    propose: str
    metric: str | None = None
    op: str = ">="
    value: Decimal = Decimal(0)

    def matches(self, metrics: dict[str, Decimal | None]) -> bool:
        if self.metric is None:
            return True
        found = metrics.get(self.metric)
        return found is not None and OPS[self.op](found, self.value)


@dataclass(frozen=True)
class Ruleset:
    rounding: str = ROUND_DOWN
    bound_cap: int = 100
    decreasing: str = "target_over_actual"
    on_track_from: int = 100
    slightly_behind_from: int = 80
    allowed_reviews: tuple[str, ...] = tuple(Review)
    new_label: str = "{year}新規"
    proposals: tuple[Proposal, ...] = ()
    expands: tuple[str, ...] = (Review.EXPAND,)
    shrinks: tuple[str, ...] = (Review.SHRINK, Review.ABOLISH)
    limits: Limits = Limits()
    source: str = ""

    def new_review(self, fiscal_year: int) -> str:
        """The 見直し区分 the engine gives a project that starts in `fiscal_year`: 「R6新規」."""
        return self.new_label.format(year=fiscal.label(fiscal_year))


def _get(d: dict, key: str, kind: type, default):
    value = d.get(key, default)
    if not isinstance(value, kind):
        name = getattr(kind, "__name__", None) or " or ".join(k.__name__ for k in kind)
        raise RulesetError(f"{key}: expected {name}, got {value!r}")
    return value


def _positive(d: dict, key: str, kind: type, default, at_most=None):
    try:
        value = _get(d, key, kind, default)
    except RulesetError as exc:
        raise RulesetError(f"limits.{exc}") from None
    if isinstance(value, bool) or value <= 0 or (at_most is not None and value > at_most):
        bound = f" and at most {at_most:,}" if at_most is not None else ""
        raise RulesetError(f"limits.{key}: a number above 0{bound}, got {value!r}")
    return value


def _limits(raw: dict) -> Limits:
    d = _get(raw, "limits", dict, {})
    default = Limits()
    return Limits(
        rows_per_sheet=_positive(d, "rows_per_sheet", int, default.rows_per_sheet),
        cells_per_sheet=_positive(d, "cells_per_sheet", int, default.cells_per_sheet),
        text_length=_positive(d, "text_length", int, default.text_length, EXCEL_TEXT_MAX),
        seconds_per_file=float(_positive(d, "seconds_per_file", (int, float), default.seconds_per_file)),
    )


def load_ruleset(path: str | Path | None = None) -> Ruleset:
    path = Path(path) if path else schema_file("rules.yaml")
    raw = read_yaml_mapping(path, RulesetError)
    try:
        rate = _get(raw, "rate", dict, {})
        status = _get(raw, "status", dict, {})
        review = _get(raw, "review", dict, {})
        rounding = _get(rate, "rounding", str, "down")
        if rounding not in ROUNDINGS:
            raise RulesetError(f"rate.rounding: one of {sorted(ROUNDINGS)}, got {rounding!r}")
        decreasing = _get(rate, "decreasing", str, "target_over_actual")
        if decreasing not in ("target_over_actual", "actual_over_target"):
            raise RulesetError(f"rate.decreasing: unknown {decreasing!r}")
        proposals = []
        for i, p in enumerate(_get(review, "proposals", list, [])):
            if not isinstance(p, dict) or "propose" not in p:
                raise RulesetError(f"review.proposals[{i}]: needs 'propose'")
            metric = p.get("metric")
            if metric is not None and metric not in METRICS:
                raise RulesetError(f"review.proposals[{i}].metric: one of {METRICS}")
            op = str(p.get("op", ">="))
            if op not in OPS:
                raise RulesetError(f"review.proposals[{i}].op: one of {sorted(OPS)}")
            proposals.append(
                Proposal(str(p["propose"]), metric, op, Decimal(str(p.get("value", 0))))
            )
        return Ruleset(
            rounding=ROUNDINGS[rounding],
            bound_cap=int(_get(rate, "bound_cap", int, 100)),
            decreasing=decreasing,
            on_track_from=int(_get(status, "on_track_from", int, 100)),
            slightly_behind_from=int(_get(status, "slightly_behind_from", int, 80)),
            allowed_reviews=tuple(str(v) for v in _get(review, "allowed", list, [])),
            new_label=str(_get(review, "new_label", str, Ruleset.new_label)),
            proposals=tuple(proposals),
            expands=tuple(str(v) for v in _get(review, "expands", list, list(Ruleset.expands))),
            shrinks=tuple(str(v) for v in _get(review, "shrinks", list, list(Ruleset.shrinks))),
            limits=_limits(raw),
            source=str(path),
        )
    except RulesetError as exc:
        raise RulesetError(f"{path}: {exc}") from None
