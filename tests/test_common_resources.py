"""common/resources.load_yaml: what a YAML text parses to, remembered across runs in the
user's cache folder (issue 22: parsing the data files, and importing PyYAML for it, was
a sixth of a cold validate) and always equal to parsing it afresh."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from chosho_xlsx.common import resources
from chosho_xlsx.common.resources import data_file, load_yaml, schema_file


def _fresh(text: str):
    return yaml.load(text, Loader=yaml.SafeLoader)  # nosec B506  # a safe loader


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache" / "chosho-xlsx" / "yaml"


@pytest.mark.parametrize("path", [schema_file("input.yaml"), schema_file("rules.yaml"),
                                  data_file("messages.yaml"), data_file("sentences.yaml"),
                                  data_file("example_r6.yaml")], ids=lambda p: p.name)
def test_the_data_files_read_the_same_from_the_cache(cache, path):
    text = path.read_text(encoding="utf-8")
    first, second = load_yaml(text), load_yaml(text)
    assert first == second == _fresh(text)


def test_an_edited_file_is_parsed_afresh(cache):
    assert load_yaml("rate: {rounding: half_up}\n") == {"rate": {"rounding": "half_up"}}
    assert load_yaml("rate: {rounding: down}\n") == {"rate": {"rounding": "down"}}
    assert len(list(cache.iterdir())) == 2


@pytest.mark.parametrize("text", ["day: 2024-04-01\n", "{1: one, 2: two}\n", "x: .nan\n"])
def test_what_json_would_change_is_never_kept(cache, text):
    first, second = load_yaml(text), load_yaml(text)
    assert repr(first) == repr(second) == repr(_fresh(text))
    assert not cache.exists() or not list(cache.iterdir())
    assert load_yaml("day: 2024-04-01\n") == {"day": dt.date(2024, 4, 1)}


def test_a_damaged_entry_is_parsed_again(cache):
    load_yaml("a: [1, 2]\n")
    (entry,) = cache.iterdir()
    entry.write_bytes(b'{"a": [1,')
    assert load_yaml("a: [1, 2]\n") == {"a": [1, 2]}


def test_an_entry_others_may_write_is_not_believed(cache):
    """XDG_CACHE_HOME on a shared folder: an entry another user could have written (or
    swapped with another entry) is parsed afresh instead."""
    assert load_yaml("a: 1\n") == {"a": 1}
    (entry,) = cache.iterdir()
    entry.write_bytes(b'{"a": 2}')
    os.chmod(entry, 0o666)
    assert load_yaml("a: 1\n") == {"a": 1}
    os.chmod(entry, 0o600)
    entry.write_bytes(b'{"a": 2}')
    os.chmod(cache, 0o777)
    assert load_yaml("a: 1\n") == {"a": 1}
    os.chmod(cache, 0o700)
    entry.write_bytes(b'{"a": 2}')
    assert load_yaml("a: 1\n") == {"a": 2}  # the user's own entry is believed


def test_an_entry_that_is_no_plain_file_is_not_believed(cache):
    """A link (what a folder swapped under a shared XDG_CACHE_HOME between the check and
    the open would hand over: another of this user's files) and a FIFO (it would hang
    the open) are parsed past, and the link replaced by the parse."""
    assert load_yaml("a: 1\n") == {"a": 1}
    (entry,) = cache.iterdir()
    other = cache.parent / "other.json"
    other.write_bytes(b'{"a": 2}')
    os.chmod(other, 0o600)
    entry.unlink()
    entry.symlink_to(other)
    assert load_yaml("a: 1\n") == {"a": 1}
    assert not entry.is_symlink()
    entry.unlink()
    os.mkfifo(entry, 0o600)
    assert load_yaml("a: 1\n") == {"a": 1}  # returns: the open does not wait for a writer


def test_what_a_killed_write_left_is_swept_by_the_next_one(cache, monkeypatch):
    """A command killed while it remembered a parse leaves a temporary file; the next
    parse remembered removes it once settled, unless a live writer holds it. Entries are
    this user's alone (0600), and a cache write is not fsynced (it may be lost, never
    half-read)."""
    import fcntl

    load_yaml("a: 1\n")
    (entry,) = cache.iterdir()
    assert entry.stat().st_mode & 0o777 == 0o600
    dead = cache / f".{entry.name}.k2j3h4g5.tmp"      # this version's, its writer killed
    legacy = cache / ".tmp-q1w2e3r4"                  # a version before atomic_path's names
    busy = cache / f".{entry.name}.zz99yy88.tmp"      # a writer still at it (holds the lock)
    fresh = cache / f".{entry.name}.justmade.tmp"     # created, not yet locked
    other = cache / ".notes.txt.ab12cd34.tmp"         # not a cache entry's
    for p in (dead, legacy, busy, fresh, other):
        p.write_bytes(b'{"a":')
    for p in (dead, legacy, busy, other):
        os.utime(p, (p.stat().st_atime - 60, p.stat().st_mtime - 60))
    fd = os.open(busy, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        synced = []
        monkeypatch.setattr(os, "fsync", synced.append)
        assert load_yaml("b: 2\n") == {"b": 2}
        monkeypatch.undo()
        assert synced == []
        assert sorted(p.name for p in cache.iterdir() if p.name.startswith(".")) == sorted(
            [busy.name, fresh.name, other.name])
        assert len([p for p in cache.iterdir() if p.suffix == ".json"]) == 2
    finally:
        os.close(fd)


def test_a_missing_home_is_not_made(tmp_path, monkeypatch):
    """HOME=/nonexistent (a daemon's, Debian's for nobody) stays nonexistent, also for root;
    ~/.cache in an existing HOME is made as XDG says."""
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "nonexistent"))
    assert load_yaml("a: 1\n") == {"a": 1}
    assert not (tmp_path / "nonexistent").exists()
    monkeypatch.setenv("HOME", str(tmp_path))
    assert load_yaml("a: 1\n") == {"a": 1}
    assert len(list((tmp_path / ".cache" / "chosho-xlsx" / "yaml").iterdir())) == 1


def test_an_unwritable_cache_is_left_alone(tmp_path, monkeypatch):
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    assert load_yaml("a: 1\n") == {"a": 1}
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")
    assert resources._cache_entry("a: 1\n") is None


@settings(max_examples=60, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
                    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=8), kids, max_size=4),
                    max_leaves=12))
def test_any_document_reads_as_parsed(data):
    text = yaml.safe_dump({"doc": data}, allow_unicode=True)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XDG_CACHE_HOME", os.path.join(os.environ.get("TMPDIR", "/tmp"), "chosho-test-yaml-cache"))
        first, second = load_yaml(text), load_yaml(text)
    assert first == second == _fresh(text)


def test_a_warm_start_does_not_import_pyyaml(tmp_path):
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    code = ("import sys\nfrom chosho_xlsx.model.ruleset import load_ruleset\nload_ruleset()\n"
            "from chosho_xlsx.contract import spec\nspec.raw_contract()\nprint('YAML', 'yaml' in sys.modules)\n")
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env) for _ in range(2)]
    assert [r.stdout for r in runs] == ["YAML True\n", "YAML False\n"], runs[-1].stderr
