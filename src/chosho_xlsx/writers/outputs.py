"""What chosho-xlsx wrote, known by its content, and what it may therefore replace.

Every workbook `build` writes (each 調書 and the 一覧) carries the custom document
property 「chosho-xlsx」 (Excel: ファイル ▸ 情報 ▸ プロパティ ▸ ユーザー設定), whose value says
which it is. It is part of the file, deterministic, and survives copying and renaming,
which a name does not. The department's input workbooks (the template, the example,
annotated copies a clerk may correct and send back) never carry it.

Two rules rest on it:
- an output is never an input: a folder holding earlier 調書 can be built again;
- a file is replaced only when it is ours and nobody has saved it since: its
  'modified' time is still the 'created' time we wrote (saving in Excel sets
  'modified' to the moment of saving). An input is never replaced, whatever it
  holds, and neither is anything else: such an output is not written, with a reason."""

from __future__ import annotations

import json
import os
import re
import stat
import zipfile
from pathlib import Path

from chosho_xlsx.common.sentences import both
from chosho_xlsx.intake.safety import MAX_MEMBERS, central_directory_count

MARKER = "chosho-xlsx"  # the custom property's name
CHOSHO = "調書"
SUMMARY = "一覧"
OVERVIEW = "評価結果概要"
_KINDS = (CHOSHO, SUMMARY, OVERVIEW)
_MAX_PART = 1 << 16  # how much of a property part is read, whatever its size

_CUSTOM = re.compile(r'<property\b[^>]*\bname="' + re.escape(MARKER) + r'"[^>]*>\s*<vt:lpwstr>([^<]*)</vt:lpwstr>')
_CREATED = re.compile(r"<dcterms:created\b[^>]*>([^<]*)</dcterms:created>")
_MODIFIED = re.compile(r"<dcterms:modified\b[^>]*>([^<]*)</dcterms:modified>")

# Every XlsxWriter workbook we write: a department's text stays text (never turned into a
# formula, a number or a link), built in memory (a full disk is the plain write's OSError).
WORKBOOK_OPTIONS = {
    "strings_to_formulas": False,
    "strings_to_numbers": False,
    "strings_to_urls": False,
    "in_memory": True,
}


def mark(workbook, kind: str) -> None:
    """Mark an XlsxWriter workbook as this tool's output of `kind` (CHOSHO, SUMMARY)."""
    workbook.set_custom_property(MARKER, kind)


def _part(archive: zipfile.ZipFile, name: str) -> str:
    """The beginning of a part: the mark is the first custom property we write (the
    input embedded for `rollover`, embed.py, follows it and may be large)."""
    try:
        info = archive.getinfo(name)
    except KeyError:
        return ""
    with archive.open(info) as fh:
        return fh.read(_MAX_PART).decode("utf-8", "replace")


def _few_parts(fh) -> bool:
    """Whether the zip's central directory is of a workbook's size, counted without
    building it (this runs on every file of a folder, before the safety check)."""
    try:
        return central_directory_count(fh, os.fstat(fh.fileno()).st_size) <= MAX_MEMBERS
    except Exception:  # not a zip, damaged, unreadable: not ours either way
        return False


