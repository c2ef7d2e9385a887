"""The 一覧 as people use it: its links open their 調書 whatever the 施策名."""

from __future__ import annotations

import re
import urllib.parse
import zipfile
from pathlib import Path

import corpus
import openpyxl
import pytest

from chosho_xlsx import batch, libreoffice
from chosho_xlsx.settings import load_settings
from chosho_xlsx.summary import FILE_NAME, SHEET

# '#' (XlsxWriter cut links there), '%' and a literal escape (「%41」 read as 「A」), spaces,
# 全角 space, kanji
NAMES = ("観光#1 振興", "100% 達成の町", "a%41b 計画", "空白 と\u3000全角")
_MISSING = libreoffice.missing_tools(("pdftotext", "pdfinfo"))
needs_libreoffice = pytest.mark.skipif(
    bool(_MISSING), reason=f"LibreOffice / poppler-utils not installed ({', '.join(_MISSING)}): "
    f"{libreoffice.INSTALL_COMMAND}")


@pytest.fixture(scope="module")
def linked(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("links")
    paths = [corpus.write(root / "in", corpus.set_key(corpus.example_rows(), "施策名", name), f"in{i}.xlsx")
             for i, name in enumerate(NAMES)]
    result = batch.run(paths, root / "out", load_settings(), jobs=1)
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
    links = _links(linked / FILE_NAME)
    ws = openpyxl.load_workbook(linked / FILE_NAME)[SHEET]
    chosho = sorted(p.name for p in linked.glob("R6_*.xlsx"))
    assert len(chosho) == len(NAMES)
    seen = set()
    for ref, target in links.items():
        shown = ws[ref].value
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

