"""The input contract (schemas/input.yaml), expanded for one 実施年度 and 計画期間.

Year-labelled headers (「R5実績」, 「R6事業費」) are written for the year asked for and
mapped back by the reader; nothing here knows about R6."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from chosho_xlsx.common.resources import load_yaml, schema_file
from chosho_xlsx.model import fiscal

KEYVALUE = "keyvalue"


@dataclass(frozen=True)
class Column:
    header: str
    field: str
    type: str
    required: bool = False
    required_unless: str | None = None  # not required in rows where this mark column is ○
    unique: bool = False
    ref: str | None = None
    values: tuple[str, ...] = ()
    default: str | None = None
    min: int | None = None
    max: int | None = None
    width: float = 12
    wrap: bool = False
    year: int | None = None  # year-labelled columns: the fiscal year
    family: str | None = None  # and the family (目標, 実績, 事業費 …)
    help: dict[str, str] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class Sheet:
    name: str
    kind: str  # "table" or KEYVALUE
    columns: tuple[Column, ...]
    key: str | None = None
    help: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]

    def column(self, header: str) -> Column:
        for c in self.columns:
            if c.header == header:
                return c
        raise KeyError(header)


@cache
def raw_contract() -> dict:
    return load_yaml(schema_file("input.yaml").read_text(encoding="utf-8"))


def marks() -> tuple[str, ...]:
    return tuple(raw_contract()["marks"])


def year_set(kind: str, fiscal_year: int, plan_start: int, plan_end: int) -> list[int]:
    plan = list(range(plan_start, plan_end + 1))
    return {
        "plan": plan,
        "plan_actual": [y for y in plan if y < fiscal_year],
        "project": [fiscal_year - 2, fiscal_year - 1, fiscal_year],
        "project_actual": [fiscal_year - 2, fiscal_year - 1],
    }[kind]


def _help(raw: dict, **params: str) -> dict[str, str]:
    return {lang: text.format(**params) for lang, text in (raw or {}).items()}


def _families(spec: dict) -> list[tuple[str, str, str]]:
    """A year-family entry's (family, years, field) triples; an entry of `families` may
    give its own years and field, else the entry's."""
    if "families" in spec:
        return [(f["family"], f.get("years", spec.get("years")), f.get("field", spec.get("field")))
                for f in spec["families"]]
    fam = spec["family"]
    return [(f, spec["years"], spec["field"]) for f in (fam if isinstance(fam, list) else [fam])]


def year_header(year: int, family: str) -> str:
    """「R5実績」: the header of a year family's column for one year."""
    return f"{fiscal.label(year)}{family}"


def _expand(spec: dict, order: str, fy: int, start: int, end: int) -> list[Column]:
    """A year family as its year-labelled columns, in the sheet's order."""
    per_family = [
        (family, year, name)
        for family, kind, name in _families(spec)
        for year in year_set(kind, fy, start, end)
    ]
    if order == "by_year":
        per_family.sort(key=lambda fy_: fy_[1])  # stable: keeps family order within a year
    return [
        Column(
            header=year_header(year, family),
            field=name,
            type=spec["type"],
            width=spec.get("width", 10),
            year=year,
            family=family,
            help=_help(spec.get("help"), year=fiscal.label(year), family=family),
        )
        for family, year, name in per_family
    ]


@cache
def year_headers(fiscal_year: int, plan_start: int, plan_end: int) -> frozenset[str]:
    """The headers of the table sheets' year-labelled columns (R5実績, R6事業費 …) for this
    実施年度 and 計画期間, as sheets() heads them, without building the sheets: the
    loader tries every year of the plan to find the one a workbook was made for, and
    sheets() of each (its Columns and their help texts) cost ~3 M instructions a year."""
    return frozenset(
        year_header(year, family)
        for s in raw_contract()["sheets"]
        if s.get("kind") != KEYVALUE
        for spec in s.get("columns") or ()
        if "family" in spec or "families" in spec
        for family, kind, _name in _families(spec)
        for year in year_set(kind, fiscal_year, plan_start, plan_end)
    )


def sheets(fiscal_year: int, plan_start: int, plan_end: int) -> list[Sheet]:
    """Every input sheet with its columns for this 実施年度 and 計画期間."""
    return list(_sheets(fiscal_year, plan_start, plan_end))


