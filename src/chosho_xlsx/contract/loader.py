"""From a RawBook (cell values at their positions) to the input model, with a finding at
every cell that breaks the contract. Column-local checks run through pandera (schema.py);
checks across sheets are in checks.py."""

from __future__ import annotations

from dataclasses import dataclass, field

from chosho_xlsx.contract import parsers as cells
from chosho_xlsx.contract import spec as contract
from chosho_xlsx.contract.findings import ERROR, Finding
from chosho_xlsx.contract.parsers import CellError
from chosho_xlsx.contract.spec import KEYVALUE, Column, Sheet
from chosho_xlsx.domain import fiscal
from chosho_xlsx.domain.model import (
    Budget,
    Chosho,
    Group,
    Indicator,
    Issue,
    Item,
    Origin,
    Project,
    ProjectIndicator,
)
from chosho_xlsx.domain.quantity import EMPTY, QuantityError
from chosho_xlsx.domain.settings import Settings
from chosho_xlsx.domain.vocabulary import Direction
from chosho_xlsx.intake import numformat
from chosho_xlsx.intake.reader import RawBook, RawSheet
from chosho_xlsx.intake.scan import col_index


def col_letter(index: int) -> str:
    """0 → A, 26 → AA."""
    s = ""
    index += 1
    while index:
        index, r = divmod(index - 1, 26)
        s = chr(65 + r) + s
    return s


_norm_header = cells.name_key


@dataclass
class Record:
    """One data row: typed values by header, and where it was read."""

    values: dict[str, object]
    origin: Origin


@dataclass
class Loaded:
    chosho: Chosho | None
    findings: list[Finding] = field(default_factory=list)
    # sheet → records, for checks.py
    records: dict[str, list[Record]] = field(default_factory=dict)


class _Collector:
    """Findings, at most one per place: the first problem at a cell is the one to fix,
    except that an error replaces a warning (a formula's cached value that cannot be read
    is an error, not just W-FORMULA)."""

    def __init__(self) -> None:
        self.items: list[Finding] = []
        self._seen: dict[str, int] = {}

    def add(self, code: str, place: str, value: object = "", **params: object) -> None:
        key = place if "!" in place and place[-1].isdigit() else f"{place}:{code}"
        finding = Finding(code, place, cells.preview(cells.shown(value)), params)
        at = self._seen.get(key)
        if at is None:
            self._seen[key] = len(self.items)
            self.items.append(finding)
        elif finding.severity == ERROR and self.items[at].severity != ERROR:
            self.items[at] = finding


# Column type (schemas/input.yaml) → converter. Types that need the column or the
# settings (allowed values) get them; the others take the raw value alone.
_CONVERTERS = {
    "text": lambda raw, col, settings: cells.to_text(raw, settings.limits.text_length),
    "int": lambda raw, col, settings: cells.to_int(raw),
    "year": lambda raw, col, settings: cells.to_year(raw),
    "period": lambda raw, col, settings: cells.to_period(raw),
    "quantity": lambda raw, col, settings: cells.to_quantity(raw),
    "money": lambda raw, col, settings: cells.to_money(raw),
    "mark": lambda raw, col, settings: cells.to_mark(raw, contract.marks()),
    "enum": lambda raw, col, settings: cells.to_enum(raw, col.values),
    "items": lambda raw, col, settings: cells.to_items(raw),
    "viewpoints": lambda raw, col, settings: cells.to_viewpoints(raw),
    "project": lambda raw, col, settings: cells.to_project(raw),
    "review": lambda raw, col, settings: cells.to_review(raw, settings.allowed_reviews),
}


# A date or time in a cell is never a value of the contract: the finding for the column
# types whose own code says what is expected, E-TEXT-DATE for every other (identifiers,
# codes, marks, choices and text alike: 事業番号 「3-1」 that Excel made 2024-03-01).
_DATE_CODES = {"year": "E-NOT-YEAR", "period": "E-NOT-PERIOD", "quantity": "E-NOT-NUMBER", "money": "E-MONEY"}


def _convert(col: Column, raw: object, settings: Settings) -> object:
    try:
        convert = _CONVERTERS[col.type]
    except KeyError:
        raise ValueError(f"unknown column type {col.type!r}") from None  # a contract error, not a user's
    if isinstance(raw, cells.DATE_TYPES):
        raise CellError(_DATE_CODES.get(col.type, "E-TEXT-DATE"))
    return convert(raw, col, settings)


