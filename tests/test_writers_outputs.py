"""`build` never loses or confuses files: it never writes over an input or a file it did
not write, its own outputs are never inputs, a rerun into the same folder works, a
failed rebuild leaves nothing stale looking current, long names fit the file system, a
full disk is one sentence, and a killed batch leaves nothing behind for long (issue 14
items 1, 2, 5, 6, 11, 14; issue 8 items 12, 13)."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from chosho_xlsx.writers.example import write_rows
from chosho_xlsx.writers.overview import FILE_NAME as OVERVIEW
from chosho_xlsx.writers.summary import FILE_NAME

from support.commands import cli
from support.corpus import rows_with

pytestmark = pytest.mark.slow


def one_sentence(stderr: str) -> None:
    assert "Traceback" not in stderr and "Exception ignored" not in stderr, stderr


# ---- 14.1: never over an input, never over a file the tool did not write ----------------


def test_an_input_named_like_its_output_is_never_overwritten(tmp_path):
    d = tmp_path / "d"
    write_rows(d / "R6_観光の振興.xlsx", rows_with("観光の振興"))
    before = (d / "R6_観光の振興.xlsx").read_bytes()
    proc = cli("build", str(d), "-o", str(d))
    assert (d / "R6_観光の振興.xlsx").read_bytes() == before  # the department's data is still there
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "入力ファイルを上書きしません" in proc.stdout
    one_sentence(proc.stderr)


def test_an_input_named_like_another_inputs_output_is_never_overwritten(tmp_path):
    d = tmp_path / "d"
    write_rows(d / "R6_港湾の整備.xlsx", rows_with("観光の振興"))  # named after the other 施策
    write_rows(d / "b.xlsx", rows_with("港湾の整備"))
    before = (d / "R6_港湾の整備.xlsx").read_bytes()
    proc = cli("build", str(d), "-o", str(d), "--lang", "en")
    assert (d / "R6_港湾の整備.xlsx").read_bytes() == before
    assert (d / "R6_観光の振興.xlsx").is_file()
    assert proc.returncode == 2
    assert "would overwrite an input" in proc.stdout


def test_a_file_the_tool_did_not_write_is_never_replaced(tmp_path):
    write_rows(tmp_path / "in" / "a.xlsx", rows_with("観光の振興"))
    out = tmp_path / "out"
    out.mkdir()
    (out / "R6_観光の振興.xlsx").write_bytes(b"someone's own file")
    (out / FILE_NAME).write_bytes(b"someone's own list")
    proc = cli("build", str(tmp_path / "in"), "-o", str(out))
    assert (out / "R6_観光の振興.xlsx").read_bytes() == b"someone's own file"
    assert (out / FILE_NAME).read_bytes() == b"someone's own list"
    assert proc.returncode == 2
    assert "chosho-xlsx が作成したものではない" in proc.stdout
    one_sentence(proc.stderr)


def test_the_example_build_never_replaces_a_file_it_did_not_write(tmp_path):
    target = tmp_path / "R6_ICTを活用した地域活性化と行政運営の効率化.xlsx"
    target.write_bytes(b"a clerk's notes")
    proc = cli("build", "-o", str(tmp_path))
    assert target.read_bytes() == b"a clerk's notes"
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "上書きしません" in proc.stderr


# ---- 14.2: --json over an input -----------------------------------------------------------


def test_json_over_an_input_is_refused(tmp_path):
    write_rows(tmp_path / "a.xlsx", rows_with("観光の振興"))
    before = (tmp_path / "a.xlsx").read_bytes()
    proc = cli("build", str(tmp_path / "a.xlsx"), "-o", str(tmp_path / "out"), "--json",
               str(tmp_path / "a.xlsx"))
    assert (tmp_path / "a.xlsx").read_bytes() == before
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "--json" in proc.stderr, proc.stderr
    assert not (tmp_path / "out").exists()  # refused before anything was written


def test_json_over_a_workbook_is_refused_in_the_example_build_too(tmp_path):
    book = tmp_path / "book.xlsx"
    write_rows(book, rows_with("観光の振興"))
    before = book.read_bytes()
    proc = cli("build", "-o", str(tmp_path / "out"), "--json", str(book))
    assert book.read_bytes() == before
    assert proc.returncode == 2
    one_sentence(proc.stderr)


# ---- 14.14: our outputs are never inputs; DIR -o DIR is rerunnable ------------------------


def test_build_into_its_own_input_folder_can_be_run_again(tmp_path):
    d = tmp_path / "d"
    write_rows(d / "観光.xlsx", rows_with("観光の振興"))
    write_rows(d / "港湾.xlsx", rows_with("港湾の整備"))
    first = cli("build", str(d), "-o", str(d))
    assert first.returncode == 0, first.stdout + first.stderr
    written = {p.name: p.read_bytes() for p in d.glob("R6_*.xlsx")}
    assert sorted(written) == ["R6_港湾の整備.xlsx", "R6_観光の振興.xlsx"]
    second = cli("build", str(d), "-o", str(d))
    assert second.returncode == 0, second.stdout + second.stderr
    assert "2件の調書を作成、0件は作成できませんでした" in second.stdout
    assert {p.name: p.read_bytes() for p in d.glob("R6_*.xlsx")} == written


def test_an_output_is_known_by_its_content_not_its_name(tmp_path):
    from chosho_xlsx.batch import build as batch
    from chosho_xlsx.writers import outputs

    d = tmp_path / "d"
    write_rows(d / "観光.xlsx", rows_with("観光の振興"))
    assert cli("build", str(d), "-o", str(tmp_path / "out")).returncode == 0
    # copied and renamed into the input folder: still ours, still not an input
    (d / "copy.xlsx").write_bytes((tmp_path / "out" / "R6_観光の振興.xlsx").read_bytes())
    (d / "list.xlsx").write_bytes((tmp_path / "out" / FILE_NAME).read_bytes())
    assert outputs.written_by_us(d / "copy.xlsx") == outputs.CHOSHO
    assert outputs.written_by_us(d / "list.xlsx") == outputs.SUMMARY
    assert outputs.written_by_us(d / "観光.xlsx") is None  # the department's workbook
    assert batch.inputs([d], tmp_path / "out2") == [d / "観光.xlsx"]
    # a department's workbook that happens to be called 一覧.xlsx is an input
    write_rows(d / FILE_NAME, rows_with("港湾の整備"))
    assert batch.inputs([d], d) == [d / FILE_NAME, d / "観光.xlsx"]


# ---- 8.13: one JSON shape, whatever the number of inputs ----------------------------------


def test_json_has_one_shape_for_one_input_and_for_several(tmp_path):
    write_rows(tmp_path / "in" / "a.xlsx", rows_with("観光の振興"))
    one = cli("build", str(tmp_path / "in" / "a.xlsx"), "-o", str(tmp_path / "o1"), "--json", "-")
    write_rows(tmp_path / "in" / "b.xlsx", rows_with("港湾の整備"))
    two = cli("build", str(tmp_path / "in"), "-o", str(tmp_path / "o2"), "--json", "-")
    example = cli("build", "-o", str(tmp_path / "o3"), "--json", "-")
    shapes = [json.loads(p.stdout) for p in (one, two, example)]
    assert [sorted(d) for d in shapes] == [["reports", "version"]] * 3
    assert [d["version"] for d in shapes] == [1, 1, 1]
    assert [[r["policy"] for r in d["reports"]] for d in shapes] == [
        ["観光の振興"], ["観光の振興", "港湾の整備"], ["ICTを活用した地域活性化と行政運営の効率化"]]


# ---- 14.5: names measured in bytes --------------------------------------------------------

NAME_MAX = 255  # bytes per file name on Linux (ext4, tmpfs, xfs) and macOS


def test_a_policy_of_83_kanji_is_built_under_a_name_that_fits(tmp_path):
    long = "長崎県の地域資源を活かした観光振興と交流人口の拡大による地域経済の活性化" * 3
    long = long[:83]
    write_rows(tmp_path / "in" / "a.xlsx", rows_with(long))
    out = tmp_path / "out"
    proc = cli("build", str(tmp_path / "in"), "-o", str(out))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    [written] = [p for p in out.glob("R6_*.xlsx")]
    assert len(written.name.encode()) <= 240 and len(written.name) <= 100
    assert written.name.startswith("R6_" + long[:60])


def test_long_policies_sharing_a_beginning_get_distinct_lasting_names():
    from chosho_xlsx.writers.naming import EXTENSION, safe_stem, unique_names

    a, b = "観光" * 60 + "甲", "観光" * 60 + "乙"
    names = unique_names([safe_stem(f"R6_{a}") + EXTENSION, safe_stem(f"R6_{b}") + EXTENSION])
    assert names[0] != names[1] and "_2" not in "".join(names)  # told apart by the content
    assert unique_names(names[::-1]) == names[::-1]  # not a matter of input order
    assert all(len(n.encode()) <= 240 and len(n) <= 100 for n in names)


@settings(max_examples=300, deadline=None)
@example(" . :")  # hypothesis found it: 「 _.xlsx」, a name beginning with a space
@given(st.integers(0, 400).flatmap(
    lambda n: st.text(st.sampled_from("長崎ａ😀 .:\t") | st.characters(min_codepoint=0x3000), min_size=n, max_size=n)))
def test_every_name_fits_in_bytes_and_characters(text):
    from chosho_xlsx.writers.naming import EXTENSION, safe_stem, unique_names

    name = safe_stem(text) + EXTENSION
    names = unique_names([name, name, name])
    assert len(set(names)) == 3
    for n in names:
        assert len(n.encode("utf-8", "surrogatepass")) <= 240 and len(n) <= 100, n
        assert n == n.strip() and not n.endswith((".", " "))
    assert safe_stem(text) == safe_stem(text)


def test_an_annotated_copy_of_a_long_named_input_fits(tmp_path):
    stem = "確" * 83  # 249 bytes + ".xlsx": the longest name Linux allows, nearly
    src = tmp_path / f"{stem}.xlsx"
    write_rows(src, rows_with("観光の振興"))
    other = tmp_path / "other.xlsx"
    write_rows(other, rows_with("港湾の整備"))
    proc = cli("validate", str(src), str(other), "--annotate", str(tmp_path / "ann"))
    assert proc.returncode == 0, proc.stderr
    names = sorted(p.name for p in (tmp_path / "ann").iterdir())
    assert len(names) == 2 and all(len(n.encode()) <= NAME_MAX for n in names)
    # the atomic writer's temporary name beside a target of the longest allowed name
    from chosho_xlsx.common.atomic import write_text_atomic

    target = tmp_path / ("字" * 83 + ".json")
    write_text_atomic(target, "{}")
    assert target.read_text() == "{}"


# ---- 14.6: a full disk is one sentence, exit 2, nothing partial ----------------------------


def _mount_full_tmpfs(where: Path) -> bool:
    """A real file system with no space left: a 64 KiB tmpfs (needs root), filled up."""
    where.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(where)],
                      capture_output=True).returncode != 0:
        return False
    fd = os.open(where / "filler", os.O_WRONLY | os.O_CREAT)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError as exc:
        assert exc.errno == errno.ENOSPC
    finally:
        os.close(fd)
    return True


def _file_size_limit() -> None:
    """In the child: writing past 4 KiB fails in the kernel (EFBIG), as a full disk does
    (ENOSPC), at the same write() calls; SIGXFSZ ignored so the call returns the error."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))


