"""Which kind of zip a file is, from the names of its parts: an Excel workbook (.xlsx,
.xlsm), an OpenDocument spreadsheet (.ods, LibreOffice Calc's own format), or something
a clerk may send by mistake, named so that the message says what it is (.docx, .xlsb …)."""

from __future__ import annotations

from chosho_xlsx.common.findings import UnreadableFile
from chosho_xlsx.intake.package import ODS, XLSX

# Every xlsx writer (Excel, LibreOffice, openpyxl, xlsxwriter) puts these two at these
# names, and both parsers need them.
XLSX_PARTS = ("[Content_Types].xml", "xl/workbook.xml")
# An OpenDocument package names its type in a first, uncompressed part `mimetype`; the
# spreadsheet's cells are in content.xml (ODF 1.2 part 3, 3.3).
ODS_TYPES = (b"application/vnd.oasis.opendocument.spreadsheet",
             b"application/vnd.oasis.opendocument.spreadsheet-template")
ODS_CONTENT = "content.xml"

# A part only one other format has → what to call the file in the message.
_OTHER_PARTS = (
    ("xl/workbook.bin", ".xlsb"),
    ("word/document.xml", ".docx"),
    ("ppt/presentation.xml", ".pptx"),
    ("visio/document.xml", ".vsdx"),
)
_OTHER_OPENDOCUMENT = {
    "text": ".odt",
    "presentation": ".odp",
    "graphics": ".odg",
    "chart": ".odc",
    "formula": ".odf",
    "database": ".odb",
}


def kind_of(names: set[str], where: str) -> str:
    """XLSX or ODS by the parts present (the ODS type is confirmed by check_contents once
    the `mimetype` part has been read safely); anything else is refused, named when the
    parts tell what it is."""
    if all(part in names for part in XLSX_PARTS):
        return XLSX
    if "mimetype" in names:
        return ODS
    for part, kind in _OTHER_PARTS:
        if part in names:
            raise UnreadableFile("E-FILE-OTHER-KIND", where, kind=kind)
    raise UnreadableFile("E-FILE-NOT-WORKBOOK", where)


# The parts check_opendocument reads: checked (and kept) before all others.
FIRST_PARTS = ("mimetype", "META-INF/manifest.xml")


def check_opendocument(parts: dict[str, bytes], names: set[str], where: str) -> None:
    """An OpenDocument package that is not a spreadsheet is named (.odt …); a spreadsheet
    without its content part, or encrypted (a password set in LibreOffice: its parts are
    ciphertext, which would read as damaged), is refused with the sentence for it. Call
    once FIRST_PARTS have been checked and kept."""
    mimetype = parts.get("mimetype", b"").strip()
    if mimetype not in ODS_TYPES:
        prefix = b"application/vnd.oasis.opendocument."
        sub = mimetype[len(prefix):].split(b"-")[0].decode("ascii", "replace") if mimetype.startswith(prefix) else ""
        if sub in _OTHER_OPENDOCUMENT:
            raise UnreadableFile("E-FILE-OTHER-KIND", where, kind=_OTHER_OPENDOCUMENT[sub])
        raise UnreadableFile("E-FILE-NOT-WORKBOOK", where)
    if b"encryption-data" in parts.get("META-INF/manifest.xml", b""):
        raise UnreadableFile("E-FILE-ENCRYPTED", where)
    if ODS_CONTENT not in names:
        raise UnreadableFile("E-FILE-ODS-UNREADABLE", where)
