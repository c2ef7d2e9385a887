"""Whether a department's file can be read safely as an .xlsx workbook.

Runs before any parser (openpyxl, calamine) sees the file, so that a hostile or broken
file is refused with one clear sentence instead of a traceback, a hang or a machine out
of memory. Every refusal is an `UnreadableFile` whose code has its texts in
data/messages.yaml.

The zip is read here by hand (central directory through `zipfile`, member data raw and
inflated with `zlib`) rather than with `ZipFile.open`, because `zipfile` silently stops
at the *declared* size: through it a member that understates its size looks honest,
while a parser that trusts the deflate stream rather than the header inflates it all."""

from __future__ import annotations

import os
import stat
import struct
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import BinaryIO, NoReturn

from chosho_xlsx.common.findings import UnreadableFile
from chosho_xlsx.intake import kinds
from chosho_xlsx.intake.package import KEEP_PART, KEEP_TOTAL, ODS, Package

KiB = 1024
MiB = 1024 * KiB

# A department's 調書 workbook unpacks to a few MB even with pictures; 200 MB is far above
# any real one, and turns "whatever a bomb declares" into a known worst case for the
# parsers after us.
MAX_TOTAL_UNCOMPRESSED = 200 * MiB

# Real sheet XML deflates about 10-20:1 (measured on xlsxwriter output: 300,000 styled
# cells in 100,000 identical rows give 11:1, 200,000 cells of one repeated string 17:1).
# Deflate reaches ~1030:1 on zeros, which is what bombs are made of; 100:1 leaves 5x
# headroom over the most repetitive real sheet.
MAX_RATIO = 100

# The ratio only matters when the member is big enough to hurt: tiny parts (an empty
# sheet, a styles part) legitimately reach any ratio and cost nothing to inflate.
RATIO_FLOOR = 4 * MiB

# A workbook with 255 sheets, each with a drawing, comments and their relationships, has
# about 2,000 parts; tens of thousands only come from crafted archives whose central
# directory alone is slow to parse.
MAX_MEMBERS = 10_000

# Read and inflate in pieces this big, so memory stays flat whatever the file declares.
CHUNK = 64 * KiB

# Only when an OLE2 directory cannot be parsed: how far to look for the stream name.
OLE_SCAN_BYTES = 8 * MiB

# Excel writes a handful of directory sectors; the cap bounds the walk of a crafted chain.
MAX_OLE_DIRECTORY_SECTORS = 1024

OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
ENCRYPTION_STREAMS = frozenset({"encryptedpackage", "encryptioninfo"})

# A DTD is the only way into entity expansion (billion laughs) and external entities
# (XXE), and Excel never writes one. XML may be encoded in UTF-16 or UTF-32, which expat
# and libxml2 both honour, so each part is searched in the encoding that its first four
# bytes announce (XML 1.0 appendix F, the same rule the parsers follow); every other
# encoding a parser accepts here keeps "<!DOCTYPE" in ASCII.
_DTD_MARKERS = ("<!DOCTYPE", "<!ENTITY")
_ENCODING_BY_START = (
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\xfe\xff", "utf-16-be"),
    (b"\x00<", "utf-16-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"<\x00", "utf-16-le"),
)
_STARTS = tuple(start for start, _name in _ENCODING_BY_START)
_MARKER_OVERLAP = len("<!DOCTYPE".encode("utf-32-le")) - 1


# Pictures and binary parts are not XML to openpyxl or calamine in a normal workbook, and
# an SVG picture may legitimately carry <!DOCTYPE svg ...>. A hostile package that points
# a sheet relationship at one of these still meets defusedxml inside openpyxl.
_NOT_XML_SUFFIXES = (
    ".png",
    ".jpg",
    ".jpeg",
    ".jpe",
    ".gif",
    ".bmp",
    ".tif",
    ".tiff",
    ".ico",
    ".wdp",
    ".emf",
    ".wmf",
    ".emz",
    ".wmz",
    ".svg",
    ".bin",
)
_NOT_XML_FOLDERS = ("xl/embeddings/",)

# Errors that zipfile, struct and zlib raise on malformed data, as opposed to the
# operating system failing to read.
_DAMAGE = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    EOFError,
    struct.error,
    ValueError,
    NotImplementedError,
    KeyError,
    IndexError,
    OverflowError,
)


