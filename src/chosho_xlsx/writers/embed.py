"""The input behind a 調書, kept inside the 調書, so that `rollover` can start from last
year's 調書 when only that survives.

The printed 調書 does not hold everything the input does (事業群番号 and 取組項目 of a
project, a project's 事業期間 as numbers, 見直し区分 as typed rather than proposed, the
three budget rows of each project …), and reading the printed layout back would be a
guess. So the writer stores the input rows (rows_from_model: the model written back in
the input contract's terms) as custom document properties — invisible on every sheet
and on paper, shown in Excel under ファイル › 情報 › プロパティ — compressed (zlib,
fixed level) and cut into pieces of 255 characters (what Excel's property dialog holds),
with a SHA-256 over the whole so that a piece lost or edited is refused, not guessed.
Same model, same properties, same bytes."""

from __future__ import annotations

import base64
import hashlib
import json
import zipfile
import zlib
from pathlib import Path
from xml.etree import ElementTree

from chosho_xlsx.domain import fiscal
from chosho_xlsx.domain.model import GROUP_MARKS, Chosho
from chosho_xlsx.domain.quantity import Quantity
from chosho_xlsx.domain.vocabulary import DASH

PREFIX = "chosho-xlsx input"
PIECE = 255
LIMIT = 20 * 1024 * 1024  # inflated bytes: far above any real 調書's input, far below harm
VERSION = "1"
_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/custom-properties}"


class EmbeddedError(ValueError):
    """The properties are there but damaged (a piece missing or altered)."""


def _q(q: Quantity) -> str | None:
    return None if q.value is None else q.text()


def _actual(q: Quantity | None) -> str:
    """An 実績 of a year that has ended: the 調書 prints 「―」 for none, whether the cell
    was blank or 「―」; written as 「―」 it reads back as typed, not as not yet filled."""
    return DASH if q is None or q.value is None else q.text()


def _t(text: str) -> str | None:
    return text or None


def _year(y: int | None) -> str | None:
    return None if y is None else fiscal.label(y)


