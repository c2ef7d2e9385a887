"""The 一覧 as people use it: its links open their 調書 whatever the 施策名, rows of inputs
that were not built keep what could be read of them, and printed (A3 landscape, one page
wide) no text is clipped by the next column or runs past the table."""

from __future__ import annotations

import re
import urllib.parse
import zipfile
from pathlib import Path

import openpyxl
import pytest

from chosho_xlsx.batch import build as batch
from chosho_xlsx.model.ruleset import load_ruleset
from chosho_xlsx.render import libreoffice
from chosho_xlsx.writers.summary import FILE_NAME, LINK_HEAD, LINK_TEXT, SHEET

from support import corpus
from support.commands import cli
from support.pdf import pdf_text
from support.skips import needs_libreoffice

pytestmark = pytest.mark.slow

# '#' (XlsxWriter cut links there), '%' and a literal escape (「%41」 read as 「A」), spaces,
# 全角 space, kanji
NAMES = ("観光#1 振興", "100% 達成の町", "a%41b 計画", "空白 と\u3000全角")


@pytest.fixture(scope="module")
def linked(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("links")
    paths = [corpus.write(root / "in", corpus.set_key(corpus.example_rows(), "施策名", name), f"in{i}.xlsx")
             for i, name in enumerate(NAMES)]
    result = batch.run(paths, root / "out", load_ruleset(), jobs=1)
    assert [e.status for e in result.entries] == ["合格"] * len(NAMES)
    return root / "out"


def _links(path: Path) -> dict[str, str]:
    """cell → the hyperlink's whole target as written (relationship target plus any
    location XlsxWriter split off)."""
    with zipfile.ZipFile(path) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
        rels = z.read("xl/worksheets/_rels/sheet1.xml.rels").decode()
    targets = dict(re.findall(r'Id="(rId\d+)"[^>]*Target="([^"]*)"', rels))
    out = {}
    for attrs in re.findall(r"<hyperlink ([^>]*)/>", sheet):
        a = dict(re.findall(r'([\w:]+)="([^"]*)"', attrs))
        out[a["ref"]] = targets[a["r:id"]] + ("#" + a["location"] if "location" in a else "")
    return out


def test_every_link_names_its_chosho(linked):
    """Each row's link (「開く」, with the file name as its tip) decodes to the file named in
    the row's 調書ファイル, which is there."""
    links = _links(linked / FILE_NAME)
    ws = openpyxl.load_workbook(linked / FILE_NAME)[SHEET]
    heads = [c.value for c in ws[2]]
    name_col, link_col = heads.index("調書ファイル") + 1, heads.index(LINK_HEAD) + 1
    chosho = sorted(p.name for p in linked.glob("R6_*.xlsx"))
    assert len(chosho) == len(NAMES)
    assert len(links) == len(NAMES) * len(corpus.example_rows()["事業群"])  # one per row
    seen = set()
    for ref, target in links.items():
        cell = ws[ref]
        assert (cell.column, cell.value) == (link_col, LINK_TEXT)
        shown = ws.cell(cell.row, name_col).value
        assert urllib.parse.unquote(target) == shown, ref  # the URI decodes to the file's name
        assert urllib.parse.urlsplit(target).fragment == "" and "?" not in target, ref
        assert (linked / shown).is_file()
        seen.add(shown)
    assert sorted(seen) == chosho


@needs_libreoffice
def test_libreoffice_resolves_each_link_to_its_chosho(linked, tmp_path):
    """LibreOffice reads the links (saved as ODF, where it writes them resolved against the
    一覧's folder): each is the 調書's file, nothing cut off as a fragment."""
    ods = libreoffice.convert(linked / FILE_NAME, "ods", tmp_path)
    with zipfile.ZipFile(ods) as z:
        content = z.read("content.xml").decode()
    hrefs = {h for h in re.findall(r'xlink:href="([^"]*)"', content) if ".xlsx" in h}
    resolved = set()
    for href in hrefs:
        # ODF: relative to the package as if it were a folder
        url = urllib.parse.urljoin((linked / FILE_NAME).as_uri() + "/", href)
        parts = urllib.parse.urlsplit(url)
        assert parts.fragment == "", href
        resolved.add(Path(urllib.parse.unquote(parts.path)))
    assert resolved == set(linked.glob("R6_*.xlsx"))


# ---- rows of inputs not built; the printed page ---------------------------------------------

STRATEGY = "1-2 誰もが安心して暮らし活躍できる社会を創る（県民の暮らしと地域の安全・安心を守る）"
POLICY_OK = "ICTを活用した地域活性化と行政運営の効率化及び県民サービスの向上に向けた基盤の整備"
POLICY_BAD = "観光と交流による地域の活性化（しまの魅力を活かした滞在型観光の推進）"
POLICY_TWICE = "安全で快適な道路網の整備と公共交通ネットワークの維持・確保"
GROUP = "Society5.0の実現に向けた推進体制の構築と産学金官の連携による地域課題の解決"


def _inputs(folder: Path) -> list[Path]:
    def rows(policy: str):
        r = corpus.set_key(corpus.example_rows(), "施策名", policy)
        corpus.set_key(r, "基本戦略名", STRATEGY)
        r["事業群"][0]["事業群名"] = GROUP
        return r

    bad = rows(POLICY_BAD)
    i = corpus.index_of(bad, "事業", 事業番号="1")
    bad["事業"][i]["R6事業費"] = "未定"
    deep = folder / "部局からの提出（令和6年度）" / "観光振興課の最終版（差し替え後）"
    return [corpus.write(folder, rows(POLICY_OK), "ok.xlsx"), corpus.write(folder, bad, "bad.xlsx"),
            corpus.write(deep, rows(POLICY_TWICE), "道路.xlsx"), corpus.write(folder, rows(POLICY_TWICE), "道路2.xlsx")]


@pytest.fixture(scope="module")
def mixed(tmp_path_factory) -> Path:
    """One input built, one with an error, two for the same 施策 (duplicates), long names."""
    root = tmp_path_factory.mktemp("mixed")
    result = batch.run(_inputs(root / "in"), root / "out", load_ruleset(), jobs=1)
    assert [e.status for e in result.entries] == ["合格", "不合格", "重複", "重複"]
    return root / "out" / FILE_NAME


def _table(path: Path) -> tuple[list[str], list[dict]]:
    ws = openpyxl.load_workbook(path, data_only=True)[SHEET]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    heads = list(rows[0])
    return heads, [dict(zip(heads, r, strict=True)) for r in rows[1:-1]]


def test_rows_not_built_keep_their_policy_and_sections(mixed):
    _, rows = _table(mixed)
    groups = [g["事業群名"] for g in corpus.example_rows()["事業群"]]
    sections = [g["主管課"] for g in corpus.example_rows()["事業群"]]
    by_policy: dict[str, list[dict]] = {}
    for r in rows:
        by_policy.setdefault(r["施策"], []).append(r)
    assert sorted(by_policy) == sorted([POLICY_OK, POLICY_BAD, POLICY_TWICE])
    for policy, outcome, n in ((POLICY_OK, "合格", 1), (POLICY_BAD, "不合格", 1), (POLICY_TWICE, "重複", 2)):
        got = by_policy[policy]
        assert [r["検証"] for r in got] == [outcome] * n * len(groups)
        assert {r["基本戦略"] for r in got} == {STRATEGY} and {r["実施年度"] for r in got} == {"R6"}
        assert [r["主管課"] for r in got] == sections * n
        assert [r["事業群"][1:] for r in got] == [GROUP, *groups[1:]] * n
        if outcome != "合格":  # the figures of what was not built are not counted
            assert all(r[h] is None for r in got for h in ("達成", "前年度実績", "当年度計画", "事業数"))
            assert all(r["調書ファイル"] is None and r["理由"] for r in got)


def _words(pdf: Path, page: int) -> list[tuple[float, float, float, float, str]]:
    """(xMin, yMin, xMax, yMax, text) of every word pdftotext finds on `page`."""
    import html
    import subprocess

    out = subprocess.run([libreoffice.find_tool("pdftotext"), "-bbox", "-f", str(page), "-l", str(page),
                          str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pattern = r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>'
    return [(float(a), float(b), float(c), float(d), html.unescape(t))
            for a, b, c, d, t in re.findall(pattern, out)]


def _column_edges(path: Path, words) -> list[float]:
    """The x of every column edge on the page: the columns' pixel widths from the workbook,
    placed and scaled by a least-squares fit of the one-word headers' centres (LibreOffice
    centres them in their columns)."""
    ws = openpyxl.load_workbook(path)[SHEET]
    heads = [c.value for c in ws[2]]
    with zipfile.ZipFile(path) as z:  # <col min max width>: width in characters, 7 px each
        cols = re.findall(r'<col min="(\d+)" max="(\d+)" width="([\d.]+)"',
                          z.read("xl/worksheets/sheet1.xml").decode())
    px = [0] * len(heads)
    for lo, hi, width in cols:
        for i in range(int(lo) - 1, min(int(hi), len(heads))):
            px[i] = round(float(width) * 7)
    cum = [sum(px[:i]) for i in range(len(px) + 1)]
    by_text = {w[4]: w for w in words}
    points = [((cum[i] + cum[i + 1]) / 2, (by_text[h][0] + by_text[h][2]) / 2)
              for i, h in enumerate(heads) if h in by_text]
    assert len(points) >= 5, points
    n = len(points)
    mx, my = sum(p for p, _ in points) / n, sum(q for _, q in points) / n
    scale = sum((p - mx) * (q - my) for p, q in points) / sum((p - mx) ** 2 for p, _ in points)
    x0 = my - scale * mx
    return [x0 + scale * c for c in cum]


@needs_libreoffice
def test_printed_nothing_is_clipped_or_runs_past_the_table(mixed, tmp_path):
    """A3 landscape, the table one page wide; every word of every row lies inside one
    column (a clipped name would cross into the next, 理由 would run past the last edge) and
    no two words overlap (a row too low for its wrapped text would spill into the next)."""
    pdf = libreoffice.to_pdf(mixed, tmp_path)
    pages = libreoffice.pdf_pages(pdf)
    assert pages[0].landscape and (round(pages[0].width), round(pages[0].height)) == (1191, 842)
    words = _words(pdf, 1)
    edges = _column_edges(mixed, words)
    head = next(w for w in words if w[4] == "実施年度")
    body = [w for w in words if w[1] > head[3]]
    tol = 1.0
    for w in body:
        centre = (w[0] + w[2]) / 2
        k = next((k for k in range(len(edges) - 1) if edges[k] <= centre <= edges[k + 1]), None)
        assert k is not None, f"{w[4]!r} outside the table"
        assert edges[k] - tol <= w[0] and w[2] <= edges[k + 1] + tol, \
            f"{w[4]!r} crosses its column ({w[0]:.1f}–{w[2]:.1f} in {edges[k]:.1f}–{edges[k + 1]:.1f})"
    for i, a in enumerate(body):
        for b in body[i + 1:]:
            overlap = min(a[2], b[2]) - max(a[0], b[0]) > tol and min(a[3], b[3]) - max(a[1], b[1]) > tol
            assert not overlap, (a, b)
    flat = re.sub(r"\s+", "", pdf_text(pdf, mode="raw"))
    for text in (STRATEGY, POLICY_OK, POLICY_BAD, POLICY_TWICE, GROUP):
        assert re.sub(r"\s+", "", text) in flat


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_reasons_in_the_language_asked_for(tmp_path, lang):
    """`build --lang en` writes the 一覧's 理由 in English (it stayed Japanese), through the CLI."""

    from chosho_xlsx.pipeline import check_file

    paths = _inputs(tmp_path / "in")
    proc = cli("build", *paths[1:], "-o", tmp_path / "out", "--lang", lang)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    _, rows = _table(tmp_path / "out" / FILE_NAME)
    reasons = {Path(r["入力ファイル"]).name: r["理由"] for r in rows}
    first = next(f for f in check_file(paths[1], load_ruleset()).findings if f.severity == "error")
    assert reasons["bad.xlsx"] == f"{first.place}: {first.message(lang)} [E-MONEY]"
    twice = {"ja": "同じ施策・実施年度の入力が他にもあります（どちらも作成しません）: ",
             "en": "another input has the same 施策 and 実施年度 (neither is built): "}[lang]
    assert reasons["道路.xlsx"] == twice + str(paths[3])
    assert reasons["道路2.xlsx"] == twice + str(paths[2])
