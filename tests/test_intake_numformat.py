"""Numbers read as the clerk sees them: value and number format together (numformat,
formulas.scan_cells). 「48.5%」 typed into a cell is 0.485 formatted as percent and means
48.5 %, exactly like the text 「48.5%」; 67,313,000 formatted `#,##0,` shows 67,313; a
unit in the format is the value's unit. Workbooks are written as Excel stores them
(XlsxWriter: built-in and custom formats in styles.xml)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from chosho_xlsx.intake.numformat import NumberFormat, classify, seen
from chosho_xlsx.model.quantity import Quantity
from chosho_xlsx.model.ruleset import load_ruleset
from chosho_xlsx.pipeline import check_file
from chosho_xlsx.rules.engine import achievement_rate

from support import corpus

SETTINGS = load_ruleset()


@pytest.mark.parametrize(("code", "fmt"), [
    ("0%", NumberFormat(percent=1, suffix="%")),
    ("0.0%", NumberFormat(percent=1, suffix="%")),
    ('0.0"%"', NumberFormat(suffix="%")),  # a literal sign: the value is not scaled
    ('#,##0"件"', NumberFormat(suffix="件")),
    ("#,##0人", NumberFormat(suffix="人")),
    ("#,##0,", NumberFormat(scale=1)),
    ('#,##0,"千円"', NumberFormat(scale=1, suffix="千円")),
    ("0.0,,", NumberFormat(scale=2)),
    ('"¥"#,##0;"¥"\\-#,##0', NumberFormat(prefix="円")),
    ("[$¥-411]#,##0", NumberFormat(prefix="円")),
    ('[$$-409]#,##0.00', NumberFormat(prefix="$")),
    ("General", None), ("@", None), ("0", None), ("#,##0", None), ("0.00", None),
    ("#,##0_);(#,##0)", None), ("[Red]0.0", None), ("0.00E+00", None), ("# ?/?", None),
    ("yyyy/m/d", None), ("[h]:mm", None), ("[$-411]ge.m.d", None), ("m月d日", None),
])
def test_classify(code, fmt):
    assert classify(code) == fmt


def test_seen_keeps_the_full_value():
    assert seen(0.485, NumberFormat(percent=1, suffix="%")) == Quantity(Decimal("48.5"), "%")
    assert seen(0.52, NumberFormat(percent=1, suffix="%")) == Quantity(Decimal(52), "%")
    # 0.4856 in `0%` shows 49%: the value is 48.56 %, the format only hides digits
    assert seen(0.4856, NumberFormat(percent=1, suffix="%")) == Quantity(Decimal("48.56"), "%")
    assert seen(67313000, NumberFormat(scale=1)) == Quantity(Decimal(67313))
    assert seen(24, NumberFormat(suffix="件")) == Quantity(Decimal(24), "件")


# ---- whole workbooks ----------------------------------------------------------------------


def _check(tmp_path, rows, formats):
    path = corpus.xlsxwriter_book(tmp_path / "book.xlsx", rows, {}, formats)
    return check_file(path, SETTINGS)


def _findings(checked):
    return [(f.code, f.place, f.value) for f in checked.findings]


def test_percent_formatted_actuals_of_a_percent_indicator(tmp_path):
    """The issue's case: 5G 整備率 (単位 %) with R3…R5 actuals typed 「41.8%」 「49.2%」
    「65.6%」 into percent-formatted cells (Excel stores 0.418 …) and 0.52 in `0%`: the
    rates are those of the typed text, not 0.418 % (and 遅れ)."""
    rows = corpus.example_rows()
    i = corpus.index_of(rows, "指標", 指標番号=2)
    for header, value in (("R3実績", 0.418), ("R4実績", 0.492), ("R5実績", 0.656), ("R5目標", 0.3)):
        rows["指標"][i][header] = value
    formats = {("指標", h, i): "0.0%" for h in ("R3実績", "R4実績", "R5実績")}
    formats[("指標", "R5目標", i)] = "0%"
    checked = _check(tmp_path, rows, formats)
    assert _findings(checked) == [("W-REVIEW-CONFLICT", "事業!AB12", "縮小")]
    ci = checked.report.indicators[1]
    assert [r.rate.text for r in ci.years[:3]] == ["418%", "246%", "218%"]
    assert (ci.status, ci.years[2].actual.text(), ci.years[2].target.text()) == ("達成", "65.6%", "30%")


def test_percent_formatted_values_of_a_project_indicator(tmp_path):
    rows = corpus.example_rows()
    i = corpus.index_of(rows, "事業指標", 指標名="研修の受講により、ＩＣＴ利活用の意識が高まった市町職員の割合（％）")
    rows["事業指標"][i].update({"R4実績": 0.97, "R5実績": 0.89, "R5目標": "90%以上"})
    formats = {("事業指標", "R4実績", i): "0%", ("事業指標", "R5実績", i): "0.0%"}
    checked = _check(tmp_path, rows, formats)
    assert _findings(checked) == [("W-REVIEW-CONFLICT", "事業!AB12", "縮小")]
    cpi = next(ci for cp in checked.report.projects for ci in cp.indicators
               if ci.indicator.origin.row == i + 2)
    assert [r.rate.text for r in cpi.years[:2]] == ["100%", "98%"]


def test_a_percent_in_an_indicator_of_another_unit_is_a_finding(tmp_path):
    """A percent-formatted cell in an indicator whose 単位 is 件 reads 「48.5%」: its unit
    differs from the indicator's, an error at that cell (never a guessed 0.485 件 or
    48.5 件)."""
    rows = corpus.example_rows()
    i = corpus.index_of(rows, "指標", 指標番号=1)
    rows["指標"][i]["R5実績"] = 0.485
    checked = _check(tmp_path, rows, {("指標", "R5実績", i): "0.0%"})
    where = corpus.cell("指標", "R5実績", i)
    assert ("E-UNIT", where, "48.5%") in _findings(checked)
    finding = next(f for f in checked.findings if f.place == where)
    assert finding.message("ja") == "「48.5%」の単位「%」が指標の単位「件」と違います。"


def test_a_unit_in_the_number_format(tmp_path):
    rows = corpus.example_rows()
    a = corpus.index_of(rows, "指標", 指標番号=1)  # 件
    b = corpus.index_of(rows, "指標", 指標番号=3)  # 所属
    rows["指標"][a]["R5実績"] = 24
    rows["指標"][b]["R5実績"] = 87
    checked = _check(tmp_path, rows, {("指標", "R5実績", a): '#,##0"件"', ("指標", "R5実績", b): '#,##0"件"'})
    assert ("E-UNIT", corpus.cell("指標", "R5実績", b), "87件") in _findings(checked)
    assert not [f for f in checked.findings if f.place == corpus.cell("指標", "R5実績", a)]


def test_money_as_the_clerk_sees_it(tmp_path):
    """事業費 in 千円: 69,178,000 formatted `#,##0,` shows (and is) 69,178 千円; a currency
    format shows 「¥47,211」, yen or 千円 we cannot tell: an error at the cell."""
    rows = corpus.example_rows()
    i = corpus.index_of(rows, "事業", 事業番号="1")
    rows["事業"][i]["R6事業費"] = 69178000
    formats = {("事業", "R6事業費", i): "#,##0,", ("事業", "R5事業費", i): '"¥"#,##0'}
    checked = _check(tmp_path, rows, formats)
    assert _findings(checked) == [("E-MONEY", corpus.cell("事業", "R5事業費", i), "47,211円"),
                                  ("W-REVIEW-CONFLICT", "事業!AB12", "縮小")]
    rows["事業"][i]["R5事業費"] = 47211
    del formats[("事業", "R5事業費", i)]
    checked = _check(tmp_path, rows, formats)
    assert checked.ok and checked.report.chosho.projects[0].budgets[2024].total == 69178


def test_a_date_format_on_a_quantity_is_a_finding(tmp_path):
    rows = corpus.example_rows()
    i = corpus.index_of(rows, "指標", 指標番号=1)
    rows["指標"][i]["R5実績"] = 24
    checked = _check(tmp_path, rows, {("指標", "R5実績", i): "yyyy/m/d"})
    assert [f.code for f in checked.findings if f.place == corpus.cell("指標", "R5実績", i)] == ["E-NOT-NUMBER"]


def test_a_percent_formatted_rate_column(tmp_path):
    """The optional 達成率 column reads the same way: 1.14 formatted `0%` is 114%."""
    path = corpus.example_workbook(tmp_path)
    col = corpus.add_column(path, "指標", "R5達成率", {0: 1.14, 1: 2.18, 4: 0.5})

    def percent(wb):
        for r in (2, 3, 6):
            wb["指標"][f"{col}{r}"].number_format = "0%"

    corpus.edit(path, percent)
    checked = check_file(path, SETTINGS)
    assert [(f.code, f.place, f.value) for f in checked.findings if f.code == "W-RATE-MISMATCH"] == [
        ("W-RATE-MISMATCH", f"指標!{col}6", "50%")]


# ---- every spelling of one value gives one 達成率 ------------------------------------------

# How a clerk can put a number v into a cell of an indicator whose 単位 is `unit`:
# (cell value, number format or None).
def _spellings(v: Decimal, unit: str) -> list[tuple[object, str | None]]:
    plain = f"{v:f}"
    grouped = f"{v:,f}"
    wide = grouped.translate(str.maketrans("0123456789,.", "０１２３４５６７８９，．"))
    number = float(v)
    out = [
        (number, None),
        (plain, None),
        (grouped, None),
        (f"{plain}{unit}", None),
        (f"{grouped}{unit}", None),
        (wide, None),
        (wide + ("％" if unit == "%" else unit), None),
        (number, "#,##0.00"),
        (number, f'#,##0.00"{unit}"'),
        (float(v * 1000), "#,##0,"),
    ]
    if unit == "%":
        out += [(float(v / 100), "0%"), (float(v / 100), "0.0%"), (float(v / 100), "0.00%")]
    return out


values = st.decimals(min_value=Decimal("0.01"), max_value=Decimal(10) ** 6, places=2)


# Each example writes and validates a workbook (about a second): few examples, each with
# every spelling, and no shrinking (the failing values are reported as they are).
@pytest.mark.slow
@settings(max_examples=12, deadline=None, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(target=values, actual=values, unit=st.sampled_from(["%", "件"]))
def test_every_spelling_of_one_value_gives_one_rate(tmp_path, target, actual, unit):
    """Target and actual written through every spelling a clerk produces (typed text,
    number, percent-formatted number, full width, with unit, with commas, a unit or a
    scale in the format): every row of the workbook computes the same 達成率, the one
    of the two values themselves."""
    target, actual = target.normalize(), actual.normalize()
    rows = corpus.example_rows()
    base = rows["指標"][0]
    ts, as_ = _spellings(target, unit), _spellings(actual, unit)
    formats = {}
    rows["指標"] = []
    for k in range(len(ts)):
        (t, t_fmt), (a, a_fmt) = ts[k], as_[(k * 5 + 3) % len(as_)]  # mixed pairs
        rec = {**base, "指標番号": k + 1, "単位": unit, "基準値": None,
               "R3目標": None, "R4目標": None, "R6目標": None, "R7目標": None, "R3実績": None, "R4実績": None, "R5目標": t, "R5実績": a}
        rows["指標"].append(rec)
        for header, fmt in (("R5目標", t_fmt), ("R5実績", a_fmt)):
            if fmt:
                formats[("指標", header, k)] = fmt
    checked = _check(tmp_path, rows, formats)
    assert checked.ok, [(f.code, f.place, f.value) for f in checked.errors]
    expected = achievement_rate(Quantity(target, unit), Quantity(actual, unit), SETTINGS)
    rates = {ci.indicator.number: ci.years[2].rate.text for ci in checked.report.indicators}
    assert set(rates.values()) == {expected.text}, (rates, ts, as_)
    statuses = {ci.status for ci in checked.report.indicators}
    assert len(statuses) == 1
