"""The bytes a build writes, pinned: the example's 調書 as `chosho-xlsx build` writes it from `chosho-xlsx example`, and the same 調書 from the example saved again by
LibreOffice or Gnumeric. Work on speed (issue 22) or on how a file is read (issue 24's
.ods) must leave these bytes as they are; a change that means to alter the output
updates the hashes here in the same commit, saying why."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest

from support.commands import chosho_files, cli
from support.recalc import GNUMERIC, LIBREOFFICE, skip_if_missing

pytestmark = pytest.mark.slow

# sha256 of the example's 調書 (the 一覧 names the input's folder, so it is not pinned)
CHOSHO_SHA256 = "14cf4e19a222960ec8585cd1c20d376e6d0921d3f1617cda0aa6a5d08a6c4b02"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _build(source: Path, out: Path) -> Path:
    proc = cli("build", source, "-o", out)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (chosho,) = chosho_files(out)
    return chosho


@pytest.fixture(scope="module")
def example(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("example")
    path = folder / "example.xlsx"
    proc = cli("example", "-o", path)
    assert proc.returncode == 0, proc.stderr
    return path


def test_the_examples_chosho_is_pinned(example, tmp_path):
    assert _sha(_build(example, tmp_path / "out")) == CHOSHO_SHA256


def _resaved(program: str, source: Path, target_ext: str, folder: Path) -> Path:
    """`source` opened and saved as `target_ext` by `program`, as a clerk would."""
    skip_if_missing(program)
    folder.mkdir(parents=True, exist_ok=True)
    if program == LIBREOFFICE:
        from chosho_xlsx.render import libreoffice

        return libreoffice.convert(source, target_ext, folder, recalc=False)
    target = folder / f"{source.stem}.{target_ext}"
    subprocess.run([shutil.which("ssconvert"), str(source), str(target)], check=True,
                   capture_output=True, timeout=300)
    return target


@pytest.mark.libreoffice
@pytest.mark.parametrize("program", [LIBREOFFICE, GNUMERIC])
def test_the_example_saved_as_xlsx_by_another_program_builds_the_same_chosho(example, program, tmp_path):
    resaved = _resaved(program, example, "xlsx", tmp_path / "resaved")
    assert resaved.read_bytes() != example.read_bytes()
    assert _sha(_build(resaved, tmp_path / "out")) == CHOSHO_SHA256
