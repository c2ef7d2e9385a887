"""The command line as a user meets it: help everywhere, fast start, exit codes."""

import pkgutil
import subprocess
import sys

import pytest
import typer
from typer.testing import CliRunner

from chosho_xlsx import cli

from support.commands import CLI
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
    helpers = {"shared", "display", "checking", "__main__"}
    modules = {m.name for m in pkgutil.iter_modules(cli.__path__)} - helpers
    assert modules == set(cli.COMMANDS)


def test_each_command_is_listed_with_its_module():
    """main() loads only the module COMMANDS names for the command typed: a command
    listed under the wrong module (or not at all) would not be found."""
    registered: dict[str, list[str]] = {}
    for info in cli.app.registered_commands:
        name = info.name or typer.main.get_command_name(info.callback.__name__)
        registered.setdefault(info.callback.__module__.rsplit(".", 1)[-1], []).append(name)
    for group in cli.app.registered_groups:
        module = group.typer_instance.registered_commands[0].callback.__module__
        registered.setdefault(module.rsplit(".", 1)[-1], []).append(group.name)
    assert registered == {module: list(names) for module, names in cli.COMMANDS.items()}


@pytest.mark.parametrize("path", [p for p in COMMAND_PATHS if p], ids=" ".join)
def test_a_command_alone_is_the_same_command(path):
    """The command line a user runs (cli.main) builds only the command typed (cli.only):
    its help, and its refusal of a missing or unknown option, are the whole app's."""
    for args in ([*path, "--help"], [*path, "--no-such-option"]):
        whole = CliRunner().invoke(cli.app, args, prog_name="chosho-xlsx")
        alone = CliRunner().invoke(cli.only(path[0]), args, prog_name="chosho-xlsx")
        assert (alone.exit_code, alone.output) == (whole.exit_code, whole.output)


def test_validate_alone_loads_no_other_command(tmp_path):
    code = ("import sys\nsys.argv = ['chosho-xlsx', 'validate', '--help']\n"
            "from chosho_xlsx.cli import main\ntry:\n    main()\nexcept SystemExit:\n    pass\n"
            "print('LOADED', sorted(m for m in sys.modules if m.startswith('chosho_xlsx.cli.')))\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, encoding="utf-8")
    assert "LOADED ['chosho_xlsx.cli.checking', 'chosho_xlsx.cli.display', 'chosho_xlsx.cli.shared', 'chosho_xlsx.cli.validate']" in proc.stdout, proc.stderr


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


FULL = "出力（標準出力）を書き出せません: No space left on device / cannot write to standard output: No space left on device\n"
CLOSED = ("出力（標準出力）が閉じられているため、結果を出せません。閉じずに実行してください / standard output is closed, "
          "so there is nowhere to write the result; run it with an output\n")


@pytest.mark.parametrize("args", [["validate", "{ex}"], ["validate", "{ex}", "{ex}", "--format", "json"],
                                  ["build", "{ex}", "-o", "{out}"], ["--version"]], ids=" ".join)
def test_an_output_that_cannot_be_written_is_one_sentence_and_exit_2(tmp_path, args):
    """`> /dev/full` and `>&-` (eyes found tracebacks: OSError at the first write, an
    AttributeError on a None stdout): one sentence on stderr, exit 2."""
    ex = tmp_path / "ex.xlsx"
    run("example", "-o", ex)
    words = [a.format(ex=ex, out=tmp_path / "out") for a in args]
    with open("/dev/full", "w") as full:
        proc = subprocess.run([*CLI, *words], stdout=full, stderr=subprocess.PIPE,
                              text=True, encoding="utf-8", timeout=600)
    assert (proc.returncode, proc.stderr) == (2, FULL)
    if args[0] == "build":  # the table met the full disk; the batch was completed all the same
        assert {p.name for p in (tmp_path / "out").iterdir()} >= {"一覧.xlsx", "評価結果概要.xlsx", ".chosho-manifest.json"}
    closed = run(*words, prefix=("sh", "-c", 'exec "$@" >&-', "sh"))
    assert (closed.returncode, closed.stderr) == (2, CLOSED)


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