# Column types whose numbers mean what their number format shows: 「48.5%」 is 0.485 in a
# percent-formatted cell, and is read as 48.5 with the unit %, like the typed text 「48.5%」.
_NUMBER_TYPES = ("quantity", "money")


def _as_seen(book: RawBook, sheet: str, row: int, col: int, column: Column, value: object) -> object:
    """A number as the clerk sees it (value and number format together, numformat.seen);
    anything else as it is."""
    fmt = book.formats.get((sheet, row, col))
    if fmt is None or column.type not in _NUMBER_TYPES or isinstance(value, bool):
        return value
    if not isinstance(value, (int, float)):
        return value
    try:
        return numformat.seen(value, fmt)
    except QuantityError:  # NaN, infinity: the converter refuses the bare value
        return value


def _check_formula(book: RawBook, sheet: str, row: int, col: int, place: str, out: _Collector,
                   cached_value: object, **params: object) -> bool:
    """A formula cell: its cached value is used (warning, showing that value); without
    one, an error. Returns False when the cell has no usable value."""
    error = book.errors.get((sheet, row, col))
    if error is not None:  # 「#N/A」 typed, pasted or computed: not a blank cell
        out.add("E-CELL-ERROR", place, error, **params)
        return False
    cached = book.formulas.get((sheet, row, col))
    if cached is None:
        return True
    if cached:
        out.add("W-FORMULA", place, cached_value, **params)
    else:
        out.add("E-FORMULA", place, **params)
    return cached


# How alike a sheet's name must be to a missing sheet's to be named as what was meant
# (difflib's ratio: 「指標一覧」 for 「指標」 is 0.67, 「Sheet1」 0).
NEAR_NAME = 0.5


def _missing_sheet(book: RawBook, name: str, out: _Collector) -> None:
    """A contract sheet that is not in the file: E-SHEET-NAME naming a sheet whose name
    is near it (and is no other contract sheet's), else E-SHEET-MISSING."""
    from difflib import SequenceMatcher

    key = cells.name_key(name)
    others = {cells.name_key(n) for n in contract.SHEET_NAMES}
    scored = [
        (SequenceMatcher(None, key, cells.name_key(n)).ratio(), n)
        for n in book.names
        if cells.name_key(n) not in others
    ]
    ratio, near = max(scored, default=(0.0, ""), key=lambda x: x[0])
    if ratio >= NEAR_NAME:
        out.add("E-SHEET-NAME", name, near, sheet=name, found=near)
    else:
        out.add("E-SHEET-MISSING", name, sheet=name)


def _read_keyvalue(book: RawBook, out: _Collector, settings: Settings) -> dict[str, object] | None:
    sheet = book.sheets.get("調書")
    if sheet is None:
        _missing_sheet(book, "調書", out)
        return None
    found: dict[str, tuple[int, object]] = {}
    known = {spec["key"] for spec in contract.keyvalue_keys()}
    for r, row in enumerate(sheet.rows[1:], start=2):
        filled = [i for i, v in enumerate(row) if not cells.is_blank(v)]
        if not filled:
            continue
        key = _norm_header(row[0])
        if key not in known:
            # a note, or an item whose name was changed: said, never silently dropped
            i = filled[0]
            out.add("W-KEY-UNKNOWN", f"調書!{col_letter(i)}{r}", row[i])
            continue
        if key in found:
            out.add("E-DUPLICATE", f"調書!A{r}", row[0])
            continue
        found[key] = (r, row[1] if len(row) > 1 else "")
    values: dict[str, object] = {}
    for spec in contract.keyvalue_keys():
        key = spec["key"]
        if key not in found:
            if spec.get("required"):
                out.add("E-KEY-MISSING", f"調書!{key}", "", key=key)
            continue
        r, raw = found[key]
        place = f"調書!B{r}"
        if not _check_formula(book, "調書", r, 1, place, out, raw, item=key):
            continue
        col = Column(header=key, field=spec["field"], type=spec["type"], required=spec.get("required", False))
        try:
            v = _convert(col, raw, settings)
        except CellError as exc:
            out.add(exc.code, place, raw, item=key, **exc.params)
            continue
        if v is None and col.required:
            out.add("E-REQUIRED", place, raw, item=key)
            continue
        values[spec["field"]] = v
        values[f"@{spec['field']}"] = place
        values[f"#{spec['field']}"] = raw
    return values


