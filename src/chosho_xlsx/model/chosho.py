"""The 調書 as plain data: what a department typed (input model) and what the rules
engine derives from it (computed model). No I/O, no logic beyond small conveniences."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from chosho_xlsx.common.addresses import place
from chosho_xlsx.common.text import squeezed
from chosho_xlsx.model.fiscal import label
from chosho_xlsx.model.quantity import EMPTY, Quantity
from chosho_xlsx.model.vocabulary import DASH, Direction, Status

GROUP_MARKS = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
ITEM_MARKS = "ⅰⅱⅲⅳⅴⅵⅶⅷⅸⅹⅺⅻ"


def group_mark(n: int) -> str:
    return GROUP_MARKS[n - 1] if 1 <= n <= len(GROUP_MARKS) else f"({n})"


def policy_key(fiscal_year: int, policy: str) -> tuple[int, str]:
    """Two 施策 names are the same 施策 when they differ only in width or spaces: the batch
    refuses a 施策 given twice, the portal files every version under it, the book orders by it."""
    return fiscal_year, squeezed(policy)


def item_mark(n: int) -> str:
    return ITEM_MARKS[n - 1] if 1 <= n <= len(ITEM_MARKS) else f"({n})"


@dataclass(frozen=True)
class Origin:
    """Where a record was read: its sheet, its row (1-based) and the column index of each
    field (0-based, common/addresses)."""

    sheet: str
    row: int
    columns: dict[str, int] = field(default_factory=dict, compare=False, hash=False)

    def cell(self, field_name: str | None = None) -> str:
        """「指標!H7」 for a field, 「指標!7」 (the row) when the field has no column."""
        col = self.columns.get(field_name or "")
        return f"{self.sheet}!{self.row}" if col is None else place(self.sheet, self.row, col)


NOWHERE = Origin("", 0)


@dataclass
class Group:
    """事業群."""

    number: int
    name: str
    department: str = ""  # 主管部
    section: str = ""  # 主管課
    manager: str = ""  # 課長名
    plan_text: str = ""  # 総合計画本文
    origin: Origin = NOWHERE


@dataclass
class Item:
    """取組項目."""

    number: int
    name: str
    group: int
    origin: Origin = NOWHERE


@dataclass
class Indicator:
    """A 事業群 indicator (指標 sheet)."""

    number: int
    group: int
    name: str
    unit: str
    direction: str = Direction.UP  # 増加 or 減少, as typed
    base_year: int | None = None
    base_value: Quantity = EMPTY
    targets: dict[int, Quantity] = field(default_factory=dict)  # plan year → 目標
    actuals: dict[int, Quantity] = field(default_factory=dict)  # plan year ≤ Y-1 → 実績
    analysis: str = ""
    origin: Origin = NOWHERE


@dataclass
class Budget:
    """One year's 事業費 row, in 千円."""

    total: int | None = None  # 事業費
    general: int | None = None  # うち一般財源
    personnel: int | None = None  # 人件費(参考)


@dataclass
class ProjectIndicator:
    """A 事務事業 indicator (事業指標 sheet): targets for Y-2, Y-1, Y; actuals for Y-2, Y-1."""

    project: str
    kind: str  # 活動 or 成果
    name: str
    unit: str = ""
    targets: dict[int, Quantity] = field(default_factory=dict)
    actuals: dict[int, Quantity] = field(default_factory=dict)
    origin: Origin = NOWHERE


@dataclass
class Project:
    """事務事業 (事業 sheet)."""

    number: str
    group: int
    items: list[int]
    name: str
    core: bool = False  # 中核事業
    reference: bool = False  # 参考
    start: int | None = None
    end: int | None = None
    section: str = ""  # 所管課
    target: str = ""  # 事業対象
    content: str = ""  # 事業内容
    progress: str = ""  # 実施状況
    results: str = ""  # 事業の成果
    contribution: str = ""  # 目標達成への寄与
    budgets: dict[int, Budget] = field(default_factory=dict)
    law: str = ""  # 根拠法令
    obligatory: bool = False  # 義務付け
    no_discretion: bool = False  # 裁量なし
    other_evaluation: str = ""  # 他の評価対象
    review: str = ""  # 見直し区分 as typed
    viewpoints: list[int] = field(default_factory=list)  # 事業構築の視点 1…10
    review_text: str = ""  # 見直し内容
    next_direction: str = ""  # 次年度の方向性
    indicators: list[ProjectIndicator] = field(default_factory=list)
    origin: Origin = NOWHERE


@dataclass
class Issue:
    """課題 (section 3): one row per 取組項目 or group of them."""

    items: list[int]
    verification: str  # 実績の検証及び解決すべき課題
    direction: str  # 課題解決に向けた方向性
    origin: Origin = NOWHERE


@dataclass
class Chosho:
    """One department workbook: one 施策 in one 実施年度."""

    fiscal_year: int  # 実施年度 Y, western (R6 = 2024)
    strategy: str  # 基本戦略名
    policy: str  # 施策名
    plan_name: str  # 総合計画名
    plan_start: int
    plan_end: int
    related_sections: str = ""  # 関係課
    groups: list[Group] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    indicators: list[Indicator] = field(default_factory=list)
    projects: list[Project] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    source: str = ""  # the file it was read from

    @property
    def plan_years(self) -> list[int]:
        return list(range(self.plan_start, self.plan_end + 1))

    @property
    def actual_years(self) -> list[int]:
        """Plan years whose 実績 can exist: those that ended before 実施年度."""
        return [y for y in self.plan_years if y < self.fiscal_year]

    @property
    def project_years(self) -> list[int]:
        """Section 2's three rows: Y-2実績, Y-1実績, Y計画."""
        y = self.fiscal_year
        return [y - 2, y - 1, y]


# ---- computed model -------------------------------------------------------------------


@dataclass(frozen=True)
class Rate:
    """A 達成率: a whole percent, or none (printed 「―」)."""

    percent: int | None

    @property
    def text(self) -> str:
        return DASH if self.percent is None else f"{self.percent}%"


NO_RATE = Rate(None)


@dataclass
class YearRow:
    """One year of an indicator: the target, the actual and the rate, as computed."""

    year: int
    target: Quantity
    actual: Quantity | None  # None: no actual column for this year (Y and later)
    rate: Rate


@dataclass
class ComputedIndicator:
    indicator: Indicator
    years: list[YearRow]
    final_year: int
    final_target: Quantity
    status: Status
    status_year: int | None  # the year the status was judged on

    @property
    def final_target_text(self) -> str:
        return f"{self.final_target.text(self.indicator.unit)} ({label(self.final_year)})"


@dataclass
class ComputedProjectIndicator:
    indicator: ProjectIndicator
    years: list[YearRow]  # Y-2, Y-1 (with actual and rate), Y (target only)


@dataclass
class ComputedProject:
    project: Project
    period_label: str  # 事業期間 as printed, with (R6新規) / （R5終了）
    is_new: bool
    ended: bool  # ended in Y-1
    review: str  # final 見直し区分: typed, 「R6新規」, or proposed
    review_proposed: bool
    in_section4: bool
    indicators: list[ComputedProjectIndicator]
    budget_change: Decimal | None  # Y計画 ÷ Y-1実績 − 1
    lowest_rate: int | None  # lowest Y-1 達成率 among its indicators


@dataclass
class Report:
    """Everything the writer needs: the input and every derived value."""

    chosho: Chosho
    indicators: list[ComputedIndicator]
    projects: list[ComputedProject]
    group_budgets: dict[int, int]  # 事業群番号 → Y-1実績 事業費 total
