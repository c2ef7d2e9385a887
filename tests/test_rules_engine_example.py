"""The bundled example (the seed 調書) through the whole engine: every derived value the
seed prints comes out unchanged (rules.md; the one exception, 0/0, is noted below)."""

import json
import subprocess
import sys

import pytest

from chosho_xlsx.model.ruleset import load_ruleset
from chosho_xlsx.pipeline import check_book, example_book
from chosho_xlsx.writers.export import report_dict


@pytest.fixture(scope="module")
def data(checked):
    return report_dict(checked.report)


def test_example_is_valid_with_one_explained_warning(checked):
    # 電子県庁推進事業 is 縮小 while its budget rises 44% (rules.md names this very case):
    # the only finding, a warning asking for confirmation.
    assert [(f.code, f.place, f.value) for f in checked.findings] == [
        ("W-REVIEW-CONFLICT", "事業!AB12", "縮小")
    ]
    assert checked.ok


def test_header(data):
    assert data["fiscal_year"] == "R6"
    assert data["fiscal_year_label"] == "令和６年度"
    assert data["strategy"] == "3-1 人口減少に対応できる持続可能な地域を創る"
    assert data["policy"] == "ICTを活用した地域活性化と行政運営の効率化"
    assert data["plan"] == {"name": "長崎県総合計画チェンジ＆チャレンジ2025", "period": "R3-7"}


def test_group_budgets(data):
    assert [(g["mark"], g["budget"]) for g in data["groups"]] == [("①", 83434), ("②", 0), ("③", 386326)]


def test_group_plan_budgets_count_a_parent_once(data):
    """R6計画: project 5 (67,313) is the sum of 5-1 … 5-5, counted once (rules.md)."""
    assert [(g["mark"], g["budget_plan"], g["projects"]) for g in data["groups"]] == [
        ("①", 144912, 5), ("②", 0, 0), ("③", 526149, 3)]


# (name prefix, targets R3…R7, actuals R3…R5, rates R3…R5, 最終目標, 進捗状況) as printed
SEED_INDICATORS = [
    ("①ながさきSociety5.0推進プラットフォームで提案された課題解決手法の数",
     ["5件", "12件", "21件", "32件", "45件"], ["6件", "16件", "24件"], ["120%", "133%", "114%"], "45件 (R7)", "順調"),
    ("②本県における民間通信事業者による5G高度特定基地局の整備率",
     ["10%", "20%", "30%", "40%", "50%"], ["41.8%", "49.2%", "65.6%"], ["418%", "246%", "218%"], "50% (R7)", "達成"),
    ("③県における電子申請利用所属数",
     ["40所属", "45所属", "50所属", "60所属", "70所属"], ["35所属", "60所属", "87所属"], ["87%", "133%", "174%"], "70所属 (R7)", "達成"),
    ("③県におけるRPA作成ロボット利用所属数",
     ["15所属", "20所属", "30所属", "40所属", "50所属"], ["15所属", "27所属", "37所属"], ["100%", "135%", "123%"], "50所属 (R7)", "順調"),
    ("③長崎県自治体クラウドサービス県内利用団体数",
     ["8団体", "10団体", "12団体", "14団体", "16団体"], ["5団体", "5団体", "5団体"], ["62%", "50%", "41%"], "16団体 (R7)", "遅れ"),
    ("③県・市町におけるオープンデータカタログサイトに登録されたデータ数",
     ["1,800件", "2,000件", "3,400件", "3,700件", "4,000件"], ["2,760件", "3,126件", "3,845件"], ["153%", "156%", "113%"], "4,000件 (R7)", "順調"),
]


@pytest.mark.parametrize("i", range(6))
def test_indicators(data, i):
    name, targets, actuals, rates, final, status = SEED_INDICATORS[i]
    ind = data["indicators"][i]
    assert ind["name"].startswith(name)
    assert [y["year"] for y in ind["years"]] == ["R3", "R4", "R5", "R6", "R7"]
    assert [y["target"] for y in ind["years"]] == targets
    assert [y["actual"] for y in ind["years"][:3]] == actuals
    assert [y["rate"] for y in ind["years"][:3]] == rates
    assert [y["actual"] for y in ind["years"][3:]] == [None, None]
    assert ind["final_target"] == final
    assert ind["status"] == status


def test_base_values(data):
    assert [(i["base"]["year"], i["base"]["value"]) for i in data["indicators"]] == [
        ("R元", "0件"), ("R元", "0%"), ("R元", "33所属"), ("R元", "5所属"), ("R元", "5団体"), ("R元", "1,515件")
    ]


def _project(data, number):
    return next(p for p in data["projects"] if p["number"] == number)


