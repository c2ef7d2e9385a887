"""`chosho-xlsx publish`: the example and synthetic 施策 as one book.

The department inputs (the bundled example and three synthetic ones from
bench/generate.py) are published into one book; the same inputs are built and printed
separately with `preview` (one LibreOffice run for all of them), which gives each part's
own page count to check the book against. A second, small book from a built 調書 alone
is written with --pdfa. Skipped only when LibreOffice or poppler-utils is missing."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pikepdf
import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from chosho_xlsx.book.frontmatter import ROWS_PER_PAGE, contents_pages, footer_code
from chosho_xlsx.book.publish import book_order, leading_numbers, without_footer
from chosho_xlsx.cli import app
from chosho_xlsx.render import libreoffice
from chosho_xlsx.render.libreoffice import INSTALL_COMMAND

from support import ROOT
from support.commands import cli
from support.pdf import pdf_text
from support.skips import needs_libreoffice

# The four sheets of a 調書 and the heading their first page starts with.
SECTION_HEADINGS = ("１．計画等概要", "２．", "３．実績の検証及び解決すべき課題", "４．")


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    root = tmp_path_factory.mktemp("publish")
    inputs = root / "inputs"
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        from generate import generate
    finally:
        sys.path.remove(str(ROOT / "bench"))
    generate(inputs, 3, seed=7, jobs=1)
    assert cli("example", "-o", str(inputs / "example.xlsx")).returncode == 0

    published = cli("publish", str(inputs), "-o", str(root / "book.pdf"))
    # the parts on their own: built, then printed by preview in one run
    assert cli("build", str(inputs), "-o", str(root / "built")).returncode == 0
    preview = cli("preview", str(root / "built"), "-o", str(root / "alone"))
    pdf = root / "book.pdf"
    text = pdf_text(pdf, mode="raw").split("\f") if pdf.exists() else []
    layout = pdf_text(pdf, mode="layout").split("\f") if pdf.exists() else []
    return {"root": root, "run": published, "preview": preview, "pdf": pdf, "pages": text,
            "layout": layout}


def _built_policies(root: Path) -> list[tuple[str, str]]:
    """(基本戦略, 施策) of every built 調書, read from its header as publish reads it."""
    from chosho_xlsx.book.publish import classify

    out = []
    for f in sorted((root / "built").glob("R*.xlsx")):
        s = classify(f)
        out.append((s.strategy, s.policy))
    return out


def _outline(pdf: Path) -> list[tuple[str, int, list[tuple[str, int]]]]:
    with pikepdf.open(pdf) as p:
        index = {pg.obj.objgen: i for i, pg in enumerate(p.pages)}
        with p.open_outline() as o:
            return [(item.title, index[item.destination[0].objgen],
                     [(c.title, index[c.destination[0].objgen]) for c in item.children])
                    for item in o.root]


@needs_libreoffice
def test_publish_writes_the_book(book):
    assert book["run"].returncode == 0, book["run"].stderr
    assert book["run"].stdout.strip() == str(book["pdf"])
    assert [p.name for p in book["root"].iterdir() if p.name.startswith(".")] == []  # no temp files


@needs_libreoffice
def test_page_count_is_the_parts_plus_cover_and_contents(book):
    alone = book["root"] / "alone"
    assert book["preview"].returncode == 0, book["preview"].stderr
    pdfs = sorted(alone.glob("*.pdf"))
    assert len(pdfs) == 6  # 4 調書, 一覧 and 評価結果概要, printed by one preview command
    parts = sum(libreoffice.pdf_page_count(p) for p in pdfs)
    assert libreoffice.pdf_page_count(book["pdf"]) == 1 + 1 + parts


@needs_libreoffice
def test_outline_is_each_policy_with_its_four_sections(book):
    outline = _outline(book["pdf"])
    policies = _built_policies(book["root"])
    assert outline[0][:2] == ("目次", 1)
    # the 評価結果概要 right after the contents, its three sheets beneath; the 一覧 last
    assert outline[1][0] == "評価結果概要"
    assert [t for t, _ in outline[1][2]] == ["概要", "基本戦略別", "主管課別"]
    assert "評価結果概要（全体）" in flat(book["pages"][outline[1][1]])
    assert outline[-1][0] == "一覧"
    entries = outline[2:-1]
    assert sorted(t for t, _, _ in entries) == sorted(p for _, p in policies)
    pages = book["pages"]
    for title, page, sections in entries:
        assert len(sections) == 4, title
        assert sections[0][1] == page
        assert [s[1] for s in sections] == sorted(s[1] for s in sections)
        for (name, at), heading in zip(sections, SECTION_HEADINGS, strict=True):
            assert flat(pages[at]).find(heading) >= 0, (title, name, at)
            assert heading not in flat(pages[at - 1]) or at == page, (title, name)
        assert title in flat(pages[page])  # the 施策 name is extractable text


@needs_libreoffice
def test_policies_in_strategy_and_policy_order(book):
    outline = _outline(book["pdf"])[2:-1]
    by_name = dict((p, s) for s, p in _built_policies(book["root"]))
    strategies = [by_name[t] for t, _, _ in outline]
    keys = [leading_numbers(s) for s in strategies]
    assert keys == sorted(keys)


@needs_libreoffice
def test_contents_lists_every_policy_with_its_page(book):
    contents = book["layout"][1]  # each line: the name, then its page on the right
    outline = _outline(book["pdf"])
    for title, page, _ in outline[1:]:
        m = re.search(re.escape(title) + r"\s*(\d+)", contents)
        assert m, title
        assert int(m[1]) == page + 1, title  # printed numbers count from 1
    for strategy in {s for s, _ in _built_policies(book["root"])}:
        assert flat(strategy) in flat(contents)


@needs_libreoffice
def test_page_numbers_run_through_the_book_with_the_policy_in_the_footer(book):
    pages = book["pages"]
    total = len([p for p in pages if p.strip()])
    assert total == libreoffice.pdf_page_count(book["pdf"])
    for n in range(2, total + 1):
        assert re.search(rf"(?<!\d){n} / {total}(?!\d)", pages[n - 1]), f"page {n}"
    outline = _outline(book["pdf"])
    starts = [page for _, page, _ in outline[1:]]
    for (title, first, _), end in zip(outline[1:-1], starts[1:], strict=True):
        for k in range(first, end):
            assert title in flat(pages[k]), (title, k + 1)


@needs_libreoffice
def test_book_is_tagged_titled_in_japanese(book):
    with pikepdf.open(book["pdf"]) as p:
        assert p.Root.MarkInfo.Marked is True
        assert str(p.Root.Lang) == "ja"
        assert p.Root.ViewerPreferences.DisplayDocTitle is True
        from chosho_xlsx.book.publish import classify
        from chosho_xlsx.model.fiscal import full_label

        years = sorted({classify(f).fiscal_year for f in (book["root"] / "built").glob("R*.xlsx")})
        assert 2024 in years
        assert str(p.docinfo.Title) == f"事業群評価調書（{'・'.join(map(full_label, years))}実施）"
        assert p.open_metadata()["dc:title"] == str(p.docinfo.Title)
        tree = p.Root.StructTreeRoot
        pages = {pg.obj.objgen for pg in p.pages}
        keys = dict(pikepdf.NumberTree(tree.ParentTree).items())
        # every page with marked content has its entry, every element sits on a book page
        for pg in p.pages:
            assert int(pg.obj.StructParents) in keys
        stack, seen = list(tree.K), 0
        while stack:
            e = stack.pop()
            if isinstance(e, pikepdf.Dictionary):
                seen += 1
                if "/Pg" in e:
                    assert e.Pg.objgen in pages
                kids = e.get("/K")
                if isinstance(kids, pikepdf.Array):
                    stack.extend(kids)
                elif isinstance(kids, pikepdf.Dictionary):
                    stack.append(kids)
        assert seen > 1000


@needs_libreoffice
def test_summary_links_lead_to_the_policies_in_the_book(book):
    """The 一覧's link on each line goes to that 施策's first page, not to a file (of a
    temporary folder); cell comments (notes for the clerk) are not in the book."""
    outline = _outline(book["pdf"])
    firsts = {page for _, page, _ in outline[2:-1]}  # the 調書, after the 評価結果概要
    with pikepdf.open(book["pdf"]) as p:
        index = {pg.obj.objgen: i for i, pg in enumerate(p.pages)}
        links, kinds = [], set()
        for i, page in enumerate(p.pages):
            for annot in page.obj.get("/Annots", pikepdf.Array()):
                kinds.add(str(annot.Subtype))
                assert "/A" not in annot or not str(annot.A.get("/URI", "")).startswith("file:")
                if annot.Subtype == "/Link":
                    links.append((i, index[annot.Dest[0].objgen]))
    assert kinds == {"/Link"}
    assert links and {i for i, _ in links} == {outline[-1][1]}  # all on the 一覧
    assert {target for _, target in links} == firsts  # every 施策, and nothing else


def _fonts(p: pikepdf.Pdf):
    """Every font used on every page, including inside form XObjects (the footers)."""
    def walk(resources, depth=0):
        yield from resources.get("/Font", {}).values()
        for xobj in resources.get("/XObject", {}).values():
            if xobj.get("/Subtype") == "/Form" and "/Resources" in xobj and depth < 5:
                yield from walk(xobj.Resources, depth + 1)
    for page in p.pages:
        yield from walk(page.Resources)


def _embedded(font) -> bool:
    if font.Subtype == "/Type0":
        font = font.DescendantFonts[0]
    d = font.get("/FontDescriptor")
    return d is not None and any(k in d for k in ("/FontFile", "/FontFile2", "/FontFile3"))


@needs_libreoffice
def test_every_font_is_embedded(book):
    with pikepdf.open(book["pdf"]) as p:
        fonts = list(_fonts(p))
        assert fonts and all(_embedded(f) for f in fonts)
        names = {str(f.BaseFont) for f in fonts}
        assert any("IPAexGothic" in n for n in names), names


@pytest.fixture(scope="module")
def pdfa(book):
    """The example's 調書 alone, published twice with --pdfa."""
    built = sorted((book["root"] / "built").glob("R6_ICT*.xlsx"))
    runs = [cli("publish", str(built[0]), "-o", str(book["root"] / name), "--pdfa")
            for name in ("pdfa.pdf", "pdfa-again.pdf")]
    return {"run": runs[0], "again": runs[1], "pdf": book["root"] / "pdfa.pdf",
            "pdf_again": book["root"] / "pdfa-again.pdf"}