class _Damaged(Exception):
    """Malformed archive data found by the checks here (becomes E-FILE-CORRUPT)."""


def check_workbook(path: str | os.PathLike) -> None:
    """Raise findings.UnreadableFile(code, str(path), **params) if the file cannot be read safely."""
    with open_checked(path):
        pass


def open_checked(path: str | os.PathLike) -> Package:
    """The file opened once and checked (open_input, then check_package): the caller
    reads it through the Package and closes it."""
    pkg = open_input(path)
    try:
        check_package(pkg)
    except BaseException:
        pkg.close()
        raise
    return pkg


def open_input(path: str | os.PathLike) -> Package:
    """The file opened once, as far as its zip directory: refused here when it is missing,
    a folder, not a regular file, empty, an old .xls or encrypted workbook, not a zip, or
    a zip whose directory is damaged or too large. Its parts are not read yet
    (check_package), so that a cheap look at one part (the output marker) may come first."""
    where = os.fsdecode(path)
    return _guarded(where, _open, path, where)


def check_package(pkg: Package) -> None:
    """The rest of the checks on an opened Package: the parts a workbook needs (which
    name its kind, .xlsx or .ods), the declared sizes, then every part inflated (real
    sizes, CRC, no DTD); the XML parts inflated are kept in pkg.parts for the reader."""
    _guarded(pkg.where, _check_parts, pkg)


def _guarded(where: str, check, *args):
    """`check(*args)`, whose every failure is one sentence (the caller promises exit 2,
    never a traceback)."""
    try:
        return check(*args)
    except UnreadableFile:
        raise
    except OSError as error:
        raise UnreadableFile("E-FILE-UNREADABLE", where, reason=_os_reason(error)) from error
    except Exception as error:
        raise UnreadableFile(
            "E-FILE-UNREADABLE", where, reason=f"{type(error).__name__}: {error}"
        ) from error


def _open(path: str | os.PathLike, where: str) -> Package:
    try:
        info = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        raise UnreadableFile("E-FILE-MISSING", where) from None
    if stat.S_ISDIR(info.st_mode):
        # A folder reaches here when it was named as a file, or when listing it failed
        # while a folder given was searched: then its workbooks were not checked.
        try:
            with os.scandir(path):
                pass
        except OSError as error:
            raise UnreadableFile("E-FILE-FOLDER-UNREADABLE", where, reason=_os_reason(error)) from None
        raise UnreadableFile("E-FILE-DIRECTORY", where)
    if not stat.S_ISREG(info.st_mode):
        # Opening a FIFO would block and a device can be endless (/dev/zero).
        raise UnreadableFile("E-FILE-UNREADABLE", where, reason="not a regular file")
    if info.st_size == 0:
        raise UnreadableFile("E-FILE-EMPTY", where)

    f = open(path, "rb")  # noqa: SIM115 - the Package owns and closes it
    try:
        # The size of what was opened, in case the file changed since the stat above.
        size = os.fstat(f.fileno()).st_size
        head = f.read(len(OLE_MAGIC))
        if head == OLE_MAGIC:
            _refuse_ole(f, size, where)
        if not head.startswith(ZIP_MAGICS):
            raise UnreadableFile("E-FILE-NOT-XLSX", where)
        pkg = Package(path, where, f, size)
        pkg.zip = _zip_directory(f, size, where)
        return pkg
    except BaseException:
        f.close()
        raise


# ---- OLE2 compound files: old .xls, or an encrypted workbook -------------------------


def _refuse_ole(f: BinaryIO, size: int, where: str) -> NoReturn:
    names = _ole_stream_names(f, size)
    if names is None:
        encrypted = _contains(f, "EncryptedPackage".encode("utf-16-le"), OLE_SCAN_BYTES)
    else:
        encrypted = bool(names & ENCRYPTION_STREAMS)
    raise UnreadableFile("E-FILE-ENCRYPTED" if encrypted else "E-FILE-XLS", where)


