"""LibreOffice and poppler: PDF, PNG, recalculation forced on load, and the preview command.

The conversions cost a few seconds each, so they run once per module, side by side (which
also shows that the private profiles keep parallel runs apart), and the tests share them.
They are skipped only when LibreOffice or poppler-utils is not installed; CI installs both."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import xlsxwriter
from typer.testing import CliRunner

from chosho_xlsx.cli import app
from chosho_xlsx.render import libreoffice
from chosho_xlsx.render.libreoffice import INSTALL_COMMAND, LibreOfficeError, LibreOfficeMissing

from support import recalc
from support.pdf import pdf_text
from support.recalc import (
    Mismatch,
    compare_cached_with_recalculated,
    libreoffice_recalculated,
    same_value,
)
from support.skips import missing_tools, office_mark, office_test

_MISSING = missing_tools()
needs_libreoffice = office_mark(("pdftoppm", "pdftotext", "pdfinfo"))


def _make_book(path: Path) -> Path:
    """Two sheets: a landscape one with Japanese text and a formula cached WRONG (999 for
    =A1+A2), and a portrait one whose formulas are all cached right."""
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("調書")
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.write("A1", 1)
    ws.write("A2", 2)
    ws.write_formula("A3", "=A1+A2", None, 999)  # deliberately wrong cache
    ws.write("B1", "事業群評価調書")
    ws.write_formula("B2", '="達成率"&TEXT(0.656,"0.0%")', None, "達成率65.6%")
    other = wb.add_worksheet("別紙")
    other.set_portrait()
    other.set_paper(9)
    other.write("A1", 10)
    other.write_formula("A2", "=A1/3", None, 10 / 3)
    other.write_formula("A3", "='調書'!A1>0", None, True)
    other.write_formula("A4", '=""', None, "")
    other.write_formula("A5", "=DATE(2024,4,1)", wb.add_format({"num_format": "yyyy-mm-dd"}), 45383)
    other.write_array_formula("A6:A6", "{=SUM(A1*2)}", None, 20)
    wb.close()
    return path


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """All conversions of the module, run at the same time."""
    if _MISSING:
        pytest.skip(f"LibreOffice / poppler-utils not installed ({', '.join(_MISSING)})")
    root = tmp_path_factory.mktemp("lo")
    book = _make_book(root / "book.xlsx")
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}

    def cli_preview():
        return subprocess.run(
            [
                sys.executable,
                "-m",
                "chosho_xlsx.cli",
                "preview",
                str(book),
                "-o",
                str(root / "preview"),
                "--png",
                "--dpi",
                "30",
            ],
            capture_output=True,
            text=True,
            env=env,
            cwd=root,
            timeout=300,
        )

    def timed(fn, *args, **kwargs):
        start = time.perf_counter()
        value = fn(*args, **kwargs)
        return value, time.perf_counter() - start

    with ThreadPoolExecutor(max_workers=4) as pool:
        recalc = pool.submit(timed, libreoffice_recalculated, book, root / "recalc")
        stale = pool.submit(libreoffice.convert, book, "xlsx", root / "stale", recalc=False)
        preview = pool.submit(cli_preview)
        mismatches = pool.submit(compare_cached_with_recalculated, book)
        recalculated, seconds = recalc.result()
        return {
            "root": root,
            "book": book,
            "recalculated": recalculated,
            "seconds": seconds,
            "stale": stale.result(),
            "preview": preview.result(),
            "mismatches": mismatches.result(),
        }


# ---- recalculation forced on load ------------------------------------------------------


@needs_libreoffice
def test_wrong_cache_is_recalculated(runs):
    import openpyxl
    from python_calamine import CalamineWorkbook

    path = runs["recalculated"]
    assert path == runs["root"] / "recalc" / "book.xlsx"
    assert openpyxl.load_workbook(path, data_only=True)["調書"]["A3"].value == 3
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("調書").to_python()
    assert rows[2][0] == 3
    assert rows[1][1] == "達成率65.6%"
    # and the source still carries the wrong value, as written
    assert openpyxl.load_workbook(runs["book"], data_only=True)["調書"]["A3"].value == 999


@needs_libreoffice
def test_without_the_profile_setting_the_wrong_cache_survives(runs):
    """LibreOffice's default (OOXMLRecalcMode 1, never) keeps cached values: the forced
    recalculation above is the profile setting's doing, not LibreOffice's habit."""
    import openpyxl

    assert openpyxl.load_workbook(runs["stale"], data_only=True)["調書"]["A3"].value == 999


@needs_libreoffice
def test_compare_finds_exactly_the_wrong_cell(runs):
    assert runs["mismatches"] == [Mismatch("調書", "A3", "=A1+A2", 999, 3)]
    assert "調書!A3" in str(runs["mismatches"][0])


@needs_libreoffice
def test_one_conversion_takes_seconds_not_minutes(runs):
    # Measured at about 1.5-2 s alone; four at once on a busy CI runner take longer.
    assert runs["seconds"] < 60


needs_gnumeric = office_test(pytest.mark.skipif(
    bool(recalc.missing(recalc.GNUMERIC)), reason=f"Gnumeric not installed: {recalc.GNUMERIC_INSTALL}"
))


@needs_gnumeric
def test_gnumeric_compare_finds_exactly_the_wrong_cell(tmp_path):
    """The same book through Gnumeric (ssconvert --recalc): the one wrong cache, and
    nothing else (text, booleans, dates, an empty text and an array formula all agree)."""
    book = _make_book(tmp_path / "book.xlsx")
    assert compare_cached_with_recalculated(book, program=recalc.GNUMERIC) == [
        Mismatch("調書", "A3", "=A1+A2", 999, 3)
    ]
    assert list(tmp_path.iterdir()) == [book]  # nothing left beside it


@needs_gnumeric
def test_gnumeric_sees_what_libreoffice_does_not(tmp_path):
    """SUBTOTAL(109, …) is #NUM! in Gnumeric, SUBTOTAL(9, …) is the sum in both."""
    wb = xlsxwriter.Workbook(tmp_path / "sub.xlsx")
    ws = wb.add_worksheet()
    ws.write_column("A1", [1, 2, 3])
    ws.write_formula("A4", "=SUBTOTAL(109,A1:A3)", None, 6)
    ws.write_formula("A5", "=SUBTOTAL(9,A1:A3)", None, 6)
    wb.close()
    assert compare_cached_with_recalculated(tmp_path / "sub.xlsx", program=recalc.GNUMERIC) == [
        Mismatch("Sheet1", "A4", "=SUBTOTAL(109,A1:A3)", 6, "#NUM!")
    ]


