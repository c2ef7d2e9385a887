"""Which files a command was given: files as named, folders expanded to their workbooks."""

from __future__ import annotations

import os
from pathlib import Path

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")


def real(path: Path) -> Path:
    """The path with symbolic links resolved, as far as they resolve: Path.resolve()
    raises RuntimeError on a symlink loop (Python < 3.13); a loop is reported when the
    file is opened (E-FILE-UNREADABLE), never as a traceback here."""
    return Path(os.path.realpath(path))


def _is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:  # a name too long, say: opened later, and reported then
        return False


def _found(folder: Path) -> list[Path]:
    """The workbooks under `folder`, and every subfolder that cannot be listed (the
    user may not read it): returned like a file, so that checking it reports
    E-FILE-FOLDER-UNREADABLE instead of its workbooks vanishing from the run. Every
    entry named like a workbook is kept, whatever it is (a FIFO, a device, a broken or
    looping link): the file check says why it cannot be read. Links to folders are not
    followed (a loop, or a link to /, would never end)."""
    found: list[Path] = []

    def unlisted(error: OSError) -> None:
        found.append(Path(error.filename) if error.filename else folder)

    for top, _dirs, files in os.walk(folder, onerror=unlisted):
        found.extend(
            Path(top, name)
            for name in files
            if Path(name).suffix.lower() in WORKBOOK_SUFFIXES and not name.startswith("~$")
        )
    return sorted(found)


def expand(paths: list[Path]) -> list[Path]:
    """Files in the order given; a folder contributes its workbooks (sorted, recursively),
    leaving out Excel's 「~$」 lock files. A missing path is kept so it gets reported."""
    out: list[Path] = []
    seen: set[Path] = set()
    for p in paths:
        for f in _found(p) if _is_dir(p) else [p]:
            key = real(f)
            if key not in seen:
                seen.add(key)
                out.append(f)
    return out
