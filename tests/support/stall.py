"""Stand-ins for the portal's examine() that never finish or kill their own worker:
functions a worker process can import by name (a forkserver worker cannot see a test's
monkeypatch, only what it imports)."""

from __future__ import annotations

import os
import signal
import time


def forever(path: str, name: str) -> None:
    time.sleep(600)


def dies(path: str, name: str) -> None:
    os.kill(os.getpid(), signal.SIGKILL)
