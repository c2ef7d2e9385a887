"""A batch never hangs on one input and never loses the others to it: an input past the
per-file time limit, or whose worker dies, becomes its own row (issue 14.3)."""

from __future__ import annotations

import dataclasses
import os
import signal
import sys
import time
from pathlib import Path

import pytest

from chosho_xlsx.batch import build as batch
from chosho_xlsx.batch import keeper
from chosho_xlsx.common.limits import Limits
from chosho_xlsx.model.ruleset import RulesetError, load_ruleset
from chosho_xlsx.writers.example import write_rows
from chosho_xlsx.writers.summary import PASSED, UNREADABLE

from support.commands import chosho_files
from support.corpus import rows_with
from support.stall import ctrl_c, stalled, stalling_on

pytestmark = pytest.mark.slow


def _inputs(folder: Path) -> list[Path]:
    write_rows(folder / "a.xlsx", rows_with("観光の振興"))
    write_rows(folder / "slow.xlsx", rows_with("港湾の整備"))
    return [folder / "a.xlsx", folder / "slow.xlsx"]



# The good input takes well under a second; the limit only has to stay above that on a
# loaded machine, and far below the stall (ten minutes).
LIMIT = 15


def _keeper(kept: bool):
    """The command line's keeper (batch.keeper), forked now (after the test's monkeypatch,
    which its workers then see), or None: the pool run() starts itself."""
    if not kept:
        return None
    if not sys.platform.startswith("linux"):
        pytest.skip("the keeper: Linux")
    from chosho_xlsx.common.prefork import Prefork

    return Prefork(keeper.BUILD_MODULES)


@pytest.mark.parametrize(("jobs", "kept"), [(1, False), (2, False), (2, True)])
def test_an_input_past_the_time_limit_is_a_row_not_a_hung_batch(tmp_path, monkeypatch, jobs, kept):
    paths = _inputs(tmp_path / "in")
    stalling_on("slow.xlsx", monkeypatch, lambda: time.sleep(600))
    settings = dataclasses.replace(load_ruleset(), limits=Limits(seconds_per_file=LIMIT))
    started = time.monotonic()
    result = batch.run(paths, tmp_path / "out", settings, jobs=jobs, keeper=_keeper(kept))
    assert time.monotonic() - started < 300  # not the stall's ten minutes
    assert [e.status for e in result.entries] == [PASSED, UNREADABLE]
    finding = result.entries[1].outcome.findings[0]
    assert finding.code == "E-FILE-TIMEOUT" and finding.place == str(paths[1])
    assert finding.message() == f"{LIMIT} 秒たっても処理が終わらないため打ち切りました: {paths[1]}"
    assert batch.reason(result.entries[1], "en") == f"Stopped after {LIMIT} s without finishing: {paths[1]}"
    assert result.exit_code == 2
    assert [p.name for p in chosho_files(tmp_path / "out")] == ["R6_観光の振興.xlsx"]


@pytest.mark.parametrize("kept", [False, True])
def test_a_worker_that_dies_costs_its_own_input_only(tmp_path, monkeypatch, kept):
    """A parser aborting the process (python-calamine does on some ranges) or the
    kernel's out-of-memory killer: the other inputs are still built."""
    paths = _inputs(tmp_path / "in")
    stalling_on("slow.xlsx", monkeypatch, lambda: os.kill(os.getpid(), signal.SIGKILL))
    result = batch.run(paths, tmp_path / "out", load_ruleset(), jobs=2, keeper=_keeper(kept))
    assert [e.status for e in result.entries][0] == PASSED
    assert not result.entries[1].built and "worker stopped" in batch.reason(result.entries[1])
    assert [p.name for p in chosho_files(tmp_path / "out")] == ["R6_観光の振興.xlsx"]


@pytest.mark.parametrize("kept", [False, True])
def test_a_bug_in_a_worker_costs_its_own_input_only(tmp_path, monkeypatch, kept):
    """An exception out of work(): that input's row, with the pool and in the keeper's
    workers (common.prefork would raise it in the batch, ending it: build.work_with)."""
    paths = _inputs(tmp_path / "in")

    def broken(path, settings):
        raise ValueError("a bug")

    stalling_on("slow.xlsx", monkeypatch, lambda: broken(None, None))
    result = batch.run(paths, tmp_path / "out", load_ruleset(), jobs=2, keeper=_keeper(kept))
    assert [e.status for e in result.entries][0] == PASSED
    assert not result.entries[1].built
    assert result.entries[1].outcome.error == "ValueError: a bug"
    assert [p.name for p in chosho_files(tmp_path / "out")] == ["R6_観光の振興.xlsx"]


