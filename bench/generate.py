"""Realistic synthetic department workbooks for benchmarks and batch tests.

Each workbook is written by chosho_xlsx.writers.input_workbook.write_input_workbook (the real input
template, with its data validations and 説明 sheet), filled with rows derived from the
bundled example: the seed's texts recombined, its numbers varied at random but valid.
Sizes are drawn like a prefecture's: most near the seed (3 事業群, 13 事務事業), a third
larger (up to 6 事業群 and 40 事務事業), a few small. The same (N, seed) always gives the
same workbooks.

    python bench/generate.py OUT_DIR -n 200 [--broken 1] [--seed 1] [--jobs 2]

`--broken K` breaks K of them (evenly spread) the way a clerk does: a 事業費 typed as
「未定」, which validation reports as an error at its cell.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from chosho_xlsx.model import fiscal
from chosho_xlsx.writers.example import load_example_rows
from chosho_xlsx.writers.input_workbook import write_input_workbook

PLAN = (2021, 2025)  # R3-R7
YEARS = (2023, 2024, 2024, 2024, 2025)  # 実施年度, mostly R6
UNITS = ("件", "%", "所属", "団体", "人", "回", "社", "箇所")
REVIEWS = ("拡充", "改善", "改善", "改善", "統合", "縮小", "廃止", "―", "")
MARKS = "①②③④⑤⑥⑦⑧⑨⑩"
BROKEN_VALUE = "未定"

DEPARTMENTS = ("企画部", "総務部", "県民生活環境部", "福祉保健部", "産業労働部", "水産部",
               "農林部", "土木部", "文化観光国際部", "地域振興部", "こども政策局", "危機管理部")
SECTIONS = ("デジタル戦略課", "スマート県庁推進課", "政策企画課", "地域づくり推進課", "観光振興課",
            "国際課", "こども未来課", "障害福祉課", "長寿社会課", "医療政策課", "産業政策課",
            "雇用労働政策課", "水産振興課", "農政課", "林政課", "道路建設課", "河川課",
            "港湾課", "都市政策課", "環境政策課", "交通政策課", "文化振興課", "スポーツ振興課")
SURNAMES = ("髙橋", "吉村", "山口", "田中", "中村", "松尾", "林", "森", "井上", "山下", "浦",
            "川口", "前田", "平山", "宮崎", "江頭", "草野", "濵田", "峰", "辻")
GIVEN = ("圭", "邦裕", "太郎", "花子", "健一", "美咲", "誠", "浩二", "由美", "拓也", "直樹", "明子")
TOPICS = ("ICT", "デジタル技術", "地域資源", "観光", "水産業", "農林業", "移住・定住", "子育て",
          "医療・介護", "防災", "公共交通", "港湾・物流", "文化・スポーツ", "国際交流", "脱炭素",
          "中小企業", "人材育成", "離島", "教育", "環境保全", "道路網", "若者の県内定着")
AIMS = ("を活用した地域活性化", "による産業振興", "の充実と利便性の向上", "を支える基盤の整備",
        "に関する連携の強化", "を通じた交流人口の拡大", "の推進と行政運営の効率化",
        "を担う人材の確保", "に対応した体制の構築", "/ネットワークの形成", "の魅力向上と情報発信")
STRATEGIES = ("1-1 地域で活躍する人材を育てる", "2-1 新しい時代に対応した力強い産業を育てる",
              "2-2 交流人口を拡大し地域の活力を高める", "3-1 人口減少に対応できる持続可能な地域を創る",
              "3-2 安全・安心で快適な地域を創る", "1-2 誰もが安心して暮らし活躍できる社会を創る")
PROJECT_WORDS = ("推進費", "支援事業", "整備事業", "促進事業", "強化事業", "活用事業", "事業費",
                 "モデル事業", "実証事業", "育成事業")
INDICATOR_WORDS = ("件数", "参加者数", "利用者数", "登録数", "実施回数", "整備率", "導入団体数",
                   "相談件数", "認定数", "満足度")


def _sentences(rows: dict[str, list[dict]]) -> list[str]:
    """The seed's long texts cut into sentences: the pool the synthetic texts draw on."""
    out: list[str] = []
    for sheet in ("事業群", "指標", "事業", "課題"):
        for row in rows[sheet]:
            for value in row.values():
                if isinstance(value, str) and len(value) > 40:
                    out.extend(s + "。" for s in re.split(r"[。\n]", value) if len(s.strip()) > 8)
    return sorted(set(out))