# Year families that only exist for years that have ended (before 実施年度).
_PAST_FAMILIES = ("実績", "達成率")


def _read_table(
    book: RawBook,
    sheet: Sheet,
    out: _Collector,
    settings: Settings,
    fiscal_year: int,
    optional: tuple[Column, ...] = (),
) -> list[Record] | None:
    """The records of one table sheet, or None when they cannot be read (sheet or key
    column missing). `optional` are columns the department may add (contract.optional_columns):
    read when present, never required."""
    from chosho_xlsx.contract.schema import can_fail, checked_headers

    raw: RawSheet | None = book.sheets.get(sheet.name)
    if raw is None:
        _missing_sheet(book, sheet.name, out)
        return None
    header_row = raw.rows[0] if raw.rows else []
    positions: dict[str, int] = {}
    for i, h in enumerate(header_row):
        name = _norm_header(h)
        if not name:
            continue
        if name in positions:
            out.add("E-COLUMN-DUPLICATE", f"{sheet.name}!{col_letter(i)}1", h, column=name)
            continue
        positions[name] = i
    expected = {c.header for c in (*sheet.columns, *optional)}
    missing = [c for c in sheet.columns if c.header not in positions]
    for c in missing:
        # The place names the sheet and the column: 「指標!R7目標」.
        out.add("E-COLUMN-MISSING", f"{sheet.name}!{c.header}", "", column=c.header, sheet=sheet.name)
    for name, i in positions.items():
        if name in expected:
            continue
        year = fiscal.header_year(name)
        if not year:
            continue
        if year[1] in _PAST_FAMILIES and year[0] >= fiscal_year:
            out.add("E-ACTUAL-FUTURE", f"{sheet.name}!{col_letter(i)}1", name, column=name,
                    year=fiscal.label(year[0]), family=year[1])
        else:
            out.add("E-COLUMN-YEAR", f"{sheet.name}!{col_letter(i)}1", name, column=name)
    if missing and any(c.required for c in missing):
        return None  # the rows cannot be read without their key columns
    read = [c for c in (*sheet.columns, *optional) if c.header in positions]
    columns = {c.header: col_letter(positions[c.header]) for c in read}
    records: list[Record] = []
    required = sum(1 for c in sheet.columns if c.required)
    for r in range(2, len(raw.rows) + 1):
        row = raw.rows[r - 1]
        filled = [i for i, v in enumerate(row) if not cells.is_blank(v)]
        if not filled:
            continue
        if len(filled) == 1 and required > 1:
            # A note typed under the table (「※R5は速報値」) or a row begun and left: one
            # finding at the cell, not one per blank required cell.
            out.add("E-NOTE-ROW", f"{sheet.name}!{col_letter(filled[0])}{r}", row[filled[0]])
            continue
        values: dict[str, object] = {}
        for c in read:
            if c.header not in positions:
                continue
            i = positions[c.header]
            place = f"{sheet.name}!{col_letter(i)}{r}"
            value = _as_seen(book, sheet.name, r, i, c, row[i] if i < len(row) else "")
            if not _check_formula(book, sheet.name, r, i, place, out, value):
                values[c.header] = None
                continue
            try:
                values[c.header] = _convert(c, value, settings)
            except CellError as exc:
                out.add(exc.code, place, value, **exc.params)
                values[c.header] = None
        for c in read:
            if c.required_unless and values.get(c.header) is None and not values.get(c.required_unless):
                out.add("E-REQUIRED", f"{sheet.name}!{columns[c.header]}{r}", "", column=c.header)
        records.append(Record(values, Origin(sheet.name, r, columns)))
    checked = [h for h in checked_headers(sheet) if h in positions]
    if records and can_fail(sheet, checked, [rec.values for rec in records]):
        import pandas as pd

        from chosho_xlsx.contract.schema import run_schema

        frame = pd.DataFrame(
            [rec.values for rec in records],
            index=[rec.origin.row for rec in records],
            columns=checked,
        )
        for row_no, header, code in run_schema(sheet, frame):
            value = raw.value(row_no, positions[header])
            out.add(code, f"{sheet.name}!{columns[header]}{row_no}", value, column=header)
    return records


