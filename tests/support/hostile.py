"""Hostile and broken files, built by code into a folder (no binary blobs in the repo).

Each builder takes the folder to write into and returns the path it wrote."""

from __future__ import annotations

import io
import math
import struct
import zipfile
import zlib
from pathlib import Path

import xlsxwriter

from chosho_xlsx.intake.safety import CHUNK

OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
_FREE, _END, _FAT, _DIFAT = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFC
_NO_ENTRY = 0xFFFFFFFF


# ---- plain files -------------------------------------------------------------------


def text_file(folder: Path) -> Path:
    path = folder / "notes.xlsx"
    path.write_text("事業名,事業費\n道路維持,1200\n", encoding="utf-8")
    return path


def pdf_file(folder: Path) -> Path:
    path = folder / "report.xlsx"
    path.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n")
    return path


def png_file(folder: Path) -> Path:
    path = folder / "picture.xlsx"
    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    chunk = struct.pack(">I", len(ihdr)) + b"IHDR" + ihdr
    chunk += struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk)
    return path


def empty_file(folder: Path) -> Path:
    path = folder / "empty.xlsx"
    path.write_bytes(b"")
    return path


def directory(folder: Path) -> Path:
    path = folder / "department.xlsx"
    path.mkdir()
    return path


# ---- zips --------------------------------------------------------------------------


def valid_xlsx_bytes() -> bytes:
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = workbook.add_worksheet("指標")
    sheet.write_row(0, 0, ["指標名", "目標値", "実績値"])
    for row in range(1, 40):
        sheet.write_row(row, 0, [f"指標{row}", row * 10, row * 9])
    workbook.close()
    return buffer.getvalue()


def valid_xlsx(folder: Path, name: str = "valid.xlsx") -> Path:
    path = folder / name
    path.write_bytes(valid_xlsx_bytes())
    return path


def _rebuild(
    path: Path | io.BytesIO,
    replace: dict[str, bytes] | None = None,
    add: dict[str, bytes] | None = None,
    compression: int = zipfile.ZIP_DEFLATED,
) -> zipfile.ZipFile:
    """Copy the valid workbook into `path` with some parts replaced or added, and return
    the archive still open for writing, so a builder can tamper before it is closed."""
    replace, add = replace or {}, add or {}
    source = zipfile.ZipFile(io.BytesIO(valid_xlsx_bytes()))
    target = zipfile.ZipFile(path, "w", compression)
    for name in source.namelist():
        target.writestr(name, replace.get(name, source.read(name)))
    for name, data in add.items():
        target.writestr(name, data)
    return target


def _write(path: Path, **kwargs) -> Path:
    _rebuild(path, **kwargs).close()
    return path


def _local_data_offset(data: bytes, name: str) -> tuple[int, int]:
    """Where a member's compressed data starts in the archive, and its length."""
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(name)
    name_length, extra_length = struct.unpack_from("<2H", data, info.header_offset + 26)
    return info.header_offset + 30 + name_length + extra_length, info.compress_size


