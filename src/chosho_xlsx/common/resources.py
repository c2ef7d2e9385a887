"""Where the data files (schemas/, form/, the bundled example) are found.

schemas/ and form/ sit at the top of the repository so the planning division can
edit them; an installed wheel carries copies inside the package (pyproject force-include)."""

from __future__ import annotations

import json
import os
import re
import stat
from functools import cache
from pathlib import Path

from chosho_xlsx import __version__

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
    """yaml.safe_load, with libyaml's C loader when PyYAML has it, and remembered across
    runs: every start of the command line reads the contract, the messages, the rules and
    the form's texts (~60 KB of YAML); parsing them, and importing PyYAML to do it, was
    a sixth of a cold `validate` of one file (issue 22). What a text parsed to is kept as
    JSON in the user's cache folder under a hash of the text (and of this version), so an
    edited file is parsed afresh; only data that JSON gives back unchanged is kept (no
    dates, no non-text keys), and a cache that cannot be read or written is left alone.
    An entry is believed only in a folder and a file this user owns and nobody else may
    write (XDG_CACHE_HOME pointing at a shared folder must not let another user choose
    the rules or the contract)."""
    entry = _cache_entry(text)
    if entry is not None:
        try:
            return _read_own(entry)
        except (OSError, ValueError):
            pass
    # lazy: PyYAML (~40 ms) only when a data file is read (--version, --help read none)
    import yaml

    data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # nosec B506  # a safe loader
    if entry is not None:
        _remember(entry, data)
    return data


def _cache_entry(text: str) -> Path | None:
    try:  # hashlib's own BLAKE2, without hashlib importing OpenSSL's bindings (~6 ms)
        # lazy: the hash only when a data file is read (the CLI's --help reads none)
        from _blake2 import blake2b
    except ImportError:
        # lazy: the hash only when a data file is read (the CLI's --help reads none)
        from hashlib import blake2b

    folder = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    if not os.path.isabs(folder) or not hasattr(os, "getuid"):
        return None  # no home, or no owners to check: parsed each time
    key = blake2b(f"{__version__}\n{text}".encode("utf-8", "surrogatepass"), digest_size=20).hexdigest()
    return Path(folder) / "chosho-xlsx" / "yaml" / f"{key}.json"


# atomic_path's temporaries of cache entries, and those of versions before it
# (「.tmp-xxxxxxxx」, never locked; settled ones are stale all the same: a write takes
# milliseconds, and one removed under its writer only fails to be remembered)
_CACHE_TEMPORARIES = re.compile(r"\.[0-9a-f]{40}\.json\.[a-z0-9_]{8}\.tmp|\.tmp-[a-z0-9_]{8}")


def _own(st: os.stat_result) -> bool:
    return st.st_uid == os.getuid() and not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _read_own(entry: Path):
    """The entry's data, if its folder and itself are this user's and writable by no one
    else (else OSError: not believed). The entry is opened inside the folder that was
    checked (dir_fd), not by its path again: a folder swapped between the check and the
    open (a shared XDG_CACHE_HOME) cannot hand over a link to another of this user's
    files; O_NONBLOCK so that a FIFO in its place cannot hang the command."""
    folder = os.open(entry.parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        if not _own(os.fstat(folder)):
            raise PermissionError(f"{entry.parent} is not this user's alone")
        fd = os.open(entry.name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=folder)
    finally:
        os.close(folder)
    with open(fd, "rb") as f:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or not _own(st):
            raise PermissionError(f"{entry} is not this user's alone")
        return json.loads(f.read())


def _remember(entry: Path, data) -> None:
    # lazy: the atomic writer (tempfile, ~5 ms) only when a parse is remembered, not on a
    # cached start
    from chosho_xlsx.common.atomic import atomic_path, sweep_temporaries

    try:
        blob = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        if json.loads(blob) != data:
            return  # non-text keys would come back as text, NaN as unequal
        blob = blob.encode("utf-8")
    except (TypeError, ValueError):
        return  # dates, sets, bytes, lone surrogates: parsed each time
    try:
        # the cache folder itself made, its parent not: a daemon's HOME=/nonexistent
        # (Debian's for nobody) must stay nonexistent, even for root
        entry.parents[2].mkdir(mode=0o700, exist_ok=True)
        entry.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _own(os.stat(entry.parent)):
            return  # another's folder: what this user's rules parse to is not left there
        # whole or not at all, whoever else writes it at once; a cache need not survive
        # a power cut (no fsync), only never be read half-written
        with atomic_path(entry, mode=0o600, durable=False) as tmp:
            tmp.write_bytes(blob)
        # what a command killed mid-write left here (rare: only a new parse writes)
        sweep_temporaries(entry.parent, _CACHE_TEMPORARIES)
    except OSError:
        pass


def read_yaml_mapping(path: Path, error: type[Exception]) -> dict:
    """A data file whose top is a mapping (rules, layout labels, input guide, example).
    A missing, unreadable or malformed file raises `error` with one sentence naming it."""
    path = Path(path)
    try:
        data = load_yaml(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise error(f"{path}: {exc.strerror or exc}") from None
    except Exception as exc:
        # lazy: PyYAML (~40 ms) only when a data file is read (--version, --help read none)
        import yaml

        if not isinstance(exc, yaml.YAMLError):
            raise
        raise error(f"{path}: not valid YAML ({exc})") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise error(f"{path}: expected a mapping at the top")
    return data
