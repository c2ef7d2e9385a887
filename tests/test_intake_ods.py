"""OpenDocument spreadsheets (.ods, LibreOffice Calc's own format) go everywhere an .xlsx
goes (issue 24): the same workbook saved by LibreOffice as .ods gives the same findings at
the same cells, the same numbers as the clerk sees them (percent, a unit, a scale, a
currency), and a byte-identical 調書; the safety checks and the limits apply to it; a
number format that cannot be read is a finding at its cell; and a zip that is neither
names what it is."""

from __future__ import annotations

import hashlib
import re
import zipfile
from pathlib import Path

import pytest

from chosho_xlsx.common.findings import UnreadableFile
from chosho_xlsx.intake import safety
from chosho_xlsx.model.ruleset import load_ruleset
from chosho_xlsx.pipeline import check_file, read_input

from support import corpus
from support.commands import chosho_files, cli
from support.skips import missing_tools, office_test

SETTINGS = load_ruleset()
needs_soffice = office_test(pytest.mark.skipif(bool(missing_tools(())), reason="LibreOffice (soffice) not installed"))
ODS_TYPE = b"application/vnd.oasis.opendocument.spreadsheet"
# the example's 調書 (tests/test_batch_build_bytes.py pins it)
CHOSHO_SHA256 = "14cf4e19a222960ec8585cd1c20d376e6d0921d3f1617cda0aa6a5d08a6c4b02"


def _findings(checked) -> list[tuple[str, str, str]]:
    return [(f.code, f.place, f.value) for f in checked.findings]


def _as_ods(sources: list[Path], folder: Path) -> list[Path]:
    """Each workbook opened and saved as .ods by LibreOffice, in one run."""
    from chosho_xlsx.render import libreoffice

    return libreoffice.convert_many(sources, "ods", folder, recalc=False)


# ---- the same workbook saved by LibreOffice ----------------------------------------------


@pytest.fixture(scope="module")
def pairs(tmp_path_factory) -> dict[str, tuple[Path, Path]]:
    """name → (the .xlsx, the same saved as .ods by LibreOffice)."""
    folder = tmp_path_factory.mktemp("ods")
    books = {"example": corpus.example_workbook(folder)}
    # a clerk's slip: 「未定」 typed as a 事業費
    books["broken"] = corpus.mutated(folder, "事業", 0, "R6事業費", "未定", name="broken.xlsx")
    # numbers in formats that change what they mean, and a formula with its cached value
    rows = corpus.example_rows()
    i = corpus.index_of(rows, "指標", 指標番号=2)
    for header, value in (("R3実績", 0.418), ("R4実績", 0.492), ("R5実績", 0.656), ("R5目標", 0.3)):
        rows["指標"][i][header] = value
    formats = {("指標", h, i): "0.0%" for h in ("R3実績", "R4実績", "R5実績")}
    formats[("指標", "R5目標", i)] = "0%"
    j = corpus.index_of(rows, "指標", 指標番号=1)
    rows["指標"][j]["R5実績"] = 24
    formats[("指標", "R5実績", j)] = '#,##0"件"'
    rows["事業"][0]["R5事業費"] = 67313000
    formats[("事業", "R5事業費", 0)] = "#,##0,"
    formulas = {("事業", "R4事業費", 0): ("=1000+234", 1234)}
    books["formats"] = corpus.xlsxwriter_book(folder / "formats.xlsx", rows, formulas, formats)
    if missing_tools(()):
        pytest.skip("LibreOffice (soffice) not installed")
    converted = _as_ods(list(books.values()), folder / "ods")
    return {name: (xlsx, ods) for (name, xlsx), ods in zip(books.items(), converted, strict=True)}


@needs_soffice
@pytest.mark.parametrize("name", ["example", "broken", "formats"])
def test_same_findings_at_the_same_cells(pairs, name):
    xlsx, ods = pairs[name]
    assert ods.read_bytes()[30:30 + 8] == b"mimetype"
    from_xlsx, from_ods = check_file(xlsx, SETTINGS), check_file(ods, SETTINGS)
    assert _findings(from_ods) == _findings(from_xlsx)
    if name == "broken":
        assert ("E-MONEY", corpus.cell("事業", "R6事業費", 0), "未定") in _findings(from_ods)
    if name == "formats":  # each number as the clerk sees it, and the formula's cached value
        assert ("W-FORMULA", corpus.cell("事業", "R4事業費", 0), "1234") in _findings(from_ods)
        ods_book, xlsx_book = read_input(ods), read_input(xlsx)
        assert ods_book.formats == xlsx_book.formats and len(ods_book.formats) == 6
        ci = from_ods.report.indicators[1]
        assert [r.rate.text for r in ci.years[:3]] == ["418%", "246%", "218%"]


@needs_soffice
def test_the_chosho_built_from_the_ods_is_the_same_bytes(pairs, tmp_path):
    _xlsx, ods = pairs["example"]
    proc = cli("build", ods, "-o", tmp_path / "out")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (chosho,) = chosho_files(tmp_path / "out")
    assert hashlib.sha256(chosho.read_bytes()).hexdigest() == CHOSHO_SHA256


@needs_soffice
def test_a_folder_picks_up_ods_and_validate_reads_it(pairs, tmp_path):
    _xlsx, ods = pairs["example"]
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "dept.ods").write_bytes(ods.read_bytes())
    proc = cli("validate", folder)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "dept.ods" in proc.stdout