def _years(rec: Record, sheet: Sheet, family: str) -> dict[int, object]:
    return {
        c.year: rec.values.get(c.header)
        for c in sheet.columns
        if c.family == family and c.year is not None and c.header in rec.values
    }


def _q(d: dict[int, object]) -> dict:
    return {y: (v if v is not None else EMPTY) for y, v in d.items()}


def _s(v: object) -> str:
    return "" if v is None else str(v)


def _read_tables(book: RawBook, out: _Collector, settings: Settings, fy: int, period: fiscal.Period
                 ) -> tuple[dict[str, Sheet], dict[str, list[Record]]]:
    """Every table sheet read with the columns of 実施年度 `fy`."""
    sheets = {s.name: s for s in contract.sheets(fy, period.start, period.end) if s.kind != KEYVALUE}
    optional = contract.optional_columns(fy, period.start, period.end)
    records: dict[str, list[Record]] = {}
    for name, sheet in sheets.items():
        recs = _read_table(book, sheet, out, settings, fy, optional.get(name, ()))
        if recs is not None:
            records[name] = recs
    return sheets, records


def _headers_in(book: RawBook) -> set[str]:
    """Every row-1 header of the workbook's sheets, normalised as the reader reads them."""
    return {_norm_header(h) for sheet in book.sheets.values() if sheet.rows for h in sheet.rows[0]}


def _year_columns(fy: int, period: fiscal.Period) -> set[str]:
    """The year-labelled headers (R5実績, R6事業費 …) of the workbook for 実施年度 `fy`."""
    return {c.header for s in contract.sheets(fy, period.start, period.end) for c in s.columns if c.year}


def _by_family(header: str) -> tuple:
    """実績 before 事業費 before the rest, then by year: the most telling columns first."""
    year, family = fiscal.header_year(header) or (0, header)
    return (("実績", "事業費").index(family) if family in ("実績", "事業費") else 2, year, header)


def _year_of_columns(book: RawBook, fy: int, period: fiscal.Period) -> int:
    """The 実施年度 the workbook's year columns were made for: `fy` unless another year
    that fits the plan matches strictly more of them (a R6 workbook whose 調書 says R5)."""
    found = _headers_in(book)

    def matched(year: int) -> int:
        return len(_year_columns(year, period) & found)

    best = max(range(period.start, period.end + 2), key=lambda y: (matched(y), y == fy))
    return best if matched(best) > matched(fy) else fy


