"""Excel number formats that change what a number means to the clerk who sees it.

A clerk who types 「48.5%」 gets 0.485 in a percent-formatted cell; 67,313,000 in a cell
formatted `#,##0,` shows 「67,313」; 24 formatted `#,##0"件"` shows 「24件」. calamine
gives the bare value, so the cell scan (scan.scan_cells) records the format of every
number whose format does one of these, and `seen` turns value and format into the
Quantity the clerk reads. Formats that only round, group digits or colour a number
(`0.0`, `#,##0`, `[Red]0`) leave it as it is; date formats come from calamine as dates."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from chosho_xlsx.model.quantity import Quantity, QuantityError, parse_quantity

# Currency symbols shown by a format, as the unit a clerk reads them as.
CURRENCY_UNITS = {"¥": "円", "￥": "円", "\\": "円", "$": "$", "€": "€", "£": "£"}

# Built-in number formats (ECMA-376 18.8.30) that change the meaning; Japanese Excel
# shows 5-8, 42 and 44 with ¥. The others are General, plain digits, dates or text.
BUILTIN = {
    9: "0%",
    10: "0.00%",
    5: '"¥"#,##0;"¥"\\-#,##0',
    6: '"¥"#,##0;[Red]"¥"\\-#,##0',
    7: '"¥"#,##0.00;"¥"\\-#,##0.00',
    8: '"¥"#,##0.00;[Red]"¥"\\-#,##0.00',
    42: '_ "¥"* #,##0_ ;_ "¥"* \\-#,##0_ ;_ "¥"* "-"_ ;_ @_ ',
    44: '_ "¥"* #,##0.00_ ;_ "¥"* \\-#,##0.00_ ;_ "¥"* "-"??_ ;_ @_ ',
}

_SIGNS = frozenset(" ()+-/:")
_DATE_CODES = re.compile(r"[yYmMdDhHsSeEgG]")  # outside quotes: a date or time format
_TOKEN = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]|_.|\*.|[0#?]|[.,%]|E[+-]|.', re.S)


@dataclass(frozen=True)
class NumberFormat:
    """What a format does to a number: ×100 per 「%」, ÷1000 per scaling comma, and the
    text it shows before and after the digits (「¥」, 「件」, 「%」)."""

    percent: int = 0
    scale: int = 0
    prefix: str = ""
    suffix: str = ""

    @property
    def unit(self) -> str:
        return (self.prefix + self.suffix).strip()


def _first_section(code: str) -> str:
    """The section for positive numbers: up to the first 「;」 outside quotes."""
    depth_quote = False
    for i, ch in enumerate(code):
        if ch == '"':
            depth_quote = not depth_quote
        elif ch == ";" and not depth_quote:
            return code[:i]
    return code


def classify(code: str) -> NumberFormat | None:
    """The meaning of a format code, or None when it leaves a number as it is (and for
    General, text and date formats)."""
    section = _first_section(code)
    if section.strip().lower() in ("", "general", "@"):
        return None
    tokens = _TOKEN.findall(section)
    literal_free = "".join(t for t in tokens if not t.startswith(('"', "\\", "[", "_", "*")))
    if _DATE_CODES.search(literal_free.replace("E+", "").replace("E-", "")):
        return None  # a date or time: calamine gives a date, refused at the cell
    percent = scale = 0
    prefix: list[str] = []
    suffix: list[str] = []
    seen_digit = False
    after_digits = False  # a comma right after the last digit placeholder scales
    pending_commas = 0
    for t in tokens:
        if t in ("0", "#", "?"):
            seen_digit = True
            pending_commas = 0  # a comma between digits groups thousands
            continue
        if t == ",":
            if seen_digit:
                pending_commas += 1
            continue
        if t == ".":
            continue
        if seen_digit and pending_commas and not after_digits:
            scale += pending_commas
            pending_commas = 0
        if t == "%":
            percent += 1
            text = "%"
        elif t.startswith('"'):
            text = t[1:-1]
        elif t.startswith("\\"):
            text = t[1:]
        elif t.startswith("[$"):
            text = t[2:-1].split("-")[0]  # [$¥-411]: the symbol before the locale
        elif t.startswith(("[", "_", "*")) or t.startswith("E"):
            continue  # colour/condition, padding, fill, exponent
        elif t in _SIGNS:
            continue  # 「(」「-」「 」 around a number are not a unit
        else:
            text = t
        text = CURRENCY_UNITS.get(text, text)
        (suffix if seen_digit else prefix).append(text)
        if seen_digit:
            after_digits = True
    if seen_digit and pending_commas and not after_digits:
        scale += pending_commas
    fmt = NumberFormat(percent, scale, "".join(prefix).strip(), "".join(suffix).strip())
    return fmt if (fmt.percent or fmt.scale or fmt.unit) else None


def seen(value: int | float, fmt: NumberFormat) -> Quantity:
    """The number a clerk reads in the cell: 0.485 in `0.0%` → 48.5 (%), 67313000 in
    `#,##0,` → 67313, 24 in `#,##0"件"` → 24 (件). The value's full precision is kept
    (a format that rounds only hides digits)."""
    base = parse_quantity(value)  # exact decimal of the stored double
    if base.value is None:
        raise QuantityError(str(value))
    number = base.value * Decimal(100) ** fmt.percent / Decimal(1000) ** fmt.scale
    number = number.normalize() if number != number.to_integral_value() else Decimal(int(number))
    return Quantity(number, fmt.unit)