@pytest.fixture(params=["tmpfs", "rlimit"])
def no_space(request, tmp_path):
    """(a folder where writes fail, preexec_fn for the command): a full tmpfs when this
    runs as root, and always a file-size limit (no root needed)."""
    if request.param == "tmpfs":
        where = tmp_path / "full"
        if not _mount_full_tmpfs(where):
            pytest.skip("cannot mount a tmpfs here (not root); the rlimit case covers it")
        yield where, None
        subprocess.run(["umount", "-l", str(where)], capture_output=True)
    else:
        where = tmp_path / "limited"
        where.mkdir()
        yield where, _file_size_limit


def _left_behind(where: Path) -> list[str]:
    """What a failed command left: the filler, and a manifest written whole (a batch
    that wrote nothing says so, when there is room for that), are not leftovers."""
    from chosho_xlsx.writers.outputs import MANIFEST

    def whole_manifest(p: Path) -> bool:
        return p.name == MANIFEST and json.loads(p.read_text(encoding="utf-8"))["files"] == []

    return sorted(p.name for p in where.iterdir() if p.name != "filler" and not whole_manifest(p))


def test_a_full_disk_in_a_batch_is_exit_2_and_a_table(no_space, tmp_path):
    where, preexec = no_space
    write_rows(tmp_path / "in" / "a.xlsx", rows_with("観光の振興"))
    write_rows(tmp_path / "in" / "b.xlsx", rows_with("港湾の整備"))
    proc = cli("build", str(tmp_path / "in"), "-o", str(where), "--jobs", "2", preexec_fn=preexec)
    one_sentence(proc.stderr + proc.stdout)
    assert proc.returncode == 2
    assert "0件の調書を作成、2件は作成できませんでした" in proc.stdout
    assert "一覧を書き出せません" in proc.stdout
    assert _left_behind(where) == []