def test_gnumeric_missing_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None)
    monkeypatch.setattr(os.path, "isfile", lambda p: False)
    with pytest.raises(LibreOfficeMissing) as info:
        recalc.gnumeric_recalculated(_make_book(tmp_path / "book.xlsx"), tmp_path / "out")
    assert info.value.message("ja") == (
        "ssconvert が見つかりません。インストールしてください: sudo apt-get install gnumeric"
    )
    assert info.value.message("en") == "ssconvert was not found. Install it: sudo apt-get install gnumeric"
    assert recalc.missing(recalc.GNUMERIC) == ["ssconvert"]


def test_unknown_program_is_refused(tmp_path):
    with pytest.raises(ValueError, match="program is one of"):
        compare_cached_with_recalculated(_make_book(tmp_path / "b.xlsx"), program="excel")


def test_compare_without_formulas_needs_no_libreoffice(tmp_path, monkeypatch):
    wb = xlsxwriter.Workbook(tmp_path / "plain.xlsx")
    wb.add_worksheet().write("A1", 1)
    wb.close()
    monkeypatch.setattr(libreoffice, "find_soffice", _no_soffice)
    assert compare_cached_with_recalculated(tmp_path / "plain.xlsx") == []


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        (3, 3.0, True),
        (1 / 3, 0.3333333333333333, True),
        (0.1 + 0.2, 0.3, True),
        (999, 3, False),
        (0, None, False),
        (None, "", True),
        ("", None, True),
        ("a", "a ", False),
        ("達成率", "達成率", True),
        (True, 1, False),
        (True, True, True),
        ("#DIV/0!", "#DIV/0!", True),
        (dt.datetime(2024, 4, 1), dt.datetime(2024, 4, 1), True),
        (dt.datetime(2024, 4, 1), 45383, False),
    ],
)
def test_same_value(a, b, same):
    assert same_value(a, b) is same


# ---- PDF, pages, text, PNG through the preview command ----------------------------------


