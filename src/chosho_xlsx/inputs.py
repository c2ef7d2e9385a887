"""Which files a command was given: files as named, folders expanded to their workbooks."""

from __future__ import annotations

from pathlib import Path

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls")


def expand(paths: list[Path]) -> list[Path]:
    """Files in the order given; a folder contributes its workbooks (sorted, recursively),
    leaving out Excel's 「~$」 lock files. A missing path is kept so it gets reported."""
    out: list[Path] = []
    seen: set[Path] = set()
    for p in paths:
        found = (
            sorted(
                f
                for f in p.rglob("*")
                if f.is_file() and f.suffix.lower() in WORKBOOK_SUFFIXES and not f.name.startswith("~$")
            )
            if p.is_dir()
            else [p]
        )
        for f in found:
            key = f.resolve()
            if key not in seen:
                seen.add(key)
                out.append(f)
    return out