def truncated_xlsx(folder: Path) -> Path:
    path = folder / "truncated.xlsx"
    data = valid_xlsx_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def corrupt_member_xlsx(folder: Path) -> Path:
    """Bytes flipped inside the deflated sheet: inflating fails or the CRC does not match."""
    path = folder / "corrupt.xlsx"
    data = bytearray(valid_xlsx_bytes())
    start, length = _local_data_offset(bytes(data), "xl/worksheets/sheet1.xml")
    for offset in range(start + length // 3, start + length // 3 + 8):
        data[offset] ^= 0xFF
    path.write_bytes(bytes(data))
    return path


def crc_mismatch_xlsx(folder: Path) -> Path:
    """A stored (uncompressed) sheet with one byte changed: only the CRC can tell."""
    path = folder / "crc.xlsx"
    data = bytearray(_bytes_of(_rebuild, compression=zipfile.ZIP_STORED))
    start, length = _local_data_offset(bytes(data), "xl/worksheets/sheet1.xml")
    data[start + length // 2] ^= 0x01
    path.write_bytes(bytes(data))
    return path


def docx_zip(folder: Path) -> Path:
    path = folder / "letter.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships/>')
        archive.writestr("word/document.xml", '<?xml version="1.0"?><w:document/>')
    return path


def plain_zip(folder: Path) -> Path:
    path = folder / "archive.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("readme.txt", "department files\n")
    return path


def empty_zip(folder: Path) -> Path:
    path = folder / "nothing.xlsx"
    path.write_bytes(b"PK\x05\x06" + bytes(18))
    return path


def zip_encrypted_member_xlsx(folder: Path) -> Path:
    """A workbook whose sheet carries the zip 'encrypted' flag (not Excel's encryption)."""
    path = folder / "zipcrypto.xlsx"
    data = bytearray(_bytes_of(_rebuild))
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("xl/worksheets/sheet1.xml")
    central = _central_entry(bytes(data), "xl/worksheets/sheet1.xml")
    data[central + 8] |= 0x01
    data[info.header_offset + 6] |= 0x01
    path.write_bytes(bytes(data))
    return path


def _bytes_of(build, **kwargs) -> bytes:
    buffer = io.BytesIO()
    build(buffer, **kwargs).close()
    return buffer.getvalue()


def _central_entry(data: bytes, name: str) -> int:
    """Offset of the central directory entry of `name`."""
    at = data.find(b"PK\x01\x02")
    while at >= 0:
        name_length = struct.unpack_from("<H", data, at + 28)[0]
        if data[at + 46 : at + 46 + name_length] == name.encode():
            return at
        at = data.find(b"PK\x01\x02", at + 4)
    raise KeyError(name)


# ---- bombs -------------------------------------------------------------------------

GB = 1024**3
MB = 1024**2


def declared_bomb(folder: Path, declared: int = 10 * GB) -> Path:
    """A sheet that declares 10 GB (zip64) in the central directory, as a real bomb of
    zeros would; its data is tiny, so building it costs nothing."""
    path = folder / "bomb10g.xlsx"
    archive = _rebuild(path)
    archive.getinfo("xl/worksheets/sheet1.xml").file_size = declared
    archive.close()
    return path


def ratio_bomb(folder: Path, size: int = 20 * MB) -> Path:
    """An honest member of zeros: declared sizes are true, the ratio is ~1000:1."""
    path = folder / "ratio.xlsx"
    return _write(path, add={"xl/worksheets/sheet2.xml": bytes(size)})


def lying_bomb(folder: Path, real: int = 10 * MB, declared: int = 1000) -> Path:
    """A member that declares `declared` bytes but inflates to `real`: passes every
    declared-size check, so only counting the real bytes while inflating stops it."""
    path = folder / "liar.xlsx"
    data = bytearray(_bytes_of(_rebuild, add={"xl/media/blob.xml": bytes(real)}))
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("xl/media/blob.xml")
    central = _central_entry(bytes(data), "xl/media/blob.xml")
    struct.pack_into("<I", data, central + 24, declared)
    struct.pack_into("<I", data, info.header_offset + 22, declared)
    path.write_bytes(bytes(data))
    return path


def large_pictures(folder: Path, size: int) -> Path:
    """A real workbook that is simply big: a picture of `size` random bytes (which do
    not compress), as a photo pasted into a sheet is."""
    import random

    path = folder / "photos.xlsx"
    picture = random.Random(14).randbytes(size)
    return _write(path, add={"xl/media/image1.png": picture})


def many_members(folder: Path, count: int = 10_001) -> Path:
    path = folder / "many.xlsx"
    archive = _rebuild(path, compression=zipfile.ZIP_STORED)
    for number in range(count):
        archive.writestr(f"xl/x/{number}", b"")
    archive.close()
    return path


# ---- XML bombs ---------------------------------------------------------------------

BILLION_LAUGHS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + "".join(
        f' <!ENTITY lol{level} "' + f"&lol{level - 1 or ''};" * 10 + '">\n'
        for level in range(1, 10)
    )
    + "]>\n"
)

XXE = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
)


