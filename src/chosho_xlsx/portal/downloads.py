"""Files sent to the browser or a script: stored files and workbooks made for the request,
always as attachments unless said otherwise (a stored upload is never shown as a page),
with nosniff. Used by the pages and the API alike.

Every name sent goes through naming.file_name (no control or format character, no path
separator: a 施策名 with U+202E cannot spoof one). Only workbooks come back as
workbooks: an upload that was refused (not readable as a workbook) is kept as evidence
and sent only as 「…_refused.bin」, application/octet-stream, whatever its own name said
(「invoice.hta」, 「予算.xlsx.html」)."""

from __future__ import annotations

from django.http import FileResponse, HttpResponse
from django.utils.http import content_disposition_header

from chosho_xlsx.model import fiscal
from chosho_xlsx.portal.errors import NotFound
from chosho_xlsx.portal.models import Build, Upload
from chosho_xlsx.portal.services.builds import blob, build_path
from chosho_xlsx.portal.words import say
from chosho_xlsx.writers.naming import file_name

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XLSM = "application/vnd.ms-excel.sheet.macroEnabled.12"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
BINARY = "application/octet-stream"


def workbook_type(suffix: str) -> str:
    """The content type of a stored workbook, by the suffix it was stored with."""
    return {".xlsm": XLSM, ".ods": ODS}.get(suffix, XLSX)


def download(path, name: str, content_type: str = XLSX, inline: bool = False) -> FileResponse:
    """A stored file, as an attachment (a stored upload is never shown inline as a page)."""
    fh = open(path, "rb")  # noqa: SIM115  (FileResponse closes it when sent)
    response = FileResponse(fh, as_attachment=not inline, filename=file_name(name), content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response


def attachment(content: bytes, name: str) -> HttpResponse:
    """A workbook made for this request, as an attachment (as download() sends a stored one)."""
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, file_name(name))
    response["X-Content-Type-Options"] = "nosniff"
    return response


def build_download(made: Build) -> FileResponse:
    """A build's ZIP (the page's link and the API's answer)."""
    return download(build_path(made), f"{fiscal.label(made.fiscal_year)}_調書_{made.pk}.zip", "application/zip")


def stem_of(upload: Upload) -> str:
    """The uploaded file's name without its extension (for the names of what is sent)."""
    stem, dot, _ = upload.filename.rpartition(".")
    return stem if dot and stem else upload.filename


def stored_upload(upload: Upload) -> FileResponse:
    """A version's file as uploaded: a workbook under its name with a workbook's
    extension and type; a refused one as 「…_refused.bin」, octet-stream."""
    path = blob(upload)
    if not path.exists():  # refused evidence pruned past the 課's quota (files.prune_refused)
        raise NotFound(say("evidence-pruned"))
    if not upload.readable:
        return download(path, f"{stem_of(upload)}_refused.bin", BINARY)
    return download(path, f"{stem_of(upload)}{upload.suffix}", workbook_type(upload.suffix))
