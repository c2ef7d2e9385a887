"""The command line as a user meets it: help everywhere, fast start, exit codes."""

import subprocess
import sys

import pytest

from support.commands import cli as run

COMMANDS = ["template", "example", "validate", "build", "preview", "publish"]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command):
    proc = run(command, "--help")
    assert proc.returncode == 0, proc.stderr
    assert "Usage" in proc.stdout


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