@needs_libreoffice
def test_pdfa_identification_output_intent_and_fonts(pdfa):
    """What is verified (no PDF/A validator such as veraPDF is available here): the XMP
    packet declares PDF/A-2B (pdfaid:part 2, conformance B) and its title is the
    document's; the catalog has a GTS_PDFA1 output intent with an ICC profile; every
    font on every page, footers included, is embedded; PDF version ≤ 1.7; the file is not
    encrypted and has a trailer /ID."""
    assert pdfa["run"].returncode == 0, pdfa["run"].stderr
    with pikepdf.open(pdfa["pdf"]) as p:
        meta = p.open_metadata()
        assert meta.pdfa_status == "2B"
        assert meta["dc:title"] == str(p.docinfo.Title) == "事業群評価調書（令和６年度実施）"
        intents = p.Root.OutputIntents
        assert intents[0].S == "/GTS_PDFA1"
        assert len(intents[0].DestOutputProfile.read_bytes()) > 1000
        assert all(_embedded(f) for f in _fonts(p))
        assert float(p.pdf_version) <= 1.7
        assert not p.is_encrypted
        assert "/ID" in p.trailer
        assert "/StructTreeRoot" in p.Root
        # 1 cover + 1 contents + the example's 9 pages; no 一覧 (none given)
        assert len(p.pages) == 11
        assert [t for t, _, _ in _outline(pdfa["pdf"])] == [
            "目次", "ICTを活用した地域活性化と行政運営の効率化"]


