"""The batch build: many workbooks in one call, one bad one never stops the others,
a table of what was built and what failed, unique content names, duplicates reported,
the 一覧 written, deterministic output, a meaningful exit code.

The 200-workbook case of the issue runs as is: generating the 200 (bench/generate.py,
both cores) and building them takes about half a minute on the 2-core machine."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from chosho_xlsx.batch import build as batch
from chosho_xlsx.model.ruleset import load_ruleset
from chosho_xlsx.writers.example import write_rows
from chosho_xlsx.writers.summary import (
    DUPLICATE,
    FAILED,
    FILE_NAME,
    NOT_WRITTEN,
    PASSED,
    SHEET,
    UNREADABLE,
)

from support.commands import chosho_files, cli, generate
from support.corpus import rows_with

pytestmark = pytest.mark.slow

BROKEN = "dept_0101.xlsx"  # generate.py --broken 1 of 200 breaks the middle one (index 100)


# ---- the case: 200 workbooks, one broken ------------------------------------------


@pytest.fixture(scope="module")
def two_hundred(tmp_path_factory):
    base = tmp_path_factory.mktemp("batch200")
    inputs = generate(base / "in", 200, broken=1)
    out = base / "out"
    proc = cli("build", str(base / "in"), "-o", str(out))
    return inputs, out, proc


def test_200_workbooks_one_broken(two_hundred):
    inputs, out, proc = two_hundred
    assert len(inputs) == 200
    assert proc.returncode == 1, proc.stderr
    assert len(chosho_files(out)) == 199
    assert (out / FILE_NAME).is_file()
    # the broken one is named, with its reason (the cell and the message)
    row = next(ln for ln in proc.stdout.splitlines() if BROKEN in ln and "│" in ln)  # the table's
    assert "不合格" in row and "事業!R" in row and "E-MONEY" in row
    assert "事業!" in proc.stdout and "未定" in proc.stdout and "E-MONEY" in proc.stdout
    assert "199件の調書を作成、1件は作成できませんでした" in proc.stdout
    assert not any(p.name.startswith(batch.TEMP_PREFIX) for p in out.iterdir())


def test_200_summary_lists_every_input(two_hundred):
    inputs, out, _ = two_hundred
    ws = openpyxl.load_workbook(out / FILE_NAME, read_only=True)[SHEET]
    rows = list(ws.iter_rows(min_row=3, values_only=True))
    heads = next(ws.iter_rows(min_row=2, max_row=2, values_only=True))
    src, outcome, output = heads.index("入力ファイル"), heads.index("検証"), heads.index("調書ファイル")
    data = rows[:-1]  # the last row is 合計
    assert rows[-1][0] == "合計"
    assert {r[src] for r in data} == {str(p) for p in inputs}
    failed = [r for r in data if r[outcome] != PASSED]
    assert {(Path(r[src]).name, r[outcome]) for r in failed} == {(BROKEN, FAILED)}
    assert {r[output] for r in data if r[outcome] == PASSED} == {p.name for p in chosho_files(out)}


def test_progress_is_quiet_when_not_a_terminal(two_hundred):
    _, _, proc = two_hundred
    assert "調書を作成中" not in proc.stderr + proc.stdout
    assert "\x1b[" not in proc.stderr + proc.stdout  # no cursor movement, no colours
    assert "\r" not in proc.stderr


# ---- names, duplicates, failures --------------------------------------------------------


def test_same_policy_twice_builds_neither_and_names_both(tmp_path):
    inp = tmp_path / "in"
    write_rows(inp / "a.xlsx", rows_with("地域交通の確保"))
    write_rows(inp / "b.xlsx", rows_with("地域交通の確保"))
    write_rows(inp / "c.xlsx", rows_with("地域交通の確保", year="R7"))  # another year: its own 調書
    write_rows(inp / "d.xlsx", rows_with("観光の振興"))
    out = tmp_path / "out"
    proc = cli("build", str(inp), "-o", str(out))
    assert proc.returncode == 1
    assert [p.name for p in chosho_files(out)] == ["R6_観光の振興.xlsx", "R7_地域交通の確保.xlsx"]
    dup = [ln for ln in proc.stdout.splitlines() if "重複" in ln]
    assert any("a.xlsx" in ln for ln in dup) and any("b.xlsx" in ln for ln in dup)
    assert "同じ施策・実施年度" in proc.stdout


def test_full_width_and_spaces_are_the_same_policy(tmp_path):
    inp = tmp_path / "in"
    write_rows(inp / "a.xlsx", rows_with("ICT活用 の推進"))
    write_rows(inp / "b.xlsx", rows_with("ＩＣＴ活用の推進"))
    outcomes = batch.run(sorted(inp.glob("*.xlsx")), tmp_path / "out", load_ruleset(), jobs=1).entries
    assert [e.status for e in outcomes] == [DUPLICATE, DUPLICATE]
    assert outcomes[0].others == [str(inp / "b.xlsx")]


def test_distinct_policies_with_one_file_name_get_suffixes(tmp_path):
    inp = tmp_path / "in"
    write_rows(inp / "a.xlsx", rows_with("道路/橋梁の整備"))
    write_rows(inp / "b.xlsx", rows_with("道路:橋梁の整備"))
    write_rows(inp / "c.xlsx", rows_with("CON"))
    out = tmp_path / "out"
    proc = cli("build", str(inp), "-o", str(out))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert [p.name for p in chosho_files(out)] == ["R6_CON.xlsx", "R6_道路_橋梁の整備.xlsx",
                                                    "R6_道路_橋梁の整備_2.xlsx"]
    book = openpyxl.load_workbook(out / "R6_道路_橋梁の整備_2.xlsx", read_only=True)
    assert any("道路:橋梁の整備" in str(v) for row in book.worksheets[0].iter_rows(max_row=8, values_only=True)
               for v in row)


def test_unreadable_input_is_exit_2_and_the_others_are_built(tmp_path):
    inp = tmp_path / "in"
    write_rows(inp / "good.xlsx", rows_with("観光の振興"))
    (inp / "bad.xlsx").write_bytes(b"not a workbook at all")
    out = tmp_path / "out"
    proc = cli("build", str(inp), "-o", str(out), "--lang", "en")
    assert proc.returncode == 2
    assert [p.name for p in chosho_files(out)] == ["R6_観光の振興.xlsx"]
    assert "unreadable" in proc.stdout and "bad.xlsx" in proc.stdout
    assert "1 調書 built, 1 not built" in proc.stdout


def test_a_crash_in_one_input_does_not_stop_the_others(tmp_path, monkeypatch):
    inp = tmp_path / "in"
    write_rows(inp / "a.xlsx", rows_with("観光の振興"))
    write_rows(inp / "b.xlsx", rows_with("港湾の整備"))
    from chosho_xlsx.writers.layout import workbook

    real = workbook.chosho_bytes

    def flaky(report, settings):  # what the worker writes, failing as a full disk does
        if report.chosho.policy == "観光の振興":
            raise OSError(28, "No space left on device")
        return real(report, settings)

    monkeypatch.setattr(workbook, "chosho_bytes", flaky)
    result = batch.run(sorted(inp.glob("*.xlsx")), tmp_path / "out", load_ruleset(), jobs=1)
    assert [e.status for e in result.entries] == [NOT_WRITTEN, PASSED]
    assert "No space left" in batch.reason(result.entries[0])
    assert result.exit_code == 2
    assert [p.name for p in chosho_files(tmp_path / "out")] == ["R6_港湾の整備.xlsx"]


def test_missing_file_is_reported_not_raised(tmp_path):
    write_rows(tmp_path / "a.xlsx", rows_with("観光の振興"))
    result = batch.run([tmp_path / "a.xlsx", tmp_path / "missing.xlsx"], tmp_path / "out", load_ruleset(), jobs=2)
    assert [e.status for e in result.entries] == [PASSED, UNREADABLE]
    assert result.exit_code == 2


def test_outputs_of_an_earlier_run_in_a_scanned_folder_are_not_inputs(tmp_path):
    write_rows(tmp_path / "a.xlsx", rows_with("観光の振興"))
    out = tmp_path / "out"
    assert cli("build", str(tmp_path), "-o", str(out)).returncode == 0
    proc = cli("build", str(tmp_path), "-o", str(out))  # out/ is inside the folder scanned
    assert proc.returncode == 0, proc.stdout
    assert "1件の調書を作成、0件は作成できませんでした" in proc.stdout


# ---- determinism, jobs, JSON --------------------------------------------------------------


@pytest.fixture(scope="module")
def small_set(tmp_path_factory):
    base = tmp_path_factory.mktemp("small")
    generate(base / "in", 6, broken=1, seed=7)
    return base / "in"


def _bytes(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.glob("*.xlsx"))}


def test_same_inputs_same_bytes_whatever_the_jobs(small_set, tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    p1 = cli("build", str(small_set), "-o", str(one), "--jobs", "1")
    p2 = cli("build", str(small_set), "-o", str(two), "--jobs", "2")
    assert p1.returncode == p2.returncode == 1
    a, b = _bytes(one), _bytes(two)
    assert len(a) == 7  # 5 調書, the 一覧 and the 評価結果概要
    assert a == b


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the keeper: Linux")
def test_the_keepers_workers_build_what_the_pool_builds(small_set, tmp_path):
    """The command line's workers (batch.keeper, forked as it starts) and the pool run()
    starts itself (the portal's, the book's): the same rows, the same bytes."""
    from chosho_xlsx.batch import keeper
    from chosho_xlsx.common.prefork import Prefork

    paths = sorted(small_set.glob("*.xlsx"))
    kept = batch.run(paths, tmp_path / "kept", load_ruleset(), jobs=2, keeper=Prefork(keeper.BUILD_MODULES))
    pooled = batch.run(paths, tmp_path / "pooled", load_ruleset(), jobs=2)
    assert [(e.status, e.outcome.findings) for e in kept.entries] == \
        [(e.status, e.outcome.findings) for e in pooled.entries]
    assert _bytes(tmp_path / "kept") == _bytes(tmp_path / "pooled")
    assert len(_bytes(tmp_path / "kept")) == 7


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the keeper: Linux")
def test_a_keeper_killed_leaves_its_inputs_built_not_failed(small_set, tmp_path):
    """The keeper killed (the OOM killer's pick, kill -9) before it answered: its inputs
    are built in the command itself, the same rows and bytes, none reported as failed."""
    import os
    import signal

    from chosho_xlsx.batch import keeper
    from chosho_xlsx.common.prefork import Prefork

    paths = sorted(small_set.glob("*.xlsx"))
    gone = Prefork(keeper.BUILD_MODULES)
    os.kill(gone.pid, signal.SIGKILL)
    kept = batch.run(paths, tmp_path / "kept", load_ruleset(), jobs=2, keeper=gone)
    pooled = batch.run(paths, tmp_path / "pooled", load_ruleset(), jobs=2)
    assert [(e.status, e.outcome.findings, e.outcome.error) for e in kept.entries] == \
        [(e.status, e.outcome.findings, e.outcome.error) for e in pooled.entries]
    assert _bytes(tmp_path / "kept") == _bytes(tmp_path / "pooled")


def test_json_of_the_built_reports(small_set, tmp_path):
    import json

    proc = cli("build", str(small_set), "-o", str(tmp_path / "out"), "--json", "-")
    assert proc.returncode == 1
    data = json.loads(proc.stdout)["reports"]
    assert len(data) == 5
    assert all({"policy", "groups", "indicators", "projects"} <= set(d) for d in data)
    assert "作成できませんでした" in proc.stderr  # the table goes to stderr then


def test_a_single_file_needs_no_pool(tmp_path):
    write_rows(tmp_path / "a.xlsx", rows_with("観光の振興"))
    proc = cli("build", str(tmp_path / "a.xlsx"), "-o", str(tmp_path / "out"), "--jobs", "4")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (tmp_path / "out" / "R6_観光の振興.xlsx").is_file()
    assert (tmp_path / "out" / FILE_NAME).is_file()


def test_jobs_must_be_positive(tmp_path):
    proc = cli("build", str(tmp_path), "--jobs", "0")
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr


def test_copied_inputs_are_duplicates_even_in_folders(tmp_path):
    write_rows(tmp_path / "in" / "a.xlsx", rows_with("観光の振興"))
    (tmp_path / "in" / "sub").mkdir()
    shutil.copy(tmp_path / "in" / "a.xlsx", tmp_path / "in" / "sub" / "a.xlsx")
    result = batch.run(batch.inputs([tmp_path / "in"], tmp_path / "out"), tmp_path / "out", load_ruleset())
    assert [e.status for e in result.entries] == [DUPLICATE, DUPLICATE]
    assert chosho_files(tmp_path / "out") == []
    assert result.exit_code == 1


def test_inputs_leave_out_what_a_batch_wrote(tmp_path):
    def touch(p: Path) -> Path:
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(b"")
        return p

    a = touch(tmp_path / "in" / "a.xlsx")
    touch(tmp_path / "in" / "out" / "R6_x.xlsx")
    touch(tmp_path / "in" / "out" / FILE_NAME)
    touch(tmp_path / "in" / "out" / f"{batch.TEMP_PREFIX}1" / "0.xlsx")
    assert batch.inputs([tmp_path / "in"], tmp_path / "in" / "out") == [a]
    # the output folder is the input folder itself: leftovers are ours, and what carries
    # our mark (tests/test_writers_outputs.py); an empty file named like the 一覧 is not ours
    b = touch(tmp_path / "same" / "b.xlsx")
    c = touch(tmp_path / "same" / FILE_NAME)
    touch(tmp_path / "same" / f"{batch.TEMP_PREFIX}2" / "1.xlsx")
    assert batch.inputs([tmp_path / "same"], tmp_path / "same") == [b, c]
    # a file named on the command line is always an input
    assert batch.inputs([tmp_path / "same" / FILE_NAME], tmp_path / "same") == [tmp_path / "same" / FILE_NAME]


@pytest.mark.skipif(shutil.which("script") is None, reason="needs util-linux script for a terminal")
def test_progress_bar_on_a_terminal(small_set, tmp_path):
    out = tmp_path / "out"
    cmd = f"{sys.executable} -m chosho_xlsx.cli build {small_set} -o {out}"
    proc = subprocess.run(["script", "-qec", cmd, "/dev/null"], capture_output=True, text=True,
                          encoding="utf-8", errors="replace", timeout=300)
    assert "調書を作成中" in proc.stdout  # the bar (transient: redrawn, then cleared)
    assert "5件の調書を作成、1件は作成できませんでした" in proc.stdout
    assert proc.returncode == 1


def test_a_written_chosho_that_cannot_be_made_durable_is_not_put_in_place(tmp_path, monkeypatch):
    """The parent fsyncs each 調書 a worker wrote before renaming it into OUT; a disk that
    fails then makes that input NOT_WRITTEN, never a file in OUT that may be incomplete."""
    inp = tmp_path / "in"
    write_rows(inp / "a.xlsx", rows_with("観光の振興"))
    write_rows(inp / "b.xlsx", rows_with("港湾の整備"))
    real = batch._fsync

    def failing(path):
        if path.endswith("0.xlsx"):
            raise OSError(5, "Input/output error", path)
        real(path)

    monkeypatch.setattr(batch, "_fsync", failing)
    result = batch.run(sorted(inp.glob("*.xlsx")), tmp_path / "out", load_ruleset(), jobs=2)
    assert [e.status for e in result.entries] == [NOT_WRITTEN, PASSED]
    assert "Input/output error" in batch.reason(result.entries[0])
    assert [p.name for p in chosho_files(tmp_path / "out")] == ["R6_港湾の整備.xlsx"]


def _dying_in_a_worker(parent: int):
    """summary.write_summary, except in another process than `parent`: the worker dies
    there (the OOM killer's pick), as one of the keeper's list writers might."""
    import os
    import signal

    from chosho_xlsx.writers import summary

    stock = summary.write_summary

    def write(*args):
        if os.getpid() != parent:
            os.kill(os.getpid(), signal.SIGKILL)
        return stock(*args)

    return write


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the keeper: Linux")
def test_a_list_whose_worker_dies_is_written_by_the_command_itself(small_set, tmp_path, monkeypatch):
    """The 一覧 and the 評価結果概要 are written by two of the keeper's workers at once; a
    worker lost on its list costs nothing: the command writes that list itself, the
    same bytes."""
    import os

    from chosho_xlsx.batch import keeper
    from chosho_xlsx.common.prefork import Prefork
    from chosho_xlsx.writers import summary

    paths = sorted(small_set.glob("*.xlsx"))
    batch.run(paths, tmp_path / "pooled", load_ruleset(), jobs=2)
    monkeypatch.setattr(summary, "write_summary", _dying_in_a_worker(os.getpid()))
    kept = batch.run(paths, tmp_path / "kept", load_ruleset(), jobs=2, keeper=Prefork(keeper.BUILD_MODULES))
    assert kept.summary == tmp_path / "kept" / "一覧.xlsx" and not kept.summary_error
    assert _bytes(tmp_path / "kept") == _bytes(tmp_path / "pooled")


def test_on_placed_sees_the_final_rows_and_its_error_loses_nothing(small_set, tmp_path):
    """on_placed (the command's table, drawn while the lists are written) gets every
    row final and every 調書 in place; whatever it raises reaches the caller only once the
    batch is complete: its lists and its manifest written."""
    seen = []

    def placed(b):
        seen.append([(e.status, e.path and e.path.exists()) for e in b.entries])
        raise OSError(28, "No space left on device")

    paths = sorted(small_set.glob("*.xlsx"))
    with pytest.raises(OSError, match="No space"):
        batch.run(paths, tmp_path / "out", load_ruleset(), jobs=2, on_placed=placed)
    assert seen == [[("合格", True)] * 3 + [("不合格", None)] + [("合格", True)] * 2]
    written = {p.name for p in (tmp_path / "out").iterdir()}
    assert {"一覧.xlsx", "評価結果概要.xlsx", ".chosho-manifest.json"} <= written and len(written) == 8


def _killed_as_it_writes(parent: int, hold: float = 0.0):
    """summary.write_summary, except in another process than `parent`: there the worker
    makes the 一覧's temporary file (common.atomic) and dies in it (kill -9, the OOM
    killer), or, with `hold`, sleeps in it that long (to be interrupted)."""
    import os
    import signal
    import time

    from chosho_xlsx.common.atomic import atomic_path
    from chosho_xlsx.writers import summary

    stock = summary.write_summary

    def write(lines, path, ruleset):
        if os.getpid() != parent:
            with atomic_path(Path(path)):
                if hold:
                    time.sleep(hold)
                os.kill(os.getpid(), signal.SIGKILL)
        return stock(lines, path, ruleset)

    return write


def _hidden(out: Path) -> list[str]:
    return sorted(p.name for p in out.iterdir() if p.name.startswith(".") and p.name != ".chosho-manifest.json")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the keeper: Linux")
def test_a_list_s_worker_killed_as_it_writes_leaves_no_temporary_file(small_set, tmp_path, monkeypatch):
    """The worker dies inside the atomic writer, its temporary 「.一覧.xlsx.….tmp」 in
    OUT (on a shared drive, seen by everyone): the command writes the list itself and
    removes what its worker left, as the list written in this process always did."""
    import os

    from chosho_xlsx.batch import keeper
    from chosho_xlsx.common.prefork import Prefork
    from chosho_xlsx.writers import summary

    paths = sorted(small_set.glob("*.xlsx"))
    monkeypatch.setattr(summary, "write_summary", _killed_as_it_writes(os.getpid()))
    out = tmp_path / "out"
    out.mkdir()
    young = out / ".一覧.xlsx.abcd1234.tmp"  # another's, or a killed batch's not settled yet: kept
    young.write_bytes(b"")
    kept = batch.run(paths, out, load_ruleset(), jobs=2, keeper=Prefork(keeper.BUILD_MODULES))
    assert kept.summary == out / "一覧.xlsx" and not kept.summary_error
    assert _hidden(out) == [young.name]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the keeper: Linux")
def test_ctrl_c_while_the_lists_are_written_leaves_no_temporary_file(small_set, tmp_path, monkeypatch):
    """Ctrl-C (here SIGALRM raising KeyboardInterrupt) while the keeper's workers write
    the lists: the interrupt reaches the caller, the workers are ended and waited for,
    and their temporary files are gone, as the list written in this process left none."""
    import os
    import signal

    from chosho_xlsx.batch import keeper
    from chosho_xlsx.common.prefork import Prefork
    from chosho_xlsx.writers import summary

    def interrupt(*_):
        raise KeyboardInterrupt

    monkeypatch.setattr(summary, "write_summary", _killed_as_it_writes(os.getpid(), hold=30))
    pool = Prefork(keeper.BUILD_MODULES)
    previous = signal.signal(signal.SIGALRM, interrupt)
    try:
        with pytest.raises(KeyboardInterrupt):
            batch.run(sorted(small_set.glob("*.xlsx")), tmp_path / "out", load_ruleset(), jobs=2,
                      keeper=pool, on_placed=lambda b: signal.setitimer(signal.ITIMER_REAL, 0.5))
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert pool.pid is None  # the keeper and its workers ended, waited for
    assert _hidden(tmp_path / "out") == []
    assert not (tmp_path / "out" / FILE_NAME).exists()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the keeper: Linux")
def test_lists_whose_workers_the_system_refuses_are_written_here(small_set, tmp_path, monkeypatch):
    """A pids limit reached once the 調書 are built (EAGAIN from the keeper's fork of a
    list's worker): the lists are written by the command itself, not 'cannot write OUT'
    and a batch without its 一覧 nor its manifest."""
    import errno

    from chosho_xlsx.batch import keeper
    from chosho_xlsx.common import prefork

    stock = prefork._Keeper._fork

    def fork(self):
        if self.fn is batch.write_list:
            raise OSError(errno.EAGAIN, "Resource temporarily unavailable")
        return stock(self)

    monkeypatch.setattr(prefork._Keeper, "_fork", fork)
    paths = sorted(small_set.glob("*.xlsx"))
    batch.run(paths, tmp_path / "pooled", load_ruleset(), jobs=2)
    kept = batch.run(paths, tmp_path / "kept", load_ruleset(), jobs=2, keeper=prefork.Prefork(keeper.BUILD_MODULES))
    assert kept.summary == tmp_path / "kept" / FILE_NAME and not kept.summary_error
    assert (tmp_path / "kept" / ".chosho-manifest.json").is_file()
    assert _bytes(tmp_path / "kept") == _bytes(tmp_path / "pooled")


def _no_process():
    import errno

    return BlockingIOError(errno.EAGAIN, "Resource temporarily unavailable")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the keeper: Linux")
def test_a_keeper_refused_its_workers_builds_the_batch_here(small_set, tmp_path, monkeypatch):
    """A pids limit reached after the keeper's own fork (its workers' fork refused) or
    before any (pebble's fork refused: the portal, or no keeper could be had): the batch
    is built in this process, one input after another, the same bytes, rather than
    「cannot write OUT: Resource temporarily unavailable」 and nothing built, or a
    BrokenProcessPool traceback."""
    import os

    from chosho_xlsx.batch import keeper
    from chosho_xlsx.common import prefork

    paths = sorted(small_set.glob("*.xlsx"))
    pooled = batch.run(paths, tmp_path / "pooled", load_ruleset(), jobs=2)

    def fork(self):
        raise _no_process()

    with monkeypatch.context() as m:
        m.setattr(prefork._Keeper, "_fork", fork)
        kept = batch.run(paths, tmp_path / "kept", load_ruleset(), jobs=2,
                         keeper=prefork.Prefork(keeper.BUILD_MODULES))
    with monkeypatch.context() as m:
        m.setattr(os, "fork", lambda: (_ for _ in ()).throw(_no_process()))
        here = batch.run(paths, tmp_path / "here", load_ruleset(), jobs=2)
    for b in (kept, here):
        assert [e.status for e in b.entries] == [e.status for e in pooled.entries]
        assert b.summary is not None and not b.summary_error
    assert _bytes(tmp_path / "kept") == _bytes(tmp_path / "here") == _bytes(tmp_path / "pooled")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the keeper: Linux")
def test_no_thread_to_be_had_makes_the_chosho_durable_here(small_set, tmp_path, monkeypatch):
    """The fsync threads (_Durable) refused (a pids limit counts threads): each 調書 is
    made durable by this thread, rather than a RuntimeError traceback mid-batch."""
    import threading

    from chosho_xlsx.batch import keeper
    from chosho_xlsx.common.prefork import Prefork

    paths = sorted(small_set.glob("*.xlsx"))
    pooled = batch.run(paths, tmp_path / "pooled", load_ruleset(), jobs=2)
    pool = Prefork(keeper.BUILD_MODULES)

    def refused(self):
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(threading.Thread, "start", refused)
    kept = batch.run(paths, tmp_path / "kept", load_ruleset(), jobs=2, keeper=pool)
    assert [e.status for e in kept.entries] == [e.status for e in pooled.entries]
    assert _bytes(tmp_path / "kept") == _bytes(tmp_path / "pooled")


def _noting_its_process(note: Path, stock):
    """A list's writer that notes the process it runs in (a line in `note`), then writes."""
    import os

    def write(lines, path, ruleset):
        with open(note, "a") as fh:
            fh.write(f"{os.getpid()}\n")
        return stock(lines, path, ruleset)

    return write


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the keeper: Linux")
def test_jobs_1_writes_the_lists_in_one_worker_process(small_set, tmp_path, monkeypatch):
    """--jobs is the worker processes side by side, the lists' too: with 1, the keeper
    writes the 一覧 and the 評価結果概要 one after the other in one worker, not two at once."""
    import os

    from chosho_xlsx.batch import keeper
    from chosho_xlsx.common.prefork import Prefork
    from chosho_xlsx.writers import overview, summary

    note = tmp_path / "pids"
    monkeypatch.setattr(summary, "write_summary", _noting_its_process(note, summary.write_summary))
    monkeypatch.setattr(overview, "write_overview", _noting_its_process(note, overview.write_overview))
    paths = sorted(small_set.glob("*.xlsx"))
    for jobs, processes in ((1, 1), (2, 2)):
        note.write_text("")
        kept = batch.run(paths, tmp_path / f"out{jobs}", load_ruleset(), jobs=jobs,
                         keeper=Prefork(keeper.BUILD_MODULES))
        assert kept.summary and kept.overview and not kept.summary_error
        pids = note.read_text().split()
        assert len(pids) == 2 and str(os.getpid()) not in pids
        assert len(set(pids)) == processes


@pytest.mark.parametrize("name", [FILE_NAME, ".chosho-manifest.json"])
def test_json_never_replaces_what_the_build_has_just_written(small_set, tmp_path, name):
    """`-o OUT --json OUT/一覧.xlsx` in a new OUT: the JSON replaced the 一覧 just written
    (exit 0, 「一覧: OUT/一覧.xlsx」 naming a JSON file), and the next build refused to
    write its 一覧 over 'a file chosho-xlsx did not write'. Now the JSON is refused, one
    sentence and exit 2, and the build's files stay as written."""
    out = tmp_path / "out"
    proc = cli("build", str(small_set), "-o", str(out), "--json", str(out / name))
    assert proc.returncode == 2
    assert proc.stderr.strip().endswith(
        f"--json の書き出し先がこの作成で書いたファイルのため、その上には書き出しません: {out / name}")
    assert (out / FILE_NAME).read_bytes()[:4] == b"PK\x03\x04"
    assert (out / ".chosho-manifest.json").read_text(encoding="utf-8").startswith('{\n  "tool": "chosho-xlsx"')
    again = cli("build", str(small_set), "-o", str(out))
    assert again.returncode == 1 and "一覧を書き出せません" not in again.stdout + again.stderr


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a pipe's size: Linux")
def test_a_reader_that_does_not_read_holds_up_no_list_nor_the_manifest(small_set, tmp_path):
    """`build … | less` left open: the table waits for its reader, the batch does not.
    The table is rendered while the lists are written, and written once the lists and
    the manifest are (a hang-up while it waits loses nothing of OUT)."""
    import fcntl
    import os
    import time

    from support.commands import CLI

    out = tmp_path / "out"
    read, write = os.pipe()
    fcntl.fcntl(write, 1031, 4096)  # F_SETPIPE_SZ: the smallest pipe the system gives
    os.write(write, b"x" * fcntl.fcntl(write, 1032))  # F_GETPIPE_SZ: full, as an unread pager's
    proc = subprocess.Popen([*CLI, "build", str(small_set), "-o", str(out)], stdout=write,
                            stderr=subprocess.DEVNULL)
    os.close(write)
    try:
        deadline = time.monotonic() + 120
        while not (out / ".chosho-manifest.json").exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert {"一覧.xlsx", "評価結果概要.xlsx", ".chosho-manifest.json"} <= {p.name for p in out.iterdir()}
        assert proc.poll() is None  # still writing its table to the pipe nobody reads
    finally:
        with os.fdopen(read, "rb") as reader:
            shown = reader.read()
        proc.wait(timeout=120)
    assert proc.returncode == 1 and "作成できませんでした" in shown.decode("utf-8")