class _BadOle(Exception):
    pass


class _Sectors:
    """The sectors of an OLE2 file and the chain through its FAT (and DIFAT), read as far
    as needed. Raises _BadOle for a header or a chain that does not hold together."""

    END = 0xFFFFFFFA  # this id and above: end of chain, free, FAT or DIFAT sector

    def __init__(self, f: BinaryIO, size: int):
        f.seek(0)
        header = f.read(512)
        if len(header) < 512:
            raise _BadOle
        shift = struct.unpack_from("<H", header, 30)[0]
        if shift not in (9, 12):
            raise _BadOle
        self.f = f
        self.size = 1 << shift
        self.per_sector = self.size // 4
        self.count = max(0, (size + self.size - 1) // self.size - 1)
        self.first_dir = struct.unpack_from("<I", header, 48)[0]
        self.difat_next, self.difat_seen = struct.unpack_from("<I", header, 68)[0], 0
        self.fat_ids = list(struct.unpack_from("<109I", header, 76))
        self.fat_cache: dict[int, bytes] = {}

    def sector(self, number: int) -> bytes:
        if number >= self.count:
            raise _BadOle
        self.f.seek((number + 1) * self.size)
        data = self.f.read(self.size)
        if len(data) < self.size:
            data += bytes(self.size - len(data))
        return data

    def _fat_sector_id(self, index: int) -> int:
        while index >= len(self.fat_ids):
            if self.difat_next >= self.END or self.difat_seen >= self.count:
                raise _BadOle
            data = self.sector(self.difat_next)
            self.fat_ids.extend(struct.unpack_from(f"<{self.per_sector - 1}I", data))
            self.difat_next = struct.unpack_from("<I", data, self.size - 4)[0]
            self.difat_seen += 1
        return self.fat_ids[index]

    def next_sector(self, number: int) -> int:
        fat_sector = self._fat_sector_id(number // self.per_sector)
        if fat_sector not in self.fat_cache:
            self.fat_cache[fat_sector] = self.sector(fat_sector)
        return struct.unpack_from("<I", self.fat_cache[fat_sector], (number % self.per_sector) * 4)[0]


def _entry_names(data: bytes) -> set[str]:
    """Case-folded names of the storages and streams in one directory sector."""
    names = set()
    for offset in range(0, len(data), 128):
        entry = data[offset : offset + 128]
        name_length, kind = struct.unpack_from("<HB", entry, 64)
        if kind in (1, 2, 5) and 2 <= name_length <= 64:
            names.add(entry[: name_length - 2].decode("utf-16-le", "replace").casefold())
    return names


def _ole_stream_names(f: BinaryIO, size: int) -> set[str] | None:
    """Case-folded names of the directory entries, or None if the directory can't be read.

    Follows the directory sector chain through the FAT (and DIFAT), so the directory is
    found wherever it lies: a writer may put it after megabytes of encrypted package."""
    names: set[str] = set()
    try:
        sectors = _Sectors(f, size)
        current, visited = sectors.first_dir, set()
        while current < _Sectors.END and len(visited) < MAX_OLE_DIRECTORY_SECTORS:
            if current in visited:
                raise _BadOle
            visited.add(current)
            names |= _entry_names(sectors.sector(current))
            current = sectors.next_sector(current)
    except (_BadOle, struct.error):
        return names or None
    return names


def _contains(f: BinaryIO, needle: bytes, limit: int) -> bool:
    f.seek(0)
    tail, read = b"", 0
    while read < limit:
        chunk = f.read(min(CHUNK, limit - read))
        if not chunk:
            return False
        if needle in tail + chunk:
            return True
        tail, read = chunk[-(len(needle) - 1) :], read + len(chunk)
    return False


# ---- zip: structure, parts, declared sizes, then every member streamed ---------------


def _zip_directory(f: BinaryIO, size: int, where: str) -> zipfile.ZipFile:
    try:
        count = central_directory_count(f, size)
    except _Damaged as error:
        raise UnreadableFile("E-FILE-CORRUPT", where, detail=str(error)) from None
    if count > MAX_MEMBERS:
        raise UnreadableFile(
            "E-FILE-TOO-MANY-PARTS", where, count=f"{count:,}+", limit=f"{MAX_MEMBERS:,}"
        )

    try:
        f.seek(0)
        archive = zipfile.ZipFile(f)
    except _DAMAGE as error:
        raise UnreadableFile("E-FILE-CORRUPT", where, detail=str(error)) from None
    if len(archive.infolist()) > MAX_MEMBERS:
        raise UnreadableFile(
            "E-FILE-TOO-MANY-PARTS", where, count=f"{len(archive.infolist()):,}", limit=f"{MAX_MEMBERS:,}"
        )
    return archive


def _check_parts(pkg: Package) -> None:
    f, size, where = pkg.file, pkg.size, pkg.where
    members = pkg.zip.infolist()
    pkg.kind = kinds.kind_of(pkg.names, where)
    _check_declared(members, size, where)

    seen = 0
    keep = KeptParts(pkg.parts)
    first = [m for m in members if m.filename in kinds.FIRST_PARTS] if pkg.kind == ODS else []
    for group in (first, [m for m in members if m not in first]):
        for member in group:
            seen = _checked_member(f, size, member, seen, where, keep)
        if pkg.kind == ODS and group is first:
            kinds.check_opendocument(pkg.parts, pkg.names, where)


def _checked_member(f: BinaryIO, size: int, member: zipfile.ZipInfo, seen: int, where: str,
                    keep: KeptParts) -> int:
    if member.flag_bits & 0x1:
        # Zip-level encryption: not what Excel writes, but equally unreadable.
        raise UnreadableFile("E-FILE-ENCRYPTED", where)
    try:
        return _check_member(f, size, member, seen, where, keep)
    except (_Damaged, *_DAMAGE) as error:
        raise UnreadableFile(
            "E-FILE-CORRUPT", where, member=member.filename, detail=str(error)
        ) from None


class KeptParts:
    """The XML parts check_package inflates anyway, kept for the reader (package.KEEP_*)."""

    def __init__(self, parts: dict[str, bytes]) -> None:
        self.parts, self.total = parts, 0

    def wants(self, member: zipfile.ZipInfo) -> bool:
        return member.file_size <= KEEP_PART and self.total + member.file_size <= KEEP_TOTAL

    def add(self, name: str, pieces: list[bytes]) -> None:
        data = b"".join(pieces)
        self.parts[name] = data
        self.total += len(data)


def central_directory_count(f: BinaryIO, size: int) -> int:
    """How many entries zipfile would build, counted without building them (up to one
    past the limit): a crafted central directory of millions of entries takes zipfile
    seconds and gigabytes, and the end record's own count may lie.

    Finds the central directory exactly as zipfile does (end record without comment at
    the very end, else the last signature in the final 64 KB; zip64 records just before
    it), so the entries counted are the ones zipfile would read."""
    tail_start = max(0, size - 22 - 0xFFFF)
    f.seek(tail_start)
    tail = f.read()
    if len(tail) >= 22 and tail[-22:-18] == b"PK\x05\x06" and tail[-2:] == b"\0\0":
        at = len(tail) - 22
    else:
        at = tail.rfind(b"PK\x05\x06")
        if at < 0 or len(tail) - at < 22:
            raise _Damaged("no end of central directory record")
    end_position = tail_start + at
    cd_size = struct.unpack_from("<I", tail, at + 12)[0]
    cd_start = end_position - cd_size
    if end_position >= 76:
        f.seek(end_position - 76)
        zip64 = f.read(76)
        if zip64[:4] == b"PK\x06\x06" and zip64[56:60] == b"PK\x06\x07":
            cd_size = struct.unpack_from("<Q", zip64, 40)[0]
            cd_start = end_position - 76 - cd_size
    if cd_start < 0:
        raise _Damaged("bad offset for central directory")

    f.seek(cd_start)
    count = walked = 0
    while walked < cd_size and count <= MAX_MEMBERS:
        header = f.read(46)
        if len(header) < 46 or header[:4] != b"PK\x01\x02":
            break  # zipfile will say what is wrong, with fewer entries than the limit
        name, extra, comment = struct.unpack_from("<3H", header, 28)
        f.seek(name + extra + comment, os.SEEK_CUR)
        walked += 46 + name + extra + comment
        count += 1
    return count


def _check_declared(members: list[zipfile.ZipInfo], size: int, where: str) -> None:
    """Refuse a bomb on what the central directory declares, before inflating a byte."""
    total = sum(member.file_size for member in members)
    worst = max(
        (
            member.file_size / max(member.compress_size, 1)
            for member in members
            if member.file_size > RATIO_FLOOR
        ),
        default=0.0,
    )
    if worst > MAX_RATIO:
        _refuse_bomb(where, _human(total), worst)
    if total > MAX_TOTAL_UNCOMPRESSED:
        _refuse_size(where, _human(total), total / size)


def _refuse_size(where: str, shown_size: str, ratio: float) -> NoReturn:
    """Past the total limit: a bomb only if it got there by compressing like one; a
    real workbook of big pictures is just too large, and is told so."""
    if ratio > MAX_RATIO:
        _refuse_bomb(where, shown_size, ratio)
    raise UnreadableFile("E-FILE-TOO-LARGE", where, size=shown_size,
                         max_size=_human(MAX_TOTAL_UNCOMPRESSED))


def _refuse_bomb(where: str, shown_size: str, ratio: float) -> NoReturn:
    raise UnreadableFile(
        "E-FILE-ZIPBOMB",
        where,
        size=shown_size,
        ratio=f"{ratio:,.0f}",
        max_size=_human(MAX_TOTAL_UNCOMPRESSED),
        max_ratio=f"{MAX_RATIO:,}",
        ratio_floor=_human(RATIO_FLOOR),
    )


def _check_member(f: BinaryIO, size: int, member: zipfile.ZipInfo, seen: int, where: str,
                  keep: KeptParts | None = None) -> int:
    """Inflate one member in chunks, checking its real size, its CRC and (for XML) that
    it has no DTD; an XML part `keep` wants is kept. Returns the bytes inflated so far
    over the whole archive."""
    if member.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        # Excel only writes these two; others would widen what the parsers must survive.
        raise _Damaged(f"compression method {member.compress_type}")
    name = member.filename
    scan = not name.lower().endswith(_NOT_XML_SUFFIXES) and not name.startswith(_NOT_XML_FOLDERS)
    real, crc = 0, 0
    scanner = _DtdScanner() if scan else None
    pieces: list[bytes] | None = [] if scan and keep is not None and keep.wants(member) else None
    for piece, consumed in _inflate(_raw_chunks(f, size, member), member.compress_type):
        real += len(piece)
        seen += len(piece)
        if real > member.file_size:
            if member.compress_type == zipfile.ZIP_STORED:
                raise _Damaged("stored member longer than declared")
            _refuse_bomb(where, f"{_human(real)}+", real / max(consumed, 1))
        # Redundant while the declared total is checked first; kept so that loosening
        # that check can never let real bytes past the limit.
        if seen > MAX_TOTAL_UNCOMPRESSED:
            _refuse_size(where, f"{_human(seen)}+", max(seen / size, real / max(consumed, 1)))
        crc = zlib.crc32(piece, crc)
        if scanner and (marker := scanner.feed(piece)):
            raise UnreadableFile("E-FILE-XMLBOMB", where, member=name, marker=marker)
        if pieces is not None:
            pieces.append(piece)
    if real != member.file_size:
        raise _Damaged(f"{name}: {real} bytes, {member.file_size} declared")
    if crc != member.CRC:
        raise _Damaged(f"{name}: bad CRC-32")
    if pieces is not None:
        keep.add(name, pieces)
    return seen


def _holds(window: bytes, opener: bytes) -> bool:
    """`opener in window`, sooner: 「!」 is one byte of "<!" in every encoding above, and
    memchr finds each 「!」 (most parts have none, a sheet a few) far faster than the
    search for the whole opener; past a few 「!」 without it, that search decides."""
    at, bang = window.find(b"!"), opener.index(b"!")
    for _ in range(16):
        if at < 0:
            return False
        if at >= bang and window.startswith(opener, at - bang):
            return True
        at = window.find(b"!", at + 1)
    return opener in window


@lru_cache(maxsize=16)
def _dtd_patterns(encoding: str) -> tuple[bytes, tuple[tuple[str, bytes], ...]]:
    """"<!" and each DTD marker in `encoding`: worked out once per encoding, not per part."""
    return "<!".encode(encoding), tuple((marker, marker.encode(encoding)) for marker in _DTD_MARKERS)


class _DtdScanner:
    """Looks for a DTD marker in a part fed piece by piece, including a marker split
    across two pieces. Searching for "<!" first keeps the cost at one pass per piece:
    real parts have none, or only a rare comment or CDATA section."""

    def __init__(self) -> None:
        self._tail = b""
        self._opener = b""
        self._markers: tuple[tuple[str, bytes], ...] = ()

    def feed(self, piece: bytes) -> str | None:
        window = self._tail + piece if self._tail else piece
        if not self._opener:
            if len(window) < 4:  # too short to hold a marker, and the encoding is unknown
                self._tail = window
                return None
            encoding = "utf-8" if not window.startswith(_STARTS) else next(
                name for start, name in _ENCODING_BY_START if window.startswith(start)
            )
            self._opener, self._markers = _dtd_patterns(encoding)
        if _holds(window, self._opener):
            for marker, pattern in self._markers:
                if pattern in window:
                    return marker
        self._tail = window[-_MARKER_OVERLAP:]
        return None


def _raw_chunks(f: BinaryIO, size: int, member: zipfile.ZipInfo) -> Iterator[bytes]:
    if not 0 <= member.header_offset <= size - 30:
        raise _Damaged(f"{member.filename}: local header outside the file")
    f.seek(member.header_offset)
    local = f.read(30)
    if len(local) < 30 or local[:4] != b"PK\x03\x04":
        raise _Damaged(f"{member.filename}: bad local header")
    name_length, extra_length = struct.unpack_from("<2H", local, 26)
    raw_name = f.read(name_length)
    # Same rule as zipfile: a local name that differs from the central directory's means
    # two readers could see two different files.
    encoding = "utf-8" if struct.unpack_from("<H", local, 6)[0] & 0x800 else "cp437"
    if raw_name.decode(encoding) != member.orig_filename:
        raise _Damaged(f"{member.filename}: local and central names differ")
    start = member.header_offset + 30 + name_length + extra_length
    if start + member.compress_size > size:
        raise _Damaged(f"{member.filename}: data runs past the end of the file")
    f.seek(start)
    left = member.compress_size
    while left:
        chunk = f.read(min(CHUNK, left))
        if not chunk:
            raise _Damaged(f"{member.filename}: file ends inside the data")
        left -= len(chunk)
        yield chunk


def _inflate(raw: Iterable[bytes], method: int) -> Iterator[tuple[bytes, int]]:
    """Decompressed pieces of at most CHUNK bytes each, however much the input expands,
    each with the compressed bytes consumed so far (the real ratio of a lying member)."""
    consumed = 0
    if method == zipfile.ZIP_STORED:
        for chunk in raw:
            consumed += len(chunk)
            yield chunk, consumed
        return
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    for chunk in raw:
        pending = chunk
        while pending and not inflater.eof:
            piece = inflater.decompress(pending, CHUNK)
            consumed += len(pending) - len(inflater.unconsumed_tail)
            pending = inflater.unconsumed_tail
            if piece:
                yield piece, consumed
    while not inflater.eof:
        piece = inflater.decompress(b"", CHUNK)
        if not piece:
            raise _Damaged("deflate stream ends early")
        yield piece, consumed


def _human(count: float) -> str:
    if count < KiB:
        return f"{count:,.0f} B"
    for unit in ("KB", "MB", "GB"):
        count /= KiB
        if count < KiB:
            return f"{count:,.1f} {unit}"
    return f"{count / KiB:,.1f} TB"


def _os_reason(error: OSError) -> str:
    return error.strerror or str(error)
