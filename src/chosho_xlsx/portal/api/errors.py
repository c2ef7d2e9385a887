"""Every error under /api/ in one JSON shape,
``{"error": {"code": "…", "message": "…", "request_id": "…"}}`` (plus ``findings`` when a
file was read), whoever answers: a service's PortalError, django-ninja's validation or
auth, an exception nobody expected (500: logged with the request id the answer carries,
never a traceback), or Django itself (unknown path, method not allowed, too large).

The codes are stable and listed in docs/api.md (tests/test_api_contract.py keeps the
two in step): the PortalError codes of portal/errors.py plus the API's own below."""

from __future__ import annotations

import logging
import sys
import uuid

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults

from chosho_xlsx.portal.words import say

log = logging.getLogger("chosho_xlsx.portal.api")

# The API's own codes, by the status they go with (a PortalError brings its own code).
CODE_OF_STATUS = {
    400: "invalid",
    401: "unauthenticated",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    413: "too-large",
    415: "unsupported-media-type",
    422: "unprocessable",
    500: "internal",
    503: "unavailable",
}


def request_id(request: HttpRequest) -> str:
    """This request's id (made on first use): in an error's body, the X-Request-Id
    header and the log, so that a clerk's report finds its log line."""
    rid = getattr(request, "request_id", None)
    if rid is None:
        rid = uuid.uuid4().hex
        request.request_id = rid
    return rid


def error_response(request: HttpRequest, status: int, message: str, *, code: str | None = None,
                   findings: list[dict] | None = None, headers: dict | None = None) -> JsonResponse:
    rid = request_id(request)
    body: dict = {"code": code or CODE_OF_STATUS.get(status, "invalid"), "message": message, "request_id": rid}
    if findings:
        body["findings"] = findings
    response = JsonResponse({"error": body}, status=status, json_dumps_params={"ensure_ascii": False})
    response["X-Request-Id"] = rid
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="chosho-xlsx"'
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def internal_error(request: HttpRequest, exc: BaseException | None = None) -> JsonResponse:
    """500: the traceback goes to the log under the request id, the answer says only the id."""
    rid = request_id(request)
    log.error("API %s %s failed (request_id=%s)", request.method, request.path, rid, exc_info=exc)
    return error_response(request, 500, say("api-internal", request_id=rid))


_FIELD_KIND = {"missing": "missing", "int_parsing": "integer", "int_type": "integer",
               "greater_than_equal": "range", "less_than_equal": "range", "string_pattern_mismatch": "pattern"}


def validation_message(errors: list[dict]) -> str:
    """django-ninja's (pydantic's) validation errors in one Japanese sentence, naming each
    field as where it was sent (「form.policy_id は整数で入れてください」)."""
    details = []
    for e in errors:
        field = ".".join(str(part) for part in e.get("loc", ()))
        details.append(say(f"api-field-{_FIELD_KIND.get(e.get('type'), 'other')}", field=field))
    return say("api-invalid", details="、".join(details))


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def as_json(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """An error answered by Django under /api/ (405 with its Allow, a CSRF 403 …) in the
    API's shape; JSON answers and successes pass unchanged."""
    if response.status_code < 400 or response.get("Content-Type", "").startswith("application/json"):
        return response
    status = response.status_code
    headers = {}
    if status == 405:
        allowed = response.get("Allow", "")
        headers["Allow"] = allowed
        message = say("api-method-not-allowed", method=request.method, allowed=allowed)
    elif status == 404:
        message = say("api-not-found")
    elif status >= 500:
        return internal_error(request)
    else:
        message = response.reason_phrase
    return error_response(request, status, message, headers=headers)


class ApiErrorsMiddleware:
    """Under /api/: every error answer in the API's shape, whoever made it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        return as_json(request, response) if is_api(request) else response


# Django's own handlers (urls.py): under /api/ the API's shape, elsewhere Django's pages.


def bad_request(request, exception):
    """A body Django cannot take apart before any view runs (a multipart body without a
    boundary, read by the CSRF check): the API's JSON, or a page in Japanese (400.html)."""
    if is_api(request):
        return error_response(request, 400, say("api-bad-multipart"))
    return defaults.bad_request(request, exception)


def page_not_found(request, exception):
    if is_api(request):
        return error_response(request, 404, say("api-not-found"))
    return defaults.page_not_found(request, exception)


def server_error(request):
    if is_api(request):
        return internal_error(request, sys.exc_info()[1])
    return defaults.server_error(request)
