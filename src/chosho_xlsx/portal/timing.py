"""Where a request's time goes, phase by phase (issue 22): an upload's hashing, storing,
the examination (its own time in the worker and the process hop around it), the
findings' JSON and the database writes, measured inside the request that pays them.

Off unless CHOSHO_SERVER_TIMING=1 (bench/portal_load.py sets it for the server it
starts): then each response carries a Server-Timing header (W3C Server Timing), one
`name;dur=MILLISECONDS` per phase plus `total`, which the load benchmark reads. Off, phase()
records nothing and the middleware passes requests through untouched."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from contextvars import ContextVar

ENV = "CHOSHO_SERVER_TIMING"
_phases: ContextVar[list[tuple[str, float]] | None] = ContextVar("chosho_phases", default=None)


def recording() -> bool:
    return _phases.get() is not None


@contextlib.contextmanager
def phase(name: str) -> Iterator[None]:
    """Time the block as `name` in this request's Server-Timing (when recording)."""
    phases = _phases.get()
    if phases is None:
        yield
        return
    start = time.perf_counter()
    try:
        yield
    finally:
        phases.append((name, time.perf_counter() - start))


def add(name: str, seconds: float) -> None:
    """A phase measured elsewhere (in the worker process)."""
    phases = _phases.get()
    if phases is not None:
        phases.append((name, seconds))


def header(phases: list[tuple[str, float]], total: float) -> str:
    return ", ".join(f"{name};dur={seconds * 1000:.2f}" for name, seconds in [*phases, ("total", total)])


class ServerTimingMiddleware:
    """Outermost: `total` is the whole of Django's handling of the request."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response
        self.on = os.environ.get(ENV) == "1"

    def __call__(self, request):
        if not self.on:
            return self.get_response(request)
        token = _phases.set([])
        start = time.perf_counter()
        try:
            response = self.get_response(request)
            response["Server-Timing"] = header(_phases.get() or [], time.perf_counter() - start)
        finally:
            _phases.reset(token)
        return response