def test_a_full_disk_in_the_example_build_is_one_sentence(no_space):
    where, preexec = no_space
    proc = cli("build", "-o", str(where), preexec_fn=preexec)
    assert proc.returncode == 2
    one_sentence(proc.stderr)
    assert proc.stderr.count("\n") == 1 and "書き出せません" in proc.stderr, proc.stderr
    assert _left_behind(where) == []


def test_a_full_disk_under_annotate_is_one_sentence(no_space, tmp_path):
    where, preexec = no_space
    write_rows(tmp_path / "a.xlsx", rows_with("観光の振興"))
    proc = cli("validate", str(tmp_path / "a.xlsx"), "--annotate", str(where / "a.xlsx"),
               preexec_fn=preexec)
    assert proc.returncode == 2
    one_sentence(proc.stderr)
    assert "保存できません" in proc.stderr
    assert _left_behind(where) == []


@pytest.mark.parametrize("command", [["template"], ["example"], ["build", "--json"]])
def test_a_full_disk_for_the_other_writers_is_one_sentence(no_space, tmp_path, command):
    where, preexec = no_space
    if command[0] == "build":
        args = ["build", "-o", str(tmp_path / "out"), "--json", str(where / "x.json")]
    else:
        args = [*command, "-o", str(where / "x.xlsx")]
    proc = cli(*args, preexec_fn=preexec)
    assert proc.returncode == 2, proc.stderr
    one_sentence(proc.stderr)
    assert _left_behind(where) == []