class Synth:
    """Rows for synthetic workbook `index` of a set drawn with `seed`."""

    def __init__(self, seed: int = 1) -> None:
        self.seed = seed
        self.example = load_example_rows()
        self.pool = _sentences(self.example)
        names = [f"{t}{a}" for t in TOPICS for a in AIMS]
        random.Random(f"{seed}:policies").shuffle(names)
        self.policies = names

    def policy(self, index: int) -> str:
        base = self.policies[index % len(self.policies)]
        lap = index // len(self.policies)
        return base if lap == 0 else f"{base}（その{lap + 1}）"

    def text(self, rng: random.Random, lo: int, hi: int, bullets: bool = False) -> str:
        n = rng.randint(lo, hi)
        parts = rng.sample(self.pool, min(n, len(self.pool)))
        if bullets:
            return "\n".join("・" + p for p in parts)
        return "".join(parts) if rng.random() < 0.6 else "\n".join(parts)

    def rows(self, index: int, broken: bool = False) -> dict[str, list[dict]]:
        rng = random.Random(f"{self.seed}:{index}")
        y = rng.choice(YEARS)
        yl = fiscal.label
        size = rng.random()
        if size < 0.1:
            n_groups, n_projects = rng.randint(1, 2), rng.randint(3, 6)
        elif size < 0.65:
            n_groups, n_projects = 3, rng.randint(10, 16)
        else:
            n_groups, n_projects = rng.randint(4, 6), rng.randint(20, 40)
        dept = rng.choice(DEPARTMENTS)
        sections = rng.sample(SECTIONS, 4)
        topic = rng.choice(TOPICS)

        kv = [
            ("実施年度", yl(y)),
            ("基本戦略名", rng.choice(STRATEGIES)),
            ("施策名", self.policy(index)),
            ("総合計画名", "長崎県総合計画チェンジ＆チャレンジ2025"),
            ("計画期間", f"{yl(PLAN[0])}-{yl(PLAN[1])}"),
            ("関係課", "、".join(rng.sample(SECTIONS, rng.randint(0, 3)))),
        ]
        rows: dict[str, list[dict]] = {"調書": [{"項目": k, "値": v} for k, v in kv]}

        groups = []
        for g in range(1, n_groups + 1):
            groups.append({
                "事業群番号": g,
                "事業群名": f"{rng.choice(TOPICS)}{rng.choice(AIMS).lstrip('/')}",
                "主管部": dept,
                "主管課": sections[(g - 1) % len(sections)],
                "課長名": f"{rng.choice(SURNAMES)}　{rng.choice(GIVEN)}",
                "総合計画本文": self.text(rng, 1, 3),
            })
        rows["事業群"] = groups

        n_items = min(12, max(n_groups, n_groups + rng.randint(0, n_groups * 2)))
        item_group = {i: (i - 1) % n_groups + 1 if i <= n_groups else rng.randint(1, n_groups)
                      for i in range(1, n_items + 1)}
        rows["取組項目"] = [
            {"取組項目番号": i, "取組項目名": f"{rng.choice(TOPICS)}{rng.choice(AIMS).lstrip('/')}",
             "事業群番号": g}
            for i, g in item_group.items()
        ]
        items_of = {g: [i for i, gg in item_group.items() if gg == g] for g in range(1, n_groups + 1)}

        indicators = []
        n = 0
        for g in range(1, n_groups + 1):
            for _ in range(rng.randint(1, 3)):
                n += 1
                indicators.append(self._indicator(rng, n, g, y))
        rows["指標"] = indicators

        projects, pind = [], []
        number = 0
        while len(projects) < n_projects:
            number += 1
            g = rng.randint(1, n_groups)
            subs = rng.randint(2, 4) if rng.random() < 0.08 else 0
            for k in range(subs + 1):
                pno = str(number) if k == 0 else f"{number}-{k}"
                reference = k > 0 and rng.random() < 0.3
                p = self._project(rng, pno, g, items_of[g], y, reference, sections, topic)
                projects.append(p)
                for _ in range(0 if reference else rng.randint(1, 4)):
                    pind.append(self._project_indicator(rng, pno, y))
        rows["事業"] = projects
        rows["事業指標"] = pind

        rows["課題"] = [
            {
                "取組項目": ",".join(map(str, items_of[g])),
                "実績の検証及び解決すべき課題": self.text(rng, 2, 6),
                "課題解決に向けた方向性": self.text(rng, 2, 5),
            }
            for g in range(1, n_groups + 1)
            if items_of[g]
        ]
        if broken:
            prev = next(p for p in projects if p.get(f"{yl(y - 1)}事業費") is not None)
            prev[f"{yl(y - 1)}事業費"] = BROKEN_VALUE
        return rows

    def _indicator(self, rng: random.Random, n: int, g: int, y: int) -> dict:
        unit = rng.choice(UNITS)
        scale = rng.choice((10, 50, 100, 1000, 5000)) if unit != "%" else 100
        base = rng.randint(0, scale // 2) if unit != "%" else rng.randint(0, 40)
        final = base + rng.randint(max(1, scale // 5), scale)
        if unit == "%":
            final = min(final, 100)
        years = list(range(PLAN[0], PLAN[1] + 1))
        row = {
            "指標番号": n,
            "事業群番号": g,
            "指標名": f"{rng.choice(TOPICS)}に関する{rng.choice(INDICATOR_WORDS)}（累計）",
            "単位": unit,
            "目標の向き": "増加",
            "基準年度": "R元",
            "基準値": f"{base:,}{unit}",
            "進捗状況の分析": MARKS[g - 1] + self.text(rng, 1, 4),
        }
        for k, year in enumerate(years, 1):
            target = base + (final - base) * k // len(years)
            row[f"{fiscal.label(year)}目標"] = f"{target:,}{unit}"
            if year < y:
                factor = rng.choice((0.5, 0.75, 0.85, 0.95, 1.0, 1.1, 1.3))
                actual = round(target * factor, 1 if unit == "%" else 0)
                text = f"{actual:,.1f}" if unit == "%" else f"{int(actual):,}"
                row[f"{fiscal.label(year)}実績"] = f"{text}{unit}"
        return row

    def _project(self, rng, pno, g, items, y, reference, sections, topic) -> dict:
        yl = fiscal.label
        new = rng.random() < 0.15
        start = y if new else rng.choice((2001, 2012, 2018, 2020, 2021, 2022, y - 1))
        end = rng.choice((None, None, y + 2, PLAN[1], y - 1 if start <= y - 1 else None))
        if end is not None and end < start:
            end = None
        chosen = rng.sample(items, rng.randint(1, len(items))) if items else []
        row = {
            "事業番号": pno,
            "事業群番号": g,
            "取組項目": None if reference else ",".join(map(str, sorted(chosen))),
            "中核事業": "○" if rng.random() < 0.2 else None,
            "参考": "○" if reference else None,
            "事務事業名": f"{rng.choice(TOPICS)}{rng.choice(PROJECT_WORDS)}",
            "開始年度": yl(start),
            "終了年度": yl(end) if end else None,
            "所管課": rng.choice(sections),
            "事業対象": rng.choice(("県民", "県民及び県内外企業", "市町", "県内事業者", "県職員")),
            "事業内容": "　" + self.text(rng, 1, 3),
            "実施状況": None if new else "　" + self.text(rng, 1, 4),
            "事業の成果": None if new else self.text(rng, 2, 6, bullets=True),
            "目標達成への寄与": None if new else self.text(rng, 1, 4, bullets=True),
            "根拠法令": rng.choice((None, None, None, "地方自治法", f"{topic}推進法")),
            "義務付け": "○" if rng.random() < 0.05 else None,
            "裁量なし": "○" if rng.random() < 0.05 else None,
            "他の評価対象": "公共事業評価" if rng.random() < 0.05 else None,
            "見直し区分": None if new else rng.choice(REVIEWS) or None,
            "事業構築の視点": "".join(sorted(rng.sample(MARKS, rng.randint(1, 3)))),
            "見直し内容": self.text(rng, 1, 3),
            "次年度の方向性": self.text(rng, 1, 3),
        }
        for year in (y - 2, y - 1, y):
            if new and year < y:
                continue
            total = rng.randint(500, 250_000)
            row[f"{yl(year)}事業費"] = total
            row[f"{yl(year)}一般財源"] = rng.randint(0, total)
            row[f"{yl(year)}人件費"] = rng.randint(1000, 60_000)
        return row

    def _project_indicator(self, rng: random.Random, pno: str, y: int) -> dict:
        unit = rng.choice(UNITS)
        row = {
            "事業番号": pno,
            "区分": rng.choice(("活動", "成果")),
            "指標名": f"{rng.choice(TOPICS)}の{rng.choice(INDICATOR_WORDS)}",
            "単位": unit,
        }
        bound = unit == "%" and rng.random() < 0.5
        for year in (y - 2, y - 1, y):
            target = rng.randint(1, 100) if unit == "%" else rng.randint(1, 3000)
            row[f"{fiscal.label(year)}目標"] = f"{target:,}{'%以上' if bound else ''}"
            if year < y:
                actual = max(0, int(target * rng.choice((0.6, 0.9, 1.0, 1.2))))
                row[f"{fiscal.label(year)}実績"] = f"{actual:,}" if rng.random() > 0.05 else "―"
        return row


def broken_indices(n: int, k: int) -> set[int]:
    """K indices spread evenly over 0..N-1."""
    k = max(0, min(k, n))
    return {i * n // k + n // (2 * k) for i in range(k)} if k else set()


def file_name(index: int) -> str:
    return f"dept_{index + 1:04d}.xlsx"


_SYNTH: Synth | None = None


def _write_one(args: tuple[Path, int, int, bool]) -> str:
    global _SYNTH
    out, seed, index, broken = args
    if _SYNTH is None or _SYNTH.seed != seed:
        _SYNTH = Synth(seed)
    rows = _SYNTH.rows(index, broken)
    fy = fiscal.parse_year(rows["調書"][0]["値"])
    path = out / file_name(index)
    write_input_workbook(path, fy, PLAN[0], PLAN[1], rows)
    return str(path)


def generate(out: str | Path, n: int, broken: int = 0, seed: int = 1, jobs: int | None = None) -> list[Path]:
    """Write N synthetic workbooks into `out`; returns their paths in order."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    bad = broken_indices(n, broken)
    tasks = [(out, seed, i, i in bad) for i in range(n)]
    jobs = jobs or os.cpu_count() or 1
    if jobs == 1 or n < 4:
        paths = [_write_one(t) for t in tasks]
    else:
        with ProcessPoolExecutor(jobs) as pool:
            paths = list(pool.map(_write_one, tasks, chunksize=max(1, n // (jobs * 4))))
    return [Path(p) for p in paths]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path, help="folder to write into")
    ap.add_argument("-n", type=int, default=100, help="how many workbooks (default 100)")
    ap.add_argument("--broken", type=int, default=0, help="how many to break (default 0)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=None, help="processes (default: all cores)")
    a = ap.parse_args(argv)
    t = time.perf_counter()
    paths = generate(a.out, a.n, a.broken, a.seed, a.jobs)
    bad = sorted(broken_indices(a.n, a.broken))
    print(f"{len(paths)} workbooks in {a.out} ({time.perf_counter() - t:.1f} s)"
          + (f"; broken: {', '.join(file_name(i) for i in bad)}" if bad else ""), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
