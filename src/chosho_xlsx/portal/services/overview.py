"""The year's 評価結果概要 on the dashboard: the same tally as `build`'s 評価結果概要.xlsx
(writers/overview), over the versions submitted (or locked) for the year. Each version's
figures are worked out once, from its stored file, and kept beside it
(derived/<sha256>.figures.json): a version never changes, so neither do its figures."""

from __future__ import annotations

import json
from dataclasses import asdict

from chosho_xlsx.pipeline import check_file
from chosho_xlsx.portal.examine import rules
from chosho_xlsx.portal.models import Policy, Upload
from chosho_xlsx.portal.services import data
from chosho_xlsx.portal.services.builds import blob
from chosho_xlsx.writers.overview import Overview, share, tally
from chosho_xlsx.writers.summary import (
    PASSED,
    STATUS_HEADS,
    ChoshoFigures,
    GroupFigures,
    Line,
    figures,
)


def _from_json(d: dict) -> ChoshoFigures:
    groups = tuple(GroupFigures(**{k: tuple(v) if isinstance(v, list) else v for k, v in g.items()})
                   for g in d["groups"])
    return ChoshoFigures(d["fiscal_year"], d["strategy"], d["policy"], groups)


def version_figures(upload: Upload) -> ChoshoFigures | None:
    """The figures of a version (None when it cannot be built)."""
    cache = data().derived(f"{upload.sha256}.figures.json")
    if cache.exists():
        try:
            return _from_json(json.loads(cache.read_text(encoding="utf-8")))
        except (ValueError, KeyError, TypeError):
            pass  # an unreadable cache is made again
    checked = check_file(blob(upload), rules())
    if checked.report is None or checked.errors:
        return None
    found = figures(checked.report, rules())
    with data().writing(cache) as tmp:
        tmp.write_text(json.dumps(asdict(found), ensure_ascii=False), encoding="utf-8")
    return found


def year_overview(fiscal_year: int | None) -> Overview | None:
    """The 評価結果概要 of the year's submitted and locked versions (None: none yet)."""
    if fiscal_year is None:
        return None
    policies = (Policy.objects.filter(fiscal_year=fiscal_year, submitted__isnull=False)
                .select_related("submitted").order_by("pk"))
    lines = []
    for p in policies:
        found = version_figures(p.submitted)
        if found is not None:
            lines.append(Line(p.name, PASSED, found))
    return tally(lines, rules()) if lines else None


def table(ov: Overview) -> dict:
    """The dashboard's table: the columns of the workbook's 基本戦略別 sheet, a row per
    基本戦略 and the 合計 (shares as the workbook shows them: 0.0%)."""
    def row(name, t) -> list:
        n = ov.reviewed_count(t)
        return [name, t.evaluated, n, f"{share(n, t.evaluated):.1%}", *t.reviews, *t.statuses]

    return {"heads": ["基本戦略", "評価した事務事業", "見直し", "見直し率", *ov.columns, *STATUS_HEADS],
            "reviews": len(ov.columns), "statuses": len(STATUS_HEADS),
            "rows": [row(name, t) for name, t in ov.by_strategy], "total": row("合計", ov.total)}
