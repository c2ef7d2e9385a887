"""What the command line loads to start: `--version` nothing of the command line,
`--help` and `template` none of the reading stack, `validate` of a clean workbook neither
pandas nor the writers (issue 22: start-up time is most of a one-file command). Checked by
the modules Python reports loading (-X importtime), never by timing."""

from __future__ import annotations

import subprocess
import sys

import pytest

from support.corpus import example_workbook

READING_STACK = {"pandas", "pandera", "python_calamine", "xlsxwriter", "openpyxl", "numpy"}


def _loaded(*args: object, code: str | None = None) -> tuple[subprocess.CompletedProcess, set[str]]:
    """Run the command line (or `code`) and return it with the top-level packages it imported."""
    cmd = [sys.executable, "-X", "importtime"]
    cmd += ["-c", code] if code else ["-m", "chosho_xlsx.cli", *map(str, args)]
    proc = subprocess.run(cmd, capture_output=True, text=True, encoding="utf-8", timeout=120)
    names = {line.rsplit("|", 1)[-1].strip().split(".")[0]
             for line in proc.stderr.splitlines() if line.startswith("import time:")}
    return proc, names


def test_version_is_answered_before_the_command_line_loads():
    """The installed `chosho-xlsx` script's entry point (pyproject: chosho_xlsx.launch:main)."""
    from chosho_xlsx import __version__

    proc, names = _loaded(code="import sys; sys.argv = ['chosho-xlsx', '--version']\n"
                               "from chosho_xlsx.launch import main; main()")
    assert proc.stdout == f"chosho-xlsx {__version__}\n"
    assert not names & {"typer", "click", "rich", "yaml", *READING_STACK}


def test_the_version_is_the_packages():
    from importlib.metadata import version

    from chosho_xlsx import __version__

    assert version("chosho-xlsx") == __version__  # pyproject reads it from the package


@pytest.mark.parametrize("args", [("--help",), ("--version",), ("template", "--help")])
def test_help_loads_none_of_the_reading_stack(args):
    proc, names = _loaded(*args)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert not names & READING_STACK


def test_template_loads_only_its_writer(tmp_path):
    proc, names = _loaded("template", "-o", tmp_path / "t.xlsx")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert not names & (READING_STACK - {"openpyxl", "numpy"})  # openpyxl writes the template


def test_validating_a_clean_workbook_loads_no_pandas_and_no_writer(tmp_path):
    proc, names = _loaded("validate", example_workbook(tmp_path))
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert not names & {"pandas", "pandera", "xlsxwriter", "openpyxl", "numpy"}
