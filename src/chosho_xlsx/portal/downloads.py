"""Files sent to the browser or a script: stored files and workbooks made for the request,
always as attachments unless said otherwise (a stored upload is never shown as a page),
with nosniff. Used by the pages and the API alike."""

from __future__ import annotations

from django.http import FileResponse, HttpResponse
from django.utils.http import content_disposition_header

from chosho_xlsx.domain import fiscal
from chosho_xlsx.portal.models import Build
from chosho_xlsx.portal.services.builds import build_path

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def download(path, name: str, content_type: str = XLSX, inline: bool = False) -> FileResponse:
    """A stored file, as an attachment (a stored upload is never shown inline as a page)."""
    fh = open(path, "rb")  # noqa: SIM115  (FileResponse closes it when sent)
    response = FileResponse(fh, as_attachment=not inline, filename=name, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response


def attachment(content: bytes, name: str) -> HttpResponse:
    """A workbook made for this request, as an attachment (as download() sends a stored one)."""
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, name)
    response["X-Content-Type-Options"] = "nosniff"
    return response


def build_download(made: Build) -> FileResponse:
    """A build's ZIP (the page's link and the API's answer)."""
    return download(build_path(made), f"{fiscal.label(made.fiscal_year)}_調書_{made.pk}.zip", "application/zip")