def _patched(ods: Path, target: Path, change) -> Path:
    """The .ods with content.xml changed by `change(text) -> text`."""
    with zipfile.ZipFile(ods) as zin, zipfile.ZipFile(target, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "content.xml":
                data = change(data.decode()).encode()
            zout.writestr(info, data, compress_type=zipfile.ZIP_STORED if info.filename == "mimetype"
                          else zipfile.ZIP_DEFLATED)
    return target


@needs_soffice
def test_a_format_that_cannot_be_read_is_a_finding_at_its_cell(pairs, tmp_path):
    """The percent-formatted R3実績 of 指標 2 given a cell style that does not exist:
    never read as a bare 0.418 nor guessed as 41.8 %."""
    _xlsx, ods = pairs["formats"]
    at = corpus.cell("指標", "R3実績", corpus.index_of(corpus.example_rows(), "指標", 指標番号=2))

    def unknown_style(text: str) -> str:
        pattern = r'(<table:table-cell)([^>]*office:value="0.418")'
        text, n = re.subn(pattern, lambda m: m[1] + re.sub(r' table:style-name="[^"]*"', "", m[2])
                          + ' table:style-name="nosuch"', text, count=1)
        assert n == 1
        return text

    checked = check_file(_patched(ods, tmp_path / "bad.ods", unknown_style), SETTINGS)
    (finding,) = [f for f in checked.findings if f.code == "E-NUMBER-FORMAT"]
    assert (finding.place, finding.value, finding.params) == (at, "0.418", {"format": "nosuch"})


@needs_soffice
def test_a_repeated_row_past_the_limits_is_refused_before_calamine_reads_it(pairs, tmp_path):
    """LibreOffice writes a row repeated n times once: a value repeated over 10 million
    rows would be a dense grid of that size in calamine, which reads an .ods whole."""
    _xlsx, ods = pairs["example"]

    def repeated(text: str) -> str:
        start = text.index('<table:table table:name="指標"')
        at = text.index("<table:table-row", text.index("</table:table-header-rows>", start))
        return text[:at] + '<table:table-row table:number-rows-repeated="10000000">' \
            '<table:table-cell office:value-type="float" office:value="1"/></table:table-row>' + text[at:]

    checked = check_file(_patched(ods, tmp_path / "big.ods", repeated), SETTINGS)
    (finding,) = checked.findings
    assert (finding.code, finding.params["sheet"], finding.params["cell"]) == ("E-FILE-TOO-MANY-ROWS", "指標", "A2001")


# ---- zips that are not spreadsheets, and hostile ones (no LibreOffice needed) ---------------


def _zip(path: Path, parts: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data, compress_type=zipfile.ZIP_STORED if name == "mimetype" else None)
    return path


def _code(path: Path) -> str:
    with pytest.raises(UnreadableFile) as info:
        safety.check_workbook(path)
    return info.value.finding.code


CONTENT = (b'<?xml version="1.0" encoding="UTF-8"?><office:document-content '
           b'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"/>')


@pytest.mark.parametrize(("parts", "code", "kind"), [
    ({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": CONTENT}, "E-FILE-OTHER-KIND", ".odt"),
    ({"[Content_Types].xml": b"<Types/>", "xl/workbook.bin": b"\0\1"}, "E-FILE-OTHER-KIND", ".xlsb"),
    ({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>"}, "E-FILE-OTHER-KIND", ".docx"),
    ({"mimetype": ODS_TYPE, "styles.xml": b"<s/>"}, "E-FILE-ODS-UNREADABLE", None),
    ({"mimetype": ODS_TYPE, "content.xml": CONTENT,
      "META-INF/manifest.xml": b"<manifest><file-entry><encryption-data/></file-entry></manifest>"},
     "E-FILE-ENCRYPTED", None),
    ({"mimetype": ODS_TYPE, "content.xml": b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'},
     "E-FILE-XMLBOMB", None),
    ({"readme.txt": b"hello"}, "E-FILE-NOT-WORKBOOK", None),
])
def test_a_zip_that_is_no_workbook_says_what_it_is(tmp_path, parts, code, kind):
    path = _zip(tmp_path / "sent.xlsx", parts)
    with pytest.raises(UnreadableFile) as info:
        safety.check_workbook(path)
    assert info.value.finding.code == code
    if kind:
        assert kind in info.value.finding.message("ja") and kind in info.value.finding.message("en")


@pytest.mark.slow
def test_a_zip_bomb_in_content_xml_is_refused(tmp_path):
    path = _zip(tmp_path / "bomb.ods", {"mimetype": ODS_TYPE, "content.xml": b"<a>" + b" " * (300 * 1024**2)})
    assert _code(path) in ("E-FILE-ZIPBOMB", "E-FILE-TOO-LARGE")


def test_an_ods_is_opened_as_an_ods(tmp_path):
    path = _zip(tmp_path / "ok.ods", {"mimetype": ODS_TYPE, "content.xml": CONTENT})
    with safety.open_checked(path) as pkg:
        assert pkg.kind == "ods" and pkg.parts["mimetype"] == ODS_TYPE


@needs_soffice
def test_an_annotated_copy_of_an_ods_is_refused_with_what_to_do(pairs, tmp_path):
    """openpyxl writes .xlsx only: the findings are still shown, the copy is one sentence
    saying to save as .xlsx (exit 2), never a traceback."""
    _xlsx, ods = pairs["example"]
    proc = cli("validate", ods, "--annotate", tmp_path / "copy.xlsx")
    assert proc.returncode == 2
    assert "W-REVIEW-CONFLICT" in proc.stdout
    assert "Excel ブック (.xlsx) にだけ作れます" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "copy.xlsx").exists()
