"""The rules engine against the seed's printed values (rules.md examples)."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chosho_xlsx.model.chosho import Budget, Chosho, Indicator, Project, ProjectIndicator
from chosho_xlsx.model.quantity import EMPTY, Quantity, parse_quantity
from chosho_xlsx.model.ruleset import load_ruleset
from chosho_xlsx.rules.engine import (
    achievement_rate,
    compute,
    group_budgets,
    group_totals,
    in_section4,
    period_label,
    propose_review,
    review_conflicts,
)

S = load_ruleset()
R6 = 2024


def q(text):
    return parse_quantity(text)


@pytest.mark.parametrize(
    ("target", "actual", "rate"),
    [
        ("40", "35", "87%"),
        ("8", "5", "62%"),
        ("12", "5", "41%"),
        ("30%", "65.6%", "218%"),
        ("2,350", "3,845", "163%"),
        ("3", "2", "66%"),
        ("60", "64", "106%"),
        ("90%以上", "97%", "100%"),
        ("360以上", "463", "100%"),
        ("90%以上", "89%", "98%"),
        ("3", "―", "―"),
        ("―", "―", "―"),
        ("0", "0", "―"),
        ("1,370,919", "1,048,283", "76%"),
        ("5,000", "3,858", "77%"),
        ("15所属", "15所属", "100%"),
    ],
)
def test_rate_examples(target, actual, rate):
    assert achievement_rate(q(target), q(actual), S).text == rate


def test_rate_rounding_is_a_setting(tmp_path):
    rules = tmp_path / "rules.yaml"
    rules.write_text("rate: {rounding: half_up}\n", encoding="utf-8")
    s = load_ruleset(rules)
    assert achievement_rate(q("3"), q("2"), s).text == "67%"  # 66.67 → 67
    assert achievement_rate(q("3"), q("2"), S).text == "66%"


def test_decreasing_direction_divides_target_by_actual():
    assert achievement_rate(q("10"), q("8"), S, "減少").text == "125%"
    assert achievement_rate(q("10"), q("0"), S, "減少").text == "―"


def _indicator(targets, actuals, unit="件"):
    years = range(2021, 2026)
    return Indicator(
        number=1, group=1, name="x", unit=unit,
        targets={y: q(t) for y, t in zip(years, targets, strict=False)},
        actuals={y: q(a) for y, a in zip(years, actuals, strict=False)},
    )


def _chosho(indicators=(), projects=(), groups=(1, 2, 3)):
    from chosho_xlsx.model.chosho import Group

    return Chosho(
        fiscal_year=R6, strategy="s", policy="p", plan_name="n", plan_start=2021, plan_end=2025,
        groups=[Group(n, f"g{n}") for n in groups], indicators=list(indicators), projects=list(projects),
    )


# The seed's six 事業群 indicators: rates R3, R4, R5, 最終目標 and 進捗状況.
SEED_INDICATORS = [
    (["5件", "12件", "21件", "32件", "45件"], ["6件", "16件", "24件"], "件", ["120%", "133%", "114%"], "45件 (R7)", "順調"),
    (["10%", "20%", "30%", "40%", "50%"], ["41.8%", "49.2%", "65.6％"], "%", ["418%", "246%", "218%"], "50% (R7)", "達成"),
    (["40所属", "45所属", "50所属", "60所属", "70所属"], ["35所属", "60所属", "87所属"], "所属", ["87%", "133%", "174%"], "70所属 (R7)", "達成"),
    (["15所属", "20所属", "30所属", "40所属", "50所属"], ["15所属", "27所属", "37所属"], "所属", ["100%", "135%", "123%"], "50所属 (R7)", "順調"),
    (["8団体", "10団体", "12団体", "14団体", "16団体"], ["5団体", "5団体", "5団体"], "団体", ["62%", "50%", "41%"], "16団体 (R7)", "遅れ"),
    (["1,800件", "2,000件", "3,400件", "3,700件", "4,000件"], ["2,760件", "3,126件", "3,845件"], "件", ["153%", "156%", "113%"], "4,000件 (R7)", "順調"),
]


@pytest.mark.parametrize(("targets", "actuals", "unit", "rates", "final", "status"), SEED_INDICATORS)
def test_seed_indicators(targets, actuals, unit, rates, final, status):
    ind = _indicator(targets, actuals, unit)
    report = compute(_chosho([ind]), S)
    ci = report.indicators[0]
    assert [r.rate.text for r in ci.years[:3]] == rates
    assert [r.actual for r in ci.years[3:]] == [None, None]  # R6, R7 have no actual yet
    assert ci.final_target_text == final
    assert ci.status == status
    assert ci.status_year == 2023


def test_status_slightly_behind_and_none():
    ind = _indicator(["10", "10", "10", "10", "10"], ["9", "9", "9"])
    assert compute(_chosho([ind]), S).indicators[0].status == "やや遅れ"
    ind = _indicator(["10", "10", "10", "10", "10"], ["", "", ""])
    assert compute(_chosho([ind]), S).indicators[0].status == "―"


def _project(number, group, start, end, budgets, review="", **kw):
    return Project(
        number=number, group=group, items=[1], name=number, start=start, end=end,
        budgets={y: Budget(t) for y, t in budgets.items()}, review=review, **kw,
    )


def test_group_budgets_seed():
    projects = [
        _project("1", 1, 2020, 2025, {2023: 47211}),
        _project("2", 1, 2022, 2025, {2023: 7331}),
        _project("3", 1, 2023, 2023, {2023: 21148}),
        _project("4", 1, 2021, 2023, {2023: 7744}),
        _project("5", 1, 2024, 2026, {2023: None, 2024: 67313}),
        _project("6", 3, 2001, None, {2023: 315079}),
        _project("7", 3, 2020, None, {2023: 51062}),
        _project("8", 3, 2023, 2023, {2023: 20185}),
    ]
    assert group_budgets(_chosho(projects=projects)) == {1: 83434, 2: 0, 3: 386326}


def test_subprojects_are_counted_once_in_their_parent():
    """5-1 … 5-5 are the breakdown of 5: a group's total counts 5 once (rules.md)."""
    projects = [
        _project("1", 1, 2020, 2025, {2023: 47211, 2024: 69178}),
        _project("5", 1, 2024, 2026, {2024: 67313}),
        _project("5-1", 1, 2024, 2026, {2024: 30330}),
        _project("5-2", 1, 2024, 2026, {2024: 36983}),
        _project("5-2-1", 1, 2024, 2026, {2024: 36983}),
        _project("9-1", 2, 2020, 2026, {2023: 10, 2024: 12}),  # its parent is missing: counted
    ]
    c = _chosho(projects=projects)
    assert group_totals(c, 2024) == {1: 69178 + 67313, 2: 12, 3: 0}
    assert group_budgets(c) == {1: 47211, 2: 10, 3: 0}


