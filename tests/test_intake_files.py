"""What a command is given: symlink loops, FIFOs and folders the user cannot read are
reported with one sentence and exit 2, never a traceback, never left out silently
(issue 14.9, 14.10)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from chosho_xlsx.intake.files import expand
from chosho_xlsx.writers.example import write_rows

from support.commands import cli
from support.corpus import rows_with


def files_of(proc: subprocess.CompletedProcess) -> dict[str, list[str]]:
    """file → its finding codes, from `validate --format json`."""
    return {f["file"]: [x["code"] for x in f["findings"]] for f in json.loads(proc.stdout)["files"]}


def loop(path: Path) -> Path:
    path.symlink_to(path.name)  # a link to itself
    return path


# ---- symlink loops (14.9) --------------------------------------------------------------


@pytest.mark.parametrize("command", ["validate", "build"])
def test_a_symlink_loop_given_is_exit_2_with_one_sentence(tmp_path, command):
    path = loop(tmp_path / "loop.xlsx")
    args = ["-o", str(tmp_path / "out")] if command == "build" else []
    proc = cli(command, str(path), *args)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "Too many levels of symbolic links" in proc.stdout
    assert f"ファイルを読み込めません（Too many levels of symbolic links）: {path}" in proc.stdout.replace("\n", "")


def test_a_symlink_loop_as_the_output_folder_is_one_sentence(tmp_path):
    write_rows(tmp_path / "a.xlsx", rows_with("観光の振興"))
    out = loop(tmp_path / "out")
    proc = cli("build", str(tmp_path / "a.xlsx"), "-o", str(out))
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith(f"書き出せません / cannot write {out}: ")
    assert proc.stderr.count("\n") == 1


@pytest.mark.slow
def test_annotate_onto_a_symlink_loop_is_one_sentence(tmp_path):
    write_rows(tmp_path / "a.xlsx", rows_with("観光の振興"))
    proc = cli("validate", str(tmp_path / "a.xlsx"), "--annotate", str(loop(tmp_path / "x.xlsx")))
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr


def test_loops_fifos_and_links_in_a_scanned_folder(tmp_path):
    """In a folder: a looping link and a FIFO named like workbooks are each reported
    (without blocking on the FIFO); a link to a folder above is not followed (no loop,
    no workbook counted twice)."""
    folder = tmp_path / "in"
    write_rows(folder / "a.xlsx", rows_with("観光の振興"))
    loop(folder / "loop.xlsx")
    os.mkfifo(folder / "pipe.xlsx")
    (folder / "sub").mkdir()
    (folder / "sub" / "up").symlink_to("..", target_is_directory=True)
    (folder / "broken.xlsx").symlink_to("nowhere.xlsx")
    assert expand([folder]) == [folder / n for n in ("a.xlsx", "broken.xlsx", "loop.xlsx", "pipe.xlsx")]
    proc = cli("validate", str(folder), "--format", "json")
    assert proc.returncode == 2
    assert files_of(proc) == {
        str(folder / "a.xlsx"): ["W-REVIEW-CONFLICT"],
        str(folder / "broken.xlsx"): ["E-FILE-MISSING"],
        str(folder / "loop.xlsx"): ["E-FILE-UNREADABLE"],
        str(folder / "pipe.xlsx"): ["E-FILE-UNREADABLE"],
    }


# ---- folders the user cannot read (14.10) -------------------------------------------------


def _tree(tmp_path: Path) -> tuple[Path, Path, Path]:
    folder = tmp_path / "in"
    write_rows(folder / "a.xlsx", rows_with("観光の振興"))
    secret = folder / "secret"
    write_rows(secret / "b.xlsx", rows_with("港湾の整備"))
    return folder, folder / "a.xlsx", secret


def _without_read_rights() -> tuple[str, ...] | None:
    """A command prefix under which files are checked against their permission bits:
    root without the capabilities that let it read everything (root is the owner of
    the test's files, so a mode of 000 keeps it out). None where that is unavailable."""
    setpriv = shutil.which("setpriv")
    if os.geteuid() != 0 or setpriv is None:
        return None
    prefix = (setpriv, "--bounding-set=-dac_override,-dac_read_search")
    probe = subprocess.run([*prefix, "true"], capture_output=True)
    return prefix if probe.returncode == 0 else None


PREFIX = _without_read_rights()


@pytest.mark.skipif(PREFIX is None, reason="needs root and setpriv to drop the read-everything capabilities")
@pytest.mark.parametrize("lang", ["ja", "en"])
def test_unreadable_subfolder_is_reported_by_validate(tmp_path, lang):
    folder, a, secret = _tree(tmp_path)
    secret.chmod(0)
    try:
        proc = cli("validate", str(folder), "--format", "json", "--lang", lang, prefix=PREFIX)
    finally:
        secret.chmod(0o755)
    assert proc.returncode == 2, proc.stderr
    doc = json.loads(proc.stdout)["files"]
    assert [(f["file"], f["readable"]) for f in doc] == [(str(a), True), (str(secret), False)]
    message = {
        "ja": f"フォルダーの中を読めないため、その中のブックは検査していません（Permission denied）: {secret}",
        "en": f"Cannot list this folder, so the workbooks in it were not checked (Permission denied): {secret}",
    }[lang]
    assert [(x["code"], x["message"]) for x in doc[1]["findings"]] == [("E-FILE-FOLDER-UNREADABLE", message)]


@pytest.mark.slow
@pytest.mark.skipif(PREFIX is None, reason="needs root and setpriv to drop the read-everything capabilities")
def test_unreadable_subfolder_is_reported_by_build(tmp_path):
    folder, _, secret = _tree(tmp_path)
    secret.chmod(0)
    try:
        proc = cli("build", str(folder), "-o", str(tmp_path / "out"), "--lang", "en", prefix=PREFIX)
    finally:
        secret.chmod(0o755)
    assert proc.returncode == 2, proc.stderr
    row = next(line for line in proc.stdout.splitlines() if line.startswith(f"│ {secret} "))
    assert "│ unreadable │ Cannot list this folder" in row
    assert "1 調書 built, 1 not built" in proc.stdout
    assert (tmp_path / "out" / "R6_観光の振興.xlsx").is_file()


@pytest.mark.skipif(PREFIX is None, reason="needs root and setpriv to drop the read-everything capabilities")
def test_an_unreadable_folder_given_is_refused(tmp_path):
    """Named on the command line, it is refused before anything runs (the argument
    parser checks that what it is given can be read)."""
    folder, _, _ = _tree(tmp_path)
    folder.chmod(0)
    try:
        proc = cli("validate", str(folder), "--format", "json", prefix=PREFIX)
    finally:
        folder.chmod(0o755)
    assert proc.returncode == 2
    # click's own sentence (「Path …」 or 「path …」 by its version)
    assert f"ath '{folder}' is not readable" in proc.stderr


def test_a_folder_whose_listing_fails_is_kept_in_place(tmp_path, monkeypatch):
    """The same without a real permission (for machines without setpriv): listing the
    subfolder raises PermissionError."""
    folder, a, secret = _tree(tmp_path)
    real_scandir = os.scandir

    def scandir(path="."):
        if os.fspath(path) == str(secret):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    assert expand([folder]) == [a, secret]
    from chosho_xlsx.model.ruleset import load_ruleset
    from chosho_xlsx.pipeline import check_file

    checked = check_file(secret, load_ruleset())
    assert checked.unreadable
    assert [f.code for f in checked.findings] == ["E-FILE-FOLDER-UNREADABLE"]
    assert checked.findings[0].params["reason"] == "Permission denied"