@needs_libreoffice
def test_preview_command_prints_the_paths(runs):
    result = runs["preview"]
    assert result.returncode == 0, result.stderr
    out = runs["root"] / "preview"
    assert result.stdout.splitlines() == [
        str(out / "book.pdf"),
        str(out / "book-1.png"),
        str(out / "book-2.png"),
    ]
    assert sorted(p.name for p in out.iterdir()) == [
        "book-1.png",
        "book-2.png",
        "book.pdf",
    ]  # no temp leftovers
    assert (out / "book.pdf").read_bytes().startswith(b"%PDF-")
    for png in ("book-1.png", "book-2.png"):
        assert (out / png).read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


@needs_libreoffice
def test_pages_keep_their_orientation(runs):
    pages = libreoffice.pdf_pages(runs["root"] / "preview" / "book.pdf")
    assert [p.number for p in pages] == [1, 2]
    assert [p.landscape for p in pages] == [True, False]
    a4 = sorted((round(pages[0].width), round(pages[0].height)))
    assert a4 == [595, 842]


@needs_libreoffice
def test_pdf_text_shows_recalculated_values_and_japanese(runs):
    text = pdf_text(runs["root"] / "preview" / "book.pdf")
    flat = re.sub(r"\s+", "", text)
    assert "事業群評価調書" in flat
    assert "達成率65.6%" in flat
    assert "999" not in text
    assert re.search(r"^\s*3\b", text.split("\f")[0], re.M)


@needs_libreoffice
def test_png_resolution_follows_dpi(runs, tmp_path):
    import struct

    pdf = runs["root"] / "preview" / "book.pdf"
    low = libreoffice.pdf_to_png(pdf, tmp_path / "low", dpi=20, prefix="p")
    high = libreoffice.pdf_to_png(pdf, tmp_path / "high", dpi=40, prefix="p")

    def width(path: Path) -> int:
        return struct.unpack(">I", path.read_bytes()[16:20])[0]

    assert [p.name for p in low] == ["p-1.png", "p-2.png"]
    assert abs(width(high[0]) - 2 * width(low[0])) <= 2


@needs_libreoffice
def test_timeout_is_a_clear_error_and_leaves_nothing(runs, tmp_path):
    with pytest.raises(LibreOfficeError, match="秒以内に終わりませんでした.*did not finish within"):
        libreoffice.to_pdf(runs["book"], tmp_path / "out", timeout=0.05)
    assert list((tmp_path / "out").iterdir()) == []


@needs_libreoffice
def test_recalculated_refuses_to_overwrite_its_source(runs):
    with pytest.raises(ValueError):
        libreoffice_recalculated(runs["book"], runs["book"].parent)


# ---- refusals, with or without LibreOffice ------------------------------------------------


def _no_soffice():
    raise LibreOfficeMissing("soffice")


def test_missing_soffice_is_found_missing(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None)
    monkeypatch.setattr(libreoffice, "_COMMON_PATHS", ())
    with pytest.raises(LibreOfficeMissing) as info:
        libreoffice.find_soffice()
    assert INSTALL_COMMAND in info.value.message("ja")
    assert INSTALL_COMMAND in info.value.message("en")
    assert str(info.value).startswith("soffice が見つかりません")


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_preview_without_soffice_exits_2_with_the_install_sentence(tmp_path, monkeypatch, lang):
    book = _make_book(tmp_path / "book.xlsx")
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None)
    monkeypatch.setattr(libreoffice, "_COMMON_PATHS", ())
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["preview", str(book), "--lang", lang])
    assert result.exit_code == 2
    assert isinstance(result.exception, SystemExit)  # a clean exit, not an uncaught error
    assert INSTALL_COMMAND in result.output
    assert ("見つかりません" in result.output) == (lang == "ja")
    assert "Traceback" not in result.output
    assert not (tmp_path / "output").exists()


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("nothere.xlsx", None, "見つかりません"),
        ("notes.xlsx", "事業名,事業費\n", "Excel ブック (.xlsx) ではありません"),
        ("empty.xlsx", "", "空"),
    ],
)
def test_preview_of_a_bad_input_exits_2(tmp_path, monkeypatch, name, content, words):
    path = tmp_path / name
    if content is not None:
        path.write_text(content, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["preview", str(path)])
    assert result.exit_code == 2
    assert isinstance(result.exception, SystemExit)
    assert words in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "output").exists()


def test_preview_of_a_folder_exits_2(tmp_path):
    result = CliRunner().invoke(app, ["preview", str(tmp_path)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