def _workbook_xml() -> str:
    return zipfile.ZipFile(io.BytesIO(valid_xlsx_bytes())).read("xl/workbook.xml").decode()


def _sheet_xml() -> str:
    source = zipfile.ZipFile(io.BytesIO(valid_xlsx_bytes()))
    return source.read("xl/worksheets/sheet1.xml").decode()


def _body(xml: str) -> str:
    """The document without its XML declaration."""
    return xml.split("?>", 1)[1].lstrip() if xml.startswith("<?xml") else xml


def xml_bomb(folder: Path) -> Path:
    """Billion laughs in xl/workbook.xml, expanded in the sheet's name."""
    path = folder / "laughs.xlsx"
    body = _body(_workbook_xml()).replace('name="指標"', 'name="&lol9;"', 1)
    assert "&lol9;" in body
    return _write(path, replace={"xl/workbook.xml": (BILLION_LAUGHS + body).encode()})


def xxe(folder: Path) -> Path:
    """An external entity to /etc/passwd, expanded in cell A1."""
    path = folder / "xxe.xlsx"
    cell = '<c r="A1" t="inlineStr"><is><t>&xxe;</t></is></c>'
    body = _body(_sheet_xml()).replace('<c r="A1" t="s"><v>0</v></c>', cell, 1)
    assert "&xxe;" in body
    return _write(path, replace={"xl/worksheets/sheet1.xml": (XXE + body).encode()})


def split_doctype(folder: Path, chunk: int) -> Path:
    """`<!DOCTYPE` straddling the boundary between two reads of `chunk` bytes (the part
    is stored, so the reads line up exactly with the data)."""
    path = folder / "split.xlsx"
    prefix = '<?xml version="1.0"?>\n'
    padding = " " * (chunk - len(prefix) - 4)
    xml = prefix + padding + '<!DOCTYPE worksheet [<!ENTITY a "a">]>\n' + _body(_sheet_xml())
    assert xml.index("<!DOCTYPE") == chunk - 4
    return _write(
        path, replace={"xl/worksheets/sheet1.xml": xml.encode()}, compression=zipfile.ZIP_STORED
    )


def encoded_doctype(folder: Path, encoding: str = "utf-16") -> Path:
    """The XXE sheet in UTF-16 or UTF-32 (with or without a byte order mark), which the
    parsers decode, so the DTD no longer reads as ASCII "<!DOCTYPE"."""
    path = folder / f"{encoding}.xlsx"
    declared = encoding.upper().split("-")[0] + "-" + encoding.split("-")[1]
    xml = f'<?xml version="1.0" encoding="{declared}"?>\n' + XXE.split("\n", 1)[1]
    xml += _body(_sheet_xml())
    return _write(path, replace={"xl/worksheets/sheet1.xml": xml.encode(encoding)})


def svg_with_doctype(folder: Path) -> Path:
    """A picture as Illustrator saves it: a DOCTYPE in an SVG is no threat to the parsers."""
    path = folder / "svg.xlsx"
    svg = (
        '<?xml version="1.0"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
        '"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n<svg/>'
    )
    return _write(path, add={"xl/media/image1.svg": svg.encode()})


# ---- OLE2 compound files -----------------------------------------------------------


