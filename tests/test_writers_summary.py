"""The 一覧 workbook: its figures are the sums over the 調書 that were built, read back
from those 調書 files (cached values, as Excel or a reader without recalculation sees
them); totals, autofilter, frozen headers and the chart are there; same batch, same bytes."""

from __future__ import annotations

import zipfile
from collections import Counter
from pathlib import Path

import openpyxl
import pytest

from chosho_xlsx.model.ruleset import load_ruleset
from chosho_xlsx.pipeline import check_file
from chosho_xlsx.writers.summary import (
    CHART_SHEET,
    FILE_NAME,
    NEW,
    OTHER,
    PASSED,
    SHEET,
    STATUS_HEADS,
    STATUSES,
    review_columns,
)

from support import recalc
from support.commands import cli, generate
from support.recalc import PROGRAMS

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    base = tmp_path_factory.mktemp("summary")
    generate(base / "in", 12, broken=1, seed=3)
    out = base / "out"
    proc = cli("build", base / "in", "-o", out)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    return base / "in", out


def table(out: Path):
    """The 一覧's header and data rows (cached values), and its totals row."""
    ws = openpyxl.load_workbook(out / FILE_NAME, data_only=True)[SHEET]
    rows = [list(r) for r in ws.iter_rows(min_row=2, values_only=True)]
    heads = rows[0]
    return heads, rows[1:-1], rows[-1], ws


def from_chosho(path: Path, settings) -> dict:
    """What one built 調書 shows, read from its cells: 進捗状況 of every indicator,
    the 事業費 (Y-1) of every 事業群 in the header, the 見直し区分 of section 4."""
    values = openpyxl.load_workbook(path, data_only=True)
    formulas = openpyxl.load_workbook(path)
    first, f_first = values.worksheets[0], formulas.worksheets[0]
    statuses: Counter = Counter()
    budgets: dict[str, int] = {}
    for row in f_first.iter_rows():
        for cell in row:
            f = cell.value
            if f == "進捗状況":  # the label; the indicator's status is the cell below it
                statuses[first.cell(cell.row + 1, cell.column).value] += 1
            if not isinstance(f, str) or not f.startswith("="):
                continue
            cached = first[cell.coordinate].value
            if f.startswith("=SUM(") or f == "=0":  # a 事業群 without projects sums nothing
                name = next(str(c.value) for c in first[cell.row] if isinstance(c.value, str)
                            and c.value[:1] in "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳")
                budgets[name] = cached
    section4 = values.worksheets[3]
    head = next(c for row in section4.iter_rows(max_row=10) for c in row if c.value == "見直し区分")
    reviews: Counter = Counter()
    proposed = 0
    for (value,) in section4.iter_rows(min_row=head.row + 1, min_col=head.column, max_col=head.column,
                                        values_only=True):
        if value:
            proposed += value.endswith("（案）")  # the engine's proposal, printed as one
            reviews[value.removesuffix("（案）")] += 1
    new_labels = {f"R{n}新規" for n in range(1, 20)}
    columns = review_columns(settings)
    counted = Counter()
    for value, n in reviews.items():
        key = NEW if value in new_labels else value if value in columns else OTHER
        counted[key] += n
    return {"statuses": statuses, "budgets": budgets, "reviews": counted, "proposed": proposed}


def test_figures_are_the_sums_over_the_built_chosho(built):
    inputs, out = built
    settings = load_ruleset()
    heads, data, total, _ = table(out)
    col = {h: i for i, h in enumerate(heads)}
    by_file: dict[str, list] = {}
    for r in data:
        if r[col["検証"]] == PASSED:
            by_file.setdefault(r[col["調書ファイル"]], []).append(r)
    chosho = sorted(p.name for p in out.glob("R*.xlsx"))
    assert sorted(by_file) == chosho and len(chosho) == 11
    y_plan_total = 0
    for name, rows in by_file.items():
        shown = from_chosho(out / name, settings)
        assert [sum(r[col[h]] for r in rows) for h in STATUS_HEADS] == [shown["statuses"][s] for s in STATUSES]
        assert {r[col["事業群"]]: r[col["前年度実績"]] for r in rows} == shown["budgets"]
        review_heads = heads[col[STATUS_HEADS[-1]] + 3: col["うち提案"]]
        assert review_heads == list(review_columns(settings))
        assert {k: sum(r[col[k]] for r in rows) for k in review_heads} == {k: shown["reviews"][k] for k in review_heads}
        assert sum(r[col["うち提案"]] for r in rows) == shown["proposed"]
        # 当年度計画 is not printed per 事業群 in the 調書: summed from the engine's model
        report = check_file(rows[0][col["入力ファイル"]], settings).report
        y = report.chosho.fiscal_year
        # sub-projects (5-1 …) are inside their parent's figure: parents once
        numbers = {p.number for p in report.chosho.projects}
        parents = [p for p in report.chosho.projects
                   if not any("-".join(p.number.split("-")[:k]) in numbers for k in range(1, p.number.count("-") + 1))]
        plan = {g.number: 0 for g in report.chosho.groups}
        for p in parents:
            b = p.budgets.get(y)
            plan[p.group] += (b.total or 0) if b else 0
        assert [r[col["当年度計画"]] for r in rows] == [plan[g.number] for g in report.chosho.groups]
        assert sum(r[col["事業数"]] for r in rows) == len(parents)
        y_plan_total += sum(plan.values())
    # the totals row: every numeric column is the sum of its rows (cached), and a formula
    first_num, last_num = col[STATUS_HEADS[0]], col["事業数"]
    for c in range(first_num, last_num + 1):
        assert total[c] == sum(r[c] or 0 for r in data), heads[c]
    assert total[col["当年度計画"]] == y_plan_total
    assert total[0] == "合計"


