"""`chosho-xlsx validate` of many files in one call (issue 22): they are checked in worker
processes (cli.checking; on Linux one file too, elsewhere from POOL_FROM files on); the
text, the JSON and the exit code are exactly those of checking them one after another
here, in the order given, and each file has the batch's time limit there
(E-FILE-TIMEOUT), a worker's death costing its own file, Ctrl-C ending them all."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chosho_xlsx.cli import app
from chosho_xlsx.cli import validate as command

from support import corpus, hostile
from support.stall import ctrl_c, stalled, stalling_on

runner = CliRunner()


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """POOL_FROM + 2 inputs: the example, a copy with a broken cell, unreadable files."""
    out = tmp_path_factory.mktemp("many")
    example = corpus.example_workbook(out / "src")
    rows = corpus.example_rows()
    rows["事業"][corpus.index_of(rows, "事業", 事業番号="7")]["見直し区分"] = "大きく縮小"
    broken = corpus.write(out / "src", rows, name="broken.xlsx")
    for i in range(command.POOL_FROM - 1):
        shutil.copyfile(broken if i % 4 == 1 else example, out / f"dept_{i:02d}.xlsx")
    hostile.truncated_xlsx(out).rename(out / "dept_90.xlsx")
    hostile.text_file(out).rename(out / "dept_91.xlsx")
    hostile.xls_file(out).rename(out / "dept_92.xlsx")
    shutil.rmtree(out / "src")
    return out


def _validate(*args: object):
    return runner.invoke(app, ["validate", *map(str, args)], env={"COLUMNS": "80"})


def _one_by_one(paths, ruleset, _jobs):
    """What the workers stand for: check_file of each path here, in turn."""
    from chosho_xlsx.pipeline import check_file

    return [check_file(p, ruleset) for p in paths]


@pytest.mark.parametrize("args", [(), ("--format", "json"), ("--lang", "en")])
def test_workers_print_what_one_process_prints(folder, monkeypatch, args):
    real, pools = command._check_in_workers, []
    monkeypatch.setattr(command, "_check_in_workers", lambda *a: pools.append(a) or real(*a))
    pooled = _validate(folder, *args)
    assert len(pools) == 1 and len(pools[0][0]) == command.POOL_FROM + 2
    monkeypatch.setattr(command, "_check_in_workers", _one_by_one)
    alone = _validate(folder, *args)
    assert pooled.exit_code == alone.exit_code == 2
    assert pooled.stdout == alone.stdout


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forked workers: Linux")
def test_one_file_is_checked_in_a_worker_too(folder, monkeypatch):
    """Its time limit and a crash's containment hold for one file as for fifty."""
    stalling_on("dept_03.xlsx", monkeypatch, lambda: os.kill(os.getpid(), signal.SIGKILL))
    result = _validate(folder / "dept_03.xlsx", "--lang", "en")
    assert result.exit_code == 2
    assert result.stdout.startswith(
        "✘ The file is damaged and cannot be read (it is cut short or its contents are corrupt): "
        f"{folder / 'dept_03.xlsx'}\n")
    assert _validate(folder / "dept_00.xlsx", folder / "dept_01.xlsx").exit_code == 1



@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forked workers: Linux")
def test_a_keeper_killed_leaves_no_file_called_damaged(folder, monkeypatch):
    """The keeper killed mid-run (the OOM killer's pick, kill -9): the files it had not
    answered are checked in the command itself, not reported as damaged (eyes found every
    one of them E-FILE-CORRUPT). The output is that of checking them one by one."""
    me = os.getpid()
    stalling_on("dept_03.xlsx", monkeypatch,
                lambda: os.getpid() != me and os.kill(os.getppid(), signal.SIGKILL))
    killed = _validate(folder, "--lang", "en")
    monkeypatch.setattr(command, "_check_in_workers", _one_by_one)
    alone = _validate(folder, "--lang", "en")
    assert "damaged" not in killed.stdout.replace(alone.stdout, "")
    assert (killed.exit_code, killed.stdout) == (alone.exit_code, alone.stdout)


