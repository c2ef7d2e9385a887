"""A printed preview of a workbook: LibreOffice prints it to PDF (formulas recalculated),
and poppler turns the pages into PNGs on request.

Used by `chosho-xlsx preview`. The PDF and the PNGs are made in a temporary folder inside
the output folder and moved into place only when complete, so an interrupted or failed
run never leaves a half-written PDF behind."""

from __future__ import annotations

import contextlib
import glob
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from chosho_xlsx.common.machine import default_jobs
from chosho_xlsx.intake.safety import check_workbook
from chosho_xlsx.render import libreoffice
from chosho_xlsx.writers.naming import unique_names

DEFAULT_DPI = 100


@dataclass
class Preview:
    pdf: Path
    pngs: list[Path] = field(default_factory=list)

    @property
    def paths(self) -> list[Path]:
        return [self.pdf, *self.pngs]


def preview(
    xlsx: str | os.PathLike,
    outdir: str | os.PathLike = "output",
    *,
    png: bool = False,
    dpi: int = DEFAULT_DPI,
    timeout: float = libreoffice.DEFAULT_TIMEOUT,
) -> Preview:
    """Write `<outdir>/<stem>.pdf` (and `<stem>-<page>.png` with png=True).

    Raises findings.UnreadableFile when the input is not a readable .xlsx,
    libreoffice.LibreOfficeMissing when soffice or poppler is not installed, and
    libreoffice.LibreOfficeError when a conversion fails or times out."""
    return preview_many([Path(xlsx)], outdir, png=png, dpi=dpi, timeout=timeout)[0]


def preview_many(
    xlsx: list[Path],
    outdir: str | os.PathLike = "output",
    *,
    png: bool = False,
    dpi: int = DEFAULT_DPI,
    jobs: int | None = None,
    timeout: float = libreoffice.DEFAULT_TIMEOUT,
) -> list[Preview]:
    """preview() of several workbooks in one LibreOffice run (`jobs` processes side by
    side, each converting its share; default: one per core). Every input is checked
    before anything is converted. Two inputs with the same name (from different
    folders) get 「_2」, 「_3」 … on their outputs, in input order."""
    for path in xlsx:
        check_workbook(path)
    libreoffice.find_soffice()  # refuse before creating the output folder
    if png:
        libreoffice.find_tool("pdftoppm")
    outdir = Path(outdir)
    names = unique_names([f"{Path(p).stem}.xlsx" for p in xlsx])
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".chosho-preview-", dir=outdir) as links:
        # links named as the outputs must be: LibreOffice names a PDF after its source
        sources = []
        for path, name in zip(xlsx, names, strict=True):
            link = Path(links) / (Path(name).stem + Path(path).suffix)
            link.symlink_to(Path(path).resolve())
            sources.append(link)
        pdfs = libreoffice.convert_many(sources, "pdf", outdir, jobs=jobs or default_jobs(),
                                        timeout=timeout)
    results = [Preview(pdf) for pdf in pdfs]
    if png:
        for result in results:
            pdf = result.pdf
            stale = _page_images(outdir, pdf.stem)
            result.pngs = libreoffice.pdf_to_png(pdf, outdir, dpi=dpi, prefix=pdf.stem, timeout=timeout)
            # Pages of an earlier, longer preview of the same file would look like part of this one.
            for old in stale - set(result.pngs):
                with contextlib.suppress(OSError):
                    old.unlink()
    return results


def _page_images(outdir: Path, stem: str) -> set[Path]:
    pattern = re.compile(re.escape(stem) + r"-\d+\.png")
    return {p for p in outdir.glob(f"{glob.escape(stem)}-*.png") if pattern.fullmatch(p.name)}