# ---- 8.12: a failed rebuild leaves nothing stale looking current ---------------------------


def test_a_failed_rebuild_removes_its_earlier_chosho_and_only_ours(tmp_path):
    from chosho_xlsx.writers import outputs

    inp, out = tmp_path / "in", tmp_path / "out"
    write_rows(inp / "a.xlsx", rows_with("観光の振興"))
    write_rows(inp / "b.xlsx", rows_with("港湾の整備"))
    assert cli("build", str(inp), "-o", str(out)).returncode == 0
    assert json.loads((out / outputs.MANIFEST).read_text(encoding="utf-8")) == {
        "tool": "chosho-xlsx", "version": 1,
        "files": ["R6_港湾の整備.xlsx", "R6_観光の振興.xlsx", FILE_NAME, OVERVIEW]}
    (out / "notes.xlsx").write_bytes(b"the division's own notes")  # never ours
    (inp / "b.xlsx").write_bytes(b"damaged in transit")  # b's rebuild fails
    proc = cli("build", str(inp), "-o", str(out))
    assert proc.returncode == 2
    assert sorted(p.name for p in out.iterdir()) == [
        outputs.MANIFEST, "R6_観光の振興.xlsx", "notes.xlsx", FILE_NAME, OVERVIEW]
    assert "R6_港湾の整備.xlsx" in proc.stdout and "前回" in proc.stdout  # it says what it removed
    assert json.loads((out / outputs.MANIFEST).read_text(encoding="utf-8"))["files"] == [
        "R6_観光の振興.xlsx", FILE_NAME, OVERVIEW]