@pytest.mark.slow  # waits out the limit (5 s)
def test_a_file_past_the_time_limit_is_its_finding(folder, tmp_path, monkeypatch):
    rules = tmp_path / "rules.yaml"
    default = (Path(__file__).parents[1] / "schemas" / "rules.yaml").read_text(encoding="utf-8")
    assert "seconds_per_file: 120\n" in default
    rules.write_text(default.replace("seconds_per_file: 120\n", "seconds_per_file: 5\n"), encoding="utf-8")
    stalling_on("dept_03.xlsx", monkeypatch, lambda: time.sleep(600))
    started = time.monotonic()
    result = _validate(folder, "--rules", rules, "--lang", "en")
    assert time.monotonic() - started < 120
    assert result.exit_code == 2
    assert f"✘ Stopped after 5 s without finishing: {folder / 'dept_03.xlsx'}\n" in result.stdout
    assert f"! {folder / 'dept_04.xlsx'}: errors 0 / warnings 1\n" in result.stdout


def test_a_worker_that_dies_costs_its_own_file_only(folder, monkeypatch):
    stalling_on("dept_03.xlsx", monkeypatch, lambda: os.kill(os.getpid(), signal.SIGKILL))
    result = _validate(folder, "--lang", "en")
    assert result.exit_code == 2
    assert ("✘ The file is damaged and cannot be read (it is cut short or its contents are corrupt): "
            f"{folder / 'dept_03.xlsx'}\n") in result.stdout
    assert f"! {folder / 'dept_04.xlsx'}: errors 0 / warnings 1\n" in result.stdout


def test_what_build_wrote_in_the_folder_is_left_out(folder, tmp_path, monkeypatch):
    """Our 調書 and 一覧 found in a folder are not inputs, through the workers as one by
    one (each file's mark is looked for as it is checked); named, they are E-FILE-OUTPUT."""
    d = tmp_path / "d"
    shutil.copytree(folder, d)
    assert runner.invoke(app, ["build", str(d / "dept_00.xlsx"), "-o", str(d / "out")]).exit_code == 0
    built = sorted(p.name for p in (d / "out").iterdir() if p.suffix == ".xlsx")
    assert len(built) >= 2  # the 調書 and the 一覧
    pooled = _validate(d, "--format", "json")
    files = [f["file"] for f in json.loads(pooled.stdout)["files"]]
    assert files == sorted(str(p) for p in d.glob("dept_*.xlsx"))
    monkeypatch.setattr(command, "_check_in_workers", _one_by_one)
    alone = _validate(d, "--format", "json")
    assert pooled.stdout == alone.stdout
    named = _validate(d / "out" / built[0], "--format", "json")
    assert '"code": "E-FILE-OUTPUT"' in named.stdout and named.exit_code == 2


def test_a_folder_of_only_our_outputs_has_no_inputs(tmp_path, folder):
    d = tmp_path / "d"
    assert runner.invoke(app, ["build", str(folder / "dept_00.xlsx"), "-o", str(d)]).exit_code == 0
    result = _validate(d)
    assert result.exit_code == 2
    assert "入力ファイルがありません / no input workbooks found" in result.output


# Ctrl-C at a terminal: SIGINT to the whole foreground process group (the command, the
# keeper, the workers), as support.stall.ctrl_c sends it; the workers stall on every file.


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forked workers: Linux")
def test_ctrl_c_ends_every_process_with_130_and_no_traceback(folder):
    code, out, err = ctrl_c(stalled("validate", str(folder)))
    assert code == 130
    assert "Traceback" not in out + err


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forked workers: Linux")
@pytest.mark.parametrize("asked", ["the same", "fewer files", "other rules", "other words"])
def test_the_early_keeper_runs_the_job_asked(folder, monkeypatch, asked):
    """The keeper forked as `validate` starts (with plain words or not) checks what
    check_all asks, whatever the files, the rules and the jobs: the results are those of
    checking one by one."""
    from dataclasses import replace

    from chosho_xlsx.batch.sources import candidates
    from chosho_xlsx.cli import checking
    from chosho_xlsx.model.ruleset import load_ruleset

    monkeypatch.setattr(checking, "_early", None)
    monkeypatch.setattr(checking, "_quick", False)
    quick = checking.start_early(["--strict"] if asked == "other words" else [str(folder)])
    assert quick == (asked != "other words")
    assert checking._early is not None
    ruleset = load_ruleset(None)
    paths = [p for p, _named in candidates([folder])]
    if asked == "fewer files":
        paths = paths[:3]
    if asked == "other rules":
        ruleset = replace(ruleset, limits=replace(ruleset.limits, seconds_per_file=60.0))
    got = checking.check_all(paths, ruleset, 2)
    assert checking._early is None
    def shown(results):
        return [(r.source, r.findings, r.unreadable, r.headers) for r in results]

    assert shown(got) == shown(_one_by_one(paths, ruleset, 2))


