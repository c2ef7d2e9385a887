"""The JSON API under /api/v1/ for scripts and RPA (docs/api.md), built with django-ninja:
the OpenAPI 3.1 schema (/api/v1/openapi.json, readable at /api/v1/docs, served from the
package's own static files) is generated from the same type hints and pydantic schemas
that validate each request and answer. In: `Authorization: Bearer TOKEN`, forms (or JSON),
workbooks. Out: JSON, or a file as an attachment; every error in the one shape of
errors.py.

One router per concept, each in its own module, added below: a new concept is a module
with a `router` and one `api.add_router` line."""

from __future__ import annotations

from django.http import Http404
from django.http.multipartparser import MultiPartParserError
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from chosho_xlsx.portal.errors import PortalError, status_of

from . import builds, dashboard, jobs, policies, policylist, submissions
from .common import _WHEN, FormParser, Renderer
from .errors import error_response, internal_error, say, validation_message

DESCRIPTION = """\
事業群評価調書の提出ポータルの API です（スクリプト・RPA 向け）。

- 認証: `Authorization: Bearer <トークン>`（`chosho-xlsx users token NAME` で発行）。
- 送るもの: フォーム（multipart/form-data、ファイルは file 欄）。ファイル以外の欄は JSON でも送れます。
- 答え: JSON、またはファイル（Content-Disposition: attachment）。
- エラーはすべて `{"error": {"code", "message", "request_id"}}`（ファイルを読んだときは `findings` も）。
  code の一覧と例は docs/api.md にあります。
"""


class Api(NinjaAPI):
    def get_openapi_schema(self, *args, **kwargs):
        """The schema, each error answer described by when it is given."""
        schema = super().get_openapi_schema(*args, **kwargs)
        for operations in schema["paths"].values():
            for operation in operations.values():
                for status, answer in operation["responses"].items():
                    if int(status) in _WHEN:
                        answer["description"] = _WHEN[int(status)]
        return schema


api = Api(title="chosho-xlsx 提出ポータル API", version="1", description=DESCRIPTION, urls_namespace="api-v1",
          parser=FormParser(), renderer=Renderer())

api.add_router("/submissions", submissions.router)
api.add_router("/policies", policies.router)
api.add_router("/policy-list", policylist.router)
api.add_router("/dashboard", dashboard.router)
api.add_router("/builds", builds.router)
api.add_router("/jobs", jobs.router)


@api.exception_handler(PortalError)
def _portal_error(request, exc: PortalError):
    return error_response(request, status_of(exc), exc.message, code=exc.code, findings=exc.findings)


@api.exception_handler(ValidationError)
def _invalid(request, exc: ValidationError):
    return error_response(request, 400, validation_message(exc.errors))


@api.exception_handler(MultiPartParserError)
def _bad_multipart(request, exc):
    # a multipart body Django cannot take apart (no boundary, cut off …): the client's fault
    return error_response(request, 400, say("api-bad-multipart"))


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    return error_response(request, 401, say("token-needed"))


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    if isinstance(exc.__cause__, PortalError):  # ninja wraps what its body parser raised (415 …)
        return _portal_error(request, exc.__cause__)
    message = say("api-invalid-json") if exc.status_code == 400 else str(exc)
    return error_response(request, exc.status_code, message)


@api.exception_handler(Http404)
def _not_found(request, exc):
    return error_response(request, 404, say("api-missing"))


@api.exception_handler(Exception)
def _internal(request, exc):
    return internal_error(request, exc)
