"""The built example 調書 as LibreOffice prints it: A3 landscape pages, every name and
達成率 of the seed on paper, the pinned page count, and cached values that equal what the
formulas recalculate to.

One PDF conversion and one recalculation, run side by side once for the module. Skipped
only when LibreOffice or poppler-utils is not installed; CI installs both."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from chosho_xlsx.model.ruleset import load_ruleset
from chosho_xlsx.render import libreoffice
from chosho_xlsx.writers import layout

from support.pdf import pdf_text
from support.recalc import compare_cached_with_recalculated
from support.skips import libreoffice_module

# Measured: the example prints on 9 pages (1 概要・指標 2, 2 R5取組実績 4, 3 課題と方向性 1,
# 4 見直し内容 2) with LibreOffice 7.4 and IPAexゴシック, the same with and without the
# Carlito font (README: Carlito gives Excel's column widths). The page breaks are the
# layout's own (layout/page.py, between blocks); a change in the layout that moves this
# number should be a deliberate one, so update it then.
PAGES = 9

# A3 in points (form/layout.yaml: paper 8), landscape.
A3_LANDSCAPE = (1190.55, 841.89)


pytestmark = libreoffice_module


@pytest.fixture(scope="module")
def rendered(report, tmp_path_factory):
    root = tmp_path_factory.mktemp("render")
    xlsx = root / "chosho.xlsx"
    layout.write_chosho(report, xlsx, load_ruleset())
    with ThreadPoolExecutor(max_workers=2) as pool:
        pdf = pool.submit(libreoffice.to_pdf, xlsx, root / "pdf")
        mismatches = pool.submit(compare_cached_with_recalculated, xlsx)
        pdf_path = pdf.result()
        return {
            "xlsx": xlsx,
            "pdf": pdf_path,
            "pages": libreoffice.pdf_pages(pdf_path),
            # raw: each cell's text whole, in the order LibreOffice drew it
            "raw": pdf_text(pdf_path, mode="raw"),
            "mismatches": mismatches.result(),
        }


def _flat(text: str) -> str:
    """Without whitespace: a long name wraps inside its cell, and pdftotext puts the
    pieces on separate lines."""
    return re.sub(r"\s+", "", text)


def test_page_count_is_pinned(rendered):
    assert len(rendered["pages"]) == PAGES


def test_every_page_is_a3_landscape(rendered):
    for page in rendered["pages"]:
        assert page.landscape, page
        assert (page.width, page.height) == pytest.approx(A3_LANDSCAPE, abs=1), page


def test_footer_numbers_every_page(rendered):
    pages = rendered["raw"].split("\f")
    for n in range(1, PAGES + 1):
        assert re.search(rf"(?m)^\s*{n} / {PAGES}\s*$", pages[n - 1]), f"page {n}"


def test_no_recalculation_mismatches(rendered):
    mismatches = rendered["mismatches"]
    assert mismatches == [], "\n".join(map(str, mismatches))


def test_every_indicator_name_is_printed(rendered, report):
    flat = _flat(rendered["raw"])
    missing = [
        ci.indicator.name for ci in report.indicators if _flat(ci.indicator.name) not in flat
    ]
    assert report.indicators and not missing


def test_every_project_and_project_indicator_name_is_printed(rendered, report):
    flat = _flat(rendered["raw"])
    names = [cp.project.name for cp in report.projects]
    names += [pi.indicator.name for cp in report.projects for pi in cp.indicators]
    missing = [name for name in names if _flat(name) not in flat]
    assert report.projects and not missing


def test_every_rate_is_printed(rendered, report):
    """Each 達成率 of the seed, as many times as the report has it (a rate is its own cell,
    so it is counted as a whole number: 「33%」 inside 「133%」 does not count)."""
    expected = Counter(
        y.rate.text for ci in report.indicators for y in ci.years if y.rate.percent is not None
    )
    expected += Counter(
        y.rate.text
        for cp in report.projects
        for pi in cp.indicators
        for y in pi.years
        if y.rate.percent is not None
    )
    assert expected
    raw = rendered["raw"]
    short = {
        rate: (want, len(re.findall(rf"(?<![\d.,]){re.escape(rate)}", raw)))
        for rate, want in expected.items()
    }
    assert {rate: got for rate, got in short.items() if got[1] < got[0]} == {}


def test_title_and_sections_in_order(rendered):
    flat = _flat(rendered["raw"])
    marks = [
        "事業群評価調書（令和６年度実施）",
        "２．令和５年度取組実績",
        "３．実績の検証",
        "４．令和６年度見直し内容",
    ]
    places = [flat.find(mark) for mark in marks]
    assert -1 not in places and places == sorted(places), dict(zip(marks, places, strict=True))


@pytest.mark.skipif(
    shutil.which("pdffonts") is None, reason="pdffonts (poppler-utils) not installed"
)
def test_japanese_text_is_set_in_ipaex(rendered):
    fonts = subprocess.run(
        ["pdffonts", str(rendered["pdf"])], capture_output=True, text=True, check=True
    ).stdout
    assert "IPAexGothic" in fonts, fonts
