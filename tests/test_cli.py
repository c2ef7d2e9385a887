"""The command line as a user meets it: help everywhere, fast start, exit codes."""

import pkgutil
import subprocess
import sys

import pytest
import typer
from typer.testing import CliRunner

from chosho_xlsx import cli

from support.commands import cli as run


def _command_paths(command, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command and group under `command` (typer's click objects), as the words a
    user types to reach it."""
    paths = [path]
    if isinstance(command, typer.core.TyperGroup):
        for name, sub in command.commands.items():
            paths += _command_paths(sub, (*path, name))
    return paths


COMMAND_PATHS = _command_paths(typer.main.get_command(cli.app))


def test_the_walk_finds_every_group():
    # a guard on the walk itself: a command added anywhere is in COMMAND_PATHS
    assert {("validate",), ("build",), ("rollover",), ("serve",), ("users", "add")} <= set(COMMAND_PATHS)


@pytest.mark.parametrize("path", COMMAND_PATHS, ids=lambda p: " ".join(p) or "chosho-xlsx")
def test_every_command_has_help(path):
    result = CliRunner().invoke(cli.app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Usage: ")
    assert " / " in result.output  # each help is in Japanese and English


def test_every_command_module_is_registered():
    """A module of cli/ that is not imported would leave its commands out silently."""
    helpers = {"app", "display", "__main__"}
    modules = {m.name for m in pkgutil.iter_modules(cli.__path__)} - helpers
    assert modules == set(cli.COMMANDS)


def test_help_runs_as_a_user_runs_it():
    proc = run("--help")
    assert proc.returncode == 0, proc.stderr
    assert "validate" in proc.stdout and "users" in proc.stdout


def test_help_does_not_import_heavy_libraries():
    code = (
        "import sys\n"
        "from chosho_xlsx.cli import app\n"
        "try:\n    app(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = sorted(m for m in ('pandas', 'pandera', 'xlsxwriter', 'openpyxl', 'python_calamine', 'numpy') if m in sys.modules)\n"
        "print('HEAVY', heavy)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, encoding="utf-8")
    assert "HEAVY []" in proc.stdout, proc.stdout + proc.stderr


def test_unwritable_output_is_exit_2_without_traceback(tmp_path):
    proc = run("example", "-o", str(tmp_path))  # a folder, not a file
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("書き出せません")


def test_bad_year_is_misuse():
    proc = run("template", "--year", "XX", "-o", "x.xlsx")
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr


def test_bad_rules_file_is_exit_2(tmp_path):
    rules = tmp_path / "rules.yaml"
    rules.write_text("rate: {rounding: sideways}\n", encoding="utf-8")
    proc = run("build", "--rules", str(rules), "-o", str(tmp_path))
    assert proc.returncode == 2
    assert "rate.rounding" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_written_files_get_normal_permissions(tmp_path):
    import os
    import stat

    umask = os.umask(0)
    os.umask(umask)
    out = tmp_path / "ex.xlsx"
    assert run("example", "-o", str(out)).returncode == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o666 & ~umask


def test_broken_bundled_example_is_one_sentence(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from chosho_xlsx.cli import app
    from chosho_xlsx.writers import example

    broken = tmp_path / "example.yaml"
    broken.write_text("調書: [\n", encoding="utf-8")
    monkeypatch.setattr(example, "example_file", lambda: broken)
    result = CliRunner().invoke(app, ["example", "-o", str(tmp_path / "x.xlsx")])
    assert result.exit_code == 2
    assert "記入例を読めません" in result.output and "not valid YAML" in result.output
    assert not (tmp_path / "x.xlsx").exists()
