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
from dataclasses import dataclass, field
from pathlib import Path

from . import libreoffice

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
    from .safety import check_workbook

    check_workbook(xlsx)
    libreoffice.find_soffice()  # refuse before creating the output folder
    if png:
        libreoffice.find_tool("pdftoppm")
    outdir = Path(outdir)
    pdf = libreoffice.to_pdf(xlsx, outdir, timeout=timeout)
    result = Preview(pdf)
    if png:
        stale = _page_images(outdir, pdf.stem)
        result.pngs = libreoffice.pdf_to_png(pdf, outdir, dpi=dpi, prefix=pdf.stem, timeout=timeout)
        # Pages of an earlier, longer preview of the same file would look like part of this one.
        for old in stale - set(result.pngs):
            with contextlib.suppress(OSError):
                old.unlink()
    return result


def _page_images(outdir: Path, stem: str) -> set[Path]:
    pattern = re.compile(re.escape(stem) + r"-\d+\.png")
    return {p for p in outdir.glob(f"{glob.escape(stem)}-*.png") if pattern.fullmatch(p.name)}
