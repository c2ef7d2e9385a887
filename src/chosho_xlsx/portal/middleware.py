"""The portal's two middlewares: uploads above the limit refused from their
Content-Length before the body is read (413 and one sentence, not a hang while 2 GB
arrive), and the one place where a service's refusal (portal/errors.py) becomes an
answer: a page for people, the API's one JSON shape under /api/ (api/errors.py), at the
status errors.STATUS gives."""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import render

from chosho_xlsx.portal.api.errors import error_response, is_api
from chosho_xlsx.portal.errors import PortalError, TooLarge, status_of
from chosho_xlsx.portal.words import say


def too_large_message() -> str:
    return say("too-large", mb=settings.CHOSHO_MAX_UPLOAD_BYTES // (1024 * 1024))


def refusal_response(request, exc: PortalError, title: str | None = None):
    """A refusal as the answer to this request: JSON for the API, else the message page."""
    status = status_of(exc)
    if is_api(request):
        return error_response(request, status, exc.message, code=exc.code, findings=exc.findings)
    return render(request, "portal/message.html",
                  {"title": title or say("refused-title"), "message": exc.message, "findings": exc.findings},
                  status=status)


class UploadLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.CHOSHO_MAX_UPLOAD_BYTES:
            return refusal_response(request, TooLarge(too_large_message()), title=say("too-large-title"))
        return self.get_response(request)


class RefusalMiddleware:
    """A PortalError no view caught: its page (or JSON), never a 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exc):
        if isinstance(exc, PortalError):
            return refusal_response(request, exc)
        return None
