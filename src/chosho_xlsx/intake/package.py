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
import struct
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

    def for_calamine(self) -> BinaryIO:
        """What python-calamine reads: when the safety check kept every part (a real
        workbook: XML parts only, far below KEEP_TOTAL), those bytes as a zip whose
        members are stored, not deflated (stored_zip); else the open file (rewound).
        calamine would otherwise inflate each sheet twice more (its merged cells and its
        cells are two reads), ~4 M instructions of the example's ~36 M, for bytes the
        safety check has inflated and checked already."""
        if self.kind != XLSX or self.zip is None:
            return self.rewound()
        members = self.zip.infolist()
        if len(members) != len(self.parts) or any(m.filename not in self.parts for m in members):
            return self.rewound()  # a part not kept (a picture, a large part) or a name twice
        return io.BytesIO(stored_zip([(m.filename, self.parts[m.filename], m.CRC) for m in members]))

    def close(self) -> None:
        if self.zip is not None:
            self.zip.close()
        self.file.close()

    def __enter__(self) -> Package:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()


# A zip of stored members (APPNOTE 4.3.7, 4.3.12, 4.3.16): UTF-8 names (flag bit 11),
# no extra fields, no comment, 1980-01-01 00:00.
_LOCAL = struct.Struct("<4s5H3L2H")
_CENTRAL = struct.Struct("<4s6H3L5H2L")
_END = struct.Struct("<4s4H2LH")
_UTF8, _DOS_DATE = 0x800, (0 << 9) | (1 << 5) | 1


def stored_zip(members: list[tuple[str, bytes, int]]) -> bytes:
    """A zip of (name, bytes, CRC-32) members in that order, each stored (method 0): what a
    reader finds in it is the same parts, read without inflating. The CRC is the one the
    safety check compared with the bytes, so a reader checking it finds it right."""
    out, central, at = [], [], 0
    for name, data, crc in members:
        raw = name.encode()
        out.append(_LOCAL.pack(b"PK\x03\x04", 20, _UTF8, 0, 0, _DOS_DATE, crc, len(data), len(data), len(raw), 0))
        out += (raw, data)
        central.append(_CENTRAL.pack(b"PK\x01\x02", 20, 20, _UTF8, 0, 0, _DOS_DATE, crc, len(data), len(data),
                                     len(raw), 0, 0, 0, 0, 0, at) + raw)
        at += _LOCAL.size + len(raw) + len(data)
    directory = b"".join(central)
    end = _END.pack(b"PK\x05\x06", 0, 0, len(members), len(members), len(directory), at, 0)
    return b"".join((*out, directory, end))


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