def load(book: RawBook, settings: Settings) -> Loaded:
    """Parse a whole department workbook. Returns the model (None when the workbook is
    too broken to build one) and every finding at its place."""
    out = _Collector()
    for name, real in book.renamed.items():
        out.add("W-SHEET-NAME", name, real, sheet=name, found=real)
    kv = _read_keyvalue(book, out, settings)
    if not kv or "fiscal_year" not in kv or "plan_period" not in kv:
        return Loaded(None, out.items)
    fy = kv["fiscal_year"]
    period = kv["plan_period"]
    if not period.evaluable(fy):
        code = "E-PLAN-OPEN" if period.end is None else "E-YEAR-OUTSIDE-PLAN"
        out.add(code, str(kv["@plan_period"]), fiscal.period_label(period.start, period.end))
        return Loaded(None, out.items)
    columns_year = _year_of_columns(book, fy, period)
    if columns_year != fy:
        # One finding at 実施年度 instead of one per year column (which would tell the
        # clerk to remove real 実績); the sheets are still read with the columns they
        # have, so that their other findings show in the same run.
        wrong = _year_columns(columns_year, period) - _year_columns(fy, period)
        present = _headers_in(book)
        header = min((h for h in wrong if h in present), key=_by_family)
        out.add("E-YEAR-COLUMNS", str(kv["@fiscal_year"]), kv["#fiscal_year"],
                item="実施年度", found=fiscal.label(columns_year), header=header)
        _read_tables(book, out, settings, columns_year, period)
        return Loaded(None, out.items)
    sheets, records = _read_tables(book, out, settings, fy, period)
    if any(name not in records for name in sheets):
        return Loaded(None, out.items, records)

    def v(rec: Record, header: str):
        return rec.values.get(header)

    groups = [
        Group(v(r, "事業群番号"), _s(v(r, "事業群名")), _s(v(r, "主管部")), _s(v(r, "主管課")),
              _s(v(r, "課長名")), _s(v(r, "総合計画本文")), r.origin)
        for r in records["事業群"]
    ]
    items = [
        Item(v(r, "取組項目番号"), _s(v(r, "取組項目名")), v(r, "事業群番号"), r.origin)
        for r in records["取組項目"]
    ]
    ind_sheet = sheets["指標"]
    indicators = [
        Indicator(
            number=v(r, "指標番号"),
            group=v(r, "事業群番号"),
            name=_s(v(r, "指標名")),
            unit=_s(v(r, "単位")),
            direction=v(r, "目標の向き") or Direction.UP,
            base_year=v(r, "基準年度"),
            base_value=v(r, "基準値") or EMPTY,
            targets=_q(_years(r, ind_sheet, "目標")),
            actuals=_q(_years(r, ind_sheet, "実績")),
            analysis=_s(v(r, "進捗状況の分析")),
            origin=r.origin,
        )
        for r in records["指標"]
    ]
    pi_sheet = sheets["事業指標"]
    by_project: dict[str, list[ProjectIndicator]] = {}
    for r in records["事業指標"]:
        pi = ProjectIndicator(
            project=_s(v(r, "事業番号")),
            kind=v(r, "区分") or "",
            name=_s(v(r, "指標名")),
            unit=_s(v(r, "単位")),
            targets=_q(_years(r, pi_sheet, "目標")),
            actuals=_q(_years(r, pi_sheet, "実績")),
            origin=r.origin,
        )
        by_project.setdefault(pi.project, []).append(pi)
    p_sheet = sheets["事業"]
    projects = []
    for r in records["事業"]:
        number = _s(v(r, "事業番号"))
        budgets = {}
        for y in (fy - 2, fy - 1, fy):
            col = {c.family: c.header for c in p_sheet.columns if c.year == y}
            budgets[y] = Budget(v(r, col["事業費"]), v(r, col["一般財源"]), v(r, col["人件費"]))
        pis = sorted(by_project.get(number, []), key=lambda p: 0 if p.kind == "活動" else 1)
        projects.append(
            Project(
                number=number,
                group=v(r, "事業群番号"),
                items=v(r, "取組項目") or [],
                name=_s(v(r, "事務事業名")),
                core=bool(v(r, "中核事業")),
                reference=bool(v(r, "参考")),
                start=v(r, "開始年度"),
                end=v(r, "終了年度"),
                section=_s(v(r, "所管課")),
                target=_s(v(r, "事業対象")),
                content=_s(v(r, "事業内容")),
                progress=_s(v(r, "実施状況")),
                results=_s(v(r, "事業の成果")),
                contribution=_s(v(r, "目標達成への寄与")),
                budgets=budgets,
                law=_s(v(r, "根拠法令")),
                obligatory=bool(v(r, "義務付け")),
                no_discretion=bool(v(r, "裁量なし")),
                other_evaluation=_s(v(r, "他の評価対象")),
                review=_s(v(r, "見直し区分")),
                viewpoints=v(r, "事業構築の視点") or [],
                review_text=_s(v(r, "見直し内容")),
                next_direction=_s(v(r, "次年度の方向性")),
                indicators=pis,
                origin=r.origin,
            )
        )
    issues = [
        Issue(v(r, "取組項目") or [], _s(v(r, "実績の検証及び解決すべき課題")),
              _s(v(r, "課題解決に向けた方向性")), r.origin)
        for r in records["課題"]
    ]
    chosho = Chosho(
        fiscal_year=fy,
        strategy=_s(kv.get("strategy")),
        policy=_s(kv.get("policy")),
        plan_name=_s(kv.get("plan_name")),
        plan_start=period.start,
        plan_end=period.end,
        related_sections=_s(kv.get("related_sections")),
        groups=groups,
        items=items,
        indicators=indicators,
        projects=projects,
        issues=issues,
        source=book.source,
    )
    return Loaded(chosho, out.items, records)


def headers_for(fiscal_year: int, plan_start: int, plan_end: int) -> dict[str, list[str]]:
    return {s.name: s.headers for s in contract.sheets(fiscal_year, plan_start, plan_end)}


__all__ = ["Loaded", "Record", "col_index", "col_letter", "headers_for", "load"]