def ole_file(path: Path, streams: dict[str, bytes], sector_size: int = 512) -> Path:
    """A compound file (MS-CFB) with the given streams under the root storage.

    The layout is DIFAT sectors, FAT sectors, stream data, then the directory last (so a
    reader must follow the FAT to find it). Streams are padded to the 4096-byte mini
    stream cutoff so that they all live in regular sectors."""
    shift = {512: 9, 4096: 12}[sector_size]
    per = sector_size // 4
    data = {name: content.ljust(4096, b"\0") for name, content in streams.items()}
    data_sectors = {name: math.ceil(len(content) / sector_size) for name, content in data.items()}
    entries = 1 + len(data)
    dir_sectors = math.ceil(entries * 128 / sector_size)
    fat_count = difat_count = 0
    while True:
        total = difat_count + fat_count + sum(data_sectors.values()) + dir_sectors
        need_fat = math.ceil(total / per)
        need_difat = max(0, math.ceil((need_fat - 109) / (per - 1)))
        if (need_fat, need_difat) == (fat_count, difat_count):
            break
        fat_count, difat_count = need_fat, need_difat

    fat = [_FREE] * (fat_count * per)
    next_free = 0

    def chain(length: int, mark: int | None = None) -> int:
        nonlocal next_free
        first = next_free
        for index in range(length):
            sector = first + index
            fat[sector] = mark if mark is not None else (sector + 1 if index < length - 1 else _END)
        next_free += length
        return first

    difat_first = chain(difat_count, _DIFAT) if difat_count else _END
    fat_first = chain(fat_count, _FAT)
    starts = {name: chain(count) for name, count in data_sectors.items()}
    dir_first = chain(dir_sectors)

    fat_ids = list(range(fat_first, fat_first + fat_count))
    header = bytearray(512)
    header[0:8] = OLE_MAGIC
    struct.pack_into("<HHHHH", header, 24, 0x3E, 3 if sector_size == 512 else 4, 0xFFFE, shift, 6)
    struct.pack_into("<I", header, 40, 0 if sector_size == 512 else dir_sectors)
    struct.pack_into("<II", header, 44, fat_count, dir_first)
    struct.pack_into("<IIIIII", header, 52, 0, 4096, _END, 0, difat_first, difat_count)
    in_header = fat_ids[:109] + [_FREE] * (109 - min(109, len(fat_ids)))
    struct.pack_into("<109I", header, 76, *in_header)

    out = bytearray(header.ljust(sector_size, b"\0"))
    rest = fat_ids[109:]
    for index in range(difat_count):
        piece = rest[index * (per - 1) : (index + 1) * (per - 1)]
        piece += [_FREE] * (per - 1 - len(piece))
        following = difat_first + index + 1 if index < difat_count - 1 else _END
        out += struct.pack(f"<{per}I", *piece, following)
    out += struct.pack(f"<{len(fat)}I", *fat)
    for name, content in data.items():
        out += content.ljust(data_sectors[name] * sector_size, b"\0")

    directory = bytearray()
    names = list(data)
    directory += _dir_entry("Root Entry", 5, child=1 if names else _NO_ENTRY)
    for index, name in enumerate(names, start=1):
        right = index + 1 if index < len(names) else _NO_ENTRY
        directory += _dir_entry(name, 2, right=right, start=starts[name], size=len(data[name]))
    while len(directory) < dir_sectors * sector_size:
        directory += _dir_entry("", 0)
    out += directory
    path.write_bytes(bytes(out))
    return path


def _dir_entry(
    name: str,
    kind: int,
    right: int = _NO_ENTRY,
    child: int = _NO_ENTRY,
    start: int = _END,
    size: int = 0,
) -> bytes:
    entry = bytearray(128)
    if name:
        encoded = name.encode("utf-16-le") + b"\0\0"
        entry[0 : len(encoded)] = encoded
        struct.pack_into("<H", entry, 64, len(encoded))
    entry[66] = kind
    entry[67] = 1  # black: a tree of right siblings only is a valid red-black tree
    struct.pack_into("<III", entry, 68, _NO_ENTRY, right, child)
    struct.pack_into("<IQ", entry, 116, start if kind else 0, size)
    return bytes(entry)


def xls_file(folder: Path) -> Path:
    """An Excel 97-2003 workbook: a compound file with a BIFF8 'Workbook' stream."""
    bof = struct.pack("<HHHHHHII", 0x0809, 16, 0x0600, 0x0005, 0, 0, 0, 0)
    return ole_file(folder / "old.xls", {"Workbook": bof, "\x05SummaryInformation": b""})


