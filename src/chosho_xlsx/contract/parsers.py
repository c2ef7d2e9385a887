"""One converter per column type of the contract: a raw cell value in, a typed value out,
or a CellError naming the finding code. Department text is never changed here."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from functools import lru_cache

from chosho_xlsx.common.text import EXCEL_TEXT_MAX, excel_length, folded, is_blank, squeezed
from chosho_xlsx.model import fiscal
from chosho_xlsx.model.chosho import GROUP_MARKS, ITEM_MARKS
from chosho_xlsx.model.quantity import Quantity, QuantityError, parse_money, parse_quantity
from chosho_xlsx.model.vocabulary import DASH, REVIEW_DASHES


class CellError(ValueError):
    """A value breaks its column's rule; `code` names the finding the loader makes of it
    at that cell. It never leaves the contract stage, so it is no common.errors.ChoshoError."""

    def __init__(self, code: str, **params: object):
        super().__init__(code)
        self.code = code
        self.params = params


# What calamine gives for a cell Excel shows as a date or time: 「3-1」 typed into a
# General cell becomes 2024-03-01. No column of the contract holds one.
DATE_TYPES = (dt.date, dt.datetime, dt.time, dt.timedelta)


# Compiled when the module is imported, not at a worker's first file (re's cache): the
# workers of validate and build inherit them from their keeper, which imports the check
# stack before it forks them (cli.checking.CHECK_MODULES, batch.keeper.BUILD_MODULES).
_SIGNED = re.compile(r"[+-]?\d+")
_LIST_SEPARATORS = re.compile(r"[,，、・\s/]+")
_PARENTHESES = re.compile(r"^[(（]|[)）]$")
_PROJECT_NUMBER = re.compile(r"\d+(?:-\d+)*")


def shown(raw: object) -> str:
    """A raw value as a person would read it in the cell. Dates and times as Excel
    shows them by default (2024/3/1, 2024/3/1 9:30, 9:30), not in ISO form."""
    if raw is None:
        return ""
    if isinstance(raw, Quantity):  # a number read with its number format: 「48.5%」
        return raw.text()
    if isinstance(raw, dt.datetime):
        day = f"{raw.year}/{raw.month}/{raw.day}"
        return day if raw.time() == dt.time() else f"{day} {_clock(raw.time())}"
    if isinstance(raw, dt.date):
        return f"{raw.year}/{raw.month}/{raw.day}"
    if isinstance(raw, dt.time):
        return _clock(raw)
    if isinstance(raw, dt.timedelta):  # a duration: [h]:mm:ss
        minutes, seconds = divmod(int(raw.total_seconds()), 60)
        return f"{minutes // 60}:{minutes % 60:02d}:{seconds:02d}"
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return str(raw)


def name_key(value: object) -> str:
    """A header or sheet name as compared with the contract's: NFKC (full-width letters,
    compatibility ideographs) and without any space (「R5 実績」, 「指標 」)."""
    if type(value) is str and len(value) <= _NAME_CACHED:
        return _name_key(value)
    return squeezed(shown(value))


# Headers and item names are short and the same in every workbook of a batch: their keys
# are remembered (a long text, which no name is, is not).
_NAME_CACHED = 64


@lru_cache(maxsize=4096)
def _name_key(text: str) -> str:
    return squeezed(text)


def _clock(t: dt.time) -> str:
    return f"{t.hour}:{t.minute:02d}" + (f":{t.second:02d}" if t.second else "")


def preview(text: str, length: int = 100) -> str:
    """The start of a long text, for a finding's value: a whole page pasted into a cell
    would flood the table of findings (and the 一覧's reason column)."""
    return text if len(text) <= length else text[:length] + "…"


def to_text(raw: object, limit: int = EXCEL_TEXT_MAX) -> str | None:
    """The text of a cell; longer than `limit` (Excel's units) is an error at the cell,
    never a text cut short in the 調書 (XlsxWriter truncates silently)."""
    if type(raw) is str:  # most cells: no conversion to show
        if not raw or raw.isspace():
            return None
        text = raw
    elif is_blank(raw):
        return None
    else:
        text = shown(raw)
    # at most 2 code units a character: most texts need no counting at all
    if len(text) * 2 > limit and (length := excel_length(text)) > limit:
        raise CellError("E-TEXT-TOO-LONG", length=f"{length:,}", limit=f"{limit:,}")
    return text


def to_int(raw: object) -> int | None:
    if is_blank(raw):
        return None
    if isinstance(raw, bool):
        raise CellError("E-NOT-INT")
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float):
        if raw.is_integer():
            return int(raw)
        raise CellError("E-NOT-INT")
    text = folded(str(raw))
    if text in GROUP_MARKS:
        return GROUP_MARKS.index(text) + 1
    if _SIGNED.fullmatch(text):
        return int(text)
    raise CellError("E-NOT-INT")