# Ctrl-C a moment after the command was typed: typer, click and the command's module are
# still loading (~0.1–0.3 s on a busy machine), and for validate the keeper is already
# forked. The SIGINT arrives as the display is imported (by the command's module, or by
# validate's run without typer once the keeper is forked: cli.checking.quick).
_INTERRUPTED_LOADING = """
import builtins, signal, sys
real = builtins.__import__
def importing(name, *args, **kwargs):
    if name == "chosho_xlsx.cli.display" and name not in sys.modules:
        signal.raise_signal(signal.SIGINT)
    return real(name, *args, **kwargs)
builtins.__import__ = importing
sys.argv = ["chosho-xlsx", *sys.argv[1:]]
from chosho_xlsx.cli import main
main()
"""


@pytest.mark.parametrize("command", ["validate", "build"])
def test_ctrl_c_while_the_command_loads_is_130_and_no_traceback(folder, tmp_path, command):
    args = [command, str(folder)] + (["-o", str(tmp_path / "out")] if command == "build" else [])
    proc = subprocess.Popen([sys.executable, "-c", _INTERRUPTED_LOADING, *args], start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8")
    out, err = proc.communicate(timeout=60)
    assert (proc.returncode, out, err) == (130, "", "")
    with pytest.raises(ProcessLookupError):  # the keeper was waited for: nothing of it is left
        os.killpg(proc.pid, 0)
    assert not (tmp_path / "out").exists()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forked workers: Linux")
@pytest.mark.parametrize("which", ["a folder", "files and a folder", "only our outputs", "a missing file"])
def test_validate_of_files_alone_runs_without_typer_as_the_command_does(folder, tmp_path, which):
    """`chosho-xlsx validate DIR…` with no option runs without loading typer
    (cli.checking.quick): its output, exit code and error sentence are the command's."""
    if which == "only our outputs":
        assert runner.invoke(app, ["build", str(folder / "dept_00.xlsx"), "-o", str(tmp_path / "o")]).exit_code == 0
        words = [tmp_path / "o"]
    else:
        words = {"a folder": [folder], "files and a folder": [folder / "dept_90.xlsx", folder, folder / "dept_01.xlsx"],
                 "a missing file": [folder / "dept_01.xlsx", tmp_path / "missing.xlsx"]}[which]
    code = ("import sys\nsys.argv = ['chosho-xlsx', *sys.argv[1:]]\nfrom chosho_xlsx.cli import main\n"
            "try:\n    main()\nfinally:\n    print('TYPER' if 'typer' in sys.modules else 'NO TYPER', file=sys.stderr)\n")
    proc = subprocess.run([sys.executable, "-c", code, "validate", *map(str, words)], capture_output=True,
                          text=True, encoding="utf-8", env={**os.environ, "COLUMNS": "80"}, timeout=120)
    command = runner.invoke(app, ["validate", *map(str, words)], env={"COLUMNS": "80"})
    assert (proc.returncode, proc.stdout) == (command.exit_code, command.stdout)
    assert proc.stderr.endswith("TYPER\n" if which == "only our outputs" else "NO TYPER\n")
    assert proc.stderr.removesuffix("NO TYPER\n").removesuffix("TYPER\n") == command.stderr


# Where the system gives no new process (a container's pids limit reached, fork refused
# for memory): os.fork raising as it then does.
_NO_FORK = """
import errno, os, sys
def fork():
    raise BlockingIOError(errno.EAGAIN, os.strerror(errno.EAGAIN))
os.fork = fork
sys.argv = ["chosho-xlsx", "validate", *sys.argv[1:]]
from chosho_xlsx.cli import main
main()
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forked workers: Linux")
@pytest.mark.parametrize("words", [("dept_00.xlsx",), (".",), ("dept_01.xlsx", "--format", "json")])
def test_no_process_to_be_had_checks_in_the_command_itself(folder, words):
    """The findings and exit code of the usual run, as validate gave them for a few files
    before it had workers, rather than a traceback (BlockingIOError)."""
    env = dict(os.environ, COLUMNS="80")
    refused = subprocess.run([sys.executable, "-c", _NO_FORK, *words], cwd=folder, env=env,
                             capture_output=True, text=True, encoding="utf-8", timeout=120)
    usual = subprocess.run([sys.executable, "-m", "chosho_xlsx.cli", "validate", *words], cwd=folder, env=env,
                           capture_output=True, text=True, encoding="utf-8", timeout=120)
    assert (refused.returncode, refused.stdout, refused.stderr) == (usual.returncode, usual.stdout, "")
    assert usual.returncode == (2 if words == (".",) else 1 if words[0] == "dept_01.xlsx" else 0)
