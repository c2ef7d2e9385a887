"""Stand-ins for the portal's examine() that never finish or kill their own worker:
functions a worker process can import by name (a forkserver worker cannot see a test's
monkeypatch, only what it imports); and stalling_on, the same for check_file in forked
workers (the batch's, validate's), which do see the monkeypatch."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from chosho_xlsx import pipeline


def forever(path: str, name: str) -> None:
    time.sleep(600)


def dies(path: str, name: str) -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def stalling_on(name: str, monkeypatch, action) -> None:
    """check_file doing `action` on the input called `name` (the workers are forked, so
    they run this one)."""
    real = pipeline.check_file

    def check_file(path, settings):
        if Path(path).name == name:
            action()
        return real(path, settings)

    monkeypatch.setattr(pipeline, "check_file", check_file)
