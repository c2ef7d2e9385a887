"""The layers of src/chosho_xlsx/ as pyproject.toml declares them ([tool.importlinter]):
no package imports from a layer above it, and every package has its place; and the arrows
visible at the top of each module (an import inside a function says why it is there)."""

import ast
import io
import tokenize
from pathlib import Path

from importlinter.cli import lint_imports

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"


def test_no_import_runs_up_a_layer(capsys):
    code = lint_imports(config_filename=str(PYPROJECT), no_cache=True, no_logo=True)
    out = capsys.readouterr().out
    assert code == 0, out
    assert "layers KEPT" in out


SRC = PYPROJECT.parent / "src" / "chosho_xlsx"


def _lazy_comment_lines(source: str) -> set[int]:
    return {tok.start[0] for tok in tokenize.generate_tokens(io.StringIO(source).readline)
            if tok.type == tokenize.COMMENT and tok.string.startswith("# lazy:") and tok.string[7:].strip()}


def _unexplained_imports(path: Path) -> list[str]:
    """The imports inside a function of `path` that no `# lazy: why` comment explains."""
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    lines = source.splitlines()
    lazy = _lazy_comment_lines(source)
    imports = [n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))]
    import_lines = {i for n in imports for i in range(n.lineno, n.end_lineno + 1)}
    in_functions = {id(n) for f in ast.walk(tree) if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
                    for n in ast.walk(f) if isinstance(n, (ast.Import, ast.ImportFrom))}
    bad = []
    for node in imports:
        if id(node) not in in_functions or lazy & set(range(node.lineno, node.end_lineno + 1)):
            continue
        above = node.lineno - 1  # up through the imports, comments and blank lines just above
        while above >= 1 and above not in lazy and (
                above in import_lines or lines[above - 1].lstrip().startswith("#") or not lines[above - 1].strip()):
            above -= 1
        if above not in lazy:
            bad.append(f"{path.relative_to(SRC)}:{node.lineno}: {lines[node.lineno - 1].strip()}")
    return bad


def test_imports_inside_functions_say_why():
    """Imports go at the top of the module. An import inside a function is kept only for a
    reason worth a start-up (a command that must not load pandas, Django or rich to print
    its help), an import cycle, or Django's app registry, and says so: `# lazy: why` on
    the import's line, or on a comment line above it or above the block of imports it
    belongs to (the imports at the head of a function, blank lines between them
    included). A module already loaded anyway is no reason: move it up."""
    bad = [b for path in sorted(SRC.rglob("*.py")) if "migrations" not in path.parts
           for b in _unexplained_imports(path)]
    assert not bad, "imports inside functions without a `# lazy: why` comment:\n" + "\n".join(bad)