@needs_libreoffice
def test_same_inputs_same_book(pdfa):
    """Byte for byte: no clock time, no random names."""
    assert pdfa["again"].returncode == 0, pdfa["again"].stderr
    assert pdfa["pdf"].read_bytes() == pdfa["pdf_again"].read_bytes()


@needs_libreoffice
def test_an_input_that_cannot_be_built_writes_no_book(book, tmp_path):
    bad = tmp_path / "bad.xlsx"
    with zipfile.ZipFile(book["root"] / "inputs" / "example.xlsx") as z:
        assert z.namelist()
    (tmp_path / "in").mkdir()
    src = book["root"] / "inputs" / "example.xlsx"
    import openpyxl

    wb = openpyxl.load_workbook(src)
    ws = wb["事業"]
    ws["A2"] = None  # 事業番号 is required
    wb.save(bad)
    run = cli("publish", str(bad), "-o", str(tmp_path / "book.pdf"))
    assert run.returncode == 1, run.stderr
    assert "PDF は書きませんでした" in run.stderr
    assert not (tmp_path / "book.pdf").exists()


@needs_libreoffice
def test_preview_of_files_with_the_same_name_from_two_folders(tmp_path):
    from xlsxwriter import Workbook

    for folder, word in (("a", "一つ目"), ("b", "二つ目")):
        (tmp_path / folder).mkdir()
        wb = Workbook(str(tmp_path / folder / "調書.xlsx"))
        wb.add_worksheet("s").write_string(0, 0, word)
        wb.close()
    run = cli("preview", str(tmp_path / "a"), str(tmp_path / "b" / "調書.xlsx"), "-o", str(tmp_path / "out"))
    assert run.returncode == 0, run.stderr
    out = tmp_path / "out"
    assert run.stdout.splitlines() == [str(out / "調書.pdf"), str(out / "調書_2.pdf")]
    assert sorted(p.name for p in out.iterdir()) == ["調書.pdf", "調書_2.pdf"]
    assert "一つ目" in pdf_text(out / "調書.pdf")
    assert "二つ目" in pdf_text(out / "調書_2.pdf")