# Every project-indicator rate printed in the seed: (project, indicator name start,
# [Y-2 target, actual, rate], [Y-1 target, actual, rate]).
SEED_PROJECT_RATES = [
    ("6", "システムの改修等数", ["4", "15", "375%"], ["4", "3", "75%"]),
    ("6", "庁外向けシステム利用件数", ["1,370,919", "1,048,283", "76%"], ["1,048,283", "796,717", "76%"]),
    ("7", "RPA作成ロボット数", ["60", "64", "106%"], ["70", "75", "107%"]),
    ("7", "電子申請システムに係る", ["4", "8", "200%"], ["2", "3", "150%"]),
    ("7", "RPA作成ロボット利用所属数", ["20", "27", "135%"], ["30", "37", "123%"]),
    ("7", "県における電子申請利用所属数", ["45", "60", "133%"], ["50", "87", "174%"]),
    ("3", "デジタル技術展示会", ["―", "―", "―"], ["5,000", "3,858", "77%"]),
    ("3", "企業間等のつながり", ["―", "―", "―"], ["360以上", "463", "100%"]),
    ("4", "三次元データを活用", ["1", "1", "100%"], ["1", "1", "100%"]),
    ("2", "デジタルミーティング", ["9", "4", "44%"], ["12", "4", "33%"]),
    ("2", "デジタルコーディネーター", ["6", "3", "50%"], ["6", "5", "83%"]),
    ("2", "先進性や独自性を有する施策", ["0", "0", "―"], ["3", "2", "66%"]),
    ("2", "R4,5: 先進性や独自性", ["6", "3", "50%"], ["6", "6", "100%"]),
    ("1", "行政・民間で公開されたデータ数", ["2,000", "3,126", "156%"], ["2,350", "3,845", "163%"]),
    ("1", "情報戦略アドバイザー", ["20", "14", "70%"], ["20", "12", "60%"]),
    ("1", "研修の受講により", ["90%以上", "97%", "100%"], ["90%以上", "89%", "98%"]),
]


@pytest.mark.parametrize(("number", "name", "y2", "y1"), SEED_PROJECT_RATES)
def test_project_indicator_rates(data, number, name, y2, y1):
    p = _project(data, number)
    ind = next(i for i in p["indicators"] if i["name"].startswith(name))
    got = [[y["target"], y["actual"], y["rate"]] for y in ind["years"][:2]]
    assert got == [y2, y1]
    assert ind["years"][2]["year"] == "R6" and ind["years"][2]["rate"] is None


def test_zero_over_zero_prints_a_dash(data):
    # The seed prints ― for project 2 (R4: 0 / 0) but 0% for project 8 (R5: 0 / 0);
    # rules.md takes ― for both.
    p2 = next(i for i in _project(data, "2")["indicators"] if i["kind"] == "成果" and i["years"][0]["target"] == "0")
    assert p2["years"][0]["rate"] == "―"
    p8 = [i for i in _project(data, "8")["indicators"] if i["years"][1]["target"] == "0"]
    assert p8 and p8[0]["years"][1]["rate"] == "―"


def test_periods_and_reviews(data):
    got = {p["number"]: (p["period"], p["review"], p["review_proposed"], p["in_section4"]) for p in data["projects"]}
    assert got == {
        "1": ("R2-7", "改善", False, True),
        "2": ("R4-7", "改善", False, True),
        "3": ("（R5終了）R5", "", False, False),
        "4": ("（R5終了）R3-5", "", False, False),
        "5": ("(R6新規)R6-8", "R6新規", False, True),
        "5-1": ("(R6新規)R6-8", "R6新規", False, True),
        "5-2": ("(R6新規)R6-8", "R6新規", False, True),
        "5-3": ("(R6新規)R6-8", "R6新規", False, False),
        "5-4": ("(R6新規)R6-8", "R6新規", False, False),
        "5-5": ("(R6新規)R6-8", "R6新規", False, False),
        "6": ("H13-", "縮小", False, True),
        "7": ("R2-", "改善", False, True),
        "8": ("（R5終了）R5", "", False, False),
    }


def test_section4_leaves_out_projects_ended_in_r5(data):
    section4 = [p["number"] for p in data["projects"] if p["in_section4"]]
    assert section4 == ["1", "2", "5", "5-1", "5-2", "6", "7"]
    assert not {"3", "4", "8"} & set(section4)


def test_budgets_of_a_project(data):
    p1 = _project(data, "1")
    assert [(b["year"], b["kind"], b["total"], b["general"], b["personnel"]) for b in p1["budgets"]] == [
        ("R4", "実績", 43948, 1, 48214), ("R5", "実績", 47211, 22063, 34466), ("R6", "計画", 69178, 30426, 28790)
    ]


@pytest.mark.slow
def test_cli_json_to_stdout(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "chosho_xlsx.cli", "build", "-o", str(tmp_path), "--json", "-"],
        capture_output=True, text=True, encoding="utf-8",
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)["reports"][0]  # stdout is the JSON alone
    assert [g["budget"] for g in data["groups"]] == [83434, 0, 386326]
    assert [i["status"] for i in data["indicators"]] == ["順調", "達成", "達成", "順調", "遅れ", "順調"]


def test_json_is_deterministic(checked):
    from chosho_xlsx.writers.export import to_json

    again = check_book(example_book(), load_ruleset())
    assert to_json([checked.report]) == to_json([again.report])
