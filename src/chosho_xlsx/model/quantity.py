"""Numbers as clerks type them: 全角 digits, 「，」, 「％」, units, bounds, 「―」.

Arithmetic is exact (Decimal); the text a value prints as is rebuilt from its parts so
that 「3845件」 and 「３，８４５件」 both print 「3,845件」."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from chosho_xlsx.common.text import folded, is_blank
from chosho_xlsx.model.vocabulary import DASH, NO_VALUE

BOUNDS = ("以上", "以下")

_NUM_RE = re.compile(
    r"^(?P<num>[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)\s*(?P<unit>[^\d\s,.].*?)??\s*"
    rf"(?P<bound>{'|'.join(BOUNDS)})?$"
)


class QuantityError(ValueError):
    """Not a number (with optional unit and bound). The parsers make it a finding at the
    cell; it never reaches the command line, so it is no common.errors.ChoshoError."""


@dataclass(frozen=True)
class Quantity:
    """A number with its unit and an optional bound, or no value at all."""

    value: Decimal | None
    unit: str = ""
    bound: str = ""  # "以上", "以下" or ""

    @property
    def empty(self) -> bool:
        return self.value is None

    def text(self, unit: str | None = None) -> str:
        """As printed on the form: 「3,845件」, 「65.6%」, 「90%以上」, 「―」."""
        if self.value is None:
            return DASH
        u = self.unit if unit is None else unit
        return f"{format_decimal(self.value)}{u}{self.bound}"


EMPTY = Quantity(None)


def format_decimal(d: Decimal) -> str:
    """Thousands separators, the decimals as typed, never exponent notation."""
    if d == d.to_integral_value():
        return f"{int(d):,}"
    return f"{d:,f}"


def normalize(raw: str) -> str:
    text = folded(raw)
    # NFKC keeps these as they are; clerks type them as separators and signs.
    return text.replace("、", ",").replace("−", "-")


def parse_quantity(raw: object) -> Quantity:
    """Parse one cell. Blank and 「―」 give EMPTY; anything else not a number raises."""
    kind = type(raw)
    if kind is int:  # the common cases first, by exact type (bool is no int here)
        return Quantity(Decimal(raw))
    if kind is str and raw and not raw.isspace():
        return _parse_short(raw) if len(raw) <= _SHORT else _parse_text(raw)
    if isinstance(raw, Quantity):  # already read (a number with its number format)
        return raw
    if is_blank(raw):
        return EMPTY
    if isinstance(raw, bool):
        raise QuantityError(str(raw))
    if isinstance(raw, int):
        return Quantity(Decimal(raw))
    if isinstance(raw, float):
        if raw != raw or raw in (float("inf"), float("-inf")):
            raise QuantityError(str(raw))
        # repr gives the shortest text that round-trips: 65.6, not 65.59999…
        return Quantity(Decimal(repr(raw)).normalize() if not raw.is_integer() else Decimal(int(raw)))
    return _parse_text(str(raw))


# A typed number (「3,845件」, 「90%以上」, 「―」) is short and recurs across the inputs of a
# batch; its Quantity is immutable, so one parse serves every cell that holds it.
_SHORT = 32


@lru_cache(maxsize=8192)
def _parse_short(text: str) -> Quantity:
    return _parse_text(text)


def _parse_text(text: str) -> Quantity:
    if text.strip() in NO_VALUE:
        return EMPTY
    norm = normalize(text)
    if norm in NO_VALUE:
        return EMPTY
    m = _NUM_RE.match(norm)
    if not m:
        raise QuantityError(text)
    try:
        value = Decimal(m["num"].replace(",", ""))
    except InvalidOperation as exc:  # pragma: no cover - the regex admits only digits
        raise QuantityError(text) from exc
    unit = (m["unit"] or "").strip()
    return Quantity(value, unit, m["bound"] or "")


def parse_money(raw: object) -> int | None:
    """千円 amounts: whole, not negative. None for blank or 「―」."""
    q = parse_quantity(raw)
    if q.value is None:
        return None
    if q.unit not in ("", "千円") or q.bound:
        raise QuantityError(str(raw))
    if q.value != q.value.to_integral_value() or q.value < 0:
        raise QuantityError(str(raw))
    return int(q.value)


def units_agree(found: str, expected: str) -> bool:
    """A value's unit agrees with its indicator's 単位 when it is absent or the same."""
    if not found:
        return True
    return _unit_key(found) == _unit_key(expected)


@lru_cache(maxsize=1024)
def _unit_key(unit: str) -> str:
    """normalize of a unit (「件」, 「％」, 「千円」): a few, on every value of every indicator."""
    return normalize(unit)