@needs_libreoffice
def test_bench_script_runs_on_a_tiny_n(tmp_path):
    """bench/publish.py runs (its figures are in bench/README.md, not checked here)."""
    import json

    out = tmp_path / "figures.json"
    run = subprocess.run([sys.executable, str(ROOT / "bench" / "publish.py"), "-n", "2", "--jobs", "1",
                          "--json", str(out)], capture_output=True, text=True, encoding="utf-8")
    assert run.returncode == 0, run.stderr
    figures = json.loads(out.read_text(encoding="utf-8"))
    assert figures["n"] == 2 and figures["alone_s"] > 0
    assert [b["jobs"] for b in figures["books"]] == [1]
    assert set(figures["books"][0]["phases"]) == {"build", "parts", "front", "assemble"}


@needs_libreoffice
def test_other_workbooks_and_a_policy_twice_are_refused(book, tmp_path):
    from xlsxwriter import Workbook

    other = tmp_path / "家計簿.xlsx"
    wb = Workbook(str(other))
    wb.add_worksheet("支出").write_string(0, 0, "食費")
    wb.close()
    run = cli("publish", str(other), "-o", str(tmp_path / "a.pdf"))
    assert run.returncode == 2
    assert f"調書・部局の入力ブック・一覧のどれでもありません: {other}" in run.stderr

    chosho = next((book["root"] / "built").glob("R6_ICT*.xlsx"))
    (tmp_path / "copy").mkdir()
    twin = tmp_path / "copy" / chosho.name
    twin.write_bytes(chosho.read_bytes())
    run = cli("publish", str(chosho), str(twin), "-o", str(tmp_path / "b.pdf"), "--lang", "en")
    assert run.returncode == 1
    assert f"two 調書 of the same 施策 and 実施年度: {chosho}, {twin}" in run.stderr
    assert not (tmp_path / "a.pdf").exists() and not (tmp_path / "b.pdf").exists()


# ---- without LibreOffice, and the pieces --------------------------------------------------


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_publish_without_soffice_exits_2_with_the_install_line(tmp_path, monkeypatch, lang):
    import shutil

    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None)
    monkeypatch.setattr(libreoffice, "_COMMON_PATHS", ())
    result = CliRunner().invoke(app, ["publish", str(tmp_path), "-o", str(tmp_path / "b.pdf"),
                                      "--lang", lang])
    assert result.exit_code == 2
    assert isinstance(result.exception, SystemExit)
    assert INSTALL_COMMAND in result.output
    assert ("見つかりません" in result.output) == (lang == "ja")
    assert not (tmp_path / "b.pdf").exists()


