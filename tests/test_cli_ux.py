"""The commands around validation as a clerk meets them: no file lost by `template` or
`example`, a period that fits its year, `-h`/`--version`, and findings readable on an
80-column terminal (issue 8 items 10, 11, 14; issue 14 item 4)."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.metadata import version

import pytest
from typer.testing import CliRunner

from chosho_xlsx.cli import app

runner = CliRunner()


def run(*args, env=None):
    return subprocess.run(
        [sys.executable, "-m", "chosho_xlsx.cli", *map(str, args)],
        capture_output=True, text=True, encoding="utf-8", env=env,
    )


# ---- 8.10: never overwrite a file without --force ---------------------------------------


@pytest.mark.parametrize("command", ["template", "example"])
def test_existing_file_is_not_overwritten(tmp_path, command):
    out = tmp_path / "記入済み.xlsx"
    out.write_bytes(b"the department's filled workbook")
    proc = run(command, "-o", out)
    assert proc.returncode == 2
    assert proc.stderr == (
        f"{out} はすでにあります。上書きする場合は --force を付けてください / "
        f"{out} already exists; add --force to overwrite it\n"
    )
    assert out.read_bytes() == b"the department's filled workbook"
    assert proc.stdout == ""


@pytest.mark.parametrize("command", ["template", "example"])
def test_force_overwrites(tmp_path, command):
    out = tmp_path / "x.xlsx"
    out.write_bytes(b"old")
    proc = run(command, "-o", out, "--force")
    assert proc.returncode == 0, proc.stderr
    assert out.read_bytes()[:2] == b"PK"


def test_existing_symlink_is_not_followed_over(tmp_path):
    target = tmp_path / "real.xlsx"
    target.write_bytes(b"keep")
    link = tmp_path / "link.xlsx"
    link.symlink_to(target)
    assert run("template", "-o", link).returncode == 2
    assert target.read_bytes() == b"keep"


# ---- 8.11: the plan period fits the year ------------------------------------------------


@pytest.mark.parametrize(
    ("year", "plan", "message"),
    [
        ("R12", "R3-R7", "実施年度 R12 は計画期間 R3-R7 に合いません（実施年度は R3～R8 のいずれかです） / "
                         "the fiscal year R12 does not fit the plan period R3-R7 (it must be one of R3…R8)"),
        ("R6", "R3", "実施年度 R6 は計画期間 R3 に合いません（実施年度は R3～R4 のいずれかです） / "
                     "the fiscal year R6 does not fit the plan period R3 (it must be one of R3…R4)"),
        ("R6", "R7-R3", "計画期間 R7-R3 は終了年度が開始年度より前です / "
                        "the plan period R7-R3 ends before it starts"),
        ("R6", "R3-", "計画期間 R3- には終了年度が必要です / the plan period R3- needs an end year"),
        ("R6", "五年", "計画期間を読めません（例: R3-R7） / not a plan period (e.g. R3-R7): '五年'"),
        ("XX", "R3-R7", "実施年度を読めません（例: R6） / not a fiscal year (e.g. R6): 'XX'"),
    ],
)
def test_inconsistent_year_and_period_are_refused(tmp_path, year, plan, message):
    out = tmp_path / "t.xlsx"
    proc = run("template", "--year", year, "--plan", plan, "-o", out)
    assert proc.returncode == 2
    assert proc.stderr == message + "\n"
    assert not out.exists()


@pytest.mark.parametrize(("year", "plan"), [("R8", "R3-R7"), ("R3", "R3-R7"), ("R4", "R3")])
def test_every_accepted_year_and_period_validate(tmp_path, year, plan):
    """What `template` accepts, `validate` accepts: the blank workbook has no finding
    about its years (only the blanks a department has to fill)."""
    out = tmp_path / "t.xlsx"
    assert run("template", "--year", year, "--plan", plan, "-o", out).returncode == 0
    doc = json.loads(runner.invoke(app, ["validate", str(out), "--format", "json"]).stdout)
    codes = {f["code"] for f in doc["files"][0]["findings"]}
    assert codes <= {"E-KEY-MISSING", "E-REQUIRED"}, codes


# ---- 8.14: -h, --version -----------------------------------------------------------------


@pytest.mark.parametrize("args", [["-h"], ["validate", "-h"], ["template", "-h"]])
def test_short_help(args):
    proc = run(*args)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("Usage: ")
    assert "-h, --help" in proc.stdout


def test_version():
    proc = run("--version")
    assert proc.returncode == 0
    assert proc.stdout == f"chosho-xlsx {version('chosho-xlsx')}\n"
