"""The text of a printed PDF (poppler's pdftotext), for tests that read what LibreOffice
printed: the 調書, the 一覧, the bound book."""

from __future__ import annotations

import os

from chosho_xlsx.render.libreoffice import LibreOfficeError, _run, find_tool

_TEXT_MODES = {"layout": ["-layout"], "raw": ["-raw"], "reading": []}


def pdf_text(pdf: str | os.PathLike, *, mode: str = "layout", timeout: float = 60.0) -> str:
    """The text of the PDF by pdftotext; pages separated by form feeds.

    mode "layout" keeps the physical layout (columns side by side on one line), "raw"
    keeps the order of the content stream, in which LibreOffice writes each cell's text
    whole, so a name wrapped over several lines in its cell stays together once
    whitespace is removed; "reading" is pdftotext's default reading order."""
    if mode not in _TEXT_MODES:
        raise ValueError(f"mode is one of {sorted(_TEXT_MODES)}, not {mode!r}")
    tool = find_tool("pdftotext")
    argv = [tool, "-enc", "UTF-8", *_TEXT_MODES[mode], str(pdf), "-"]
    result = _run(argv, timeout, ("PDF の文字の取り出し", "pdftotext"))
    if result.returncode != 0:
        raise LibreOfficeError(
            f"PDF の文字を取り出せませんでした / pdftotext failed: "
            f"{result.stderr.decode('utf-8', 'replace').strip()}"
        )
    return result.stdout.decode("utf-8", "replace")