def rows_from_model(c: Chosho) -> dict[str, list[dict]]:
    """The input rows (sheet → [{header: value}]) that read back as this model: numbers
    and quantities as the 調書 prints them, marks 「○」, lists 「1,2,3」, years 「R2」."""
    y = c.fiscal_year
    kv = {"実施年度": fiscal.label(y), "基本戦略名": _t(c.strategy), "施策名": _t(c.policy),
          "総合計画名": _t(c.plan_name), "計画期間": f"{fiscal.label(c.plan_start)}-{fiscal.label(c.plan_end)}",
          "関係課": _t(c.related_sections)}
    rows: dict[str, list[dict]] = {"調書": [{"項目": k, "値": v} for k, v in kv.items()]}
    rows["事業群"] = [{"事業群番号": g.number, "事業群名": _t(g.name), "主管部": _t(g.department),
                     "主管課": _t(g.section), "課長名": _t(g.manager), "総合計画本文": _t(g.plan_text)}
                    for g in c.groups]
    rows["取組項目"] = [{"取組項目番号": i.number, "取組項目名": _t(i.name), "事業群番号": i.group} for i in c.items]
    rows["指標"] = []
    for ind in c.indicators:
        row = {"指標番号": ind.number, "事業群番号": ind.group, "指標名": _t(ind.name), "単位": _t(ind.unit),
               "目標の向き": ind.direction, "基準年度": _year(ind.base_year), "基準値": _q(ind.base_value)}
        row.update({f"{fiscal.label(yr)}目標": _q(ind.targets.get(yr, Quantity(None))) for yr in c.plan_years})
        row.update({f"{fiscal.label(yr)}実績": _actual(ind.actuals.get(yr)) for yr in c.actual_years})
        row["進捗状況の分析"] = _t(ind.analysis)
        rows["指標"].append(row)
    rows["事業"], rows["事業指標"] = [], []
    for p in c.projects:
        row = {"事業番号": p.number, "事業群番号": p.group, "取組項目": ",".join(map(str, p.items)) or None,
               "中核事業": "○" if p.core else None, "参考": "○" if p.reference else None,
               "事務事業名": _t(p.name), "開始年度": _year(p.start), "終了年度": _year(p.end),
               "所管課": _t(p.section), "事業対象": _t(p.target), "事業内容": _t(p.content),
               "実施状況": _t(p.progress), "事業の成果": _t(p.results), "目標達成への寄与": _t(p.contribution)}
        for yr in (y - 2, y - 1, y):
            b = p.budgets.get(yr)
            label = fiscal.label(yr)
            row.update({f"{label}事業費": b.total if b else None, f"{label}一般財源": b.general if b else None,
                        f"{label}人件費": b.personnel if b else None})
        row.update({"根拠法令": _t(p.law), "義務付け": "○" if p.obligatory else None,
                    "裁量なし": "○" if p.no_discretion else None, "他の評価対象": _t(p.other_evaluation),
                    "見直し区分": _t(p.review),
                    "事業構築の視点": "".join(GROUP_MARKS[v - 1] for v in p.viewpoints) or None,
                    "見直し内容": _t(p.review_text), "次年度の方向性": _t(p.next_direction)})
        rows["事業"].append(row)
        for pi in p.indicators:
            prow = {"事業番号": p.number, "区分": pi.kind, "指標名": _t(pi.name), "単位": _t(pi.unit)}
            for yr in (y - 2, y - 1, y):
                prow[f"{fiscal.label(yr)}目標"] = _q(pi.targets.get(yr, Quantity(None)))
                if yr < y:
                    prow[f"{fiscal.label(yr)}実績"] = _actual(pi.actuals.get(yr))
            rows["事業指標"].append(prow)
    rows["課題"] = [{"取組項目": ",".join(map(str, i.items)), "実績の検証及び解決すべき課題": _t(i.verification),
                   "課題解決に向けた方向性": _t(i.direction)} for i in c.issues]
    return rows


def properties(c: Chosho) -> list[tuple[str, str]]:
    """The custom properties (name, value) that carry the model's input rows."""
    data = json.dumps(rows_from_model(c), ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    packed = base64.b64encode(zlib.compress(data, 6)).decode("ascii")
    pieces = [packed[i:i + PIECE] for i in range(0, len(packed), PIECE)]
    head = f"{VERSION};{len(pieces)};{hashlib.sha256(data).hexdigest()}"
    return [(PREFIX, head)] + [(f"{PREFIX} {n:03d}", piece) for n, piece in enumerate(pieces, start=1)]


def read_embedded(path: str | Path) -> dict[str, list[dict]] | None:
    """The input rows stored in a 調書 this tool built; None when the file has none (an
    input workbook, or a 調書 from elsewhere). Raises EmbeddedError when they are damaged.
    Call after safety.check_workbook."""
    with zipfile.ZipFile(path) as zf:
        if "docProps/custom.xml" not in zf.namelist():
            return None
        root = ElementTree.fromstring(zf.read("docProps/custom.xml"))
    props = {p.get("name", ""): "".join(p.itertext()) for p in root.iter(f"{_NS}property")}
    head = props.get(PREFIX)
    if head is None:
        return None
    try:
        version, count, digest = head.split(";")
        if version != VERSION:
            raise EmbeddedError(f"version {version}")
        packed = "".join(props[f"{PREFIX} {n:03d}"] for n in range(1, int(count) + 1))
        inflate = zlib.decompressobj()
        data = inflate.decompress(base64.b64decode(packed, validate=True), LIMIT)
        if inflate.unconsumed_tail:
            raise EmbeddedError("too large")
    except (KeyError, ValueError, zlib.error) as exc:
        raise EmbeddedError(str(exc)) from None
    if hashlib.sha256(data).hexdigest() != digest:
        raise EmbeddedError("checksum")
    rows = json.loads(data)
    if not isinstance(rows, dict):
        raise EmbeddedError("not a mapping")
    return rows