@cache
def _sheets(fiscal_year: int, plan_start: int, plan_end: int) -> tuple[Sheet, ...]:
    out = []
    for s in raw_contract()["sheets"]:
        if s.get("kind") == KEYVALUE:
            cols = tuple(
                Column(header=h, field=h, type="text", width=w)
                for h, w in zip(s["columns"], (14, 60), strict=True)
            )
            out.append(Sheet(s["name"], KEYVALUE, cols, help=_help(s.get("help"))))
            continue
        cols = _columns(s, "columns", fiscal_year, plan_start, plan_end)
        out.append(Sheet(s["name"], "table", tuple(cols), key=s.get("key"), help=_help(s.get("help"))))
    return tuple(out)


def _columns(s: dict, part: str, fiscal_year: int, plan_start: int, plan_end: int) -> list[Column]:
    """The columns of a sheet's `columns` (or `optional`) list, year families expanded."""
    params = {
        "year_y": fiscal.label(fiscal_year),
        "year_next": fiscal.label(fiscal_year + 1),
    }
    cols: list[Column] = []
    for spec in s.get(part) or ():
        if "family" in spec or "families" in spec:
            cols.extend(_expand(spec, s.get("order", "by_family"), fiscal_year, plan_start, plan_end))
            continue
        cols.append(
            Column(
                header=spec["name"],
                field=spec["field"],
                type=spec["type"],
                required=spec.get("required", False),
                required_unless=spec.get("required_unless"),
                unique=spec.get("unique", False),
                ref=spec.get("ref"),
                values=tuple(spec.get("values", ())),
                default=spec.get("default"),
                min=spec.get("min"),
                max=spec.get("max"),
                width=spec.get("width", 12),
                wrap=spec.get("wrap", False),
                help=_help(spec.get("help"), **params),
            )
        )
    return cols


@cache
def optional_columns(fiscal_year: int, plan_start: int, plan_end: int) -> dict[str, tuple[Column, ...]]:
    """Sheet name → the columns a department may add (the contract's `optional`): read
    and checked when present; the template does not write them."""
    return {
        s["name"]: tuple(_columns(s, "optional", fiscal_year, plan_start, plan_end))
        for s in raw_contract()["sheets"]
        if s.get("kind") != KEYVALUE and s.get("optional")
    }


def sheet_key(sheet: str) -> str | None:
    """The header that numbers a sheet's rows (事業群番号 …), None for a sheet without."""
    return next((s.get("key") for s in raw_contract()["sheets"] if s["name"] == sheet), None)


def keyvalue_sheet() -> tuple[str, str, str]:
    """The 調書 sheet's name and its two headers (項目, 値)."""
    for s in raw_contract()["sheets"]:
        if s.get("kind") == KEYVALUE:
            item, val = s["columns"]
            return s["name"], item, val
    raise KeyError(KEYVALUE)


def keyvalue_keys() -> list[dict]:
    """The 調書 sheet's items (実施年度, 施策名 …) with their types and help."""
    for s in raw_contract()["sheets"]:
        if s.get("kind") == KEYVALUE:
            return s["keys"]
    raise KeyError(KEYVALUE)


SHEET_NAMES = tuple(s["name"] for s in raw_contract()["sheets"])


@cache
def _fields() -> dict[tuple[str, str], tuple[str, bool]]:
    """(sheet, field) → (header, False) for a column or a 調書 item, (family, True) for
    a year family; optional columns included."""
    out: dict[tuple[str, str], tuple[str, bool]] = {}
    for s in raw_contract()["sheets"]:
        for spec in s.get("keys") or ():
            out[(s["name"], spec["field"])] = (spec["key"], False)
        if s.get("kind") == KEYVALUE:
            continue
        for spec in (*(s.get("columns") or ()), *(s.get("optional") or ())):
            if "name" in spec:
                out[(s["name"], spec["field"])] = (spec["name"], False)
            else:
                out.update(((s["name"], name), (family, True)) for family, _years, name in _families(spec))
    return out


@cache
def header(sheet: str, field: str, year: int | None = None) -> str:
    """The header of a field of a sheet, so that code names a column by its field and the
    contract alone writes headers: ("事業", "group") → 「事業群番号」, ("指標", "actuals",
    2023) → 「R5実績」, ("調書", "fiscal_year") → 「実施年度」."""
    name, family = _fields()[(sheet, field)]
    if not family:
        return name
    if year is None:
        raise ValueError(f"{sheet}.{field} is a year family: a year is needed")
    return year_header(year, name)


@cache
def past_families() -> frozenset[str]:
    """The year families that exist only for years that have ended (実績, 達成率): their
    `years` are one of the *_actual sets."""
    return frozenset(
        family
        for s in raw_contract()["sheets"]
        for spec in (*(s.get("columns") or ()), *(s.get("optional") or ()))
        if isinstance(spec, dict) and "name" not in spec
        for family, years, _name in _families(spec)
        if years.endswith("_actual")
    )