def test_leading_numbers():
    assert leading_numbers("3-1 人口減少に対応できる持続可能な地域を創る") == (3, 1)
    assert leading_numbers("１０－２ 全角") == (10, 2)
    assert leading_numbers("（2）施策") == (2,)
    assert leading_numbers("ICTを活用した地域活性化") == ()


@given(st.lists(st.tuples(st.integers(1, 12), st.integers(1, 12), st.text(min_size=1, max_size=8)),
                min_size=1, max_size=12))
def test_book_order_follows_the_strategy_numbers(items):
    from chosho_xlsx.book.publish import CHOSHO, Source

    sources = [Source(Path(f"{k}.xlsx"), CHOSHO, 2024, f"{a}-{b} 戦略", name)
               for k, (a, b, name) in enumerate(items)]
    ordered = sorted(sources, key=book_order)
    nums = [leading_numbers(s.strategy) for s in ordered]
    assert nums == sorted(nums)
    assert sorted(reversed(sources), key=book_order) == ordered  # not the input order


def test_without_footer_takes_out_only_the_footers(tmp_path):
    from xlsxwriter import Workbook

    src = tmp_path / "a.xlsx"
    wb = Workbook(str(src))
    ws = wb.add_worksheet("s")
    ws.write_string(0, 0, "本文")
    ws.set_footer("&C&P / &N")
    ws.set_header("&C見出し")
    wb.close()
    out = tmp_path / "b.xlsx"
    without_footer(src, out)
    with zipfile.ZipFile(src) as a, zipfile.ZipFile(out) as b:
        assert a.namelist() == b.namelist()
        sheet_a = a.read("xl/worksheets/sheet1.xml")
        sheet_b = b.read("xl/worksheets/sheet1.xml")
        assert b"<oddFooter>" in sheet_a and b"<oddFooter>" not in sheet_b
        assert sheet_b == sheet_a.replace(b"<oddFooter>&amp;C&amp;P / &amp;N</oddFooter>", b"")
        assert b"<oddHeader>" in sheet_b


def test_contents_pages_and_footer_code():
    assert contents_pages(1) == 1
    assert contents_pages(ROWS_PER_PAGE) == 1
    assert contents_pages(ROWS_PER_PAGE + 1) == 2
    assert footer_code("A&B", 12) == "&LA&&B&C&P / 12"


def test_a_pdf_that_cannot_be_read_is_one_sentence(tmp_path):
    from chosho_xlsx.book import binding
    from chosho_xlsx.render.libreoffice import LibreOfficeError

    broken = tmp_path / "0001.pdf"
    broken.write_bytes(b"%PDF-1.6\ncut short")
    with pytest.raises(LibreOfficeError, match="PDF を読めませんでした.*cannot read LibreOffice's PDF 0001.pdf"):
        binding.inspect(binding.Part(broken, "x"))
    plan = binding.PlanError("表紙・目次", 3, 2)
    assert isinstance(plan, LibreOfficeError)
    assert "予定の 2 ページではなく 3 ページ" in str(plan)


def test_icc_profile_dated_and_its_id_computed_again():
    import datetime as dt
    import hashlib

    from chosho_xlsx.book.binding import icc_dated
    from chosho_xlsx.book.frontmatter import paper_of

    header = bytearray(128)
    header[36:40] = b"acsp"
    header[24:36] = bytes.fromhex("07ea000b001e000f002c001b")  # 2026-11-30 15:44:27
    header[84:100] = b"x" * 16
    out = icc_dated(bytes(header) + b"tags", dt.datetime(2024, 4, 1))
    assert out[24:36] == bytes.fromhex("07e8000400010000" "00000000")
    zeroed = bytearray(out)
    zeroed[84:100] = bytes(16)
    assert out[84:100] == hashlib.md5(zeroed).digest()
    assert out[100:] == bytes(header[100:]) + b"tags"
    assert icc_dated(b"not a profile", dt.datetime(2024, 4, 1)) == b"not a profile"
    assert paper_of(1190.55, 841.89) == (8, True)  # A3 landscape
    assert paper_of(595.3, 841.9) == (9, False)  # A4 portrait
