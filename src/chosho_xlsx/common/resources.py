"""Where the data files (schemas/, form/, the bundled example) are found.

schemas/ and form/ sit at the top of the repository so the planning division can
edit them; an installed wheel carries copies inside the package (pyproject force-include)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent  # common/ sits inside the package


@cache
def data_dir(name: str) -> Path:
    """The folder `schemas` or `form`: inside the package when installed, else the
    repository's top-level folder (editable installs and a source checkout)."""
    for candidate in (_PACKAGE / name, _PACKAGE.parent.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"{name}/ not found beside {_PACKAGE}")


def schema_file(name: str) -> Path:
    return data_dir("schemas") / name


def form_file(name: str) -> Path:
    return data_dir("form") / name


def data_file(name: str) -> Path:
    """A file shipped inside the package (messages, the bundled example)."""
    return _PACKAGE / "data" / name


def example_file() -> Path:
    return data_file("example_r6.yaml")


def load_yaml(text: str):
    """yaml.safe_load, with libyaml's C loader when PyYAML has it (about ten times
    faster: the contract, the messages and the rules are read on every start)."""
    import yaml

    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # nosec B506  # a safe loader


def read_yaml_mapping(path: Path, error: type[Exception]) -> dict:
    """A data file whose top is a mapping (rules, layout labels, input guide, example).
    A missing, unreadable or malformed file raises `error` with one sentence naming it."""
    import yaml

    path = Path(path)
    try:
        data = load_yaml(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise error(f"{path}: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        raise error(f"{path}: not valid YAML ({exc})") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise error(f"{path}: expected a mapping at the top")
    return data
