"""The year's figures as open data: what `chosho-xlsx export` writes (docs/opendata.md).

In: computed 調書 (model.chosho.Report). Out: two tables — one row per indicator per year
(the 事業群's indicators and the 事務事業's), one row per 事務事業 per year — as CSV
(UTF-8 with BOM, one header row, CRLF, no merged or decorative rows: the form the national
open-data guidance asks of local governments) and as JSON with a JSON Schema beside it.

Every column is declared once in COLUMNS (its CSV header, its JSON key, its type and what
it means); the CSV, the JSON, the schema and the documentation's table all come from that
declaration. Numbers are numbers (目標値 48.5, not 「48.5%」; the unit has a column of its
own); codes for 進捗状況 and 見直し区分 stand beside their names. Same reports, same bytes."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from chosho_xlsx.common.atomic import atomic_path
from chosho_xlsx.model import fiscal
from chosho_xlsx.model.chosho import ComputedIndicator, ComputedProject, Report, YearRow, group_mark
from chosho_xlsx.model.vocabulary import Review, Status
from chosho_xlsx.rules.engine import counted_projects

VERSION = 1
INDICATORS, PROJECTS = "indicators", "projects"
FILES = {INDICATORS: "指標.csv", PROJECTS: "事務事業.csv"}
JSON_FILE, SCHEMA_FILE = "評価結果.json", "評価結果.schema.json"

# Stable codes (docs/opendata.md): a code never changes its meaning; new ones may be added.
STATUS_CODES = {Status.ACHIEVED: "1", Status.ON_TRACK: "2", Status.SLIGHTLY_BEHIND: "3", Status.BEHIND: "4",
                Status.NONE: "0"}
REVIEW_CODES = {Review.EXPAND: "01", Review.IMPROVE: "02", Review.MERGE: "03", Review.SHRINK: "04",
                Review.ABOLISH: "05", Review.NONE: "00", "現状維持": "06", "終了": "07", "休止": "08"}
NEW_CODE, OTHER_CODE = "10", "99"  # 新規 (「R6新規」), and a 見直し区分 of the settings not listed


@dataclass(frozen=True)
class Column:
    header: str  # the CSV's header
    key: str  # the JSON's key
    type: str  # JSON Schema type: string, integer, number, boolean
    meaning: str  # docs/opendata.md
    nullable: bool = False


_COMMON = (
    Column("実施年度", "fiscal_year", "string", "評価を実施した年度（R6）"),
    Column("実施年度西暦", "fiscal_year_ad", "integer", "実施年度の西暦（2024 = 令和6年度）"),
    Column("基本戦略", "strategy", "string", "基本戦略名（番号つき、調書のとおり）"),
    Column("施策", "policy", "string", "施策名"),
    Column("事業群番号", "group", "integer", "事業群の番号（①は1）"),
    Column("事業群", "group_name", "string", "事業群名（①…つき）"),
)
_YEAR = (
    Column("年度", "year", "string", "この行の年度（R4）"),
    Column("年度西暦", "year_ad", "integer", "この行の年度の西暦"),
)
COLUMNS: dict[str, tuple[Column, ...]] = {
    INDICATORS: (
        *_COMMON,
        Column("対象", "level", "string", "「事業群」（事業群の指標）または「事務事業」（事業指標）"),
        Column("事業番号", "project", "string", "事務事業の番号（事業指標のとき。事業群の指標は空）"),
        Column("指標番号", "indicator", "string", "事業群の指標の番号、または事業指標の種別（活動・成果）"),
        Column("指標名", "name", "string", "指標名"),
        Column("単位", "unit", "string", "目標値・実績値の単位（%、件 …）"),
        Column("目標の向き", "direction", "string", "増加 または 減少（事業群の指標）", nullable=True),
        *_YEAR,
        Column("目標値", "target", "number", "その年度の目標値（数値）", nullable=True),
        Column("目標値の条件", "target_bound", "string", "以上・以下（目標値につくとき）"),
        Column("実績値", "actual", "number", "その年度の実績値（数値。未了の年度・未入力は空）", nullable=True),
        Column("達成率", "rate", "integer", "達成率（%、整数。計算できないときは空）", nullable=True),
        Column("進捗状況コード", "status_code", "string", "進捗状況のコード（下表。事業群の指標のみ）"),
        Column("進捗状況", "status", "string", "進捗状況（達成・順調・やや遅れ・遅れ・―。事業群の指標のみ）"),
    ),
    PROJECTS: (
        *_COMMON,
        Column("事業番号", "project", "string", "事務事業の番号（5、5-1 …）"),
        Column("事業名", "name", "string", "事務事業名"),
        Column("所管課", "section", "string", "所管課"),
        Column("事業期間", "period", "string", "事業期間（調書の表記）"),
        *_YEAR,
        Column("区分", "kind", "string", "実績 または 計画（実施年度の事業費は計画）"),
        Column("事業費", "total", "integer", "事業費（千円）", nullable=True),
        Column("一般財源", "general", "integer", "うち一般財源（千円）", nullable=True),
        Column("人件費", "personnel", "integer", "人件費（参考、千円）", nullable=True),
        Column("見直し区分コード", "review_code", "string", "見直し区分のコード（下表。見直し区分がないときは空）"),
        Column("見直し区分", "review", "string", "見直し区分（次年度に向けて。各年度の行に同じ値）"),
        Column("見直し区分は提案", "review_proposed", "boolean", "見直し区分が空欄で、規則が提案した値のとき true"),
        Column("中核事業", "core", "boolean", "中核事業のとき true"),
        Column("合計に数える", "counted", "boolean",
               "事業費を合計するときに数える行のとき true（内訳事業 5-1 … は親事業 5 の額に含まれるので false）"),
    ),
}


def review_code(review: str, fiscal_year: int) -> str:
    if not review:  # no 見直し区分 (a project section 4 does not list: ended R5): no code, not 「other」
        return ""
    if review == f"{fiscal.label(fiscal_year)}新規":
        return NEW_CODE
    return REVIEW_CODES.get(review, OTHER_CODE)


def _number(q) -> float | int | None:
    if q is None or q.value is None:
        return None
    d: Decimal = q.value
    return int(d) if d == d.to_integral_value() else float(d)


def _common(report: Report, group: int) -> list:
    c = report.chosho
    name = next((g.name for g in c.groups if g.number == group), "")
    return [fiscal.label(c.fiscal_year), c.fiscal_year, c.strategy, c.policy, group, f"{group_mark(group)}{name}"]


def _year_cells(row: YearRow) -> list:
    return [fiscal.label(row.year), row.year, _number(row.target), row.target.bound,
            _number(row.actual), row.rate.percent]


def _group_indicator_rows(report: Report, ci: ComputedIndicator) -> list[list]:
    ind = ci.indicator
    out = []
    for row in ci.years:
        y = _year_cells(row)
        out.append([*_common(report, ind.group), "事業群", "", str(ind.number), ind.name, ind.unit, ind.direction,
                    *y[:2], *y[2:], STATUS_CODES.get(ci.status, ""), str(ci.status)])
    return out


def _project_indicator_rows(report: Report, cp: ComputedProject) -> list[list]:
    p = cp.project
    out = []
    for cpi in cp.indicators:
        ind = cpi.indicator
        for row in cpi.years:
            out.append([*_common(report, p.group), "事務事業", p.number, ind.kind, ind.name, ind.unit, None,
                        *_year_cells(row), "", ""])
    return out


def _project_rows(report: Report, cp: ComputedProject, counted: bool) -> list[list]:
    p, y = cp.project, report.chosho.fiscal_year
    code = review_code(cp.review, y)
    return [[*_common(report, p.group), p.number, p.name, p.section, cp.period_label, fiscal.label(year), year,
             "計画" if year == y else "実績", b.total, b.general, b.personnel, code, cp.review,
             cp.review_proposed, p.core, counted]
            for year, b in sorted(p.budgets.items())]


def tables(reports: list[Report]) -> dict[str, list[list]]:
    """The two tables' rows, in the order of the reports given (sort them first), each
    report's indicators and projects in the 調書's order."""
    out: dict[str, list[list]] = {INDICATORS: [], PROJECTS: []}
    for report in reports:
        # a sub-project's money is part of its parent's: a reader summing 事業費 leaves it out
        counted = {p.number for p in counted_projects(report.chosho.projects)}
        for ci in report.indicators:
            out[INDICATORS] += _group_indicator_rows(report, ci)
        for cp in report.projects:
            out[INDICATORS] += _project_indicator_rows(report, cp)
            out[PROJECTS] += _project_rows(report, cp, cp.project.number in counted)
    for name, rows in out.items():
        width = len(COLUMNS[name])
        if any(len(r) != width for r in rows):  # not an assert: python -O would drop it (bandit B101)
            raise ValueError(f"{name}: a row does not have the {width} columns")
    return out


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def csv_text(name: str, rows: list[list]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([c.header for c in COLUMNS[name]])
    for row in rows:
        w.writerow([_csv_cell(v) for v in row])
    return "\ufeff" + buf.getvalue()


def json_text(data: dict[str, list[list]]) -> str:
    doc = {"version": VERSION}
    for name, rows in data.items():
        keys = [c.key for c in COLUMNS[name]]
        doc[name] = [dict(zip(keys, row, strict=True)) for row in rows]
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def schema() -> dict:
    """The JSON Schema (draft 2020-12) of json_text's document, from COLUMNS."""

    def item(columns: tuple[Column, ...]) -> dict:
        props = {}
        for c in columns:
            t = [c.type, "null"] if c.nullable else c.type
            props[c.key] = {"type": t, "title": c.header, "description": c.meaning}
        return {"type": "object", "properties": props, "required": [c.key for c in columns],
                "additionalProperties": False}

    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "事業群評価 評価結果（chosho-xlsx export）",
        "type": "object",
        "required": ["version", *COLUMNS],
        "properties": {"version": {"const": VERSION},
                       **{name: {"type": "array", "items": item(cols)} for name, cols in COLUMNS.items()}},
        "additionalProperties": False,
    }


def write_open_data(reports: list[Report], folder: Path) -> list[Path]:
    """The CSV files, the JSON and its schema into `folder`, each atomically; the paths."""
    folder.mkdir(parents=True, exist_ok=True)
    data = tables(reports)
    texts = {FILES[name]: csv_text(name, rows) for name, rows in data.items()}
    texts[JSON_FILE] = json_text(data)
    texts[SCHEMA_FILE] = json.dumps(schema(), ensure_ascii=False, indent=2) + "\n"
    written = []
    for name, text in texts.items():
        # bytes, not text mode: the CSV's CRLF stays CRLF on every platform (same bytes)
        with atomic_path(folder / name) as tmp:
            tmp.write_bytes(text.encode("utf-8"))
        written.append(folder / name)
    return written


def docs_table(name: str) -> str:
    """The Markdown table of a file's columns (docs/opendata.md is checked against it)."""
    lines = ["| 列（CSV） | キー（JSON） | 型 | 意味 |", "|---|---|---|---|"]
    for c in COLUMNS[name]:
        t = f"{c.type} または null" if c.nullable else c.type
        lines.append(f"| {c.header} | `{c.key}` | {t} | {c.meaning} |")
    return "\n".join(lines)