def test_period_labels_and_section4():
    assert period_label(_project("1", 1, 2020, 2025, {}), R6) == "R2-7"
    assert period_label(_project("6", 3, 2001, None, {}), R6) == "H13-"
    assert period_label(_project("5", 1, 2024, 2026, {}), R6) == "(R6新規)R6-8"
    assert period_label(_project("4", 1, 2021, 2023, {}), R6) == "（R5終了）R3-5"
    assert period_label(_project("3", 1, 2023, 2023, {}), R6) == "（R5終了）R5"
    assert not in_section4(_project("4", 1, 2021, 2023, {}), R6)
    assert in_section4(_project("1", 1, 2020, 2025, {}), R6)
    assert not in_section4(_project("x", 1, 2020, 2025, {}, no_discretion=True), R6)
    assert not in_section4(_project("x", 1, 2020, 2025, {}, other_evaluation="公共事業評価"), R6)


def test_new_project_review_and_proposals():
    new = compute(_chosho(projects=[_project("5", 1, 2024, 2026, {2024: 100})]), S).projects[0]
    assert (new.review, new.review_proposed) == ("R6新規", False)
    up = compute(_chosho(projects=[_project("1", 1, 2020, 2025, {2023: 100, 2024: 120})]), S).projects[0]
    assert (up.review, up.review_proposed) == ("拡充", True)
    down = compute(_chosho(projects=[_project("1", 1, 2020, 2025, {2023: 100, 2024: 80})]), S).projects[0]
    assert down.review == "縮小"
    typed = compute(_chosho(projects=[_project("1", 1, 2020, 2025, {2023: 100, 2024: 144}, "縮小")]), S).projects[0]
    assert (typed.review, typed.review_proposed) == ("縮小", False)
    assert review_conflicts("縮小", typed.budget_change, S)
    ended = compute(_chosho(projects=[_project("4", 1, 2021, 2023, {2023: 10})]), S).projects[0]
    assert (ended.review, ended.review_proposed, ended.in_section4) == ("", False, False)


def test_proposal_from_lowest_rate():
    pi = ProjectIndicator("1", "成果", "x", targets={2023: q("10")}, actuals={2023: q("9")})
    p = _project("1", 1, 2020, 2025, {2023: 100, 2024: 100}, indicators=[pi])
    cp = compute(_chosho(projects=[p]), S).projects[0]
    assert (cp.lowest_rate, cp.review, cp.review_proposed) == (90, "改善", True)
    assert propose_review({"budget_change": Decimal(0), "lowest_rate": Decimal(100)}, S) == "―"


quantities = st.builds(
    Quantity,
    st.one_of(st.none(), st.decimals(min_value=0, max_value=10**9, places=3, allow_nan=False)),
    st.sampled_from(["", "件", "%"]),
    st.sampled_from(["", "以上"]),
)


@given(quantities, quantities)
def test_rate_never_rounds_up_and_never_crashes(target, actual):
    rate = achievement_rate(target, actual, S)
    if rate.percent is None:
        assert target.value in (None, Decimal(0)) or actual.value is None
        return
    exact = actual.value * 100 / target.value
    assert rate.percent <= exact
    if target.bound:
        assert rate.percent <= 100
    else:
        assert exact - rate.percent < 1


def test_empty_is_no_value():
    assert achievement_rate(EMPTY, q("3"), S).text == "―"