def test_failed_input_has_a_row_with_its_reason_and_no_figures(built):
    _, out = built
    heads, data, _, _ = table(out)
    col = {h: i for i, h in enumerate(heads)}
    failed = [r for r in data if r[col["検証"]] != PASSED]
    assert len({r[col["入力ファイル"]] for r in failed}) == 1  # a row per 事業群 it could read
    assert len(failed) >= 1 and all(r[col["施策"]] and r[col["主管課"]] for r in failed)
    for row in failed:
        assert row[col["エラー"]] == 1 and "E-MONEY" in row[col["理由"]]
        assert all(row[col[h]] is None for h in STATUS_HEADS)
        assert row[col["調書ファイル"]] is None


def test_totals_are_formulas_filter_freeze_and_chart(built):
    _, out = built
    ws = openpyxl.load_workbook(out / FILE_NAME)[SHEET]
    last = ws.max_row
    heads = [c.value for c in ws[2]]
    assert len(set(heads)) == len(heads)  # every column has its own name
    c = heads.index(STATUS_HEADS[0]) + 1
    assert str(ws.cell(last, c).value).startswith("=SUBTOTAL(9,")
    assert ws.auto_filter.ref == f"A2:{ws.cell(last - 1, len(heads)).coordinate}"
    assert ws.freeze_panes == "E3"
    with zipfile.ZipFile(out / FILE_NAME) as z:
        names = z.namelist()
        chart = z.read("xl/charts/chart1.xml").decode()
    assert "xl/drawings/drawing1.xml" in names
    assert "<c:barChart>" in chart and CHART_SHEET in chart
    chart_ws = openpyxl.load_workbook(out / FILE_NAME, data_only=True)[CHART_SHEET]
    totals = openpyxl.load_workbook(out / FILE_NAME, data_only=True)[SHEET]
    assert [chart_ws.cell(r, 2).value for r in range(2, 2 + len(STATUSES))] == \
        [totals.cell(last, c + k).value for k in range(len(STATUSES))]


def test_summary_is_deterministic(built, tmp_path):
    inputs, out = built
    again = tmp_path / "again"
    cli("build", inputs, "-o", again)
    assert (again / FILE_NAME).read_bytes() == (out / FILE_NAME).read_bytes()


def test_empty_batch_summary(tmp_path):
    from chosho_xlsx.writers.summary import Line, write_summary

    write_summary([Line("x.xlsx", "読めない", reason="壊れています")], tmp_path / FILE_NAME, load_ruleset())
    ws = openpyxl.load_workbook(tmp_path / FILE_NAME, data_only=True)[SHEET]
    assert ws.cell(3, 1).value in ("", None)
    assert ws.cell(4, 1).value == "合計"


@pytest.mark.libreoffice
@pytest.mark.parametrize("program", PROGRAMS)
def test_cached_totals_are_what_every_spreadsheet_computes(built, program):
    """LibreOffice and Gnumeric both recalculate the totals to the cached values (Gnumeric
    gives #NUM! for SUBTOTAL(109, …))."""
    recalc.skip_if_missing(program)
    _, out = built
    assert recalc.compare_cached_with_recalculated(out / FILE_NAME, program=program) == []


def _section2_budgets(path: Path) -> dict[str, dict[str, int | None]]:
    """事業番号 → {'R4実績': 事業費, 'R5実績': …, 'R6計画': …} as section 2 of a built 調書
    prints them (cached values): the label in column G, the 事業費 in column H."""
    ws = openpyxl.load_workbook(path, data_only=True).worksheets[1]
    out: dict[str, dict[str, int | None]] = {}
    number = None
    for row in ws.iter_rows(min_row=6):
        if row[0].value not in (None, ""):
            number = str(row[0].value)
        label, amount = row[6].value, row[7].value
        if number and isinstance(label, str) and label[:1] == "R":
            out.setdefault(number, {})[label] = amount if isinstance(amount, int) else None
    return out


def test_example_summary_counts_a_parent_once(tmp_path):
    """The bundled example: 5-1 … 5-5 are the breakdown of project 5 (R6 67,313 千円).
    一覧's 事業群① 当年度計画 is 144,912 (not 212,225) and 事業数 5 (not 10), and both equal
    the sums read back from the built 調書 with sub-projects left out."""
    from support import corpus

    src = corpus.example_workbook(tmp_path)
    out = tmp_path / "out"
    proc = cli("build", src, "-o", out)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    heads, data, total, _ = table(out)
    col = {h: i for i, h in enumerate(heads)}
    [chosho] = out.glob("R6*.xlsx")
    budgets = _section2_budgets(chosho)
    assert set(budgets) == {"1", "2", "3", "4", "5", "5-1", "5-2", "5-3", "5-4", "5-5", "6", "7", "8"}
    parents = [n for n in budgets if "-" not in n]
    group_of = {r["事業番号"]: r["事業群番号"] for r in corpus.example_rows()["事業"]}
    plan = {g: sum(budgets[n]["R6計画"] or 0 for n in parents if group_of[n] == g) for g in (1, 2, 3)}
    prev = {g: sum(budgets[n]["R5実績"] or 0 for n in parents if group_of[n] == g) for g in (1, 2, 3)}
    count = {g: sum(1 for n in parents if group_of[n] == g) for g in (1, 2, 3)}
    assert [r[col["当年度計画"]] for r in data] == [plan[1], plan[2], plan[3]] == [144912, 0, 526149]
    assert [r[col["前年度実績"]] for r in data] == [prev[1], prev[2], prev[3]] == [83434, 0, 386326]
    assert [r[col["事業数"]] for r in data] == [count[1], count[2], count[3]] == [5, 0, 3]
    assert total[col["当年度計画"]] == sum(plan.values())
    assert total[col["事業数"]] == 8
