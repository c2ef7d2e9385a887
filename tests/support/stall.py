"""Stand-ins for the portal's examine() that never finish or kill their own worker:
functions a worker process can import by name (a forkserver worker cannot see a test's
monkeypatch, only what it imports); and stalling_on, the same for check_file in forked
workers (the batch's, validate's), which do see the monkeypatch; ctrl_c, Ctrl-C to a
running command as a terminal sends it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
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


def ctrl_c(argv: list[str], after: float = 3.0) -> tuple[int, str, str]:
    """Run `argv` in a session of its own, send Ctrl-C to its whole process group (as a
    terminal does) `after` seconds in, and return (exit code, stdout, stderr) once no
    process of the group is left (raises if one outlives it by 10 s)."""
    proc = subprocess.Popen(argv, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, encoding="utf-8")
    time.sleep(after)  # the keeper and its workers started, each worker in its first input
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=60)  # returns once no process holds the pipes
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # the keeper and workers die with the command
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            return proc.returncode, out, err
        time.sleep(0.05)
    raise AssertionError("a process of the command outlived it")


_STALLED = """
import sys, time
from chosho_xlsx import pipeline
pipeline.check_file = lambda path, ruleset: time.sleep(600)
sys.argv = ["chosho-xlsx", *sys.argv[1:]]
from chosho_xlsx.cli import main
main()
"""


def stalled(*words: str) -> list[str]:
    """The argv of `chosho-xlsx WORDS…` whose checks stall on every input (a process of
    its own: the keeper and its workers forked from it stall too), for ctrl_c."""
    return [sys.executable, "-c", _STALLED, *words]
