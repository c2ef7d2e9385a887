"""Atomic writes: a file appears complete or not at all, never half-written.

In: a target path (and, for the sweep, a folder and which targets' temporaries to look
for). Out: the file written whole, or left as it was; temporaries of writers that died
(kill -9, power lost) removed once provably stale. Every file we write goes through here:
the 調書 and the other workbooks, the portal's data folder, the YAML cache."""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import time
from collections.abc import Collection, Iterator
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None


def _file_mode(target: Path) -> int:
    """Keep an existing file's mode; a new file gets what open() would give it
    (mkstemp's 0600 would hide the 調書 from colleagues on a shared drive)."""
    try:
        return target.stat().st_mode & 0o777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


@contextlib.contextmanager
def atomic_path(target: Path, mode: int | None = None, durable: bool = True) -> Iterator[Path]:
    """Yield a temporary path beside `target`; on success it replaces `target`, on any
    failure it is removed and `target` is left as it was. `mode`: the new file's
    permissions (else an existing file's, or what open() would give). `durable=False`
    skips the fsync, for a cache that may be lost with the power but never half-read."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    # The target's name says what the temporary file is for, cut so that the temporary
    # name stays within 255 bytes however long the target's is.
    hint = target.name.encode("utf-8", "surrogateescape")[:200].decode("utf-8", "ignore")
    fd, tmp = tempfile.mkstemp(prefix=f".{hint}.", suffix=".tmp", dir=target.parent)
    if fcntl is not None:  # held until the end: a sweeper can tell a live write from a dead one
        fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        yield Path(tmp)
        if durable:
            with open(tmp, "rb+") as fh:
                os.fsync(fh.fileno())
        os.chmod(tmp, _file_mode(target) if mode is None else mode)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    finally:
        os.close(fd)


def write_text_atomic(target: Path, text: str) -> None:
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")


# A temporary file is created, then locked: one younger than this may be in between.
SETTLE_SECONDS = 10


def temporary_of(names: str) -> re.Pattern:
    """The name of atomic_path's temporary file for a target whose name matches the
    regular expression `names` (「.NAME.xxxxxxxx.tmp」)."""
    return re.compile(r"\.(?:" + names + r")\.[a-z0-9_]{8}\.tmp")


def sweep_temporaries(folder: Path, temporaries: re.Pattern, settle: float | None = SETTLE_SECONDS,
                      spare: Collection[str] = ()) -> list[Path]:
    """Remove the files in `folder` named as `temporaries` that no live process is
    writing (atomic_path holds a lock on its temporary until it is renamed or removed,
    and the kernel drops it when the writer dies, however it dies) and that are settled
    (older than `settle` seconds; None: whatever their age, for a caller whose own
    writers are known to be gone), but those named in `spare`; what was removed.
    Without flock (Windows) nothing can be proved stale: nothing."""
    if fcntl is None:
        return []
    removed = []
    settled = None if settle is None else time.time() - settle
    for path in sorted(folder.glob(".*")):
        if (temporaries.fullmatch(path.name) and path.name not in spare and not path.is_symlink()
                and path.is_file() and (settled is None or path.stat().st_mtime < settled)):
            try:
                fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
            except OSError:
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                os.unlink(path)
                removed.append(path)
            except OSError:
                pass  # being written
            finally:
                os.close(fd)
    return removed
