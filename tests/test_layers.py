"""The layers of src/chosho_xlsx/ as pyproject.toml declares them ([tool.importlinter]):
no package imports from a layer above it, and every package has its place."""

from pathlib import Path

from importlinter.cli import lint_imports

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"


def test_no_import_runs_up_a_layer(capsys):
    code = lint_imports(config_filename=str(PYPROJECT), no_cache=True, no_logo=True)
    out = capsys.readouterr().out
    assert code == 0, out
    assert "layers KEPT" in out