def test_the_manifest_never_removes_what_the_tool_did_not_write(tmp_path):
    from chosho_xlsx.writers import outputs

    inp, out = tmp_path / "in", tmp_path / "out"
    write_rows(inp / "a.xlsx", rows_with("観光の振興"))
    out.mkdir()
    (out / "mine.xlsx").write_bytes(b"not a workbook of ours")
    write_rows(out / "dept.xlsx", rows_with("港湾の整備"))  # a department's workbook
    (tmp_path / "elsewhere.xlsx").write_bytes(b"outside OUT")
    (out / outputs.MANIFEST).write_text(json.dumps(
        {"tool": "chosho-xlsx", "version": 1,
         "files": ["mine.xlsx", "dept.xlsx", "../elsewhere.xlsx", str(tmp_path / "elsewhere.xlsx")]}),
        encoding="utf-8")
    assert cli("build", str(inp), "-o", str(out)).returncode == 0
    assert (out / "mine.xlsx").is_file() and (out / "dept.xlsx").is_file()
    assert (tmp_path / "elsewhere.xlsx").is_file()


# ---- 14.11: after kill -9, workers end and leftovers are cleaned ---------------------------


def _children(pid: int) -> set[int]:
    found = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            found |= {int(c) for c in (task / "children").read_text().split()}
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in state  # a zombie has ended; nobody may be reaping it here


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_killing_the_batch_ends_its_workers_and_a_rerun_cleans_up(tmp_path):
    import time

    inp, out = tmp_path / "in", tmp_path / "out"
    for i in range(12):
        write_rows(inp / f"{i:02}.xlsx", rows_with(f"施策{i:02}"))
    proc = subprocess.Popen([sys.executable, "-m", "chosho_xlsx.cli", "build", str(inp), "-o", str(out),
                             "--jobs", "2"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers: set[int] = set()  # and the keeper that forked them (batch.keeper), if any
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (len(workers) >= 2 and list(out.glob(".chosho-build-*/*"))):
        workers = _children(proc.pid)
        workers |= {w for c in workers for w in _children(c)}
        time.sleep(0.02)
    assert len(workers) >= 2, "the batch's two workers never showed"
    proc.kill()  # kill -9: no handler in the parent runs
    proc.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_alive(w) for w in workers):
        time.sleep(0.05)
    orphans = [w for w in workers if _alive(w)]
    for w in orphans:  # never leave them running, even when the test fails
        with contextlib.suppress(OSError):
            os.kill(w, signal.SIGKILL)
    assert not orphans, "workers outlived their parent"
    assert list(out.glob(".chosho-build-*")), "the killed batch left its temporary folder"
    rerun = cli("build", str(inp), "-o", str(out))
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert list(out.glob(".chosho-build-*")) == []
    assert len(list(out.glob("R6_*.xlsx"))) == 12


def test_only_stale_leftovers_that_are_provably_ours_are_removed(tmp_path):
    import fcntl

    inp, out = tmp_path / "in", tmp_path / "out"
    write_rows(inp / "a.xlsx", rows_with("観光の振興"))
    stale = out / ".chosho-build-dead1"
    stale.mkdir(parents=True)
    (stale / "3.xlsx").write_bytes(b"PK partial")
    (stale / ".4.xlsx.k2j3h4g5.tmp").write_bytes(b"PK half")
    busy = out / ".chosho-build-busy1"  # another batch, still running: it holds the lock
    busy.mkdir()
    (busy / "0.xlsx").write_bytes(b"PK")
    foreign = out / ".chosho-build-notes"  # named like ours, but holding something else
    foreign.mkdir()
    (foreign / "memo.txt").write_text("not ours")
    # the atomic writer's temporary files of the 一覧 and the manifest, of a killed batch
    (out / f".{FILE_NAME}.ab12cd34.tmp").write_bytes(b"PK half")
    (out / "..chosho-manifest.json.zz99yy88.tmp").write_bytes(b"{")
    (out / ".notes.txt.ab12cd34.tmp").write_bytes(b"someone else's")
    for p in out.glob(".*.tmp"):  # from a batch killed a minute ago
        os.utime(p, (p.stat().st_atime - 60, p.stat().st_mtime - 60))
    (out / f".{FILE_NAME}.justmade.tmp").write_bytes(b"")  # created, not yet locked: left alone
    fd = os.open(busy, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        proc = cli("build", str(inp), "-o", str(out))
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert sorted(p.name for p in out.glob(".chosho-build-*")) == [busy.name, foreign.name]
        assert (busy / "0.xlsx").is_file() and (foreign / "memo.txt").is_file()
        assert sorted(p.name for p in out.glob(".*.tmp")) == [".notes.txt.ab12cd34.tmp", f".{FILE_NAME}.justmade.tmp"]
    finally:
        os.close(fd)


def test_a_name_in_cp932_is_shown_not_a_traceback(tmp_path):
    """A Windows zip unpacked on Linux keeps its names' CP932 bytes; a strict UTF-8
    output (a ja_JP.UTF-8 terminal) took validate and build down with UnicodeEncodeError.
    The file is read by its real name, and shown as the clerk named it."""
    inp = tmp_path / "in"
    write_rows(inp / "a.xlsx", rows_with("観光の振興"))
    os.rename(inp / "a.xlsx", os.path.join(os.fsencode(inp), b"\x8c\x9f\x8f\xd8.xlsx"))
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    text = cli("validate", inp, env=env)
    assert text.returncode == 0 and "Traceback" not in text.stderr, text.stderr
    assert "検証.xlsx" in text.stdout
    data = json.loads(cli("validate", inp, "--format", "json", env=env).stdout)
    assert [f["file"] for f in data["files"]] == [str(inp / "検証.xlsx")]
    built = cli("build", inp, "-o", tmp_path / "out", env=env)
    assert built.returncode == 0 and "Traceback" not in built.stderr, built.stderr
    assert "検証.xlsx" in built.stdout and (tmp_path / "out" / FILE_NAME).is_file()


def test_an_annotated_copy_never_overwrites_another_input(tmp_path):
    d = tmp_path / "d"
    write_rows(d / "a.xlsx", rows_with("観光の振興"))
    write_rows(d / "a.annotated.xlsx", rows_with("港湾の整備"))  # corrected by a clerk, sent back
    before = (d / "a.annotated.xlsx").read_bytes()
    proc = cli("validate", str(d), "--annotate", str(d))
    assert (d / "a.annotated.xlsx").read_bytes() == before
    assert proc.returncode == 2
    one_sentence(proc.stderr)
    assert "入力ファイルを上書きしません" in proc.stderr


def test_an_output_named_as_an_input_is_refused_by_its_content(tmp_path):
    write_rows(tmp_path / "in" / "a.xlsx", rows_with("観光の振興"))
    out = tmp_path / "out"
    assert cli("build", str(tmp_path / "in"), "-o", str(out)).returncode == 0
    renamed = tmp_path / "提出_観光.xlsx"
    renamed.write_bytes((out / "R6_観光の振興.xlsx").read_bytes())
    proc = cli("validate", str(renamed), str(out / FILE_NAME), "--format", "json")
    files = json.loads(proc.stdout)["files"]
    assert [f["findings"][0]["code"] for f in files] == ["E-FILE-OUTPUT", "E-FILE-OUTPUT"]
    assert files[0]["findings"][0]["message"] == (
        f"chosho-xlsx が作成した調書で、部局の入力ブックではありません: {renamed}")
    assert proc.returncode == 2
    proc = cli("build", str(renamed), "-o", str(tmp_path / "out2"), "--lang", "en")
    assert proc.returncode == 2
    assert "written by chosho-xlsx (a 調書), not a department's input workbook" in proc.stdout


def test_looking_for_the_mark_never_parses_a_crafted_central_directory(tmp_path, monkeypatch):
    """inputs() looks for the mark in every workbook of a folder before the safety check
    runs: a zip of more parts than a workbook may have is never handed to zipfile."""
    import zipfile

    from chosho_xlsx.intake.safety import MAX_MEMBERS
    from chosho_xlsx.writers import outputs

    bomb = tmp_path / "many.xlsx"
    with zipfile.ZipFile(bomb, "w") as z:
        for i in range(MAX_MEMBERS + 1):
            z.writestr(f"p{i}", b"")

    def refuse(*a, **k):
        raise AssertionError("zipfile parsed the central directory")

    monkeypatch.setattr(outputs.zipfile, "ZipFile", refuse)
    assert outputs.written_by_us(bomb) is None


def test_validate_of_a_folder_leaves_out_what_build_wrote_there(tmp_path):
    d = tmp_path / "d"
    write_rows(d / "観光.xlsx", rows_with("観光の振興"))
    assert cli("build", str(d), "-o", str(d)).returncode == 0
    proc = cli("validate", str(d), "--format", "json")
    assert proc.returncode == 0, proc.stdout
    assert [f["file"] for f in json.loads(proc.stdout)["files"]] == [str(d / "観光.xlsx")]


def test_the_mark_is_found_however_large_the_embedded_input(tmp_path):
    """The 調書 also carries its input for `rollover` (embed.py) as custom properties
    after the mark; a long text makes that part larger than what is read of it."""
    import random
    import zipfile

    from chosho_xlsx.writers import outputs

    rows = rows_with("観光の振興")
    rng = random.Random(14)
    rows["課題"][0]["実績の検証及び解決すべき課題"] = "".join(
        chr(rng.randrange(0x4E00, 0x9FA0)) for _ in range(30_000))  # does not compress
    d = tmp_path / "d"
    write_rows(d / "a.xlsx", rows)
    assert cli("build", str(d), "-o", str(d)).returncode == 0
    chosho = d / "R6_観光の振興.xlsx"
    with zipfile.ZipFile(chosho) as z:
        assert z.getinfo("docProps/custom.xml").file_size > 2 * (1 << 16)
    assert outputs.written_by_us(chosho) == outputs.CHOSHO
    again = cli("build", str(d), "-o", str(d))
    assert again.returncode == 0, again.stdout + again.stderr


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_looking_for_the_mark_never_blocks_on_a_fifo(tmp_path):
    import threading

    from chosho_xlsx.writers import outputs

    os.mkfifo(tmp_path / "pipe.xlsx")
    found = []
    t = threading.Thread(target=lambda: found.append(outputs.written_by_us(tmp_path / "pipe.xlsx")),
                         daemon=True)
    t.start()
    t.join(30)
    assert not t.is_alive(), "opening a FIFO to look for the mark blocked"
    assert found == [None]