def test_limits_come_from_the_rules_file(tmp_path):
    assert load_ruleset().limits == Limits(2000, 200_000, 32_767, 120.0)
    rules = tmp_path / "rules.yaml"
    rules.write_text("limits: {rows_per_sheet: 50, seconds_per_file: 2.5}\n", encoding="utf-8")
    assert load_ruleset(rules).limits == Limits(50, 200_000, 32_767, 2.5)


@pytest.mark.parametrize("text", ["limits: {rows_per_sheet: 0}", "limits: {text_length: 40000}",
                                  "limits: {seconds_per_file: yes}", "limits: {cells_per_sheet: 1.5}"])
def test_a_bad_limit_is_a_settings_error(tmp_path, text):
    rules = tmp_path / "rules.yaml"
    rules.write_text(text + "\n", encoding="utf-8")
    with pytest.raises(RulesetError, match="limits"):
        load_ruleset(rules)


# Ctrl-C at a terminal: SIGINT to the whole foreground process group (the command, the
# keeper, the workers), as support.stall.ctrl_c sends it; the workers stall on every input.


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the keeper: Linux")
def test_ctrl_c_ends_the_build_and_every_process_with_130(tmp_path):
    paths = _inputs(tmp_path / "in")
    out = tmp_path / "out"
    code, stdout, stderr = ctrl_c(stalled("build", *map(str, paths), "-o", str(out)))
    assert code == 130
    assert "Traceback" not in stdout + stderr
    assert list(out.iterdir()) == []  # no 調書, no 一覧, no hidden folder left


def test_sigterm_ends_the_build_as_ctrl_c_does_with_143(tmp_path):
    """SIGTERM to the command alone (timeout(1), a job runner's stop): exit 143, no
    traceback, no process left, and OUT as Ctrl-C leaves it: no hidden folder of the
    batch in it (it used to die at once and leave 「.chosho-build-…」 there)."""
    import subprocess

    paths = _inputs(tmp_path / "in")
    out = tmp_path / "out"
    proc = subprocess.Popen(stalled("build", *map(str, paths), "-o", str(out)), start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8")
    time.sleep(3.0)  # the keeper and its workers started, each worker in its first input
    proc.terminate()
    stdout, stderr = proc.communicate(timeout=60)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # the keeper and workers end with the command
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    else:
        raise AssertionError("a process of the command outlived it")
    assert proc.returncode == 143, stderr
    assert "Traceback" not in stdout + stderr
    assert list(out.iterdir()) == []


def test_no_keeper_when_the_system_gives_no_process(monkeypatch):
    """os.fork refused as the command starts (a pids limit: EAGAIN): no keeper and no
    traceback there; run() starts its own pool, as before the keeper."""
    import errno

    from chosho_xlsx.common import prefork

    def refused(*args, **kwargs):
        raise BlockingIOError(errno.EAGAIN, "Resource temporarily unavailable")

    monkeypatch.setattr(prefork, "Prefork", refused)
    keeper.start_early(["some-folder"])
    assert keeper.take() is None


def test_build_run_from_a_thread_keeps_working(tmp_path):
    """A program that runs the command line in a thread of its own (a GUI, a job runner):
    the build's SIGTERM handler is the main thread's alone to set (signal.signal raises
    ValueError elsewhere); from a thread the build runs as before, SIGTERM untouched."""
    import threading

    from typer.testing import CliRunner

    from chosho_xlsx.cli import app

    paths = _inputs(tmp_path / "in")
    before = signal.getsignal(signal.SIGTERM)
    got = {}

    def run():
        got["result"] = CliRunner().invoke(app, ["build", str(paths[0]), "-o", str(tmp_path / "out")])

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(300)
    assert got["result"].exit_code == 0, got["result"].output
    assert signal.getsignal(signal.SIGTERM) is before
