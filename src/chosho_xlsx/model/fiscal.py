"""和暦 fiscal years: parsing what clerks type, printing what the form prints.

Internally a fiscal year is the western year it starts in (R6 = 2024)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from chosho_xlsx.common.text import folded, zenkaku_digits

# (era letter, era name, western year of era year 1), newest first.
ERAS: tuple[tuple[str, str, int], ...] = (
    ("R", "令和", 2019),
    ("H", "平成", 1989),
    ("S", "昭和", 1926),
)
_BY_LETTER = {letter: first for letter, _, first in ERAS}
_BY_NAME = {name: first for _, name, first in ERAS}

_YEAR_RE = re.compile(
    r"^(?:(?P<era>[RHS]|令和|平成|昭和)\s*(?P<n>\d{1,3}|元)|(?P<west>\d{4}))\s*(?:年度|年)?$"
)


class YearError(ValueError):
    """A text that is not a fiscal year: a parser's answer, made a finding at the cell
    (or the command line's own sentence for --year), so no common.errors.ChoshoError."""


class PeriodOrderError(YearError):
    """A period whose end year is before its start year (R7-R3)."""


def _norm(text: str) -> str:
    return folded(text).upper()


def parse_year(value: object) -> int | None:
    """A fiscal year from R6, R６, 令和6年度, 令和６年度, R元, H13, 2024; None for blank."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise YearError(str(value))
    if isinstance(value, int | float):
        if float(value).is_integer() and 1926 <= int(value) <= 2200:
            return int(value)
        raise YearError(str(value))
    text = _norm(str(value))
    if not text:
        return None
    m = _YEAR_RE.match(text)
    if not m:
        raise YearError(str(value))
    if m["west"]:
        year = int(m["west"])
        if not 1926 <= year <= 2200:
            raise YearError(str(value))
        return year
    era = m["era"]
    first = _BY_LETTER.get(era) or _BY_NAME[era]
    n = 1 if m["n"] == "元" else int(m["n"])
    if n < 1:
        raise YearError(str(value))
    return first + n - 1


def _era_of(year: int) -> tuple[str, str, int]:
    for letter, name, first in ERAS:
        if year >= first:
            return letter, name, year - first + 1
    raise YearError(str(year))


@lru_cache(maxsize=512, typed=True)
def label(year: int) -> str:
    """Short label as in the form's tables: 2024 → R6, 2019 → R元 (once per process for
    each year: the checks and the 調書 label the same few years hundreds of times)."""
    letter, _, n = _era_of(year)
    return f"{letter}{'元' if n == 1 else n}"


def full_label(year: int) -> str:
    """Title label with 全角 digits: 2024 → 令和６年度, 2019 → 令和元年度."""
    _, name, n = _era_of(year)
    num = "元" if n == 1 else zenkaku_digits(str(n))
    return f"{name}{num}年度"


def year_placeholders(year: int) -> dict[str, str]:
    """The year placeholders of the texts in form/ (the form's labels, the input
    book's guide), for 実施年度 `year` (R6): {year} R6, {year_zen} R６, {year_full}
    令和６年度; {prev} R5, {prev_full}, {prev2} R4; {next} R7, {next_full}."""
    return {
        "year": label(year),
        "year_zen": zenkaku_digits(label(year)),
        "year_full": full_label(year),
        "prev": label(year - 1),
        "prev_full": full_label(year - 1),
        "prev2": label(year - 2),
        "next": label(year + 1),
        "next_full": full_label(year + 1),
    }


@dataclass(frozen=True)
class Period:
    start: int
    end: int | None  # None: open-ended

    def __contains__(self, year: int) -> bool:
        return self.start <= year and (self.end is None or year <= self.end)

    def evaluable(self, year: int) -> bool:
        """Whether a 実施年度 fits this plan: one of its years or the year after it ends
        (the last evaluation looks back on the plan's final year)."""
        return self.end is not None and self.start <= year <= self.end + 1

    @property
    def years(self) -> list[int]:
        if self.end is None:
            raise ValueError("open-ended period has no list of years")
        return list(range(self.start, self.end + 1))


_PERIOD_RE = re.compile(r"^(?P<a>[^-~〜～]+?)\s*(?:[-~〜～]\s*(?P<b>[^-~〜～]*))?$")


def parse_period(value: object) -> Period:
    """R3-R7, R3-7, R3～R7, H13- (open-ended), R5 (one year)."""
    text = _norm(str(value or "")).replace("−", "-").replace("‐", "-").replace("－", "-")
    m = _PERIOD_RE.match(text)
    if not text or not m:
        raise YearError(str(value))
    start = parse_year(m["a"])
    if start is None:
        raise YearError(str(value))
    b = m["b"]
    if b is None:
        return Period(start, start)
    if not b.strip():
        return Period(start, None)
    b = b.strip()
    if b.isdigit() and len(b) <= 2:  # R3-7: the end year shares the start's era
        letter, _, _ = _era_of(start)
        b = f"{letter}{b}"
    end = parse_year(b)
    if end is None:
        raise YearError(str(value))
    if end < start:
        raise PeriodOrderError(str(value))
    return Period(start, end)


def period_label(start: int, end: int | None) -> str:
    """事業期間 as printed: R2-7, H13-, R5, H30-R4."""
    a = label(start)
    if end is None:
        return f"{a}-"
    if end == start:
        return a
    b = label(end)
    if b[0] == a[0]:
        b = b[1:]
    return f"{a}-{b}"


def header_year(text: str) -> tuple[int, str] | None:
    """Split a year-labelled header such as 「R5実績」 into (2023, "実績")."""
    m = re.match(r"^((?:[RHS]|令和|平成)(?:\d{1,2}|元))(.+)$", _norm(text))
    if not m:
        return None
    try:
        year = parse_year(m[1])
    except YearError:
        return None
    return (year, m[2]) if year is not None else None
