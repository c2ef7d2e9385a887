"""Whether the values cached in a workbook's formula cells are the values the formulas give.

Excel shows cached values until it recalculates, and viewers that never recalculate
(previews, mail clients, calamine, pandas) show only them. A writer that caches a wrong
value (XlsxWriter caches 0 unless told otherwise) therefore prints a wrong 調書 in some
places and a right one in others. `compare_cached_with_recalculated` lets a spreadsheet
program recalculate every formula and lists the cells where the cached value differs:
LibreOffice (recalculation forced on load, see chosho_xlsx/render/libreoffice.py) or Gnumeric
(`ssconvert --recalc`), whose functions differ in places (SUBTOTAL(109, …) is #NUM! there).

Volatile functions (TODAY, NOW, RAND...) naturally differ and will be reported."""

from __future__ import annotations

import datetime as dt
import math
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from chosho_xlsx.render import libreoffice

from support.skips import missing_tools

REL_TOL = 1e-9
ABS_TOL = 1e-9


@dataclass(frozen=True)
class Mismatch:
    sheet: str
    cell: str
    formula: str
    cached: object
    recalculated: object

    def __str__(self) -> str:
        return (
            f"{self.sheet}!{self.cell} {self.formula}: "
            f"cached {self.cached!r}, recalculated {self.recalculated!r}"
        )


LIBREOFFICE, GNUMERIC = "libreoffice", "gnumeric"
PROGRAMS = (LIBREOFFICE, GNUMERIC)
GNUMERIC_INSTALL = "sudo apt-get install gnumeric"


def missing(program: str) -> list[str]:
    """The tools `program`'s recalculation needs that this machine lacks ([] when all are
    there): tests skip with this list as their reason."""
    if program == LIBREOFFICE:
        return missing_tools(())
    return [] if shutil.which("ssconvert") else ["ssconvert"]


def install_hint(program: str) -> str:
    return libreoffice.INSTALL_COMMAND if program == LIBREOFFICE else GNUMERIC_INSTALL


def skip_if_missing(program: str) -> None:
    """Skip the calling test, with the line that installs `program`, when it is missing."""
    if missing(program):
        pytest.skip(f"{program} not installed: {install_hint(program)}")


def libreoffice_recalculated(
    xlsx: str | os.PathLike,
    outdir: str | os.PathLike,
    fmt: str = "xlsx",
    *,
    timeout: float = libreoffice.DEFAULT_TIMEOUT,
) -> Path:
    """The workbook after LibreOffice recalculated every formula, saved as xlsx/ods/csv.

    `outdir` must not be the folder of `xlsx` when fmt is xlsx (the name would clash)."""
    source = Path(xlsx).resolve()
    if fmt == source.suffix.lstrip(".").lower() and Path(outdir).resolve() == source.parent:
        raise ValueError("outdir would overwrite the source workbook")
    return libreoffice.convert(source, fmt, outdir, recalc=True, timeout=timeout)


def gnumeric_recalculated(
    xlsx: str | os.PathLike, outdir: str | os.PathLike, *, timeout: float = libreoffice.DEFAULT_TIMEOUT
) -> Path:
    """The workbook after Gnumeric recalculated every formula (`ssconvert --recalc`),
    saved as `<outdir>/<stem>.xlsx` once complete."""
    try:
        tool = libreoffice.find_tool("ssconvert")
    except libreoffice.LibreOfficeMissing:
        raise libreoffice.LibreOfficeMissing("ssconvert", GNUMERIC_INSTALL) from None
    source = Path(xlsx).resolve()
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    target = outdir / source.name
    if target.resolve() == source:
        raise ValueError("outdir would overwrite the source workbook")
    with tempfile.TemporaryDirectory(prefix=".chosho-gnumeric-", dir=outdir) as work:
        produced = Path(work) / source.name
        result = libreoffice._run(
            [tool, "--recalc", "--export-type=Gnumeric_Excel:xlsx2", str(source), str(produced)],
            timeout,
            ("Gnumeric の再計算", f"Gnumeric recalculating {source.name}"),
        )
        if result.returncode != 0 or not produced.is_file() or produced.stat().st_size == 0:
            detail = (result.stderr or result.stdout or b"").decode("utf-8", "replace").strip()
            detail = detail.splitlines()[-1] if detail else f"exit {result.returncode}"
            raise libreoffice.LibreOfficeError(
                f"Gnumeric で {source.name} を再計算できませんでした / "
                f"Gnumeric could not recalculate {source.name}: {detail}"
            )
        os.replace(produced, target)
    return target