def encrypted_xlsx(folder: Path, package_size: int = 8192, sector_size: int = 512) -> Path:
    """What Excel writes for a workbook with a password: a compound file holding the
    encryption parameters and the encrypted zip, not a zip."""
    info = struct.pack("<HHI", 4, 4, 0x40)  # agile encryption, version 4.4
    info += b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><encryption/>'
    package = struct.pack("<Q", package_size) + bytes(range(256)) * (package_size // 256)
    return ole_file(
        folder / "locked.xlsx",
        {"EncryptionInfo": info, "EncryptedPackage": package},
        sector_size=sector_size,
    )


# ---- parts that made a scan over the raw XML quadratic (issue 14.3) -----------------


def unclosed_cells_in_comment(folder: Path, count: int = 400_000) -> Path:
    """A comment after </worksheet> holding 「<f>」 and `count` unclosed 「<c>」: each
    made a regular expression for a cell search to the end of the part (35 KB zipped:
    over half an hour at 400,000). No XML parser sees any of it."""
    path = folder / "unclosed.xlsx"
    xml = _sheet_xml() + "<!-- <f> " + "<c>" * count + " -->"
    return _write(path, replace={"xl/worksheets/sheet1.xml": xml.encode()})


def unclosed_sheets_in_comment(folder: Path, count: int = 200_000) -> Path:
    """The same in xl/workbook.xml: `count` 「<sheet」 without 「>」 in a comment."""
    path = folder / "unclosed-sheets.xlsx"
    xml = _workbook_xml() + "<!-- " + "<sheet " * count + " -->"
    return _write(path, replace={"xl/workbook.xml": xml.encode()})


def sheet_with_cells(folder: Path, cells: str, name: str = "cells.xlsx", prefix: str = "") -> Path:
    """The valid workbook with its sheet's data replaced by `cells` (the XML of rows and
    cells), elements under `prefix` (「x:」) when given."""
    path = folder / name
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    bind = f'xmlns:{prefix[:-1]}="{ns}"' if prefix else f'xmlns="{ns}"'
    xml = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<{prefix}worksheet {bind}>'
        f"<{prefix}sheetData>{cells}</{prefix}sheetData></{prefix}worksheet>"
    )
    return _write(path, replace={"xl/worksheets/sheet1.xml": xml.encode()})


# Every hostile or broken file with the code check_workbook refuses it with.
CASES = [
    (directory, "E-FILE-DIRECTORY"),
    (empty_file, "E-FILE-EMPTY"),
    (text_file, "E-FILE-NOT-XLSX"),
    (pdf_file, "E-FILE-NOT-XLSX"),
    (png_file, "E-FILE-NOT-XLSX"),
    (xls_file, "E-FILE-XLS"),
    (encrypted_xlsx, "E-FILE-ENCRYPTED"),
    (zip_encrypted_member_xlsx, "E-FILE-ENCRYPTED"),
    (docx_zip, "E-FILE-OTHER-KIND"),
    (plain_zip, "E-FILE-NOT-WORKBOOK"),
    (empty_zip, "E-FILE-NOT-WORKBOOK"),
    (truncated_xlsx, "E-FILE-CORRUPT"),
    (corrupt_member_xlsx, "E-FILE-CORRUPT"),
    (crc_mismatch_xlsx, "E-FILE-CORRUPT"),
    (declared_bomb, "E-FILE-ZIPBOMB"),
    (ratio_bomb, "E-FILE-ZIPBOMB"),
    (lying_bomb, "E-FILE-ZIPBOMB"),
    (many_members, "E-FILE-TOO-MANY-PARTS"),
    (xml_bomb, "E-FILE-XMLBOMB"),
    (xxe, "E-FILE-XMLBOMB"),
    (encoded_doctype, "E-FILE-XMLBOMB"),
    (lambda folder: split_doctype(folder, CHUNK), "E-FILE-XMLBOMB"),
]
