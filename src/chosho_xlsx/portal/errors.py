"""The portal's domain errors: what a service refuses, as a stable code and one sentence
in Japanese (plus the findings of the file, when a file was read). Services raise these
and know nothing of HTTP; `STATUS` below is the one place that maps each kind to a
status code, used by the pages and the API alike.

The codes are part of the API contract (docs/api.md): new ones may be added, none is
renamed or changes its meaning."""

from __future__ import annotations


class PortalError(Exception):
    """A request the portal turns down. `code` is stable (``kebab-case``), `message` one
    sentence for people, `findings` the `validate --format json` findings of the file
    read, if any."""

    code = "refused"

    def __init__(self, message: str, *, code: str | None = None, findings: list[dict] | None = None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.findings = findings or []


class Invalid(PortalError):
    """The request itself is malformed: a missing or unreadable field."""

    code = "invalid"


class Forbidden(PortalError):
    """This user's role or 課 may not do this."""

    code = "forbidden"


class NotFound(PortalError):
    """Not there, or not this user's to see (a department never learns which)."""

    code = "not-found"


class Conflict(PortalError):
    """Not allowed in the current state (the workflow says no)."""

    code = "conflict"


class TooLarge(PortalError):
    code = "too-large"


class UnsupportedMediaType(PortalError):
    """The body is in a form this request does not take (JSON where a file is sent)."""

    code = "unsupported-media-type"


class Unprocessable(PortalError):
    """A file was read and cannot be used: its findings say why."""

    code = "unprocessable"


class Unavailable(PortalError):
    """A tool the server needs (LibreOffice) is missing or failed."""

    code = "unavailable"


# The one mapping from a kind of refusal to an HTTP status (pages and API).
STATUS: dict[type[PortalError], int] = {
    Invalid: 400,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    TooLarge: 413,
    UnsupportedMediaType: 415,
    Unprocessable: 422,
    Unavailable: 503,
}


def status_of(exc: PortalError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400
