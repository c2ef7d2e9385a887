"""File names of the finished 調書, from their content: 「R6_ICTを活用した….xlsx」.

Safe on Windows: none of \\ / : * ? " < > | or control characters, no trailing dot or
space, not a reserved device name (CON, PRN, AUX, NUL, COM1…, LPT1…), at most 100
characters with the extension."""

from __future__ import annotations

import re
import unicodedata

from . import fiscal
from .model import Report

MAX_CHARS = 100
EXTENSION = ".xlsx"
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]')
_RESERVED = {"CON", "PRN", "AUX", "NUL"} | {f"{p}{i}" for p in ("COM", "LPT") for i in range(1, 10)}


def safe_stem(text: str, limit: int = MAX_CHARS - len(EXTENSION)) -> str:
    """`text` made usable as a file name on Windows (without the extension)."""
    text = unicodedata.normalize("NFC", text)
    text = _UNSAFE.sub("_", text)
    text = re.sub(r"\s+", " ", text).strip()
    text = text[:limit].rstrip(". ")
    if not text:
        text = "chosho"
    if text.split(".")[0].upper() in _RESERVED:
        text = "_" + text
    return text[:limit].rstrip(". ") or "chosho"


def chosho_name(report: Report) -> str:
    """「{実施年度}_{施策名}.xlsx」, e.g. 「R6_ICTを活用した地域活性化と行政運営の効率化.xlsx」."""
    c = report.chosho
    return safe_stem(f"{fiscal.label(c.fiscal_year)}_{c.policy}") + EXTENSION


def unique_names(names: list[str]) -> list[str]:
    """The same names, with 「_2」, 「_3」 … added where two would be the same file
    (Windows file names ignore case)."""
    seen: set[str] = set()
    out = []
    for name in names:
        stem, ext = (name[: -len(EXTENSION)], EXTENSION) if name.endswith(EXTENSION) else (name, "")
        candidate, i = name, 1
        while candidate.casefold() in seen:
            i += 1
            suffix = f"_{i}"
            candidate = safe_stem(stem, MAX_CHARS - len(ext) - len(suffix)) + suffix + ext
        seen.add(candidate.casefold())
        out.append(candidate)
    return out