def recalculated(
    xlsx: str | os.PathLike,
    outdir: str | os.PathLike,
    program: str = LIBREOFFICE,
    *,
    timeout: float = libreoffice.DEFAULT_TIMEOUT,
) -> Path:
    """The workbook as `program` opens, recalculates and saves it (xlsx, in `outdir`)."""
    if program not in PROGRAMS:
        raise ValueError(f"program is one of {PROGRAMS}, not {program!r}")
    if program == GNUMERIC:
        return gnumeric_recalculated(xlsx, outdir, timeout=timeout)
    return libreoffice_recalculated(xlsx, outdir, "xlsx", timeout=timeout)


def compare_cached_with_recalculated(
    xlsx_path: str | os.PathLike,
    *,
    program: str = LIBREOFFICE,
    timeout: float = libreoffice.DEFAULT_TIMEOUT,
) -> list[Mismatch]:
    """Every formula cell whose cached value differs from the one `program` (LIBREOFFICE
    or GNUMERIC) recalculates, in sheet order then row by row. Numbers are compared with
    a tiny tolerance, text exactly; an empty cached value equals an empty text result.

    Raises findings.UnreadableFile for a file that is not a readable .xlsx, and
    libreoffice.LibreOfficeMissing / LibreOfficeError when the program is missing or fails."""
    from chosho_xlsx.intake.safety import check_workbook

    if program not in PROGRAMS:
        raise ValueError(f"program is one of {PROGRAMS}, not {program!r}")
    check_workbook(xlsx_path)
    formulas, cached = _read(xlsx_path)
    if not formulas:
        return []
    with tempfile.TemporaryDirectory(prefix="chosho-recalc-") as work:
        _, after = _read(recalculated(xlsx_path, work, program, timeout=timeout), formulas_too=False)
    mismatches = []
    for (sheet, cell), formula in formulas.items():
        before = cached.get((sheet, cell))
        value = after.get((sheet, cell))
        if not same_value(before, value):
            mismatches.append(Mismatch(sheet, cell, formula, before, value))
    return mismatches


def _read(
    path: str | os.PathLike, formulas_too: bool = True
) -> tuple[dict[tuple[str, str], str], dict[tuple[str, str], object]]:
    """({(sheet, cell): formula text}, {(sheet, cell): cached value}) of a workbook; the
    values are read only for formula cells when formulas_too, else for every cell."""
    import warnings

    import openpyxl

    warnings.filterwarnings("ignore", "Workbook contains no default style", UserWarning)  # Gnumeric's
    formulas: dict[tuple[str, str], str] = {}
    if formulas_too:
        book = openpyxl.load_workbook(Path(path), data_only=False)
        for ws in book.worksheets:
            for row in ws.iter_rows():
                for c in row:
                    text = _formula_text(c)
                    if text is not None:
                        formulas[(ws.title, c.coordinate)] = text
    values: dict[tuple[str, str], object] = {}
    book = openpyxl.load_workbook(Path(path), data_only=True)
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for c in row:
                key = (ws.title, c.coordinate)
                if formulas_too and key not in formulas:
                    continue
                values[key] = c.value
    return formulas, values


def _formula_text(cell) -> str | None:
    value = cell.value
    if getattr(cell, "data_type", None) == "f" or (
        isinstance(value, str) and value.startswith("=")
    ):
        text = getattr(value, "text", value)  # ArrayFormula / DataTableFormula carry .text
        return str(text) if text is not None else str(value)
    return None


def same_value(a: object, b: object) -> bool:
    """Equal as Excel would show them: numbers within a tiny tolerance, text exactly,
    booleans only to booleans, and None equal to ''."""
    if a is None or b is None:
        return (a is None or a == "") and (b is None or b == "")
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, dt.datetime | dt.date | dt.time) or isinstance(
        b, dt.datetime | dt.date | dt.time
    ):
        return _same_moment(a, b)
    if isinstance(a, int | float) and isinstance(b, int | float):
        return math.isclose(a, b, rel_tol=REL_TOL, abs_tol=ABS_TOL)
    if isinstance(a, str) and isinstance(b, str):
        return a == b
    return a == b


def _same_moment(a: object, b: object) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, dt.datetime):
        return abs((a - b).total_seconds()) < 0.001  # type: ignore[operator]
    return a == b
