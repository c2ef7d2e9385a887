"""What every router of the API shares: the documented error answers of an operation, a
file answer's documentation, the request parser (forms, or the same fields as JSON; 415
for anything else) and the JSON renderer (Japanese as is, not \\u escapes)."""

from __future__ import annotations

import json

from django.http import FileResponse, HttpResponse
from ninja.parser import Parser
from ninja.renderers import JSONRenderer

from chosho_xlsx.portal import downloads
from chosho_xlsx.portal.errors import Invalid, UnsupportedMediaType
from chosho_xlsx.portal.words import say
from chosho_xlsx.writers.naming import file_name

from .schemas import Error

XLSX = downloads.XLSX
XLSM = "application/vnd.ms-excel.sheet.macroEnabled.12"
PDF = "application/pdf"
ZIP = "application/zip"

FORMS = ("multipart/form-data", "application/x-www-form-urlencoded")

_WHEN = {
    400: "リクエストの形が正しくない（欄がない、数でない、年度が読めない …）",
    401: "トークンがない、または正しくない（WWW-Authenticate つき）",
    403: "この利用者の役割・課ではできない",
    404: "ない、またはこの利用者には見られない",
    409: "今の状態ではできない",
    413: "ファイルが大きすぎる",
    415: "本文の形式を受け付けない",
    422: "ファイルを読んだが使えない（findings に理由）",
    500: "サーバーの内部の問題（request_id をログで探せます）",
    503: "LibreOffice など、サーバーの道具が使えない",
}


def errors(*statuses: int) -> dict[int, type]:
    """The error answers of an operation: those given, and 400 (a path or field that is
    not what the schema says), 401 and 500, which every operation can answer."""
    return {s: Error for s in sorted({400, 401, 500, *statuses})}


def file_answer(description: str, *types: str, headers: dict | None = None) -> dict:
    """openapi_extra for an operation that answers 200 with a file."""
    return {"responses": {200: {
        "description": description,
        "content": {t: {"schema": {"type": "string", "format": "binary"}} for t in types},
        "headers": {
            "Content-Disposition": {"description": "attachment と安全なファイル名（filename*=UTF-8''…）",
                                    "schema": {"type": "string"}},
            **(headers or {}),
        },
    }}}


def form_answer(model) -> dict:
    """openapi_extra: a form operation's fields may also come as a JSON object."""
    schema = model.model_json_schema()
    return {"requestBody": {"required": bool(schema.get("required")),
                            "content": {"application/json": {"schema": schema}}}}


def send_file(path, name: str, content_type: str) -> FileResponse:
    """A stored file as an attachment, under a name safe on every system (naming.file_name)."""
    return downloads.download(path, file_name(name), content_type)


def send_bytes(content: bytes, name: str, content_type: str = XLSX) -> HttpResponse:
    response = downloads.attachment(content, file_name(name))
    response["Content-Type"] = content_type
    return response


# What a JSON null becomes: no field's type accepts it (see FormParser._json_object).
NULL = object()


class FormParser(Parser):
    """A form's fields come from a form (multipart or urlencoded) or, for scripts, from a
    JSON object with the same fields; a file only from multipart; a JSON body only as
    application/json. Anything else is 415."""

    def parse_body(self, request):
        """A JSON body (an operation that takes JSON only, such as jobs and fixes)."""
        if request.content_type != "application/json":
            raise UnsupportedMediaType(say("api-unsupported-media-type", type=request.content_type or "-",
                                           expected="JSON（application/json）"))
        return super().parse_body(request)

    def parse_querydict(self, data, list_fields, request):
        if request.method != "POST" or data is request.GET:
            return super().parse_querydict(data, list_fields, request)
        ctype = request.content_type
        if data is request.FILES:
            if ctype != "multipart/form-data":
                raise UnsupportedMediaType(say("api-unsupported-media-type", type=ctype, expected=say("api-multipart")))
        elif ctype == "application/json":
            return self._json_object(request)
        elif ctype not in FORMS and request.body:
            raise UnsupportedMediaType(say("api-unsupported-media-type", type=ctype, expected=say("api-form-or-json")))
        return super().parse_querydict(data, list_fields, request)

    @staticmethod
    def _json_object(request) -> dict:
        if not request.body:
            return {}
        try:
            data = json.loads(request.body)
        except (ValueError, UnicodeDecodeError):
            raise Invalid(say("api-invalid-json")) from None
        if not isinstance(data, dict):
            raise Invalid(say("api-invalid-json"))
        # A form cannot send null, and the schema says so; ninja would take a null as a
        # field not sent, so a null reaches validation as NULL, which no field accepts
        # (keys that are no field are ignored, null or not).
        return {key: NULL if value is None else value for key, value in data.items()}


class Renderer(JSONRenderer):
    json_dumps_params = {"ensure_ascii": False}