def to_year(raw: object) -> int | None:
    try:
        return fiscal.parse_year(raw)
    except fiscal.YearError:
        raise CellError("E-NOT-YEAR") from None


def to_period(raw: object) -> fiscal.Period | None:
    if is_blank(raw):
        return None
    try:
        return fiscal.parse_period(raw)
    except fiscal.YearError:
        raise CellError("E-NOT-PERIOD") from None


# Numbers outside this range are slips, not values (Excel itself keeps 15 digits), and
# they would overflow the exact arithmetic of the rates (28 significant digits).
MAX_NUMBER = Decimal(10) ** 15
MIN_NUMBER = Decimal(10) ** -6  # the smallest non-zero magnitude


def _plausible(value: Decimal | int | None) -> bool:
    return value is None or value == 0 or MIN_NUMBER <= abs(value) < MAX_NUMBER


def _number(raw: object, parse, code: str):
    """A number parsed by `parse` (with its own notion of unit), refused with `code` when
    it is unparsable, or implausibly large or small."""
    try:
        parsed = parse(raw)
    except QuantityError:
        raise CellError(code) from None
    if not _plausible(getattr(parsed, "value", parsed)):
        raise CellError(code)
    return parsed


def to_quantity(raw: object):
    return _number(raw, parse_quantity, "E-NOT-NUMBER")


def to_money(raw: object) -> int | None:
    return _number(raw, parse_money, "E-MONEY")


def to_mark(raw: object, marks: tuple[str, ...]) -> bool:
    if is_blank(raw):
        return False
    if str(raw).strip() in marks:
        return True
    raise CellError("E-MARK")


def to_enum(raw: object, values: tuple[str, ...]) -> str | None:
    if is_blank(raw):
        return None
    found = _folded_choices(values).get(folded(str(raw)))
    if found is None:
        raise CellError("E-ENUM", allowed="、".join(values))
    return found


@lru_cache(maxsize=256)
def _folded_choices(values: tuple[str, ...]) -> dict[str, str]:
    """Each allowed value by its folded form (the first of two that fold alike)."""
    out: dict[str, str] = {}
    for v in values:
        out.setdefault(folded(v), v)
    return out


def _numbered_list(raw: object, marks: str, limit: int) -> list[int] | None:
    """「1,2,3」, 「ⅰ,ⅱ,ⅲ」, 「ⅰⅱⅲ」, 「②④⑧」, 「2、4、8」 → [1, 2, 3]."""
    if is_blank(raw):
        return None
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        if float(raw).is_integer():
            return [int(raw)]
        raise CellError("bad")
    text = str(raw).strip()
    out: list[int] = []
    for part in _LIST_SEPARATORS.split(text):
        if not part:
            continue
        if all(ch in marks for ch in part):
            out.extend(marks.index(ch) + 1 for ch in part)
            continue
        # (parts hold no space: folding only strips what NFKC makes of a spacing accent)
        norm = _PARENTHESES.sub("", folded(part))
        if norm.isdigit():
            out.append(int(norm))
            continue
        # NFKC turns ⅰ into i and ② into 2: accept what was meant.
        raise CellError("bad")
    if not out or any(n < 1 or n > limit for n in out):
        raise CellError("bad")
    return out


def to_items(raw: object) -> list[int] | None:
    try:
        return _numbered_list(raw, ITEM_MARKS, len(ITEM_MARKS))
    except CellError:
        raise CellError("E-ITEMS") from None


def to_viewpoints(raw: object) -> list[int] | None:
    try:
        return _numbered_list(raw, GROUP_MARKS[:10], 10)
    except CellError:
        raise CellError("E-VIEWPOINT") from None


def to_project(raw: object) -> str | None:
    if is_blank(raw):
        return None
    text = folded(shown(raw)).replace("ー", "-").replace("－", "-")
    if _PROJECT_NUMBER.fullmatch(text):
        return text
    raise CellError("E-PROJECT-NUMBER")


def to_review(raw: object, allowed: tuple[str, ...]) -> str | None:
    if is_blank(raw):
        return None
    text = str(raw).strip()
    if text in REVIEW_DASHES:
        text = DASH
    if text in allowed:
        return text
    raise CellError("E-REVIEW", allowed="、".join(allowed))