def _stamp(path: str | os.PathLike) -> tuple[str | None, bool]:
    """(kind, untouched): the marker's value (None when absent or not a workbook), and
    whether the file is as we wrote it (nobody has saved it since). A FIFO or a device
    named like a workbook is opened without blocking and never read."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None, False
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        return None, False
    with os.fdopen(fd, "rb") as fh:
        if not _few_parts(fh):
            return None, False
        try:
            with zipfile.ZipFile(fh) as archive:
                return stamp_of(archive)
        except (OSError, zipfile.BadZipFile, ValueError, RuntimeError, NotImplementedError):
            return None, False


def stamp_of(archive: zipfile.ZipFile) -> tuple[str | None, bool]:
    """_stamp of a zip already open (intake's Package: its directory is of a sane size)."""
    try:
        found = _CUSTOM.search(_part(archive, "docProps/custom.xml"))
        if not found or found.group(1) not in _KINDS:
            return None, False
        core = _part(archive, "docProps/core.xml")
    except (OSError, zipfile.BadZipFile, ValueError, RuntimeError, NotImplementedError, EOFError):
        return None, False
    created, modified = _CREATED.search(core), _MODIFIED.search(core)
    untouched = bool(created and modified and created.group(1) == modified.group(1))
    return found.group(1), untouched


def written_by_us(path: str | os.PathLike) -> str | None:
    """CHOSHO or SUMMARY when this tool wrote the file (edited since or not), else None."""
    return _stamp(path)[0]


def file_ids(paths) -> set[tuple[int, int]]:
    """(device, inode) of each existing path: what `refusal` compares targets with, so that
    another spelling, a hard link or a symbolic link of an input is still that input."""
    ids = set()
    for p in paths:
        try:
            st = os.stat(p)
        except OSError:
            continue
        ids.add((st.st_dev, st.st_ino))
    return ids


def same_file(a: str | os.PathLike, b: str | os.PathLike) -> bool:
    """One file, by name (links resolved, a loop included) or by device and inode."""
    return os.path.realpath(a) == os.path.realpath(b) or bool(file_ids([a]) & file_ids([b]))


_OVER_INPUT = ("入力ファイルを上書きしません。別の書き出し先を指定してください / "
               "would overwrite an input; choose another place to write to: {target}")


def input_refusal(target: str | os.PathLike, inputs: set[tuple[int, int]]) -> str | None:
    """One sentence when `target` is one of the inputs (by device and inode), else None."""
    return _OVER_INPUT.format(target=target) if file_ids([target]) & inputs else None


def refusal(target: str | os.PathLike, inputs: set[tuple[int, int]]) -> str | None:
    """Why `target` must not be (re)written, as one sentence (ja / en); None when it may:
    it does not exist, or it is an output of ours that nobody has saved since."""
    try:
        st = os.stat(target)
    except FileNotFoundError:
        return None
    except OSError as exc:
        return f"{both('write.cannot-check')} ({exc.strerror or type(exc).__name__}): {target}"
    if (st.st_dev, st.st_ino) in inputs:
        return _OVER_INPUT.format(target=target)
    kind, untouched = _stamp(target) if stat.S_ISREG(st.st_mode) else (None, False)
    if kind is None:
        return (f"同じ名前の、chosho-xlsx が作成したものではないファイルがあるため上書きしません / "
                f"a file of that name exists that chosho-xlsx did not write; it is left as it is: {target}")
    if not untouched:
        return (f"chosho-xlsx が作成した後に保存し直されたファイルのため上書きしません / "
                f"chosho-xlsx wrote this file but someone has saved it since; it is left as it is: {target}")
    return None


def json_refusal(json_path: str | None, inputs: set[tuple[int, int]]) -> str | None:
    """`--json PATH` never replaces an input or any workbook (a JSON text would take its
    place); None when the path may be written."""
    if not json_path or json_path == "-":
        return None
    try:
        st = os.stat(json_path)
    except OSError:
        return None
    is_input = (st.st_dev, st.st_ino) in inputs
    if not is_input:
        if not stat.S_ISREG(st.st_mode):
            return None  # a folder or a device: writing fails and says so
        try:
            with open(json_path, "rb") as fh:
                if fh.read(4) != b"PK\x03\x04":
                    return None
        except OSError:
            return None
    return (f"--json の書き出し先が入力ファイルまたは Excel ブックのため書き出しません / "
            f"--json would overwrite {'an input' if is_input else 'a workbook'}: {Path(json_path)}")


# ---- the manifest: which files the last batch wrote into OUT ------------------------------

MANIFEST = ".chosho-manifest.json"
MANIFEST_VERSION = 1


def read_manifest(out: Path) -> list[str]:
    """The file names the last batch wrote into `out` ([] when there is no manifest, or
    it is not ours). Only plain names of files in `out` are kept: a name with a folder
    in it, or a hidden one, is never acted on."""
    try:
        data = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    if not isinstance(data, dict) or data.get("tool") != MARKER or not isinstance(data.get("files"), list):
        return []
    return [n for n in data["files"]
            if isinstance(n, str) and n and n == Path(n).name and n not in (".", "..") and not n.startswith(".")]


def write_manifest(out: Path, names) -> None:
    """Record `names` as what this batch wrote into `out` (atomically; same names, same
    bytes)."""
    # lazy: validate imports this module and writes nothing
    from chosho_xlsx.common.atomic import write_text_atomic

    data = {"tool": MARKER, "version": MANIFEST_VERSION, "files": sorted(set(names))}
    write_text_atomic(out / MANIFEST, json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def retire(out: Path, previous, written, inputs: set[tuple[int, int]]) -> list[Path]:
    """Remove the files of the earlier batch that this one did not write again, so that
    none of them looks current; only those that are still as this tool wrote them (marked,
    nobody has saved them since, not an input). The removed paths, sorted."""
    removed = []
    for name in sorted(set(previous) - set(written)):
        path = out / name
        if path.is_file() and not path.is_symlink() and refusal(path, inputs) is None:
            try:
                path.unlink()
            except OSError:
                continue
            removed.append(path)
    return removed
