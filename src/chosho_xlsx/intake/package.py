"""One input file, opened once: the open file, its zip directory, and the parts the safety
check has already inflated.

Everything intake does with a workbook (the output marker, the safety check, python-calamine's
values, the cell scan, comments) reads through one Package, so the file is opened and its
central directory parsed once, and a part inflated by the safety check (which must inflate
every part to know its real size) is not inflated again by the scan. Parts too large to keep
are read again, streamed, when needed."""

from __future__ import annotations

import io
import os
import zipfile
from typing import BinaryIO

XLSX = "xlsx"
ODS = "ods"

# What the safety check keeps of the parts it inflates: a real department workbook's XML
# parts are tens of KB each; keeping a part up to this size, and this much in all, saves
# inflating it again without letting a large (if legitimate) workbook sit in memory twice.
KEEP_PART = 8 * 1024 * 1024
KEEP_TOTAL = 32 * 1024 * 1024


class Package:
    """An input file opened for reading (`file`), its `zip` (None until the structure is
    known to be a zip's), `kind` (XLSX or ODS once the safety check has named it) and
    `parts`: member name → the bytes the safety check inflated and checked."""

    def __init__(self, path: str | os.PathLike, where: str, file: BinaryIO, size: int) -> None:
        self.path, self.where, self.file, self.size = path, where, file, size
        self.zip: zipfile.ZipFile | None = None
        self.kind: str | None = None
        self.parts: dict[str, bytes] = {}
        self._names: set[str] | None = None

    @property
    def names(self) -> set[str]:
        if self._names is None:
            self._names = set(self.zip.namelist()) if self.zip is not None else set()
        return self._names

    def read(self, name: str) -> bytes:
        """A member's bytes: the safety check's copy, else inflated from the open file."""
        kept = self.parts.get(name)
        return kept if kept is not None else self.zip.read(name)

    def stream(self, name: str) -> BinaryIO:
        """A member to read in pieces (a large part never kept whole in memory)."""
        kept = self.parts.get(name)
        return io.BytesIO(kept) if kept is not None else self.zip.open(name)

    def rewound(self) -> BinaryIO:
        """The open file from its start (python-calamine reads it whole)."""
        self.file.seek(0)
        return self.file

    def close(self) -> None:
        if self.zip is not None:
            self.zip.close()
        self.file.close()

    def __enter__(self) -> Package:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()


def unchecked(path: str | os.PathLike) -> Package:
    """A Package for a file already known to be safe (the caller checked it, or wrote
    it), without the checks: the zip directory only."""
    f = open(path, "rb")  # noqa: SIM115 - the Package owns and closes it
    try:
        pkg = Package(path, os.fsdecode(path), f, os.fstat(f.fileno()).st_size)
        pkg.zip = zipfile.ZipFile(f)
    except BaseException:
        f.close()
        raise
    names = pkg.names
    pkg.kind = ODS if "content.xml" in names and "xl/workbook.xml" not in names else XLSX
    return pkg
